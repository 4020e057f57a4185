/**
 * The settings registry: each setting declared once (name, flags, codec, default, doc).
 *
 * The command line is generated from it, and every value from any source is decoded through its
 * codec, so a bad value always gets the same one-line error. Defaults that Gunicorn reads from
 * the environment (`PORT`, `WEB_CONCURRENCY`) say so, and the error then names that variable.
 *
 * @example
 * settings.workers.flags // ['-w', '--workers']
 */
import {
  BindList, NonNegativeInt, OneOf, PositiveInt, Seconds, type Codec,
} from '../streams/codecs';
import type { BindAddress } from '../streams/bind-address';

/** Where a default comes from: a constant, or an environment variable Gunicorn also reads. */
export interface DefaultValue {
  readonly value: unknown;
  /** The env var the value was read from, for error messages. */
  readonly env?: string;
}

export interface Setting<A> {
  readonly name: string;
  readonly flags: readonly string[];
  readonly metavar?: string;
  readonly codec: Codec<A>;
  readonly default: (env: NodeJS.ProcessEnv) => DefaultValue;
  /** Given several times on the command line, the values accumulate (like `-b`). */
  readonly repeatable?: boolean;
  readonly section: string;
  readonly doc: string;
}

const setting = <A>(s: Setting<A>): Setting<A> => s;
const constant = (value: unknown) => (): DefaultValue => ({ value });

export const LOG_LEVEL_NAMES = ['debug', 'info', 'warning', 'error', 'critical'] as const;

export const settings = {
  bind: setting<readonly BindAddress[]>({
    name: 'bind', flags: ['-b', '--bind'], metavar: 'ADDRESS', codec: BindList, repeatable: true,
    default: (env) => (env.PORT ? { value: [`0.0.0.0:${env.PORT}`], env: 'PORT' } : { value: ['127.0.0.1:8000'] }),
    section: 'Server Socket',
    doc: 'The socket to bind: HOST, HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N; repeat for several.',
  }),
  backlog: setting({
    name: 'backlog', flags: ['--backlog'], metavar: 'INT', codec: PositiveInt, default: constant(2048),
    section: 'Server Socket', doc: 'The maximum number of pending connections (the listen() backlog).',
  }),
  workers: setting({
    name: 'workers', flags: ['-w', '--workers'], metavar: 'INT', codec: PositiveInt,
    default: (env) => (env.WEB_CONCURRENCY ? { value: env.WEB_CONCURRENCY, env: 'WEB_CONCURRENCY' } : { value: 1 }),
    section: 'Worker Processes', doc: 'The number of worker processes.',
  }),
  workerClass: setting({
    name: 'workerClass', flags: ['-k', '--worker-class'], metavar: 'STRING', codec: OneOf(['async'] as const),
    default: constant('async'), section: 'Worker Processes',
    doc: 'The worker type. async: many concurrent requests per worker, keep-alive on.',
  }),
  workerConnections: setting({
    name: 'workerConnections', flags: ['--worker-connections'], metavar: 'INT', codec: PositiveInt,
    default: constant(1000), section: 'Worker Processes', doc: 'The most requests a worker runs at once.',
  }),
  timeout: setting({
    name: 'timeout', flags: ['-t', '--timeout'], metavar: 'INT', codec: Seconds, default: constant(30),
    section: 'Worker Processes',
    doc: 'Workers silent (event loop blocked) for more than this many seconds are killed and restarted; 0 disables.',
  }),
  gracefulTimeout: setting({
    name: 'gracefulTimeout', flags: ['--graceful-timeout'], metavar: 'INT', codec: Seconds, default: constant(30),
    section: 'Worker Processes', doc: 'Seconds workers get to finish in-flight requests after TERM, before SIGKILL.',
  }),
  keepalive: setting({
    name: 'keepalive', flags: ['--keep-alive'], metavar: 'INT', codec: NonNegativeInt, default: constant(2),
    section: 'Worker Processes', doc: 'Seconds to wait for the next request on a keep-alive connection; 0 disables keep-alive.',
  }),
  appKind: setting({
    name: 'appKind', flags: ['--app-kind'], metavar: 'KIND', codec: OneOf(['auto', 'node', 'fetch'] as const),
    default: constant('auto'), section: 'Server Mechanics',
    doc: 'How to call the app: auto-detect, a Node (req, res) listener, or a Fetch handler (request) => Response.',
  }),
  logLevel: setting({
    name: 'logLevel', flags: ['--log-level'], metavar: 'LEVEL', codec: OneOf(LOG_LEVEL_NAMES), default: constant('info'),
    section: 'Logging', doc: 'The granularity of error log output: debug, info, warning, error or critical.',
  }),
};

export type Settings = typeof settings;
export type SettingName = keyof Settings;
type ValueOf<S> = S extends Setting<infer A> ? A : never;

/** The validated configuration: one typed value per setting. */
export type Config = { readonly [K in SettingName]: ValueOf<Settings[K]> };

/** The long flag, as messages name a setting (`--workers`). */
export const flagOf = (s: { readonly flags: readonly string[] }): string => s.flags[s.flags.length - 1] as string;
