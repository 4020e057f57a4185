/**
 * The arbiter as one pure function: `step(state, event) → [state, commands]`.
 *
 * Nothing here reads a clock, touches a process or logs: it only says what to do. That is why
 * every lifecycle rule can be tested as a table or a marble diagram.
 *
 * @example
 * const [s1, cmds] = step(initialState({ workers: 2 }), started());
 * // cmds: [spawnWorker(1), spawnWorker(2)]
 */
import type { ArbiterState } from './arbiter-state';
import type { ArbiterEvent } from './events';
import { onSignal } from './on-signal';
import {
  onHeartbeat,
  onHeartbeatMissed,
  onKillDeadline,
  onWorkerBooted,
  onWorkerExited,
  onWorkerFailed,
  onWorkerRetiring,
  onWorkerSpawned,
  onWorkerSpawnFailed,
} from './on-worker';
import { onRespawnDelay, onWorkerStayedUp } from './crash-loop';
import { countWorkers, log } from './commands';
import { SHUTTING_DOWN } from './shutdown';
import { hook } from './hooks';
import { reconcile } from './reconcile';
import { onConfigReloaded, onConfigReloadFailed } from './reload';
import { killStragglers } from './shutdown';
import { chain, type StepResult } from './step-result';
import {
  onNewArbiterExited,
  onNewArbiterReady,
  onNewArbiterSpawned,
  onNewArbiterSpawnFailed,
  onOldArbiterExited,
} from './upgrade';

/** Listeners are up: nworkersChanged(N, null), whenReady, then the first workers (Gunicorn's order). */
function boot(state: ArbiterState, parent: number | undefined): StepResult {
  const running: ArbiterState = { ...state, phase: 'running', parent };
  return chain(
    [running, [...hook(running, 'nworkersChanged', undefined, [state.target, null]), ...hook(running, 'whenReady')]],
    reconcile,
  );
}

export function step(state: ArbiterState, event: ArbiterEvent): StepResult {
  const result = transition(state, event);
  return result[0].settings.instrument ? withWorkerCount(state, result) : result;
}

/**
 * Gunicorn's `manage_workers` says how many workers there are (`N workers` at debug level, and
 * the `workers` gauge) whenever the number of worker processes changed; here after any event that
 * changed it. Said before the arbiter's last line and its `Exit`, the end of the arbiter.
 */
function withWorkerCount(before: ArbiterState, result: StepResult): StepResult {
  const [after, commands] = result;
  const count = after.workers.length;
  if (count === before.workers.length) return result;
  const said = [log('debug', `${count} workers`), countWorkers(count)];
  // Before the goodbye (`Shutting down: Master` is the last line, as in Gunicorn) and the exit.
  const exitAt = commands.findIndex((c) => c.type === 'Exit' || (c.type === 'Log' && c.message === SHUTTING_DOWN));
  if (exitAt < 0) return [after, commands.concat(said)];
  return [after, [...commands.slice(0, exitAt), ...said, ...commands.slice(exitAt)]];
}

function transition(state: ArbiterState, event: ArbiterEvent): StepResult {
  // Once Exit was commanded nothing else may happen, whatever arrives late.
  if (state.phase === 'exited') return [state, []];
  switch (event.type) {
    case 'Started':
      return state.phase === 'idle' ? boot(state, event.parent) : [state, []];
    case 'SignalReceived':
      return onSignal(state, event.signal);
    case 'WorkerSpawned':
      return onWorkerSpawned(state, event.id, event.pid);
    case 'WorkerSpawnFailed':
      return onWorkerSpawnFailed(state, event.id, event.reason);
    case 'WorkerBooted':
      return onWorkerBooted(state, event.pid);
    case 'WorkerRetiring':
      return onWorkerRetiring(state, event.pid, event.handoff === true);
    case 'WorkerFailed':
      return onWorkerFailed(state, event.pid, event.reason);
    case 'HeartbeatReceived':
      return onHeartbeat(state, event.pid);
    case 'HeartbeatMissed':
      return onHeartbeatMissed(state, event.pid);
    case 'KillDeadlineElapsed':
      return onKillDeadline(state, event.pid);
    case 'WorkerExited':
      return onWorkerExited(state, event.pid, event.code, event.signal, event.output, event.outputShown === true);
    case 'GracefulTimeoutElapsed':
      return killStragglers(state);
    case 'RespawnDelayElapsed':
      return onRespawnDelay(state);
    case 'WorkerStayedUp':
      return onWorkerStayedUp(state, event.pid);
    case 'ConfigReloaded':
      return onConfigReloaded(state, event.generation, event.settings);
    case 'ConfigReloadFailed':
      return onConfigReloadFailed(state, event.reason);
    case 'NewArbiterSpawned':
      return onNewArbiterSpawned(state, event.pid);
    case 'NewArbiterSpawnFailed':
      return onNewArbiterSpawnFailed(state, event.reason);
    case 'NewArbiterReady':
      return onNewArbiterReady(state, event.pid);
    case 'NewArbiterExited':
      return onNewArbiterExited(state, event.pid, event.code, event.signal);
    case 'OldArbiterExited':
      return onOldArbiterExited(state);
  }
}
