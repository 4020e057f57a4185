/**
 * Arbiter commands: what to do, in the imperative.
 *
 * The pure `step` only describes them; the effects layer carries them out. Tests assert the
 * described commands, so no process is ever spawned by a marble test.
 *
 * @example
 * expect(cmds).toContainEqual(killWorker(4242, 'ABRT'));
 */
import type { ArbiterHook } from './arbiter-hooks';
import type { WorkerRecord } from './arbiter-state';
import type { ArbiterEvent } from './events';
import type { Signal } from './signals';

/** Error-log levels, least severe first. */
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export { ARBITER_HOOKS, type ArbiterHook } from './arbiter-hooks';

/**
 * Why a worker went while the arbiter ran on: `timeout` (killed after a missed heartbeat),
 * `max_requests` (it asked to be replaced), `reload` (HUP), `crash` (a signal nobody sent as a
 * stop, a non-zero exit, or an exit before it booted), `exit` (a clean exit nobody asked for).
 */
export const RESTART_REASONS = ['exit', 'crash', 'timeout', 'max_requests', 'reload'] as const;
export type RestartReason = (typeof RESTART_REASONS)[number];

export type Command =
  | {
      readonly type: 'SpawnWorker';
      readonly id: number;
      /** The configuration to spawn it with: the one in use, or the old one during a reload. */
      readonly generation: number;
      /** Present (true) in a crash loop: hold the worker's stderr until it boots or its failure is judged. */
      readonly holdOutput?: true;
    }
  | { readonly type: 'KillWorker'; readonly pid: number; readonly signal: Signal }
  | { readonly type: 'StartTimer'; readonly key: string; readonly ms: number; readonly event: ArbiterEvent }
  | { readonly type: 'CancelTimer'; readonly key: string }
  | { readonly type: 'CloseListeners' }
  | {
      readonly type: 'CallHook';
      readonly hook: ArbiterHook;
      /** The worker the hook is about (preFork, childExit). */
      readonly worker: WorkerRecord | undefined;
      /** Extra arguments (nworkersChanged: new count, old count). */
      readonly args: readonly unknown[];
      /** The workers at that moment, for the hook's `arbiter.workers`. */
      readonly workers: readonly WorkerRecord[];
    }
  | { readonly type: 'Log'; readonly level: LogLevel; readonly message: string }
  | { readonly type: 'ShowOutput'; readonly pid: number; readonly text: string }
  | {
      readonly type: 'Exit';
      readonly code: number;
      /** Present (true) while another arbiter shares the listeners (USR2): leave unix socket files in place. */
      readonly keepSockets?: true;
    }
  | { readonly type: 'ReloadConfig'; readonly generation: number }
  | { readonly type: 'UseConfig'; readonly generation: number }
  | { readonly type: 'ReopenLogs' }
  | { readonly type: 'Notify'; readonly message: string }
  | { readonly type: 'SpawnArbiter' }
  | { readonly type: 'ReportReady' }
  | { readonly type: 'Promote' }
  | { readonly type: 'CountWorkers'; readonly count: number }
  | { readonly type: 'CountRestart'; readonly reason: RestartReason };

/**
 * Start a new worker process, known as `id` until it has a pid, with the configuration of
 * `generation` (0 is the one the arbiter started with, one more for each HUP that loaded).
 */
export const spawnWorker = (id: number, holdOutput = false, generation = 0): Command => ({
  type: 'SpawnWorker',
  id,
  generation,
  ...(holdOutput ? { holdOutput: true as const } : {}),
});
/** Send `signal` to worker `pid`. */
export const killWorker = (pid: number, signal: Signal): Command => ({ type: 'KillWorker', pid, signal });
/** After `ms`, feed `event` back; a timer with the same key is replaced. */
export const startTimer = (key: string, ms: number, event: ArbiterEvent): Command => ({
  type: 'StartTimer',
  key,
  ms,
  event,
});
/** Forget the timer `key`, if it is pending. */
export const cancelTimer = (key: string): Command => ({ type: 'CancelTimer', key });
/**
 * Close the arbiter's own copies of the listening sockets, so that once the workers have closed
 * theirs, new connections are refused instead of waiting in a backlog nobody will serve.
 */
export const closeListeners = (): Command => ({ type: 'CloseListeners' });
/**
 * Run the user's server hook `hook` in the arbiter; it is awaited before the commands after it
 * that must wait (spawns and exit), and a hook that throws is logged, never fatal.
 */
export const callHook = (
  hook: ArbiterHook,
  workers: readonly WorkerRecord[],
  worker?: WorkerRecord,
  args: readonly unknown[] = [],
): Command => ({ type: 'CallHook', hook, worker, args, workers });
/** Write a line to the error log. */
export const log = (level: LogLevel, message: string): Command => ({ type: 'Log', level, message });
/**
 * Write what worker `pid` printed to stderr before it booted, as it printed it (a stack trace from
 * node or the app's own message), to the arbiter's stderr. The step leaves it out for a failure
 * that repeats one already shown.
 */
export const showOutput = (pid: number, text: string): Command => ({ type: 'ShowOutput', pid, text });
/**
 * End the arbiter process with `code`. With `keepSockets`, another arbiter still serves on the
 * listeners (USR2), so their unix socket files stay.
 */
export const exit = (code: number, keepSockets = false): Command => ({
  type: 'Exit',
  code,
  ...(keepSockets ? { keepSockets: true as const } : {}),
});
/**
 * Read the configuration again (HUP) and keep it aside as `generation`, without using it yet;
 * answered by `ConfigReloaded` or `ConfigReloadFailed`. It is used once the step says `UseConfig`.
 */
export const reloadConfig = (generation: number): Command => ({ type: 'ReloadConfig', generation });
/**
 * From now on the configuration of `generation` is the one in use: what hooks see as
 * `arbiter.config`, and what the arbiter's own effects follow. Said when a reloaded configuration
 * is accepted, and when a reload is abandoned (the old one again). The effects never switch on
 * their own when a file loads: the step may not accept it (a stop began, a newer one won).
 */
export const useConfig = (generation: number): Command => ({ type: 'UseConfig', generation });
/** Reopen the arbiter's log files (USR1), so a rotated file is let go and a new one started. */
export const reopenLogs = (): Command => ({ type: 'ReopenLogs' });
/** Tell the service manager (systemd) how things stand: `READY=1`, `RELOADING=1`, `STOPPING=1`. */
export const notify = (message: string): Command => ({ type: 'Notify', message });
/**
 * USR2: start a new arbiter running the current executable and arguments, inheriting every
 * listener; answered by `NewArbiterSpawned` (or `NewArbiterSpawnFailed`), then `NewArbiterReady`
 * and `NewArbiterExited`.
 */
export const spawnArbiter = (): Command => ({ type: 'SpawnArbiter' });
/** Tell the old arbiter (this one's USR2 parent) that every worker serves. */
export const reportReady = (): Command => ({ type: 'ReportReady' });
/** The old arbiter has gone: take over its pid file (`<pidfile>.2` becomes `<pidfile>`). */
export const promote = (): Command => ({ type: 'Promote' });
/**
 * The number of worker processes changed to `count`: set the `workers` gauge (StatsD, Prometheus).
 * Gunicorn's `manage_workers` sends it whenever the count differs from the last one sent.
 */
export const countWorkers = (count: number): Command => ({ type: 'CountWorkers', count });
/** A worker went while the arbiter ran on, for `reason`: count it (Prometheus restarts). */
export const countRestart = (reason: RestartReason): Command => ({ type: 'CountRestart', reason });
