/**
 * Gunicorn's `manage_workers`: spawn while fewer workers than wanted, ask the oldest surplus
 * workers to leave while more.
 *
 * Retiring workers are not counted, so a worker that drains slowly after TTOU is not asked again
 * and not replaced.
 *
 * @example
 * const [s1, cmds] = reconcile({ ...s0, target: 3 }); // spawnWorker × 3
 */
import { newWorker, type ArbiterState } from './arbiter-state';
import { killWorker, spawnWorker, type Command } from './commands';
import { hook } from './hooks';
import type { StepResult } from './step-result';

export function reconcile(state: ArbiterState): StepResult {
  if (state.phase !== 'running') return [state, []];
  const active = state.workers.filter((w) => !w.retiring);
  const commands: Command[] = [];
  if (active.length < state.target) {
    const fresh = Array.from({ length: state.target - active.length }, (_, i) => newWorker(state.lastId + 1 + i));
    const next = { ...state, lastId: state.lastId + fresh.length, workers: state.workers.concat(fresh) };
    // preFork runs (and is awaited) before each spawn, as in Gunicorn, and sees the workers
    // spawned before it in the same batch (Gunicorn adds each to WORKERS right after its fork).
    fresh.forEach((w, i) => {
      const before = { ...state, workers: state.workers.concat(fresh.slice(0, i)) };
      commands.push(...hook(before, 'preFork', w), spawnWorker(w.id));
    });
    return [next, commands];
  }
  if (active.length > state.target) {
    const oldest = new Set(
      [...active].sort((a, b) => a.id - b.id).slice(0, active.length - state.target).map((w) => w.id),
    );
    const workers = state.workers.map((w) => (oldest.has(w.id) ? { ...w, retiring: true } : w));
    for (const w of workers) if (oldest.has(w.id) && w.pid !== undefined) commands.push(killWorker(w.pid, 'TERM'));
    return [{ ...state, workers }, commands];
  }
  return [state, commands];
}
