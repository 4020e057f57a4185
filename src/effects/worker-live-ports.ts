/**
 * The live worker ports: the real process (signals, the IPC channel, faults, exit), the real
 * servers, the worker's hooks and its error log.
 *
 * This is the only file that wires `process.on` and `process.send` into the worker.
 *
 * @example
 * workerLoop(liveWorkerPorts({ servers, logger, hooks, hookArgs, catchAbort }), init, options)(boot$)
 */
import { Observable } from 'rxjs';
import type { Signal } from '../streams/signals';
import type { WorkerHook } from '../streams/worker/worker-lifecycle';
import { errorStack } from './error-text';
import { runHook, type Hooks } from './hook-runner';
import type { Logger } from './logger';
import { signalsOf } from './signal-events';
import type { WorkerMessage } from './worker-options';
import type { Fault, WorkerPorts } from './worker-ports';
import type { WorkerServers } from './worker-servers';

export interface LiveWorkerPortsOptions {
  readonly servers: WorkerServers;
  readonly logger: Logger;
  readonly hooks: Hooks;
  /** The arguments a lifecycle hook is called with (the worker view, and the server for workerExit). */
  readonly hookArgs: (hook: WorkerHook) => readonly unknown[];
  /**
   * Catch SIGABRT (only when a hook must run on it): otherwise its default action ends the worker
   * at once, and a handler would make a blocked worker wait for the SIGKILL that follows.
   */
  readonly catchAbort: boolean;
  /** USR1: reopen the worker's log files. */
  readonly reopenLogs?: () => void;
  /** Before the process exits: write out the buffered log lines (bounded). */
  readonly flushLogs?: () => Promise<void>;
}

/** Send over IPC; resolves once written, or at once when there is no channel. */
export const sendToArbiter = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

/** Uncaught exceptions and unhandled rejections, as faults; while subscribed, neither ends the process. */
export const processFaults$ = new Observable<Fault>((subscriber) => {
  const onException = (error: unknown) => subscriber.next({ origin: 'uncaughtException', detail: errorStack(error) });
  const onRejection = (reason: unknown) =>
    subscriber.next({ origin: 'unhandledRejection', detail: errorStack(reason) });
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
});

const disconnect$ = new Observable<void>((subscriber) => {
  const onDisconnect = () => subscriber.next();
  process.on('disconnect', onDisconnect);
  return () => void process.off('disconnect', onDisconnect);
});

export function liveWorkerPorts(options: LiveWorkerPortsOptions): WorkerPorts {
  const { servers, logger, hooks } = options;
  // USR1 reopens the log files (and, taken, it does not start Node's inspector).
  const names: Signal[] = ['TERM', 'INT', 'QUIT', 'USR1', ...(options.catchAbort ? ['ABRT' as const] : [])];
  return {
    signal$: signalsOf(names, (signal) => signal),
    disconnect$,
    fault$: processFaults$,
    send: sendToArbiter,
    stopAccepting: () => servers.stopAccepting(),
    closeAllConnections: () => servers.closeAllConnections(),
    callHook: (hook) => runHook(hooks, hook, logger, options.hookArgs(hook)),
    log: (level, message) => logger.log(level, message),
    ...(options.reopenLogs ? { reopenLogs: options.reopenLogs } : {}),
    exit(code) {
      const flushed = options.flushLogs?.();
      if (!flushed) return process.exit(code);
      void flushed.then(() => process.exit(code));
    },
  };
}
