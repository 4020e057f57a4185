/**
 * Arbiter events: what happened, in the past tense.
 *
 * Every event reaches the pure `step` through one stream; the effects layer produces them from
 * signals, child processes and timers.
 *
 * @example
 * step(state, workerExited(4242, null, 'KILL'));
 */
import type { ArbiterSettings } from './arbiter-state';
import type { Signal } from './signals';

export type ArbiterEvent =
  | {
      readonly type: 'Started';
      /** Present when this arbiter was started by USR2: the old arbiter's pid. */
      readonly parent?: number;
    }
  | { readonly type: 'SignalReceived'; readonly signal: Signal }
  | { readonly type: 'WorkerSpawned'; readonly id: number; readonly pid: number }
  | { readonly type: 'WorkerSpawnFailed'; readonly id: number; readonly reason: string }
  | { readonly type: 'WorkerBooted'; readonly pid: number }
  | { readonly type: 'WorkerFailed'; readonly pid: number; readonly code: number; readonly reason: string }
  | {
      readonly type: 'WorkerRetiring';
      readonly pid: number;
      /** Present (true) when the worker serves on until it is sent TERM (max-requests); absent when it drains now (a fault). */
      readonly handoff?: true;
    }
  | { readonly type: 'HeartbeatReceived'; readonly pid: number }
  | { readonly type: 'HeartbeatMissed'; readonly pid: number }
  | { readonly type: 'KillDeadlineElapsed'; readonly pid: number }
  | {
      readonly type: 'WorkerExited';
      readonly pid: number;
      readonly code: number | null;
      readonly signal: Signal | string | null;
      /** What the worker wrote to stderr before it booted (a capped tail); '' once booted (it was forwarded live). */
      readonly output: string;
      /** Present (true) when that output was already written to stderr as it came, so it is not shown again. */
      readonly outputShown?: true;
    }
  | { readonly type: 'GracefulTimeoutElapsed' }
  | { readonly type: 'RespawnDelayElapsed' }
  | { readonly type: 'WorkerStayedUp'; readonly pid: number }
  | { readonly type: 'ConfigReloaded'; readonly generation: number; readonly settings: ArbiterSettings }
  | { readonly type: 'ConfigReloadFailed'; readonly generation: number; readonly reason: string }
  | { readonly type: 'NewArbiterSpawned'; readonly pid: number }
  | { readonly type: 'NewArbiterSpawnFailed'; readonly reason: string }
  | { readonly type: 'NewArbiterReady'; readonly pid: number }
  | {
      readonly type: 'NewArbiterExited';
      readonly pid: number;
      readonly code: number | null;
      readonly signal: Signal | string | null;
    }
  | { readonly type: 'OldArbiterExited' };

/**
 * Listeners are bound (or inherited); the arbiter may spawn its workers. `parent` is the old
 * arbiter's pid when this one was started by its USR2.
 */
export const started = (parent?: number): ArbiterEvent =>
  parent === undefined ? { type: 'Started' } : { type: 'Started', parent };
/** The arbiter process received `signal`. */
export const signalReceived = (signal: Signal): ArbiterEvent => ({ type: 'SignalReceived', signal });
/** Short alias used in marble tests: `signal('TTIN')`. */
export const signal = signalReceived;
/** Worker `id` now runs as process `pid`. */
export const workerSpawned = (id: number, pid: number): ArbiterEvent => ({ type: 'WorkerSpawned', id, pid });
/** Worker `id` could not be started at all (e.g. the node binary is gone). */
export const workerSpawnFailed = (id: number, reason: string): ArbiterEvent => ({
  type: 'WorkerSpawnFailed',
  id,
  reason,
});
/** The worker loaded its app and listens. */
export const workerBooted = (pid: number): ArbiterEvent => ({ type: 'WorkerBooted', pid });
/** The worker says why it is about to exit with `code` (3: boot error, 4: app load error). */
/** The worker leaves on its own account (a fault, max-requests) and drains: replace it now. */
export const workerRetiring = (pid: number, handoff = false): ArbiterEvent => ({
  type: 'WorkerRetiring',
  pid,
  ...(handoff ? { handoff: true as const } : {}),
});
export const workerFailed = (pid: number, code: number, reason: string): ArbiterEvent => ({
  type: 'WorkerFailed',
  pid,
  code,
  reason,
});
/** The worker's event loop turned: it is alive. */
export const heartbeatReceived = (pid: number): ArbiterEvent => ({ type: 'HeartbeatReceived', pid });
/** No heartbeat from `pid` within the timeout. */
export const heartbeatMissed = (pid: number): ArbiterEvent => ({ type: 'HeartbeatMissed', pid });
/** A worker sent SIGABRT did not exit in time. */
export const killDeadlineElapsed = (pid: number): ArbiterEvent => ({ type: 'KillDeadlineElapsed', pid });
/**
 * The worker process ended, with an exit code or by a signal; `output` is what it wrote to stderr
 * before it booted, if it never did.
 */
export const workerExited = (
  pid: number,
  code: number | null,
  sig: Signal | string | null = null,
  output = '',
  outputShown = false,
): ArbiterEvent => ({
  type: 'WorkerExited',
  pid,
  code,
  signal: sig,
  output,
  ...(outputShown ? { outputShown: true as const } : {}),
});
/** The graceful shutdown deadline passed. */
export const gracefulTimeoutElapsed = (): ArbiterEvent => ({ type: 'GracefulTimeoutElapsed' });
/** The crash-loop wait is over: spawn the workers that failed to boot. */
export const respawnDelayElapsed = (): ArbiterEvent => ({ type: 'RespawnDelayElapsed' });
/** Worker `pid`, booted during a crash loop, has stayed up `stableAfterMs`: the loop is over. */
export const workerStayedUp = (pid: number): ArbiterEvent => ({ type: 'WorkerStayedUp', pid });
/** The configuration was read again (HUP) and new workers are spawned with it, as `generation`. */
export const configReloaded = (generation: number, settings: ArbiterSettings): ArbiterEvent => ({
  type: 'ConfigReloaded',
  generation,
  settings,
});
/** Reading the configuration again failed: the running one stays. */
export const configReloadFailed = (generation: number, reason: string): ArbiterEvent => ({
  type: 'ConfigReloadFailed',
  generation,
  reason,
});
/** USR2: the new arbiter runs as `pid`, on this arbiter's listeners. */
export const newArbiterSpawned = (pid: number): ArbiterEvent => ({ type: 'NewArbiterSpawned', pid });
/** USR2: the new arbiter could not be started at all. */
export const newArbiterSpawnFailed = (reason: string): ArbiterEvent => ({ type: 'NewArbiterSpawnFailed', reason });
/** The new arbiter says every one of its workers serves. */
export const newArbiterReady = (pid: number): ArbiterEvent => ({ type: 'NewArbiterReady', pid });
/** The new arbiter's process ended. */
export const newArbiterExited = (
  pid: number,
  code: number | null,
  sig: Signal | string | null = null,
): ArbiterEvent => ({
  type: 'NewArbiterExited',
  pid,
  code,
  signal: sig,
});
/** The old arbiter that started this one by USR2 has exited: this one is promoted. */
export const oldArbiterExited = (): ArbiterEvent => ({ type: 'OldArbiterExited' });
