/**
 * A worker process: load the app, listen on the inherited fds, serve requests through the
 * stages, send heartbeats, and follow the pure worker lifecycle to a graceful or quick exit.
 *
 * Why the drain is done by hand: `server.close()` alone lets a busy keep-alive socket take more
 * requests, so a draining worker also forces `Connection: close` on every response still to be
 * written and closes idle connections as they appear (node-techniques §B.3).
 *
 * @example
 * await runWorker(decodeWorkerOptions(process.env.RUNICORN_WORKER));
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { asyncScheduler, merge, Observable, type OperatorFunction } from 'rxjs';
import { ExitCode } from '../streams/exit-codes';
import { feedback } from '../streams/feedback';
import type { Exchange } from '../streams/pipeline/exchange';
import { serve } from '../streams/pipeline/serve';
import { timers } from '../streams/timers';
import {
  drained, listening, parentGone, workerInitial, workerSignal, type WorkerCommand, type WorkerEvent,
} from '../streams/worker/worker-lifecycle';
import { workerLifecycle } from '../streams/worker/worker-lifecycle-operator';
import { AppLoadError, loadApp } from './load-app';
import { createLogger, type Logger } from './logger';
import { signalsOf } from './signal-events';
import type { WorkerMessage, WorkerOptions } from './worker-options';

export type NodeExchange = Exchange<IncomingMessage, ServerResponse>;

export interface RunWorkerOptions {
  /** Stages to run before the app (user middleware). */
  readonly stages?: ReadonlyArray<OperatorFunction<NodeExchange, NodeExchange>>;
}

const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

async function fail(logger: Logger, code: number, reason: string): Promise<never> {
  logger.log('debug', reason);
  await send({ t: 'failed', code, reason });
  process.exit(code);
}

function listenAll(servers: readonly http.Server[], fds: readonly number[], backlog: number): Promise<void> {
  return Promise.all(
    servers.map((server, i) => new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Backlog positionally: listen({fd, backlog}) ignores it and resets the queue to 511.
      server.listen({ fd: fds[i] }, backlog, () => {
        server.off('error', reject);
        resolve();
      });
    })),
  ).then(() => undefined);
}

export async function runWorker(options: WorkerOptions, extra: RunWorkerOptions = {}): Promise<void> {
  const logger = createLogger({ level: options.logLevel });
  logger.log('info', `Booting worker with pid: ${process.pid}`);

  const servers = options.listenerFds.map(() => http.createServer());
  const active = new Set<NodeExchange>();
  let draining = false;
  let toClose = servers.length;

  const external$ = new Observable<WorkerEvent>((subscriber) => {
    const onDisconnect = () => subscriber.next(parentGone());
    process.on('disconnect', onDisconnect);
    const signals = signalsOf(['TERM', 'INT', 'QUIT', 'USR1'], workerSignal).subscribe(subscriber);
    return () => {
      signals.unsubscribe();
      process.off('disconnect', onDisconnect);
    };
  });
  const internal$ = new Observable<WorkerEvent>((subscriber) => {
    booted = () => subscriber.next(listening());
    allClosed = () => subscriber.next(drained());
  });
  let booted = () => {};
  let allClosed = () => {};

  const closeIdle = () => {
    for (const server of servers) server.closeIdleConnections();
  };
  const carryOut = (command: WorkerCommand) => {
    switch (command.type) {
      case 'ReportBooted':
        void send({ t: 'booted' });
        return;
      case 'StopAccepting':
        draining = true;
        for (const ex of active) if (!ex.res.headersSent) ex.res.shouldKeepAlive = false;
        for (const server of servers) server.close(() => (--toClose === 0 ? allClosed() : undefined));
        closeIdle();
        return;
      case 'CloseAllConnections':
        for (const server of servers) server.closeAllConnections();
        return;
      case 'Log':
        logger.log(command.level, command.message);
        return;
      case 'Exit':
        process.exit(command.code);
      // falls through (never reached)
      case 'StartTimer':
        return;
    }
  };
  feedback(workerLifecycle(workerInitial(options.gracefulTimeoutMs)), (command$: Observable<WorkerCommand>) =>
    merge(
      timers(asyncScheduler)(command$),
      new Observable<never>((subscriber) => command$.subscribe({ next: carryOut, error: (e) => subscriber.error(e) })),
    ))(merge(external$, internal$)).subscribe();

  // Heartbeats start before the app loads: the timeout measures a blocked event loop, and a
  // module that blocks while loading is caught by it too.
  if (options.heartbeatMs > 0) setInterval(() => void send({ t: 'hb' }), options.heartbeatMs).unref();

  let app;
  try {
    app = await loadApp(options.app, {
      cwd: options.cwd,
      kind: options.appKind,
      onError: (error) => logger.log('error', `Error handling request: ${error instanceof Error ? error.stack : String(error)}`),
    });
  } catch (err) {
    if (err instanceof AppLoadError) return fail(logger, ExitCode.AppLoadError, err.message);
    return fail(logger, ExitCode.AppLoadError, `cannot load app "${options.app}": ${oneLine(err)}`);
  }

  const keepAlive = options.keepAliveMs > 0;
  const request$ = new Observable<NodeExchange>((subscriber) => {
    const onRequest = keepAlive
      ? (req: IncomingMessage, res: ServerResponse) => {
        if (draining) res.shouldKeepAlive = false;
        subscriber.next({ req, res });
      }
      : (req: IncomingMessage, res: ServerResponse) => {
        res.shouldKeepAlive = false;
        subscriber.next({ req, res });
      };
    for (const server of servers) {
      if (keepAlive) server.keepAliveTimeout = options.keepAliveMs;
      server.on('request', onRequest);
    }
    return () => {
      for (const server of servers) server.off('request', onRequest);
    };
  });
  const onError = (error: unknown, ex: NodeExchange) =>
    logger.log('error', `Error handling request ${ex.req.method ?? ''} ${ex.req.url ?? ''}: ${error instanceof Error ? error.stack : String(error)}`);
  const stages = extra.stages ?? [];
  const staged = stages.reduce<Observable<NodeExchange>>((s, st) => s.pipe(st), request$);
  staged.pipe(serve(app.listener, { concurrency: options.workerConnections, onError, active })).subscribe({
    next: () => {
      // A response that finished on a keep-alive socket leaves it idle: close it while draining.
      if (draining) setImmediate(closeIdle);
    },
    error: (err) => logger.log('error', `Request pipeline failed: ${String(err)}`),
  });

  try {
    await listenAll(servers, options.listenerFds, options.backlog);
  } catch (err) {
    return fail(logger, ExitCode.WorkerBootError, `Worker failed to listen: ${oneLine(err)}`);
  }

  booted();
}
