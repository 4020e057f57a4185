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
import type { Socket } from 'node:net';
import {
  asyncScheduler, concatMap, defer, ignoreElements, merge, Observable, of, Subject, tap, type OperatorFunction,
} from 'rxjs';
import { ExitCode } from '../streams/exit-codes';
import { feedback } from '../streams/feedback';
import type { Exchange } from '../streams/pipeline/exchange';
import { serve } from '../streams/pipeline/serve';
import { timers } from '../streams/timers';
import {
  drained, listening, maxRequestsReached, parentGone, workerInitial, workerSignal,
  type WorkerCommand, type WorkerEvent, type WorkerHook,
} from '../streams/worker/worker-lifecycle';
import type { Signal } from '../streams/signals';
import { hookLog, runHook, type Hooks } from './hook-runner';
import { hookStage } from './hook-stage';
import { workerLifecycle } from '../streams/worker/worker-lifecycle-operator';
import { AppLoadError, loadApp } from './load-app';
import { createLogger, type Logger } from './logger';
import { signalsOf } from './signal-events';
import type { WorkerMessage, WorkerOptions } from './worker-options';
import { errorLine, errorStack } from './error-text';

export type NodeExchange = Exchange<IncomingMessage, ServerResponse>;

export interface RunWorkerOptions {
  /** Stages to run before the app (user middleware). */
  readonly stages?: ReadonlyArray<OperatorFunction<NodeExchange, NodeExchange>>;
  /** Server hooks from the config file, by camelCase name. */
  readonly hooks?: Hooks;
}

const LIFECYCLE_HOOKS: readonly WorkerHook[] = ['workerInt', 'workerAbort', 'workerExit'];

const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });


async function fail(logger: Logger, code: number, reason: string, exitHook: () => Promise<void>): Promise<never> {
  logger.log('debug', reason);
  await send({ t: 'failed', code, reason });
  // Gunicorn runs worker_exit on every way out, a failed boot included.
  await exitHook();
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
  const hooks = extra.hooks ?? {};
  const log = hookLog(logger);
  // What hooks see: Gunicorn's worker and server objects, as far as they mean something here.
  const worker = {
    pid: process.pid, ppid: process.ppid, age: options.id, booted: false, nr: 0, log, config: options.config,
  };
  const server = { pid: process.ppid, config: options.config, log };
  const configured = LIFECYCLE_HOOKS.filter((h) => typeof hooks[h] === 'function');
  const hookArgs = (name: string): unknown[] => (name === 'workerExit' ? [server, worker] : [worker]);
  const exitHook = () => runHook(hooks, 'workerExit', logger, hookArgs('workerExit'));

  const servers = options.listenerFds.map(() => http.createServer());
  // Connections, not requests, are tracked (a cost per connection, not per keep-alive request);
  // a draining worker reaches the response in flight on each through `_httpMessage`.
  const sockets = new Set<Socket>();
  for (const server of servers) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  }
  let draining = false;
  let toClose = servers.length;

  const external$ = new Observable<WorkerEvent>((subscriber) => {
    const onDisconnect = () => subscriber.next(parentGone());
    process.on('disconnect', onDisconnect);
    // USR1 is taken so that Node does not start its inspector on it (log reopening comes later).
    // ABRT is caught only when a hook must run on it; otherwise its default action ends the worker at once
    // (a handler would make a blocked worker wait for the SIGKILL that follows).
    const catchAbort = configured.includes('workerAbort') || configured.includes('workerExit');
    const names: Signal[] = ['TERM', 'INT', 'QUIT', 'USR1', ...(catchAbort ? ['ABRT' as const] : [])];
    const signals = signalsOf(names, workerSignal).subscribe(subscriber);
    return () => {
      signals.unsubscribe();
      process.off('disconnect', onDisconnect);
    };
  });
  // What the worker itself notices: listening, last connection closed, max-requests reached.
  const internal$ = new Subject<WorkerEvent>();

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
        for (const socket of sockets) {
          const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
          if (res && !res.headersSent) res.shouldKeepAlive = false;
        }
        for (const server of servers) server.close(() => (--toClose === 0 ? internal$.next(drained()) : undefined));
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
      case 'CallHook':
        return;
    }
  };
  // Hooks are awaited in order, so workerExit has run before Exit.
  feedback(workerLifecycle(workerInitial(options.gracefulTimeoutMs, configured)), (command$: Observable<WorkerCommand>) =>
    merge(
      timers(asyncScheduler)(command$),
      command$.pipe(
        concatMap((c) => (c.type === 'CallHook' ? defer(() => runHook(hooks, c.hook, logger, hookArgs(c.hook))) : of(c))),
        tap((c) => (c ? carryOut(c) : undefined)),
        ignoreElements(),
      ),
    ))(merge(external$, internal$)).subscribe();

  // Heartbeats start before the app loads: the timeout measures a blocked event loop, and a
  // module that blocks while loading is caught by it too.
  if (options.heartbeatMs > 0) setInterval(() => void send({ t: 'hb' }), options.heartbeatMs).unref();

  await runHook(hooks, 'postFork', logger, [server, worker]);

  let app;
  try {
    app = await loadApp(options.app, {
      cwd: options.cwd,
      kind: options.appKind,
      onError: (error) => logger.log('error', `Error handling request: ${errorStack(error)}`),
    });
  } catch (err) {
    if (err instanceof AppLoadError) return fail(logger, ExitCode.AppLoadError, err.message, exitHook);
    return fail(logger, ExitCode.AppLoadError, `cannot load app "${options.app}": ${errorLine(err)}`, exitHook);
  }

  await runHook(hooks, 'postWorkerInit', logger, [worker]);

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
    logger.log('error', `Error handling request ${ex.req.method ?? ''} ${ex.req.url ?? ''}: ${errorStack(error)}`);
  const preRequest = hooks.preRequest;
  const postRequest = hooks.postRequest;
  const stages = [
    ...(typeof preRequest === 'function' ? [hookStage<NodeExchange>('preRequest', (ex) => preRequest(...([worker, ex.req] as never[])), logger)] : []),
    ...(extra.stages ?? []),
  ];
  const staged = stages.reduce<Observable<NodeExchange>>((s, st) => s.pipe(st), request$);
  staged.pipe(serve(app.listener, { concurrency: options.workerConnections, onError })).subscribe({
    next: (ex) => {
      worker.nr += 1;
      if (typeof postRequest === 'function') void runHook(hooks, 'postRequest', logger, [worker, ex.req, ex.res]);
      if (options.maxRequests > 0 && worker.nr === options.maxRequests) internal$.next(maxRequestsReached());
      // A response that finished on a keep-alive socket leaves it idle: close it while draining.
      if (draining) setImmediate(closeIdle);
    },
    error: (err) => logger.log('error', `Request pipeline failed: ${String(err)}`),
  });

  try {
    await listenAll(servers, options.listenerFds, options.backlog);
  } catch (err) {
    return fail(logger, ExitCode.WorkerBootError, `Worker failed to listen: ${errorLine(err)}`, exitHook);
  }

  worker.booted = true;
  internal$.next(listening());
}
