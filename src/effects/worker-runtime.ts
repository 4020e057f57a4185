/**
 * A worker process: boot (postFork, load the app, postWorkerInit, resolve the stages, listen on
 * the inherited fds), serve requests through the request pipeline, and follow the pure worker
 * lifecycle over its ports to a graceful or quick exit.
 *
 * Everything that ends a worker goes through `workerStep`: a boot or listen failure is an event
 * (reported to the arbiter, then `workerExit`, then exit 4 or 3), and so is a fault (an uncaught
 * exception or unhandled rejection: log it, stop accepting, finish what is in flight, exit 1).
 * The sync worker counts its requests (two counters and one `close` listener per request) so that
 * it can stop accepting while its one slot is taken and hold its heartbeat while a request is
 * stuck; other worker types count nothing.
 *
 * Why one file of over 300 lines: `runWorker` is the one place where a worker's parts meet (logs,
 * metrics, the HTTP guard, TLS or HTTP/2 servers, the app, stages, hooks, the lifecycle), and the
 * request path's closures share its locals; each part lives in its own module and this file only
 * wires them, in boot order.
 *
 * @example
 * await runWorker(decodeWorkerOptions(process.env.RUNICORN_WORKER), { hooks });
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as TlsServer } from 'node:tls';
import { asyncScheduler, catchError, defer, merge, Observable, of, Subject, type SchedulerLike } from 'rxjs';
import { isRunicornError, runicornError } from '../streams/errors';
import { allowList } from '../streams/http/allow-list';
import type { Exchange } from '../streams/pipeline/exchange';
import { requestPipeline } from '../streams/pipeline/request-pipeline';
import type { Stage } from '../streams/pipeline/stage';
import {
  appLoadFailed,
  listenFailed,
  listening,
  maxRequestsReached,
  workerInitial,
  type WorkerEvent,
  type WorkerHook,
} from '../streams/worker/worker-lifecycle';
import { errorLine, errorStack } from './error-text';
import { hookLog, runHook, type HookLog, type Hooks } from './hook-runner';
import { hookStage } from './hook-stage';
import { DEFAULT_HTTP_SETTINGS, httpGuard } from './http-guard';
import { loadApp } from './load-app';
import type { RequestObserver } from './request-observer';
import { openLogs } from './log-setup';
import type { Logger } from './logger';
import { workerMetrics, type WorkerMetrics } from './worker-metrics';
import { liveWorkerPorts } from './worker-live-ports';
import type { WorkerOptions } from './worker-options';
import { workerLoop } from './worker-ports';
import { initWorkerClass } from './worker-class';
import { syncTracker } from './sync-tracker';
import type * as Http2Module from './http2';
import { httpsServerFactory, secureServerOptions } from './tls';
import { workerServers } from './worker-servers';

export type NodeExchange = Exchange<IncomingMessage, ServerResponse>;

/** The worker as hooks (and a `stages` function) see it: Gunicorn's worker object, as far as it means something here. */
export interface WorkerView {
  readonly pid: number;
  readonly ppid: number;
  /** The arbiter's number for this worker. */
  readonly age: number;
  booted: boolean;
  /** Requests served so far. */
  nr: number;
  /** Requests released unanswered because their client had gone before they could run. */
  abandoned: number;
  readonly log: HookLog;
  readonly config: Readonly<Record<string, unknown>>;
}

/** The user's stages: an array, or a function of the worker returning one (resolved after postWorkerInit). */
export type WorkerStages =
  | ReadonlyArray<Stage<NodeExchange>>
  | ((worker: WorkerView) => ReadonlyArray<Stage<NodeExchange>> | Promise<ReadonlyArray<Stage<NodeExchange>>>);

export interface RunWorkerOptions {
  /** Server hooks from the config file, by camelCase name. */
  readonly hooks?: Hooks;
  /** Stages to run before the app (user middleware). */
  readonly stages?: WorkerStages;
  /** Timers and heartbeats run on it (tests may pass another). */
  readonly scheduler?: SchedulerLike;
  /** Told about every request and when it is done (access log, metrics). */
  readonly observers?: readonly RequestObserver[];
}

/** Where the arrival time of a request is kept while observers watch it. */
const STARTED = Symbol('runicorn.startedAt');
type Timed = IncomingMessage & { [STARTED]?: number };

const LIFECYCLE_HOOKS: readonly WorkerHook[] = ['workerInt', 'workerAbort', 'workerExit'];

/**
 * The user's stages, checked: a function that throws or returns something else is a boot
 * failure, `RUNICORN_STAGES`, reported like an app that fails to load (exit 4).
 */
async function resolveStages(
  stages: WorkerStages | undefined,
  worker: WorkerView,
): Promise<ReadonlyArray<Stage<NodeExchange>>> {
  let resolved: unknown;
  try {
    resolved = typeof stages === 'function' ? await stages(worker) : (stages ?? []);
  } catch (err) {
    throw runicornError('RUNICORN_STAGES', { problem: 'function', reason: errorLine(err) });
  }
  if (!Array.isArray(resolved)) throw runicornError('RUNICORN_STAGES', { problem: 'not-array', got: typeof resolved });
  const bad = resolved.findIndex((s) => typeof s !== 'function');
  if (bad >= 0)
    throw runicornError('RUNICORN_STAGES', { problem: 'not-operator', index: bad, got: typeof resolved[bad] });
  return resolved as ReadonlyArray<Stage<NodeExchange>>;
}

/** `--log-level debug`: each request's method and target as it arrives (as Gunicorn's workers log it). */
const requestLines = (logger: Logger): RequestObserver => ({
  begin: (req) => logger.log('debug', `${req.method ?? ''} ${req.url ?? ''}`),
  done: () => undefined,
});

export async function runWorker(options: WorkerOptions, extra: RunWorkerOptions = {}): Promise<void> {
  let metrics: WorkerMetrics | undefined;
  const opened = openLogs(options.logging, {
    role: 'worker',
    config: options.config,
    onLog: (level, message) => metrics?.onLog(level, message),
  });
  const logs = opened instanceof Promise ? await opened : opened;
  const logger = logs.error;
  metrics = workerMetrics(options, logger);
  logger.log('info', `Booting worker with pid: ${process.pid}`);
  const hooks = extra.hooks ?? {};
  const log = hookLog(logger);
  const worker: WorkerView = {
    pid: process.pid,
    ppid: process.ppid,
    age: options.id,
    booted: false,
    nr: 0,
    abandoned: 0,
    log,
    config: options.config,
  };
  const server = { pid: process.ppid, config: options.config, log };
  const configured = LIFECYCLE_HOOKS.filter((h) => typeof hooks[h] === 'function');
  const sync = options.workerClass === 'sync';

  // Requests refused by the HTTP layer still reach the observers (the access log shows them).
  let onRefused: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const http = options.http ?? DEFAULT_HTTP_SETTINGS;
  const guard = httpGuard({
    settings: http,
    trusted: allowList(http.forwardedAllowIps),
    logger,
    onRefused: (req, res) => onRefused?.(req, res),
  });
  // Loaded only to serve HTTP/2: node:http2 costs a worker about 9 ms to load.
  const h2 = options.http2 ? (require('./http2') as typeof Http2Module) : undefined;
  const servers = workerServers(options.listenerFds, {
    keepAliveMs: options.keepAliveMs,
    backlog: options.backlog,
    guard,
    proxyProtocol: options.proxyProtocol,
    drainTimeoutMs: options.gracefulTimeoutMs,
    onDrainError: (error) => logger.log('error', `A runicorn:drain listener failed: ${errorStack(error)}`),
    ...(options.tls
      ? {
          createServer:
            h2 && options.http2
              ? h2.http2SecureServerFactory(
                  await secureServerOptions(options.tls, hooks.sslContext, options.config, options.tlsTicketKeys),
                  options.tls,
                  options.proxyProtocol !== undefined,
                  options.http2,
                  guard.maxFields,
                )
              : httpsServerFactory(
                  await secureServerOptions(options.tls, hooks.sslContext, options.config, options.tlsTicketKeys),
                  options.tls,
                  options.proxyProtocol !== undefined,
                ),
        }
      : h2 && options.http2?.cleartext
        ? { h2c: h2.h2cOf(options.http2, http.forwardedAllowIps, guard.maxFields) }
        : {}),
  });
  const tracker = sync ? syncTracker(servers) : undefined;
  const ports = liveWorkerPorts({
    servers,
    logger,
    hooks,
    hookArgs: (name) => (name === 'workerExit' ? [server, worker] : [worker]),
    catchAbort: configured.includes('workerAbort') || configured.includes('workerExit'),
    reopenLogs: () => logs.reopen(),
    flushLogs: () => Promise.all([metrics?.close(), logs.flush()]).then(() => undefined),
  });
  // What the worker itself notices besides its boot: max-requests reached.
  const internal$ = new Subject<WorkerEvent>();

  const serveRequests = (
    listener: (req: IncomingMessage, res: ServerResponse) => unknown,
    stages: ReadonlyArray<Stage<NodeExchange>>,
  ) => {
    const observers = [
      ...(extra.observers ?? []),
      ...(logs.access ? [logs.access] : []),
      ...(metrics?.observers ?? []),
      ...(options.logging.logLevel === 'debug' ? [requestLines(logger)] : []),
    ];
    const watched = observers.length > 0;
    const beginners = observers.filter((o) => o.begin !== undefined);
    const preRequest = hooks.preRequest;
    const postRequest = hooks.postRequest;
    const all = [
      ...(typeof preRequest === 'function'
        ? [hookStage<NodeExchange>('preRequest', (ex) => preRequest(...([worker, ex.req] as never[])), logger)]
        : []),
      ...stages,
    ];
    // Observers learn that an exchange is done from the pipeline's output, which comes with its
    // response's `close`. A stage may answer a request itself and drop it, so with stages a
    // response's own `close` tells instead (one shared listener, a cost only then).
    const viaClose = watched && all.length > 0;
    const observe = (req: IncomingMessage, res: ServerResponse) => {
      const startedAt = (req as Timed)[STARTED] ?? performance.now();
      for (const o of observers) o.done(req, res, startedAt);
    };
    function onObservedClose(this: ServerResponse) {
      observe(this.req, this);
    }
    if (watched)
      onRefused = (req, res) => {
        for (const o of beginners) o.begin?.(req, res);
        observe(req, res);
      };
    const request$ = new Observable<NodeExchange>((subscriber) => {
      servers.onRequest(
        tracker || watched
          ? (req, res) => {
              tracker?.start(res);
              if (watched) {
                (req as Timed)[STARTED] = performance.now();
                for (const o of beginners) o.begin?.(req, res);
                if (viaClose) res.on('close', onObservedClose);
              }
              subscriber.next({ req, res });
            }
          : (req, res) => subscriber.next({ req, res }),
      );
    });
    const onError = (error: unknown, ex: NodeExchange) =>
      logger.log('error', `Error handling request ${ex.req.method ?? ''} ${ex.req.url ?? ''}: ${errorStack(error)}`);
    const onStageError = (error: unknown, stageName: string, ex: NodeExchange | undefined) =>
      logger.log(
        'error',
        `Stage ${stageName} failed${ex ? ` on ${ex.req.method ?? ''} ${ex.req.url ?? ''}` : ''}: ${errorStack(error)}`,
      );
    // A client that hung up before its request could run: released, never handed to the app.
    const onAbandoned = (ex: NodeExchange) => {
      worker.abandoned += 1;
      logger.log('debug', `Client gone before ${ex.req.method ?? ''} ${ex.req.url ?? ''} could run; released`);
    };
    request$
      .pipe(
        requestPipeline(all, listener, { concurrency: options.workerConnections, onError, onStageError, onAbandoned }),
      )
      .subscribe({
        next: (ex) => {
          worker.nr += 1;
          if (watched && !viaClose) observe(ex.req, ex.res);
          if (typeof postRequest === 'function') void runHook(hooks, 'postRequest', logger, [worker, ex.req, ex.res]);
          if (options.maxRequests > 0 && worker.nr === options.maxRequests) internal$.next(maxRequestsReached());
        },
        error: (err) => logger.log('error', `Request pipeline failed: ${errorStack(err)}`),
      });
  };

  // The boot as one stream of one outcome: listening, or the failure that ends the worker.
  const boot$ = defer(async (): Promise<WorkerEvent> => {
    await runHook(hooks, 'postFork', logger, [server, worker]);
    const app = await loadApp(options.app, {
      cwd: options.cwd,
      kind: options.appKind,
      onError: (error) => logger.log('error', `Error handling request: ${errorStack(error)}`),
    });
    if (app.warning) logger.log('warning', app.warning);
    // An https.Server of the app's brings its own certificate: runicorn's would be silently unused.
    if (app.server instanceof TlsServer && options.tls)
      throw runicornError('RUNICORN_APP_LOAD', {
        spec: options.app,
        reason:
          'it exports an https.Server with its own certificate, so --keyfile/--certfile would be ignored; '
          + "give the certificate to one of them only (export an http.Server to use runicorn's)",
      });
    // HTTP/2 requests reach only apps that work on Node's compatibility API.
    if (h2) {
      const refusal = h2.http2Refusal(app);
      if (refusal !== undefined) throw runicornError('RUNICORN_APP_LOAD', { spec: options.app, reason: refusal });
    }
    if (app.server) servers.adopt(app.server);
    await runHook(hooks, 'postWorkerInit', logger, [worker]);
    serveRequests(app.listener, await resolveStages(extra.stages, worker));
    // A user's worker class sets the servers up before they listen; its failure is a boot error (exit 3).
    if (options.workerClassModule !== undefined) {
      const ctx = { servers: servers.servers, config: options.config, log, pid: process.pid, age: options.id };
      try {
        await initWorkerClass(options.workerClassModule, ctx, options.cwd);
      } catch (err) {
        return listenFailed(isRunicornError(err) ? err.message : errorLine(err));
      }
    }
    try {
      await servers.listen();
    } catch (err) {
      return listenFailed(runicornError('RUNICORN_WORKER_BOOT', { during: 'listen', reason: errorLine(err) }).message);
    }
    worker.booted = true;
    return listening();
  }).pipe(
    catchError((err: unknown) =>
      of(
        appLoadFailed(
          (isRunicornError(err)
            ? err
            : runicornError('RUNICORN_APP_LOAD', { spec: options.app, reason: errorLine(err) })
          ).message,
        ),
      ),
    ),
  );

  // Heartbeats start before the app loads: the timeout measures a blocked event loop, and a
  // module that blocks while loading is caught by it too.
  const init = workerInitial(options.gracefulTimeoutMs, configured, { holdsHeartbeat: sync });
  workerLoop(ports, init, {
    scheduler: extra.scheduler ?? asyncScheduler,
    heartbeatMs: options.heartbeatMs,
    ...(tracker ? { progress: tracker.progress } : {}),
  })(merge(boot$, internal$)).subscribe({
    error: (err) => logger.log('critical', `Worker loop failed: ${errorStack(err)}`),
  });
}
