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
 * | USR1      | reopen the log files, and send USR1 to every booted worker    |
 * | WINCH     | every worker drains, none replaces it; listeners stay bound   |
 * | USR2      | a new arbiter on the same listeners (binary upgrade, upgrade.ts)|
 * | others    | logged and ignored                                             |
 *
 * @example
 * const [s1, cmds] = onSignal(s0, 'TTIN'); // spawnWorker(n + 1)
 */
import type { ArbiterState } from './arbiter-state';
import { killWorker, log, reopenLogs, type Command } from './commands';
import { hook } from './hooks';
import { reconcile } from './reconcile';
import { onHup } from './reload';
import { beginStop, hurryStop } from './shutdown';
import type { Signal } from './signals';
import { chain, type StepResult } from './step-result';
import { onUsr2, stopGracefully } from './upgrade';

type Handler = (state: ArbiterState) => StepResult;

const ignore: Handler = (s) => [s, []];

const handlers: Partial<Record<Signal, Handler>> = {
  TERM: (s) => (s.phase === 'stopping' ? ignore(s) : stopGracefully(s)),
  INT: quick,
  QUIT: quick,
  TTIN: (s) => (s.phase === 'running' ? resize(s, s.target + 1) : ignore(s)),
  TTOU: (s) => (s.phase === 'running' && s.target > 1 ? resize(s, s.target - 1) : ignore(s)),
  HUP: onHup,
  USR1: reopen,
  WINCH: (s) => (s.phase === 'running' ? stopWorkers(s) : ignore(s)),
  USR2: onUsr2,
};

/**
 * USR1 goes only to booted workers: a worker that has just been spawned may not have its handler
 * in place yet, and Node's default action for USR1 is to start the inspector on port 9229. A
 * worker still booting opens its log files as it boots anyway.
 */
function reopen(s: ArbiterState): StepResult {
  const workers = s.workers.flatMap((w) => (w.booted && w.pid !== undefined ? [killWorker(w.pid, 'USR1')] : []));
  return [s, [reopenLogs(), ...workers]];
}

/**
 * WINCH (Gunicorn honours it only when daemonized; runicorn always): the target drops to 0, so
 * every worker is sent TERM and drains, and none is replaced. The arbiter keeps its listeners,
 * so connections wait in the backlog; TTIN (or HUP) starts workers again. A worker handing off
 * after max-requests is told to drain too, since no replacement is coming.
 */
function stopWorkers(s: ArbiterState): StepResult {
  const said: StepResult = [
    s,
    [log('info', 'Graceful stop of workers; the arbiter keeps its listeners (TTIN or HUP starts workers again)')],
  ];
  return chain(said, (x) => (x.target === 0 ? [x, []] : resize(x, 0)), drainHandoffs);
}

function drainHandoffs(s: ArbiterState): StepResult {
  const waiting = s.workers.filter((w) => w.handoff);
  if (waiting.length === 0) return [s, []];
  const commands = waiting.flatMap((w) => (w.pid === undefined ? [] : [killWorker(w.pid, 'TERM')]));
  return [{ ...s, workers: s.workers.map((w) => (w.handoff ? { ...w, handoff: false } : w)) }, commands];
}

/** A new worker count: tell the nworkersChanged hook, then spawn or retire. */
function resize(s: ArbiterState, target: number): StepResult {
  return chain([s, hook(s, 'nworkersChanged', undefined, [target, s.target])], (x) => reconcile({ ...x, target }));
}

/** INT, QUIT: a quick stop, at once, even while a TERM waits for a new arbiter (USR2). */
function quick(s: ArbiterState): StepResult {
  if (s.phase === 'stopping') return hurryStop(s);
  const upgrade = s.upgrade && { ...s.upgrade, pendingStop: false };
  return beginStop({ ...s, upgrade }, { graceful: false, code: 0 });
}

/** Apply the table's entry for `signal`; unknown or not-yet-supported signals are logged. */
export function onSignal(state: ArbiterState, signal: Signal): StepResult {
  const handler = handlers[signal];
  const heard: Command[] = [log('info', `Handling signal: ${signal.toLowerCase()}`)];
  if (!handler) return [state, [...heard, log('warning', `SIG${signal} is not supported yet; ignored`)]];
  return chain([state, heard], handler);
}
