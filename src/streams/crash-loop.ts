/**
 * Crash loops: a worker that exits before it has booted is respawned after a wait that doubles
 * each round, and a failure that repeats the last one is counted instead of shown again.
 *
 * Why: a worker that cannot boot (an app that exits with code 1 at import, a `--node-arg`
 * loader node cannot resolve) would otherwise be respawned several times a second, each time
 * printing the same stack trace. Gunicorn loops like that; PM2 backs off. Exit codes 3 and 4 are
 * not crash loops: the worker says it can never boot, and the arbiter halts (`on-worker.ts`). A
 * worker that had booted and then dies is a fault, not a loop: it is replaced at once.
 *
 * The rules, with the defaults (`ArbiterSettings`):
 * - Round n waits `respawnDelayMs · 2^(n-1)`, at most `respawnDelayMaxMs`: 0.1 s, 0.2 s, 0.4 s, …
 *   6.4 s, then 10 s. One timer serves a round: workers that fail while it is pending wait for
 *   it too and do not raise the level, so `-w 8` failing at once backs off like `-w 1`.
 * - A worker that boots and stays up `stableAfterMs` (5 s) ends the loop: the next failure
 *   starts again at 0.1 s and is shown again.
 * - The first failure, or one different from the last, shows what the worker printed and says
 *   "Worker (pid:N) failed to boot; retrying in 0.1s". A repeat (same exit, same output once
 *   digits are masked, since pids and timestamps differ) is one line: Gunicorn's exit sentence,
 *   then "Failed to boot N times the same way; retrying in Xs".
 *
 * @example
 * const [s1, cmds] = retryLater(s0, 101, failureOf(1, null, 'DATABASE_URL is not set\n'), 'Worker (pid:101) exited with code 1.');
 * // cmds: [log('error', 'Worker (pid:101) failed to boot; retrying in 0.1s'), startTimer('respawn', 100, …)]
 */
import { timerKey, type ArbiterSettings, type ArbiterState, type Backoff } from './arbiter-state';
import { log, startTimer, type Command } from './commands';
import { respawnDelayElapsed, workerStayedUp } from './events';
import { reconcile } from './reconcile';
import type { StepResult } from './step-result';

/** The wait of round `level` (1-based), capped. */
export const respawnDelay = (settings: ArbiterSettings, level: number): number =>
  Math.min(settings.respawnDelayMaxMs, settings.respawnDelayMs * 2 ** Math.max(0, level - 1));

/** A boot failure as compared with the last one: the exit, and the output with every number masked. */
export const failureOf = (code: number | null, signal: string | null, output: string): string =>
  `${code ?? ''}/${signal ?? ''}\n${output.replace(/\d+/g, '#')}`;

/** Whether `failure` is the one the arbiter last reported (its output need not be shown again). */
export const isRepeat = (backoff: Backoff, failure: string): boolean => backoff.failure === failure;

const seconds = (ms: number) => `${ms / 1000}s`;

/**
 * Worker `pid` exited before it booted: count the failure, say so once, and arm the round's
 * respawn timer unless one is already pending. The caller then reconciles, which leaves the
 * waiting workers out.
 */
export function retryLater(state: ArbiterState, pid: number, failure: string, exitLine: string): StepResult {
  const { backoff } = state;
  const repeat = isRepeat(backoff, failure);
  const pending = backoff.waiting > 0;
  const level = pending ? Math.max(1, backoff.level) : backoff.level + 1;
  const ms = respawnDelay(state.settings, level);
  const repeats = repeat ? backoff.repeats + 1 : 1;
  const next: ArbiterState = { ...state, backoff: { level, waiting: backoff.waiting + 1, failure, repeats } };
  const commands: Command[] = [
    log(
      'error',
      repeat
        ? `${exitLine} Failed to boot ${repeats} times the same way; retrying in ${seconds(ms)}`
        : `Worker (pid:${pid}) failed to boot; retrying in ${seconds(ms)}`,
    ),
  ];
  if (!pending) commands.push(startTimer(timerKey.respawn, ms, respawnDelayElapsed()));
  return [next, commands];
}

/** The round's wait is over: spawn every worker that was waiting. */
export function onRespawnDelay(state: ArbiterState): StepResult {
  if (state.phase !== 'running' || state.backoff.waiting === 0) return [state, []];
  return reconcile({ ...state, backoff: { ...state.backoff, waiting: 0 } });
}

/** A worker booted during a crash loop: it ends the loop if it is still up `stableAfterMs` from now. */
export const watchStable = (state: ArbiterState, pid: number): Command[] =>
  state.backoff.level > 0 ? [startTimer(timerKey.stable(pid), state.settings.stableAfterMs, workerStayedUp(pid))] : [];

/** The worker stayed up: the loop is over (a pending respawn still happens, from the same timer). */
export function onWorkerStayedUp(state: ArbiterState, pid: number): StepResult {
  // A stale timer (the worker has exited since) is ignored rather than cancelled on every exit.
  const w = state.workers.find((r) => r.pid === pid);
  if (state.phase !== 'running' || !w || !w.booted || state.backoff.level === 0) return [state, []];
  return [{ ...state, backoff: { ...state.backoff, level: 0, failure: undefined, repeats: 0 } }, []];
}
