/**
 * Worker policy: what the worker class, `--timeout` and `--graceful-timeout` mean in numbers.
 *
 * Why pure and in one place: these few rules decide how many requests a worker runs at once,
 * whether connections are kept alive, how often a worker says it is alive and how long the
 * arbiter waits before it kills; the boot edge only reads settings and passes the answers on.
 *
 * @example
 * workerType({ workerClass: 'sync', threads: 4, workerConnections: 1000, keepalive: 2 })
 * // { name: 'gthread', concurrency: 4, keepAliveMs: 2000 }
 */

/** The worker classes runicorn knows (Gunicorn's names). */
export type WorkerClass = 'sync' | 'gthread' | 'async';

/** The built-in worker classes, in the order the docs list them. */
export const WORKER_CLASSES: readonly WorkerClass[] = ['sync', 'gthread', 'async'];

/**
 * True for a built-in class name; anything else in `--worker-class` names a module.
 *
 * @example
 * isWorkerClass('gthread') // true
 * isWorkerClass('./my-worker.mjs') // false
 */
export const isWorkerClass = (name: string): name is WorkerClass =>
  (WORKER_CLASSES as readonly string[]).includes(name);

/** The settings a worker type depends on (seconds, as configured). */
export interface WorkerTypeSettings {
  /** A built-in class, or the module spec of a user's class (then `workerType` needs what it declares). */
  readonly workerClass: string;
  readonly threads: number;
  readonly workerConnections: number;
  /** Idle keep-alive seconds; 0 turns keep-alive off. */
  readonly keepalive: number;
}

/**
 * What a user's worker class (`-k ./my-worker.mjs`) declares, once its module is loaded and its
 * `concurrency` and `keepAliveMs` worked out (see docs/worker-classes.md).
 *
 * @example
 * const custom: CustomWorkerClass = { spec: './my-worker.mjs', base: 'gthread', concurrency: 8 };
 */
export interface CustomWorkerClass {
  /** As given to `--worker-class`; the worker loads the module again from it. */
  readonly spec: string;
  /** The built-in behaviour it extends. */
  readonly base: WorkerClass;
  /** Its own limit of requests in flight, instead of the base's. */
  readonly concurrency?: number;
  /** Its own idle keep-alive time, instead of `--keep-alive`. */
  readonly keepAliveMs?: number;
}

/** A worker type and what it means for serving. */
export interface WorkerType {
  readonly name: WorkerClass;
  /** Requests the app may have in flight at once. */
  readonly concurrency: number;
  /** Idle keep-alive time; 0 means every response closes its connection. */
  readonly keepAliveMs: number;
  /** The user's class module, when the type is one (its `name` is then its base). */
  readonly custom?: string;
}

/**
 * The worker type: `sync` runs one request at a time and closes every connection; `sync` with
 * `--threads` > 1 is `gthread` (Gunicorn's rule), which runs `threads` at a time; `async` runs
 * `--worker-connections` at a time. Both keep connections alive for `--keep-alive` seconds.
 *
 * A user's class (`custom`) is its base exactly as named (a class that says `sync` asked for
 * sync, so `--threads` does not switch it), with its own `concurrency` and `keepAliveMs` where
 * it gives them. Without `custom`, a `workerClass` that is not built in is a programming error.
 *
 * @example
 * workerType({ workerClass: 'async', threads: 1, workerConnections: 1000, keepalive: 2 }).concurrency // 1000
 * workerType(settings, { spec: './w.mjs', base: 'gthread', concurrency: 8 }) // { name: 'gthread', concurrency: 8, keepAliveMs: 2000, custom: './w.mjs' }
 */
export function workerType(settings: WorkerTypeSettings, custom?: CustomWorkerClass): WorkerType {
  if (custom) {
    const base = builtinType(custom.base, settings);
    return {
      name: base.name,
      concurrency: custom.concurrency ?? base.concurrency,
      keepAliveMs: custom.keepAliveMs ?? base.keepAliveMs,
      custom: custom.spec,
    };
  }
  if (!isWorkerClass(settings.workerClass))
    throw new Error(`worker class ${settings.workerClass} is a module: workerType needs what it declares`);
  const name = settings.workerClass === 'sync' && settings.threads > 1 ? 'gthread' : settings.workerClass;
  return builtinType(name, settings);
}

function builtinType(name: WorkerClass, settings: WorkerTypeSettings): WorkerType {
  if (name === 'sync') return { name, concurrency: 1, keepAliveMs: 0 };
  const keepAliveMs = settings.keepalive * 1000;
  if (name === 'gthread') return { name, concurrency: settings.threads, keepAliveMs };
  return { name, concurrency: settings.workerConnections, keepAliveMs };
}

/**
 * What is wrong with a user's class's policy, in words, or `undefined` when nothing is: the base
 * must be built in; `concurrency` a positive integer and `keepAliveMs` a whole number of 0 or
 * more; and a `sync` base takes neither (one request at a time and no keep-alive is what sync is).
 *
 * @example
 * customWorkerProblem({ base: 'sync', concurrency: 4 }) // 'a sync base runs one request at a time; it takes no concurrency'
 */
export function customWorkerProblem(declared: {
  readonly base: unknown;
  readonly concurrency?: unknown;
  readonly keepAliveMs?: unknown;
}): string | undefined {
  const { base, concurrency, keepAliveMs } = declared;
  if (base === undefined) return `it has no base (${WORKER_CLASSES.join(', ')}): the built-in class it extends`;
  if (typeof base !== 'string' || !isWorkerClass(base))
    return `its base must be one of ${WORKER_CLASSES.join(', ')}, got ${typeof base === 'string' ? `"${base}"` : typeof base}`;
  const isInt = (n: unknown, min: number) => typeof n === 'number' && Number.isInteger(n) && n >= min;
  if (concurrency !== undefined && !isInt(concurrency, 1))
    return `its concurrency must be a positive integer, got ${String(concurrency)}`;
  if (keepAliveMs !== undefined && !isInt(keepAliveMs, 0))
    return `its keepAliveMs must be a whole number of 0 or more, got ${String(keepAliveMs)}`;
  if (base === 'sync' && concurrency !== undefined)
    return 'a sync base runs one request at a time; it takes no concurrency (use base gthread)';
  if (base === 'sync' && keepAliveMs !== undefined)
    return 'a sync base closes every connection; it takes no keepAliveMs (use base gthread or async)';
  return undefined;
}

/**
 * How often a worker says it is alive: four times per `--timeout`, so one late beat is not a
 * miss, but at least every 50 ms and at most once a second; 0 (no heartbeats) when the timeout
 * is off.
 *
 * @example
 * heartbeatInterval(30_000) // 1000
 */
export const heartbeatInterval = (timeoutMs: number): number =>
  timeoutMs > 0 ? Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4))) : 0;

/**
 * How long the arbiter waits after SIGABRT (a missed heartbeat) before SIGKILL: long enough for
 * the `workerAbort` and `workerExit` hooks of a worker whose loop still turns.
 *
 * @example
 * startTimer(timerKey.kill(pid), ABORT_GRACE_MS, killDeadlineElapsed(pid))
 */
export const ABORT_GRACE_MS = 1000;

/**
 * How long after the workers' own drain deadline the arbiter sends SIGKILL in a graceful stop.
 *
 * Why a margin: a worker starts its `--graceful-timeout` clock when TERM reaches it, a little
 * after the arbiter started its own, and at that deadline it closes what is left, runs its
 * `workerExit` hook, flushes its logs and exits 0. A SIGKILL at exactly the same moment (what
 * Gunicorn does) races that clean exit and, with a short timeout on a busy machine, wins: the
 * worker is logged as killed. 500 ms covers signal delivery and that last step on a loaded
 * machine, and adds at most half a second to a stop whose worker truly hangs; a fixed margin,
 * not a share of the timeout, because the race is worst exactly when the timeout is short.
 *
 * @example
 * killDeadline(30_000) // 30_500: SIGKILL for whoever is left
 */
export const KILL_MARGIN_MS = 500;

/**
 * When a graceful stop SIGKILLs the workers that are left: the graceful timeout plus
 * `KILL_MARGIN_MS`.
 *
 * @example
 * startTimer(timerKey.graceful, killDeadline(state.settings.gracefulTimeoutMs), gracefulTimeoutElapsed())
 */
export const killDeadline = (gracefulTimeoutMs: number): number => gracefulTimeoutMs + KILL_MARGIN_MS;

/**
 * How long a quick shutdown (INT, QUIT) waits for workers before SIGKILL: 2 s, or the graceful
 * timeout when that is shorter (a quick stop is never slower than a graceful one).
 *
 * @example
 * quickDeadline(30_000) // 2000
 */
export const quickDeadline = (gracefulTimeoutMs: number): number => Math.min(2000, gracefulTimeoutMs);
