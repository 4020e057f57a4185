/**
 * A worker's heartbeat as a stream: every `intervalMs` on the injected scheduler, a `HeartbeatDue`
 * event carrying the request progress at that instant. The worker step decides whether it
 * becomes a heartbeat (not once exiting, and not while a sync worker's request is stuck).
 *
 * Why a sample and not a timer per request: reading two counters once per interval is the whole
 * cost of bounding request time (`--timeout` with `-k sync`); the hot path only counts.
 *
 * @example
 * merge(signal$, heartbeatTicks(1000, asyncScheduler, () => tracker.progress()))
 */
import { EMPTY, interval, map, type Observable, type SchedulerLike } from 'rxjs';
import { heartbeatDue, type RequestProgress, type WorkerEvent } from './worker-lifecycle';

const IDLE: RequestProgress = { inFlight: 0, finished: 0 };

export function heartbeatTicks(
  intervalMs: number,
  scheduler: SchedulerLike,
  progress: () => RequestProgress = () => IDLE,
): Observable<WorkerEvent> {
  if (intervalMs <= 0) return EMPTY;
  return interval(intervalMs, scheduler).pipe(
    map(() => {
      const p = progress();
      return heartbeatDue(p.inFlight, p.finished);
    }),
  );
}
