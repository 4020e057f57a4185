/**
 * The arbiter's signal table: one small handler per signal, as in Gunicorn's `handle_*`.
 *
 * | signal    | effect                                                        |
 * |-----------|---------------------------------------------------------------|
 * | TERM      | graceful stop, bounded by the graceful timeout                 |
 * | INT, QUIT | quick stop (and hurries a graceful stop already under way)    |
 * | TTIN      | one more worker                                               |
 * | TTOU      | one fewer worker (the oldest leaves), never below one         |
 * | HUP       | read the configuration again; new workers take over (reload.ts)|
 * | others    | logged and ignored until their feature lands                   |
 *
 * @example
 * const [s1, cmds] = onSignal(s0, 'TTIN'); // spawnWorker(n + 1)
 */
import type { ArbiterState } from './arbiter-state';
import { log, type Command } from './commands';
import { hook } from './hooks';
import { reconcile } from './reconcile';
import { onHup } from './reload';
import { beginStop, hurryStop } from './shutdown';
import type { Signal } from './signals';
import { chain, type StepResult } from './step-result';

type Handler = (state: ArbiterState) => StepResult;

const ignore: Handler = (s) => [s, []];

const handlers: Partial<Record<Signal, Handler>> = {
  TERM: (s) => (s.phase === 'stopping' ? ignore(s) : beginStop(s, { graceful: true, code: 0 })),
  INT: quick,
  QUIT: quick,
  TTIN: (s) => (s.phase === 'running' ? resize(s, s.target + 1) : ignore(s)),
  TTOU: (s) => (s.phase === 'running' && s.target > 1 ? resize(s, s.target - 1) : ignore(s)),
  HUP: onHup,
};

/** A new worker count: tell the nworkersChanged hook, then spawn or retire. */
function resize(s: ArbiterState, target: number): StepResult {
  return chain([s, hook(s, 'nworkersChanged', undefined, [target, s.target])], (x) => reconcile({ ...x, target }));
}

function quick(s: ArbiterState): StepResult {
  return s.phase === 'stopping' ? hurryStop(s) : beginStop(s, { graceful: false, code: 0 });
}

/** Apply the table's entry for `signal`; unknown or not-yet-supported signals are logged. */
export function onSignal(state: ArbiterState, signal: Signal): StepResult {
  const handler = handlers[signal];
  const heard: Command[] = [log('info', `Handling signal: ${signal.toLowerCase()}`)];
  if (!handler) return [state, [...heard, log('warning', `SIG${signal} is not supported yet; ignored`)]];
  return chain([state, heard], handler);
}
