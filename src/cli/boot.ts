/**
 * The boot edge as one `TaskEither`: config → listeners → a running arbiter.
 *
 * Each step either succeeds or yields a `BootError` worded as the one line the user sees; only
 * `main.ts` prints it and exits.
 *
 * @example
 * await boot(config, 'app.mjs')(); // right(subscription) once the arbiter runs
 */
import { join } from 'node:path';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import type { Subscription } from 'rxjs';
import { BindError, bindAll, prelisten, type Listener } from '../effects/listeners';
import { livePorts } from '../effects/live-ports';
import { createLogger, type Logger } from '../effects/logger';
import { runArbiter } from '../effects/run-arbiter';
import { WORKER_ENV } from '../effects/worker-options';
import { ExitCode } from '../streams/exit-codes';
import { BootError } from './config-error';
import type { Config } from './settings';
import { VERSION } from './version';

/** How often a worker says it is alive: often enough for the timeout, at most once a second. */
export const heartbeatInterval = (timeoutMs: number): number =>
  timeoutMs > 0 ? Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4))) : 0;

const bindListeners = (config: Config, logger: Logger): TE.TaskEither<BootError, Listener[]> =>
  TE.tryCatch(
    async () => {
      const listeners = await bindAll(config.bind);
      prelisten(listeners, config.backlog);
      return listeners;
    },
    (err) => {
      const message = err instanceof BindError ? err.message : `cannot bind: ${String(err)}`;
      logger.log('error', message);
      return new BootError(message, ExitCode.Config);
    },
  );

function start(config: Config, app: string, logger: Logger, listeners: Listener[]): Subscription {
  for (const l of listeners) logger.log('info', `Listening at: ${l.label} (${process.pid})`);
  logger.log('info', `Using worker: ${config.workerClass}`);
  const env = { ...process.env };
  delete env[WORKER_ENV];
  const ports = livePorts({
    logger,
    listeners,
    spawn: {
      entry: join(__dirname, 'worker.js'),
      nodeArgs: process.execArgv,
      fds: listeners.map((l) => l.fd),
      env,
      worker: {
        app,
        appKind: config.appKind,
        cwd: process.cwd(),
        backlog: config.backlog,
        keepAliveMs: config.keepalive * 1000,
        workerConnections: config.workerConnections,
        gracefulTimeoutMs: config.gracefulTimeout * 1000,
        heartbeatMs: heartbeatInterval(config.timeout * 1000),
        logLevel: config.logLevel,
      },
    },
  });
  return runArbiter({
    ports,
    settings: {
      workers: config.workers,
      timeoutMs: config.timeout * 1000,
      gracefulTimeoutMs: config.gracefulTimeout * 1000,
      abortGraceMs: 1000,
      quickDeadlineMs: Math.min(2000, config.gracefulTimeout * 1000),
    },
  });
}

export function boot(config: Config, app: string, logger?: Logger): TE.TaskEither<BootError, Subscription> {
  const log = logger ?? createLogger({ level: config.logLevel });
  log.log('info', `Starting runicorn ${VERSION}`);
  process.title = 'runicorn: master';
  return pipe(
    bindListeners(config, log),
    TE.map((listeners) => start(config, app, log, listeners)),
  );
}
