/**
 * A worker's lifecycle as a pure step: booting → serving → draining → exited.
 *
 * The worker process feeds it what happens (listening, signals, the arbiter going away, the
 * last connection closing) and carries out the commands. Graceful stop (TERM, or the arbiter
 * gone) stops accepting, lets in-flight requests finish with `Connection: close`, and exits
 * when the last connection closes or the graceful timeout passes; INT and QUIT exit at once.
 *
 * @example
 * const [w1, cmds] = workerStep(workerInitial(30_000), workerSignal('TERM'));
 */
import type { LogLevel } from '../commands';
import type { Signal } from '../signals';

export type WorkerPhase = 'booting' | 'serving' | 'draining' | 'exited';

export type WorkerEvent =
  | { readonly type: 'Listening' }
  | { readonly type: 'SignalReceived'; readonly signal: Signal }
  | { readonly type: 'ParentGone' }
  | { readonly type: 'Drained' }
  | { readonly type: 'DrainTimeoutElapsed' };

export type WorkerCommand =
  | { readonly type: 'ReportBooted' }
  | { readonly type: 'StopAccepting' }
  | { readonly type: 'CloseAllConnections' }
  | { readonly type: 'StartTimer'; readonly key: string; readonly ms: number; readonly event: WorkerEvent }
  | { readonly type: 'Log'; readonly level: LogLevel; readonly message: string }
  | { readonly type: 'Exit'; readonly code: number };

export interface WorkerState {
  readonly phase: WorkerPhase;
  readonly gracefulTimeoutMs: number;
}

export const workerInitial = (gracefulTimeoutMs: number): WorkerState => ({ phase: 'booting', gracefulTimeoutMs });

export const listening = (): WorkerEvent => ({ type: 'Listening' });
export const workerSignal = (signal: Signal): WorkerEvent => ({ type: 'SignalReceived', signal });
export const parentGone = (): WorkerEvent => ({ type: 'ParentGone' });
export const drained = (): WorkerEvent => ({ type: 'Drained' });
export const drainTimeoutElapsed = (): WorkerEvent => ({ type: 'DrainTimeoutElapsed' });

type Result = readonly [WorkerState, readonly WorkerCommand[]];

const exitNow = (s: WorkerState, code = 0): Result => [{ ...s, phase: 'exited' }, [{ type: 'Exit', code }]];

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
      if (e.signal === 'INT' || e.signal === 'QUIT') return exitNow(s);
      return [s, []];
    case 'ParentGone':
      return chainLog(beginDrain(s), 'warning', 'Arbiter is gone; worker stops gracefully');
    case 'Drained':
      return s.phase === 'draining' ? exitNow(s) : [s, []];
    case 'DrainTimeoutElapsed':
      if (s.phase !== 'draining') return [s, []];
      return [{ ...s, phase: 'exited' }, [
        { type: 'Log', level: 'warning', message: 'Worker graceful timeout; closing open connections' },
        { type: 'CloseAllConnections' },
        { type: 'Exit', code: 0 },
      ]];
  }
}

function chainLog([s, cmds]: Result, level: LogLevel, message: string): Result {
  return [s, [{ type: 'Log', level, message }, ...cmds]];
}
