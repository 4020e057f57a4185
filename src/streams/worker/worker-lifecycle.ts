/**
 * A worker's lifecycle as a pure step: booting → serving → draining → exited.
 *
 * The worker process feeds it what happens (the app failed to load, listening or failing to,
 * signals, the arbiter going away, a fault, the last connection closing, a heartbeat tick) and
 * carries out the commands. Every way out goes through `exitNow`: the `workerExit` hook, then
 * `Exit`. Graceful stop (TERM, the arbiter gone, a fault) stops accepting, lets
 * in-flight requests finish with `Connection: close`, and exits when the last connection closes
 * or the graceful timeout passes; INT and QUIT exit at once; ABRT (a missed heartbeat) exits 1;
 * USR1 reopens the log files (in every phase but exited) and changes nothing else.
 * A boot failure reports its reason to the arbiter, then exits 4 (app load) or 3 (listen).
 *
 * @example
 * const [w1, cmds] = workerStep(workerInitial(30_000), workerSignal('TERM'));
 */
import type { LogLevel } from '../commands';
import { ExitCode } from '../exit-codes';
import type { Signal } from '../signals';

export type WorkerPhase = 'booting' | 'serving' | 'draining' | 'exited';

/** Server hooks the lifecycle calls (the boot and request hooks are called by the runtime). */
export type WorkerHook = 'workerInt' | 'workerAbort' | 'workerExit';

/** Where a fault came from: a throw nobody caught, or a rejection nobody handled. */
export type FaultOrigin = 'uncaughtException' | 'unhandledRejection';

/** Requests in flight now, and requests finished so far, sampled at a heartbeat tick. */
export interface RequestProgress {
  readonly inFlight: number;
  readonly finished: number;
}

export type WorkerEvent =
  | { readonly type: 'Listening' }
  | { readonly type: 'AppLoadFailed'; readonly reason: string }
  | { readonly type: 'ListenFailed'; readonly reason: string }
  | { readonly type: 'SignalReceived'; readonly signal: Signal }
  | { readonly type: 'ParentGone' }
  | { readonly type: 'FaultOccurred'; readonly origin: FaultOrigin; readonly detail: string }
  | { readonly type: 'Drained' }
  | { readonly type: 'MaxRequestsReached' }
  | { readonly type: 'DrainTimeoutElapsed' }
  | { readonly type: 'HeartbeatDue'; readonly progress: RequestProgress };

export type WorkerCommand =
  | { readonly type: 'ReportBooted' }
  | { readonly type: 'ReportFailed'; readonly code: number; readonly reason: string }
  /** Tell the arbiter this worker is leaving on its own, so its replacement starts now. */
  | {
      readonly type: 'ReportRetiring';
      /** Present (true) when the worker keeps serving until the arbiter, its replacement booted, sends TERM. */
      readonly handoff?: true;
    }
  | { readonly type: 'SendHeartbeat' }
  | { readonly type: 'StopAccepting' }
  | { readonly type: 'CloseAllConnections' }
  | { readonly type: 'CallHook'; readonly hook: WorkerHook }
  | { readonly type: 'StartTimer'; readonly key: string; readonly ms: number; readonly event: WorkerEvent }
  | { readonly type: 'Log'; readonly level: LogLevel; readonly message: string }
  | { readonly type: 'Exit'; readonly code: number }
  /** USR1: reopen the worker's log files. */
  | { readonly type: 'ReopenLogs' };

export interface WorkerState {
  readonly phase: WorkerPhase;
  readonly gracefulTimeoutMs: number;
  /** The lifecycle hooks the configuration defines; only these produce `CallHook` commands. */
  readonly hooks: readonly WorkerHook[];
  /** The code to exit with once drained: 0, or 1 after a fault. */
  readonly exitCode: number;
  /**
   * The sync worker's rule (Gunicorn's sync worker notifies only between requests): no heartbeat
   * while no request finished during a whole interval with one in flight, so `--timeout` bounds
   * how long a request may run.
   */
  readonly holdsHeartbeat: boolean;
  /** Max-requests reached and reported: serving on until the arbiter says TERM (its replacement booted). */
  readonly handingOff: boolean;
  /** Progress at the last heartbeat tick. */
  readonly progress: RequestProgress;
}

export interface WorkerPolicy {
  /** See `WorkerState.holdsHeartbeat` (true for `-k sync`). */
  readonly holdsHeartbeat?: boolean;
}

export const workerInitial = (
  gracefulTimeoutMs: number,
  hooks: readonly WorkerHook[] = [],
  policy: WorkerPolicy = {},
): WorkerState => ({
  phase: 'booting',
  gracefulTimeoutMs,
  hooks,
  exitCode: 0,
  holdsHeartbeat: policy.holdsHeartbeat ?? false,
  progress: { inFlight: 0, finished: 0 },
  handingOff: false,
});

export const listening = (): WorkerEvent => ({ type: 'Listening' });
export const appLoadFailed = (reason: string): WorkerEvent => ({ type: 'AppLoadFailed', reason });
export const listenFailed = (reason: string): WorkerEvent => ({ type: 'ListenFailed', reason });
export const workerSignal = (signal: Signal): WorkerEvent => ({ type: 'SignalReceived', signal });
export const parentGone = (): WorkerEvent => ({ type: 'ParentGone' });
export const faultOccurred = (origin: FaultOrigin, detail: string): WorkerEvent => ({
  type: 'FaultOccurred',
  origin,
  detail,
});
export const drained = (): WorkerEvent => ({ type: 'Drained' });
export const drainTimeoutElapsed = (): WorkerEvent => ({ type: 'DrainTimeoutElapsed' });
export const maxRequestsReached = (): WorkerEvent => ({ type: 'MaxRequestsReached' });
export const heartbeatDue = (inFlight = 0, finished = 0): WorkerEvent => ({
  type: 'HeartbeatDue',
  progress: { inFlight, finished },
});

type Result = readonly [WorkerState, readonly WorkerCommand[]];

const logCmd = (level: LogLevel, message: string): WorkerCommand => ({ type: 'Log', level, message });

const hook = (s: WorkerState, name: WorkerHook): WorkerCommand[] =>
  s.hooks.includes(name) ? [{ type: 'CallHook', hook: name }] : [];

/** Every way out goes through here: the workerExit hook, then Exit. */
const exitNow = (s: WorkerState, code = 0, before: readonly WorkerCommand[] = []): Result => [
  { ...s, phase: 'exited' },
  [...before, ...hook(s, 'workerExit'), { type: 'Exit', code }],
];

/** Stop accepting and finish what is in flight; a worker still booting has nothing to finish. */
function beginDrain(s: WorkerState, code = 0): Result {
  if (s.phase === 'booting') return exitNow(s, code);
  if (s.phase !== 'serving') return [s, []];
  return [
    { ...s, phase: 'draining', exitCode: code },
    [
      { type: 'StopAccepting' },
      { type: 'StartTimer', key: 'drain', ms: s.gracefulTimeoutMs, event: drainTimeoutElapsed() },
    ],
  ];
}

/**
 * Leave on the worker's own account after a fault: drain at once, and first tell the arbiter, so
 * that its replacement boots while this worker finishes what it has in flight.
 */
function retire(s: WorkerState, code = 0): Result {
  const [next, commands] = beginDrain(s, code);
  return next.phase === 'draining' ? [next, [{ type: 'ReportRetiring' }, ...commands]] : [next, commands];
}

/** A boot failure: say why (debug), tell the arbiter, then the one way out. */
const bootFailed = (s: WorkerState, code: number, reason: string): Result =>
  s.phase === 'booting' ? exitNow(s, code, [logCmd('debug', reason), { type: 'ReportFailed', code, reason }]) : [s, []];

const FAULT_TEXT: Readonly<Record<FaultOrigin, string>> = {
  uncaughtException: 'Uncaught exception in worker',
  unhandledRejection: 'Unhandled promise rejection in worker',
};

function onFault(s: WorkerState, origin: FaultOrigin, detail: string): Result {
  const logged = logCmd('error', `${FAULT_TEXT[origin]}: ${detail}`);
  if (s.phase === 'draining') return [{ ...s, exitCode: 1 }, [logged]];
  if (s.phase === 'booting') return exitNow(s, 1, [logged]);
  const notice = logCmd('warning', 'Worker stops accepting after a fault; requests in flight finish, then it exits');
  return chainLog(chainLog(retire(s, 1), notice), logged);
}

/** No heartbeat once exited; a sync worker holds it while its request makes no progress. */
function onHeartbeatDue(s: WorkerState, progress: RequestProgress): Result {
  const stuck =
    s.holdsHeartbeat && progress.inFlight > 0 && s.progress.inFlight > 0 && progress.finished === s.progress.finished;
  return [{ ...s, progress }, stuck ? [] : [{ type: 'SendHeartbeat' }]];
}

export function workerStep(s: WorkerState, e: WorkerEvent): Result {
  if (s.phase === 'exited') return [s, []];
  switch (e.type) {
    case 'Listening':
      return s.phase === 'booting' ? [{ ...s, phase: 'serving' }, [{ type: 'ReportBooted' }]] : [s, []];
    case 'AppLoadFailed':
      return bootFailed(s, ExitCode.AppLoadError, e.reason);
    case 'ListenFailed':
      return bootFailed(s, ExitCode.WorkerBootError, e.reason);
    case 'SignalReceived':
      if (e.signal === 'TERM') return beginDrain(s);
      if (e.signal === 'INT' || e.signal === 'QUIT') return exitNow(s, 0, hook(s, 'workerInt'));
      // The arbiter's answer to a missed heartbeat, when the loop turns after all.
      if (e.signal === 'ABRT') return exitNow(s, 1, hook(s, 'workerAbort'));
      if (e.signal === 'USR1') return [s, [{ type: 'ReopenLogs' }]];
      return [s, []];
    case 'ParentGone':
      return chainLog(beginDrain(s), logCmd('warning', 'Arbiter is gone; worker stops gracefully'));
    case 'FaultOccurred':
      return onFault(s, e.origin, e.detail);
    case 'MaxRequestsReached':
      // Capacity never dips: keep serving, and drain on the TERM the arbiter sends once this
      // worker's replacement has booted.
      return s.phase === 'serving' && !s.handingOff
        ? [
            { ...s, handingOff: true },
            [logCmd('info', 'Autorestarting worker after current request.'), { type: 'ReportRetiring', handoff: true }],
          ]
        : [s, []];
    case 'Drained':
      return s.phase === 'draining' ? exitNow(s, s.exitCode) : [s, []];
    case 'DrainTimeoutElapsed':
      if (s.phase !== 'draining') return [s, []];
      return exitNow(s, s.exitCode, [
        logCmd('warning', 'Worker graceful timeout; closing open connections'),
        { type: 'CloseAllConnections' },
      ]);
    case 'HeartbeatDue':
      return onHeartbeatDue(s, e.progress);
  }
}

function chainLog([s, cmds]: Result, log: WorkerCommand): Result {
  return [s, [log, ...cmds]];
}
