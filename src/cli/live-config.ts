/**
 * What a configuration means to the running arbiter: the pure step's settings (timeouts, hooks,
 * what to count) and how workers are spawned (entry, fds, environment, and the options each worker
 * reads from `RUNICORN_WORKER`). Used at boot and again by every HUP.
 *
 * @example
 * const live = liveConfigFor({ config, app, configFile, workerEntry }, hooks, listeners, privileges, logs);
 */
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import type { Hooks } from '../effects/hook-runner';
import type { Listener } from '../effects/listeners';
import type { LiveConfig } from '../effects/live-ports';
import type { Privileges } from '../effects/privileges';
import { newTicketKeys } from '../effects/tls-ticket-keys';
import { WORKER_ENV } from '../effects/worker-options';
import { defaultSettings, type ArbiterSettings } from '../streams/arbiter-state';
import { http2PlanOf } from '../streams/http2-settings';
import { tlsSettingsOf } from '../streams/tls-settings';
import {
  ABORT_GRACE_MS,
  heartbeatInterval,
  quickDeadline,
  workerType,
  type CustomWorkerClass,
} from '../streams/worker/policy';
import { loggingOf, type ArbiterLogs } from './arbiter-logs';
import { arbiterHooksIn } from './hooks';
import type { Config } from './settings/index';
import { configSnapshot } from './show-config';

/** The name in process titles and syslog: `-n`, else the config's default, else the app. */
export const procNameOf = (config: Config, app: string): string => config.procName ?? config.defaultProcName ?? app;

/** What a configuration is spawned from. */
export interface LiveConfigInput {
  readonly config: Config;
  readonly app: string;
  /** Workers load their hooks from it. */
  readonly configFile: string | undefined;
  /** The script workers run; `cli/worker.js` by default. */
  readonly workerEntry?: string | undefined;
  /** What a user's worker class declared (`resolveWorkerClass`); none for the built-in ones. */
  readonly workerClass?: CustomWorkerClass | undefined;
}

/** The arbiter's settings for a configuration (the pure step's timing knobs and its hooks). */
export function arbiterSettingsFor(config: Config, hooks: Hooks): ArbiterSettings {
  return {
    ...defaultSettings,
    workers: config.workers,
    timeoutMs: config.timeout * 1000,
    gracefulTimeoutMs: config.gracefulTimeout * 1000,
    abortGraceMs: ABORT_GRACE_MS,
    quickDeadlineMs: quickDeadline(config.gracefulTimeout * 1000),
    hooks: arbiterHooksIn(hooks),
    // systemd listens (Type=notify): tell it READY, RELOADING and STOPPING.
    notify: Boolean(process.env.NOTIFY_SOCKET),
    // Worker counts and restarts feed StatsD and Prometheus; `N workers` is a debug line.
    instrument: config.statsdHost !== null || config.metricsBind !== null || config.logLevel === 'debug',
  };
}

/** `-e KEY=VALUE` entries, applied to the arbiter's environment, and to the one its workers are spawned with. */
export function applyRawEnv(entries: readonly unknown[], env: NodeJS.ProcessEnv): void {
  for (const entry of entries) {
    const [key, value] = Array.isArray(entry)
      ? entry.map(String)
      : [String(entry).split('=')[0], String(entry).split('=').slice(1).join('=')];
    if (key) env[key] = value ?? '';
  }
}

/** Seconds as whole milliseconds (Node's server timeouts take integers); a positive time never becomes 0, which means "off". */
const wholeMs = (seconds: number): number => (seconds > 0 ? Math.max(1, Math.round(seconds * 1000)) : 0);

/** How workers are spawned for a configuration, on the listeners bound at boot. */
export function liveConfigFor(
  input: LiveConfigInput,
  hooks: Hooks,
  listeners: readonly Listener[],
  privileges: Privileges,
  logs: ArbiterLogs,
): LiveConfig {
  const { config, app } = input;
  const capture = config.captureOutput && config.errorlog !== '-' ? logs.capture : undefined;
  const type = workerType(config, input.workerClass);
  // The configuration's own -e entries: its workers get them even before it is the arbiter's (HUP).
  const env = { ...process.env };
  applyRawEnv(config.rawEnv, env);
  delete env[WORKER_ENV];
  // Only the arbiter speaks to systemd.
  delete env.NOTIFY_SOCKET;
  const tls = E.getOrElseW(() => undefined)(tlsSettingsOf(config));
  const http2 = http2PlanOf(config, tls !== undefined).options;
  return {
    hooks,
    config,
    spawn: {
      entry: input.workerEntry ?? join(__dirname, 'worker.js'),
      nodeArgs: [...process.execArgv, ...config.nodeArg],
      fds: listeners.map((l) => l.fd),
      env,
      maxRequests: config.maxRequests,
      maxRequestsJitter: config.maxRequestsJitter,
      ...(capture ? { capture } : {}),
      worker: {
        app,
        appKind: config.appKind,
        cwd: process.cwd(),
        backlog: config.backlog,
        keepAliveMs: type.keepAliveMs,
        workerClass: type.name,
        ...(type.custom === undefined ? {} : { workerClassModule: type.custom }),
        workerConnections: type.concurrency,
        gracefulTimeoutMs: config.gracefulTimeout * 1000,
        heartbeatMs: heartbeatInterval(config.timeout * 1000),
        logging: loggingOf(config, procNameOf(config, app)),
        procName: procNameOf(config, app),
        configFile: input.configFile,
        config: configSnapshot(config),
        privileges,
        http: {
          limitRequestLine: config.limitRequestLine,
          limitRequestFields: config.limitRequestFields,
          limitRequestFieldSize: config.limitRequestFieldSize,
          secureSchemeHeaders: config.secureSchemeHeaders,
          headerTimeoutMs: wholeMs(config.headerTimeout),
          requestTimeoutMs: wholeMs(config.requestTimeout),
          forwardedAllowIps: config.forwardedAllowIps,
        },
        proxyProtocol:
          config.proxyProtocol === 'off' ? undefined : { mode: config.proxyProtocol, allowFrom: config.proxyAllowIps },
        // Checked by the arbiter before any worker starts (boot, HUP): a half pair never gets here.
        tls,
        // One set per configuration: a client resumes its TLS session on whichever worker it reaches.
        ...(tls ? { tlsTicketKeys: newTicketKeys() } : {}),
        ...(http2 ? { http2 } : {}),
      },
    },
  };
}
