/**
 * A worker's ports: everything its lifecycle commands can do to the world and everything that
 * reaches it from outside, as one injected object (the worker's side of `arbiter-ports.ts`).
 *
 * `interpretWorker(ports, scheduler)` turns commands into effects and effects into events;
 * `workerLoop` closes the loop with the pure step. Tests pass fakes; `liveWorkerPorts` (in
 * `worker-live-ports.ts`) is the one place that wires the real process, servers and IPC.
 *
 * @example
 * workerLoop(ports, workerInitial(30_000), { scheduler: asyncScheduler, heartbeatMs: 1000 })(boot$).subscribe();
 */
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  ignoreElements,
  map,
  merge,
  mergeMap,
  type Observable,
  of,
  share,
  tap,
  type SchedulerLike,
} from 'rxjs';
import type { LogLevel } from '../streams/commands';
import { feedback } from '../streams/feedback';
import { ofType } from '../streams/of-type';
import type { Signal } from '../streams/signals';
import { timers } from '../streams/timers';
import { heartbeatTicks } from '../streams/worker/heartbeat-ticks';
import {
  drained,
  faultOccurred,
  parentGone,
  workerSignal,
  type FaultOrigin,
  type RequestProgress,
  type WorkerCommand,
  type WorkerEvent,
  type WorkerHook,
  type WorkerState,
} from '../streams/worker/worker-lifecycle';
import { workerLifecycle } from '../streams/worker/worker-lifecycle-operator';
import { errorLine } from './error-text';
import type { WorkerMessage } from './worker-options';

/** A fault as the process reports it: where it came from and what to log (the stack). */
export interface Fault {
  readonly origin: FaultOrigin;
  readonly detail: string;
}

export interface WorkerPorts {
  /** Signals the worker handles (subscribing installs the handlers). */
  readonly signal$: Observable<Signal>;
  /** Emits when the IPC channel to the arbiter closes. */
  readonly disconnect$: Observable<unknown>;
  /** Uncaught exceptions and unhandled rejections (subscribing keeps them from ending the process). */
  readonly fault$: Observable<Fault>;
  /** Send a message to the arbiter; resolves once it is written (or at once without a channel). */
  send(message: WorkerMessage): Promise<void>;
  /** Close the servers and let connections finish; resolves when the last one has closed. */
  stopAccepting(): Promise<void>;
  closeAllConnections(): void;
  /** Run a lifecycle hook; resolves when it is done. Failures are the port's to log. */
  callHook(hook: WorkerHook): Promise<void>;
  log(level: LogLevel, message: string): void;
  exit(code: number): void;
  /** Reopen the log files (USR1); the interpreter logs `Reopening log files` at debug level first. */
  reopenLogs?(): void;
}

export function interpretWorker(ports: WorkerPorts, scheduler: SchedulerLike) {
  return (command$: Observable<WorkerCommand>): Observable<WorkerEvent> => {
    // In the step's order; a hook, and the failure report before the exit, are awaited first.
    const awaited = (run: () => Promise<void>) =>
      defer(run).pipe(
        ignoreElements(),
        catchError(() => EMPTY),
      );
    const ordered$ = command$.pipe(
      ofType(
        'ReportBooted',
        'ReportFailed',
        'ReportRetiring',
        'SendHeartbeat',
        'StopAccepting',
        'CloseAllConnections',
        'CallHook',
        'Log',
        'Exit',
        'ReopenLogs',
      ),
      concatMap((c) => {
        if (c.type === 'CallHook') return awaited(() => ports.callHook(c.hook));
        if (c.type === 'ReportFailed')
          return awaited(() => ports.send({ t: 'failed', code: c.code, reason: c.reason }));
        return of(c);
      }),
      share(),
    );
    return merge(
      timers(scheduler)(command$),
      ordered$.pipe(
        ofType('StopAccepting'),
        mergeMap(() =>
          defer(() => ports.stopAccepting()).pipe(
            map(() => drained()),
            catchError((err) => {
              ports.log('error', `Stopping the servers failed: ${errorLine(err)}`);
              return EMPTY;
            }),
          ),
        ),
      ),
      ordered$.pipe(
        ofType('ReportBooted', 'ReportRetiring', 'SendHeartbeat', 'CloseAllConnections', 'Log', 'Exit', 'ReopenLogs'),
        tap((c) => {
          try {
            if (c.type === 'ReportBooted') void ports.send({ t: 'booted' });
            else if (c.type === 'ReportRetiring')
              void ports.send(c.handoff ? { t: 'retiring', handoff: true } : { t: 'retiring' });
            else if (c.type === 'SendHeartbeat') void ports.send({ t: 'hb' });
            else if (c.type === 'CloseAllConnections') ports.closeAllConnections();
            else if (c.type === 'Log') ports.log(c.level, c.message);
            else if (c.type === 'ReopenLogs') {
              ports.log('debug', 'Reopening log files');
              ports.reopenLogs?.();
            } else ports.exit(c.code);
          } catch (err) {
            ports.log('error', `${c.type} failed: ${errorLine(err)}`);
          }
        }),
        ignoreElements(),
      ),
    );
  };
}

export interface WorkerLoopOptions {
  readonly scheduler: SchedulerLike;
  /** Heartbeat interval; 0 sends none. */
  readonly heartbeatMs: number;
  /** Read at each heartbeat tick (the sync worker's request progress). */
  readonly progress?: () => RequestProgress;
}

/**
 * The worker's whole loop: what the ports report, the heartbeat ticks and the runtime's own
 * events (`worker$`: boot outcome, max-requests) through the pure step, and the commands back
 * out through the ports. Emits the commands (for tests); subscribing starts it.
 */
export function workerLoop(ports: WorkerPorts, init: WorkerState, options: WorkerLoopOptions) {
  return (worker$: Observable<WorkerEvent>): Observable<WorkerCommand> => {
    // Faults and signals first: handlers are in place before the app starts loading.
    const external$ = merge(
      ports.fault$.pipe(map((f) => faultOccurred(f.origin, f.detail))),
      ports.signal$.pipe(map(workerSignal)),
      ports.disconnect$.pipe(map(() => parentGone())),
      heartbeatTicks(options.heartbeatMs, options.scheduler, options.progress),
      worker$,
    );
    return feedback(workerLifecycle(init), interpretWorker(ports, options.scheduler))(external$);
  };
}
