/**
 * Gunicorn's `manage_workers`: spawn while fewer workers than wanted, ask the oldest surplus
 * workers to leave while more.
 *
 * Retiring workers are not counted, so a worker that drains slowly after TTOU is not asked again
 * and not replaced. Workers that failed to boot and wait for the crash-loop respawn timer
 * (`crash-loop.ts`) are not spawned here; when fewer workers are wanted, those waiting are given
 * up first (no healthy worker is stopped to make room for one that cannot boot), and the timer is
 * cancelled once none waits.
 *
 * Then the hand-over: once as many booted workers count as are wanted, the workers handing off
 * are told to drain and a reload under way is complete. That check runs here, not only when a
 * worker boots, because a smaller target (TTOU, WINCH) can complete a reload by itself; without
 * it such a reload would never end and its old workers never be stopped.
 *
 * @example
 * const [s1, cmds] = reconcile({ ...s0, target: 3 }); // spawnWorker × 3
 */
import { newWorker, timerKey, type ArbiterState } from './arbiter-state';
import { cancelTimer, killWorker, spawnWorker, type Command } from './commands';
import { hook } from './hooks';
import { announceReady } from './readiness';
import { chain, type StepResult } from './step-result';

export function reconcile(current: ArbiterState): StepResult {
  return chain(balance(current), handOver, announceReady);
}

/**
 * Once as many booted workers count as are wanted, the workers handing off (max-requests, or the
 * old workers of a reload) are told to drain, and a reload under way is complete.
 */
export function handOver(state: ArbiterState): StepResult {
  if (state.phase !== 'running') return [state, []];
  const waiting = state.workers.filter((w) => w.handoff && w.pid !== undefined);
  if (waiting.length === 0 && state.reload === undefined) return [state, []];
  const ready = state.workers.filter((w) => w.booted && !w.retiring).length;
  if (ready < state.target) return [state, []];
  const commands = waiting.map((w) => killWorker(w.pid as number, 'TERM'));
  const workers = state.workers.map((w) => (w.handoff ? { ...w, handoff: false } : w));
  return [{ ...state, workers, reload: undefined }, commands];
}

/** Spawn the missing workers, or retire the oldest surplus ones. */
function balance(current: ArbiterState): StepResult {
  if (current.phase !== 'running') return [current, []];
  const active = current.workers.filter((w) => !w.retiring);
  const commands: Command[] = [];
  const waiting = Math.min(current.backoff.waiting, Math.max(0, current.target - active.length));
  const state =
    waiting === current.backoff.waiting ? current : { ...current, backoff: { ...current.backoff, waiting } };
  if (waiting === 0 && current.backoff.waiting > 0) commands.push(cancelTimer(timerKey.respawn));
  if (active.length + waiting < state.target) {
    const fresh = Array.from({ length: state.target - active.length - waiting }, (_, i) =>
      newWorker(state.lastId + 1 + i, state.generation),
    );
    const next = { ...state, lastId: state.lastId + fresh.length, workers: state.workers.concat(fresh) };
    // preFork runs (and is awaited) before each spawn, as in Gunicorn, and sees the workers
    // spawned before it in the same batch (Gunicorn adds each to WORKERS right after its fork).
    fresh.forEach((w, i) => {
      const before = { ...state, workers: state.workers.concat(fresh.slice(0, i)) };
      // In a crash loop the worker's output is held, so a repeated failure is counted, not shown.
      commands.push(...hook(before, 'preFork', w), spawnWorker(w.id, state.backoff.level > 0, state.generation));
    });
    return [next, commands];
  }
  if (active.length > state.target) {
    const oldest = new Set(
      [...active]
        .sort((a, b) => a.id - b.id)
        .slice(0, active.length - state.target)
        .map((w) => w.id),
    );
    const workers = state.workers.map((w) =>
      oldest.has(w.id) ? { ...w, retiring: true, leaving: 'scale' as const } : w,
    );
    for (const w of workers) if (oldest.has(w.id) && w.pid !== undefined) commands.push(killWorker(w.pid, 'TERM'));
    return [{ ...state, workers }, commands];
  }
  return [state, commands];
}
