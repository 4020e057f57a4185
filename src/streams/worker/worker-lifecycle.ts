/**
 * A worker's lifecycle as a pure step: booting → serving → draining → exited.
 *
 * The worker process feeds it what happens (listening, signals, the arbiter going away, the
 * last connection closing) and carries out the commands. Graceful stop (TERM, or the arbiter
 * gone) stops accepting, lets in-flight requests finish with `Connection: close`, and exits
 * when the last connection closes or the graceful timeout passes; INT and QUIT exit at once;
 * ABRT (a missed heartbeat) exits 1. Reaching max-requests drains like TERM.
 *
 * @example
 * const [w1, cmds] = workerStep(workerInitial(30_000), workerSignal('TERM'));
 */
import type { LogLevel } from '../commands';
import type { Signal } from '../signals';

export type WorkerPhase = 'booting' | 'serving' | 'draining' | 'exited';

/** Server hooks the lifecycle calls (the boot and request hooks are called by the runtime). */
export type WorkerHook = 'workerInt' | 'workerAbort' | 'workerExit';

export type WorkerEvent =
  | { readonly type: 'Listening' }
  | { readonly type: 'SignalReceived'; readonly signal: Signal }
  | { readonly type: 'ParentGone' }
  | { readonly type: 'Drained' }
  | { readonly type: 'MaxRequestsReached' }
  | { readonly type: 'DrainTimeoutElapsed' };

export type WorkerCommand =
  | { readonly type: 'ReportBooted' }
  | { readonly type: 'StopAccepting' }
  | { readonly type: 'CloseAllConnections' }
  | { readonly type: 'CallHook'; readonly hook: WorkerHook }
  | { readonly type: 'StartTimer'; readonly key: string; readonly ms: number; readonly event: WorkerEvent }
  | { readonly type: 'Log'; readonly level: LogLevel; readonly message: string }
  | { readonly type: 'Exit'; readonly code: number };

export interface WorkerState {
  readonly phase: WorkerPhase;
  readonly gracefulTimeoutMs: number;
  /** The lifecycle hooks the configuration defines; only these produce `CallHook` commands. */
  readonly hooks: readonly WorkerHook[];
}

export const workerInitial = (gracefulTimeoutMs: number, hooks: readonly WorkerHook[] = []): WorkerState =>
  ({ phase: 'booting', gracefulTimeoutMs, hooks });

export const listening = (): WorkerEvent => ({ type: 'Listening' });
export const workerSignal = (signal: Signal): WorkerEvent => ({ type: 'SignalReceived', signal });
export const parentGone = (): WorkerEvent => ({ type: 'ParentGone' });
export const drained = (): WorkerEvent => ({ type: 'Drained' });
export const drainTimeoutElapsed = (): WorkerEvent => ({ type: 'DrainTimeoutElapsed' });
export const maxRequestsReached = (): WorkerEvent => ({ type: 'MaxRequestsReached' });

type Result = readonly [WorkerState, readonly WorkerCommand[]];

const hook = (s: WorkerState, name: WorkerHook): WorkerCommand[] =>
  (s.hooks.includes(name) ? [{ type: 'CallHook', hook: name }] : []);

/** Every way out goes through here: the workerExit hook, then Exit. */
const exitNow = (s: WorkerState, code = 0, before: readonly WorkerCommand[] = []): Result =>
  [{ ...s, phase: 'exited' }, [...before, ...hook(s, 'workerExit'), { type: 'Exit', code }]];

function beginDrain(s: WorkerState): Result {
  if (s.phase === 'booting') return exitNow(s);
  if (s.phase !== 'serving') return [s, []];
  return [
    { ...s, phase: 'draining' },
    [
      { type: 'StopAccepting' },
      { type: 'StartTimer', key: 'drain', ms: s.gracefulTimeoutMs, event: drainTimeoutElapsed() },
    ],
  ];
}

export function workerStep(s: WorkerState, e: WorkerEvent): Result {
  if (s.phase === 'exited') return [s, []];
  switch (e.type) {
    case 'Listening':
      return s.phase === 'booting' ? [{ ...s, phase: 'serving' }, [{ type: 'ReportBooted' }]] : [s, []];
    case 'SignalReceived':
      if (e.signal === 'TERM') return beginDrain(s);
      if (e.signal === 'INT' || e.signal === 'QUIT') return exitNow(s, 0, hook(s, 'workerInt'));
      // The arbiter's answer to a missed heartbeat, when the loop turns after all.
      if (e.signal === 'ABRT') return exitNow(s, 1, hook(s, 'workerAbort'));
      return [s, []];
    case 'ParentGone':
      return chainLog(beginDrain(s), 'warning', 'Arbiter is gone; worker stops gracefully');
    case 'MaxRequestsReached':
      return s.phase === 'serving' ? chainLog(beginDrain(s), 'info', 'Autorestarting worker after current request.') : [s, []];
    case 'Drained':
      return s.phase === 'draining' ? exitNow(s) : [s, []];
    case 'DrainTimeoutElapsed':
      if (s.phase !== 'draining') return [s, []];
      return exitNow(s, 0, [
        { type: 'Log', level: 'warning', message: 'Worker graceful timeout; closing open connections' },
        { type: 'CloseAllConnections' },
      ]);
  }
}

function chainLog([s, cmds]: Result, level: LogLevel, message: string): Result {
  return [s, [{ type: 'Log', level, message }, ...cmds]];
}
