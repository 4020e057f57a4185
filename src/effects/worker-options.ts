/**
 * What the arbiter tells a worker process at spawn: the app, the listeners it inherits, and the
 * knobs it serves with. Passed as JSON in `RUNICORN_WORKER`, because a worker is a fresh `node`
 * process (Node has no `fork()` without `exec`).
 *
 * @example
 * env.RUNICORN_WORKER = encodeWorkerOptions(options);
 */
import { runicornError } from '../streams/errors';
import type { Http2Options } from '../streams/http2-settings';
import type { TlsSettings } from '../streams/tls-settings';
import type { WorkerClass } from '../streams/worker/policy';
import type { HttpSettings } from './http-guard';
import type { AppKind } from './load-app';
import type { LoggingOptions } from './log-setup';
import type { Privileges } from './privileges';
import type { ProxyProtocolOptions } from './proxy-protocol';

export interface WorkerOptions {
  readonly app: string;
  readonly appKind: AppKind;
  readonly cwd: string;
  /** Listening fds, in the worker's own numbering (3, 4, …). */
  readonly listenerFds: readonly number[];
  readonly backlog: number;
  /** Idle keep-alive time; 0 turns keep-alive off. */
  readonly keepAliveMs: number;
  /** `sync` pauses accepting while its one request runs and holds its heartbeat while it is stuck. */
  readonly workerClass: WorkerClass;
  /** A user's worker class (`-k ./my-worker.mjs`) built on `workerClass`: the worker runs its `init`. */
  readonly workerClassModule?: string;
  /** Requests the app may have in flight at once (the worker type's concurrency). */
  readonly workerConnections: number;
  readonly gracefulTimeoutMs: number;
  /** How often to tell the arbiter this worker's event loop still turns. */
  readonly heartbeatMs: number;
  /** The error and access logs, as the arbiter's settings say (each worker opens its own). */
  readonly logging: LoggingOptions;
  /** The arbiter's number for this worker (Gunicorn's `age`). */
  readonly id: number;
  /** Requests before the worker drains and exits to be replaced (jitter already added); 0 = never. */
  readonly maxRequests: number;
  /** Shown in the process title: `runicorn: worker [name]`. */
  readonly procName: string;
  /** The config file to load the worker-side hooks from. */
  readonly configFile: string | undefined;
  /** The resolved settings that survive JSON (functions are left out), for hooks' `config`. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Request limits, slow-client timeouts and trusted proxies (Gunicorn's defaults when absent). */
  readonly http?: HttpSettings;
  /** Who the worker becomes before it loads anything (`--user`, `--group`, `--initgroups`). */
  readonly privileges?: Privileges;
  /** Read a PROXY protocol header first on each connection (`--proxy-protocol` not off). */
  readonly proxyProtocol?: ProxyProtocolOptions;
  /** Serve HTTPS: the files are read as the worker starts (`--keyfile`, `--certfile`, …); absent = plain HTTP. */
  readonly tls?: TlsSettings;
  /** The session ticket keys every worker of this configuration shares (48 bytes, base64; see `newTicketKeys`). */
  readonly tlsTicketKeys?: string;
  /** Serve HTTP/2 (`--http-protocols` with h2, over TLS or h2c with prior knowledge); absent = HTTP/1 only. */
  readonly http2?: Http2Options;
}

export const WORKER_ENV = 'RUNICORN_WORKER';

export const encodeWorkerOptions = (options: WorkerOptions): string => JSON.stringify(options);

/**
 * The options the arbiter passed in `RUNICORN_WORKER`.
 *
 * Throws `RUNICORN_NOT_A_WORKER` when the variable is missing: the worker entry point was
 * started by hand.
 *
 * @example
 * const options = decodeWorkerOptions(process.env.RUNICORN_WORKER);
 */
export function decodeWorkerOptions(text: string | undefined): WorkerOptions {
  if (!text) throw runicornError('RUNICORN_NOT_A_WORKER', { variable: WORKER_ENV });
  return JSON.parse(text) as WorkerOptions;
}

/** IPC messages from a worker to its arbiter. */
export type WorkerMessage =
  | { readonly t: 'booted' }
  | { readonly t: 'hb' }
  /** Leaving on its own (a fault, max-requests): start the replacement now. */
  | { readonly t: 'retiring'; readonly handoff?: true }
  | { readonly t: 'failed'; readonly code: number; readonly reason: string }
  /** The answer to the arbiter's `{ t: 'metrics', id }`: this worker's Prometheus registry as JSON. */
  | { readonly t: 'metrics'; readonly id: number; readonly metrics: unknown }
  /** Sent as the worker exits: its Prometheus registry at the end, so no request it served is lost. */
  | { readonly t: 'metrics-final'; readonly metrics: unknown };

/** IPC messages from the arbiter to a worker: a Prometheus scrape asks for the worker's metrics. */
export type ArbiterMessage = { readonly t: 'metrics'; readonly id: number };
