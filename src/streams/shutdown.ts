/**
 * Gunicorn's `stop(graceful)` and `halt()`: signal every worker, arm the deadline, and exit once
 * the last worker is gone.
 *
 * Graceful sends TERM (workers finish in-flight requests), quick sends QUIT (workers leave at
 * once); either way SIGKILL follows at the deadline, so shutdown is always bounded. A graceful
 * stop's SIGKILL comes `KILL_MARGIN_MS` after the graceful timeout (`killDeadline`), so a worker
 * leaving cleanly at its own drain deadline is not killed in the same instant.
 *
 * @example
 * const [s1, cmds] = beginStop(s0, { graceful: true, code: 0 });
 */
import { timerKey, type ArbiterState } from './arbiter-state';
import { cancelTimer, closeListeners, exit, killWorker, log, startTimer, type Command } from './commands';
import { gracefulTimeoutElapsed } from './events';
import { hook } from './hooks';
import { tell } from './readiness';
import { chain, type StepResult } from './step-result';
import { killDeadline } from './worker/policy';

export interface StopRequest {
  readonly graceful: boolean;
  readonly code: number;
  readonly reason?: string;
}

/**
 * Signal all workers and arm the deadline; exits at once when there is no worker (as during a
 * crash-loop wait, whose respawn is cancelled).
 */
export function beginStop(state: ArbiterState, req: StopRequest): StepResult {
  const signal = req.graceful ? 'TERM' : 'QUIT';
  const stopping = { graceful: req.graceful, code: req.code, reason: req.reason, killed: false };
  const next: ArbiterState = { ...state, phase: 'stopping', stopping, backoff: { ...state.backoff, waiting: 0 } };
  const respawn: Command[] = [
    ...tell(state, 'STOPPING=1'),
    ...(state.backoff.waiting > 0 ? [cancelTimer(timerKey.respawn)] : []),
  ];
  if (state.workers.length === 0) return chain([next, respawn], finish);
  // Another arbiter serves on the same sockets (USR2): they stay open for it.
  const commands: Command[] = [...respawn, ...(sharesListeners(state) ? [] : [closeListeners()])];
  for (const w of state.workers) if (w.pid !== undefined) commands.push(killWorker(w.pid, signal));
  // A quick stop's workers leave at once (no deadline of their own to race): no margin for them.
  const deadline = req.graceful ? killDeadline(state.settings.gracefulTimeoutMs) : state.settings.gracefulTimeoutMs;
  commands.push(startTimer(timerKey.graceful, deadline, gracefulTimeoutElapsed()));
  return [next, commands];
}

/** A quick shutdown requested while a graceful one runs: QUIT everyone, shorten the deadline. */
export function hurryStop(state: ArbiterState): StepResult {
  if (!state.stopping?.graceful || state.stopping.killed) return [state, []];
  const commands: Command[] = [log('info', 'Quick shutdown requested')];
  for (const w of state.workers) if (w.pid !== undefined) commands.push(killWorker(w.pid, 'QUIT'));
  commands.push(startTimer(timerKey.graceful, state.settings.quickDeadlineMs, gracefulTimeoutElapsed()));
  return [{ ...state, stopping: { ...state.stopping, graceful: false } }, commands];
}

/** The deadline passed: SIGKILL whoever is left. */
export function killStragglers(state: ArbiterState): StepResult {
  if (state.phase !== 'stopping' || !state.stopping) return [state, []];
  const commands: Command[] = [];
  for (const w of state.workers) if (w.pid !== undefined) commands.push(killWorker(w.pid, 'KILL'));
  return [{ ...state, stopping: { ...state.stopping, killed: true } }, commands];
}

/** A new arbiter started by this one's USR2, or the old arbiter that started this one, still runs. */
export const sharesListeners = (state: ArbiterState): boolean =>
  state.upgrade !== undefined || state.parent !== undefined;

/** The arbiter's last line. */
export const SHUTTING_DOWN = 'Shutting down: Master';

/** Once stopping and no worker is left: say goodbye and exit with the stop's code. */
export function finishIfDone(state: ArbiterState): StepResult {
  if (state.phase !== 'stopping' || state.workers.length > 0) return [state, []];
  return finish(state);
}

function finish(state: ArbiterState): StepResult {
  const stop = state.stopping ?? { graceful: true, code: 0, reason: undefined, killed: false };
  const commands: Command[] = [cancelTimer(timerKey.graceful), log(stop.code === 0 ? 'info' : 'error', SHUTTING_DOWN)];
  if (stop.reason !== undefined) commands.push(log('error', `Reason: ${stop.reason}`));
  if (state.upgrade?.pid !== undefined)
    commands.push(log('info', `The new arbiter (pid ${state.upgrade.pid}) serves on, on the same listeners`));
  commands.push(...hook(state, 'onExit'), exit(stop.code, sharesListeners(state)));
  return [{ ...state, phase: 'exited', stopping: stop }, commands];
}
