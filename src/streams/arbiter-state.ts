/**
 * The arbiter's whole state: plain, immutable data, so a test can build any situation by hand.
 *
 * @example
 * const s0 = initialState({ workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 30_000 });
 */
import type { ArbiterHook } from './arbiter-hooks';

/** One worker as the arbiter knows it. `pid` is undefined between the spawn command and the spawn. */
export interface WorkerRecord {
  /** Spawn order, 1-based: a lower id is an older worker (Gunicorn's `age`). */
  readonly id: number;
  /**
   * The configuration it was spawned with (`ArbiterState.generation` then). During a reload the
   * old workers are of the reload's `fallbackGeneration`, so one that is lost can be replaced with
   * the same configuration (`on-worker.ts`).
   */
  readonly generation: number;
  readonly pid: number | undefined;
  readonly booted: boolean;
  /** Sent SIGABRT after a missed heartbeat. */
  readonly aborted: boolean;
  /** Asked to leave (TTOU surplus), or leaving on its own; no longer counts towards the target. */
  readonly retiring: boolean;
  /** Retiring but still serving (max-requests): sent TERM once enough other workers have booted. */
  readonly handoff: boolean;
  /**
   * The worker itself asked to be replaced (max-requests), maybe while already handing off for a
   * reload: an abandoned reload must not bring it back, since it will not ask again.
   */
  readonly recycle: boolean;
  /** What the worker said before it exited with a boot or app-load failure. */
  readonly failure: string | undefined;
  /**
   * Why the arbiter asked it to leave, when that is not written elsewhere: `reload` (a HUP handed
   * its work to new workers), `scale` (TTOU or WINCH: fewer workers wanted, none replaces it).
   * Absent otherwise; it names the restart in `CountRestart` (see `restartReason`).
   */
  readonly leaving?: 'reload' | 'scale';
}

/** The arbiter's timing knobs, in milliseconds. */
export interface ArbiterSettings {
  /** Workers wanted at boot. */
  readonly workers: number;
  /** Heartbeat staleness limit; 0 disables the check. */
  readonly timeoutMs: number;
  /** How long workers may drain after TERM; SIGKILL follows `KILL_MARGIN_MS` (500 ms) later. */
  readonly gracefulTimeoutMs: number;
  /** How long a worker sent SIGABRT gets before SIGKILL. */
  readonly abortGraceMs: number;
  /** Deadline for workers once a quick shutdown interrupts a graceful one. */
  readonly quickDeadlineMs: number;
  /** The arbiter-side hooks the configuration defines; only these produce `CallHook` commands. */
  readonly hooks: readonly ArbiterHook[];
  /** The wait before respawning a worker that exited before it booted; doubles each round. */
  readonly respawnDelayMs: number;
  /** The longest such wait. */
  readonly respawnDelayMaxMs: number;
  /** How long a worker must stay up after booting to end a crash loop (the wait starts over). */
  readonly stableAfterMs: number;
  /**
   * Tell the service manager how things stand (systemd's `READY=1`, `RELOADING=1`,
   * `STOPPING=1`); only when it listens (`NOTIFY_SOCKET`), so otherwise no `Notify` command exists.
   */
  readonly notify: boolean;
  /**
   * Report worker counts and restarts (`CountWorkers`, `CountRestart`, and Gunicorn's debug line
   * `N workers`): on when StatsD, the Prometheus endpoint or `--log-level debug` wants them, so
   * otherwise no such command exists.
   */
  readonly instrument: boolean;
}

/**
 * Where the arbiter is in a crash loop (see `crash-loop.ts`): all zero when workers boot.
 */
export interface Backoff {
  /** Rounds in a row in which a worker exited before it booted; the wait is `respawnDelayMs·2^(level-1)`. */
  readonly level: number;
  /** Workers that failed to boot and wait for the respawn timer, which is pending exactly while this is > 0. */
  readonly waiting: number;
  /** The last boot failure as compared (digits masked), and how many times in a row it happened. */
  readonly failure: string | undefined;
  readonly repeats: number;
}

export interface Stopping {
  readonly graceful: boolean;
  readonly code: number;
  readonly reason: string | undefined;
  /** SIGKILL already sent to everyone. */
  readonly killed: boolean;
}

/** A HUP under way: what to go back to if the new workers cannot load the app. */
export interface Reload {
  /** The configuration the serving (old) workers run. */
  readonly fallbackGeneration: number;
  readonly fallbackSettings: ArbiterSettings;
  readonly fallbackTarget: number;
}

/**
 * A binary upgrade (USR2) under way: the new arbiter this one started on the same listeners.
 * It lives until that arbiter exits, whatever happens to this one.
 */
export interface Upgrade {
  /** Undefined until the new arbiter's process exists. */
  readonly pid: number | undefined;
  /** The new arbiter said that every one of its workers serves (and it told systemd MAINPID). */
  readonly ready: boolean;
  /** A graceful stop (TERM) asked for before the new arbiter was ready: it begins once it is, or once it is gone. */
  readonly pendingStop: boolean;
}

export interface ArbiterState {
  readonly phase: 'idle' | 'running' | 'stopping' | 'exited';
  readonly target: number;
  readonly lastId: number;
  readonly workers: readonly WorkerRecord[];
  readonly stopping: Stopping | undefined;
  readonly backoff: Backoff;
  readonly settings: ArbiterSettings;
  /** The configuration new workers are spawned with: 0 at boot, one more for each HUP that loaded. */
  readonly generation: number;
  /** How many reloads were asked for (HUP), so each `ReloadConfig` names its own generation. */
  readonly reloads: number;
  /** Set from a loaded HUP until its new workers have taken over. */
  readonly reload: Reload | undefined;
  /** Every wanted worker has booted, and the service manager was told so (since the last HUP). */
  readonly ready: boolean;
  /** The new arbiter started by USR2, while it runs. */
  readonly upgrade: Upgrade | undefined;
  /**
   * This arbiter was started by USR2 and the old one (this pid) still runs: it must not start an
   * upgrade of its own, and the sockets are shared. Cleared when the old arbiter exits (promotion).
   */
  readonly parent: number | undefined;
}

/**
 * Defaults that match Gunicorn's for everything not given. Gunicorn has no crash-loop backoff
 * (it respawns at once, forever); these numbers are ours and are explained in docs/workers.md.
 */
export const defaultSettings: ArbiterSettings = {
  workers: 1,
  timeoutMs: 30_000,
  gracefulTimeoutMs: 30_000,
  abortGraceMs: 1_000,
  quickDeadlineMs: 2_000,
  hooks: [],
  respawnDelayMs: 100,
  respawnDelayMaxMs: 10_000,
  stableAfterMs: 5_000,
  notify: false,
  instrument: false,
};

/** Not in a crash loop. */
export const noBackoff: Backoff = { level: 0, waiting: 0, failure: undefined, repeats: 0 };

/** The state before `Started`: no workers, nothing running. */
export const initialState = (settings: Partial<ArbiterSettings> = {}): ArbiterState => {
  const s = { ...defaultSettings, ...settings };
  return {
    phase: 'idle',
    target: s.workers,
    lastId: 0,
    workers: [],
    stopping: undefined,
    backoff: noBackoff,
    settings: s,
    generation: 0,
    reloads: 0,
    reload: undefined,
    ready: false,
    upgrade: undefined,
    parent: undefined,
  };
};

/** A fresh worker record for spawn number `id`, to run the configuration of `generation`. */
export const newWorker = (id: number, generation = 0): WorkerRecord => ({
  id,
  generation,
  pid: undefined,
  booted: false,
  aborted: false,
  retiring: false,
  handoff: false,
  recycle: false,
  failure: undefined,
});

/** The worker running as `pid`, if the arbiter knows one. */
export const findByPid = (state: ArbiterState, pid: number): WorkerRecord | undefined =>
  state.workers.find((w) => w.pid === pid);

/** Replace the record of worker `id` with `update(record)`. */
export const updateWorker = (
  state: ArbiterState,
  id: number,
  update: (w: WorkerRecord) => WorkerRecord,
): ArbiterState => ({ ...state, workers: state.workers.map((w) => (w.id === id ? update(w) : w)) });

/** The state without worker `id`. */
export const removeWorker = (state: ArbiterState, id: number): ArbiterState => ({
  ...state,
  workers: state.workers.filter((w) => w.id !== id),
});

/** Timer keys, in one place so `step` and its tests agree. */
export const timerKey = {
  heartbeat: (pid: number) => `heartbeat:${pid}`,
  kill: (pid: number) => `kill:${pid}`,
  graceful: 'graceful',
  /** The one pending respawn of the workers that failed to boot. */
  respawn: 'respawn',
  /** Worker `pid` has stayed up long enough to end a crash loop. */
  stable: (pid: number) => `stable:${pid}`,
} as const;
