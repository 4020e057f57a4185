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

/** The settings a worker type depends on (seconds, as configured). */
export interface WorkerTypeSettings {
  readonly workerClass: WorkerClass;
  readonly threads: number;
  readonly workerConnections: number;
  /** Idle keep-alive seconds; 0 turns keep-alive off. */
  readonly keepalive: number;
}

/** A worker type and what it means for serving. */
export interface WorkerType {
  readonly name: WorkerClass;
  /** Requests the app may have in flight at once. */
  readonly concurrency: number;
  /** Idle keep-alive time; 0 means every response closes its connection. */
  readonly keepAliveMs: number;
}

/**
 * The worker type: `sync` runs one request at a time and closes every connection; `sync` with
 * `--threads` > 1 is `gthread` (Gunicorn's rule), which runs `threads` at a time; `async` runs
 * `--worker-connections` at a time. Both keep connections alive for `--keep-alive` seconds.
 *
 * @example
 * workerType({ workerClass: 'async', threads: 1, workerConnections: 1000, keepalive: 2 }).concurrency // 1000
 */
export function workerType(settings: WorkerTypeSettings): WorkerType {
  const name = settings.workerClass === 'sync' && settings.threads > 1 ? 'gthread' : settings.workerClass;
  if (name === 'sync') return { name, concurrency: 1, keepAliveMs: 0 };
  const keepAliveMs = settings.keepalive * 1000;
  if (name === 'gthread') return { name, concurrency: settings.threads, keepAliveMs };
  return { name, concurrency: settings.workerConnections, keepAliveMs };
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
 * How long a quick shutdown (INT, QUIT) waits for workers before SIGKILL: 2 s, or the graceful
 * timeout when that is shorter (a quick stop is never slower than a graceful one).
 *
 * @example
 * quickDeadline(30_000) // 2000
 */
export const quickDeadline = (gracefulTimeoutMs: number): number => Math.min(2000, gracefulTimeoutMs);
