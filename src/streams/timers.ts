/**
 * Interprets `StartTimer` / `CancelTimer` commands on a scheduler and emits each timer's event
 * when it fires.
 *
 * Why it lives in the pure layer: time enters only through the injected scheduler, so marble
 * tests run it in virtual time (a 30 s timeout costs nothing) and the live arbiter uses the same
 * code with rxjs's `asyncScheduler`. A timer started again under the same key replaces the old one,
 * which is how a heartbeat pushes its deadline forward.
 *
 * @example
 * command$.pipe(timers(testScheduler)) // emits heartbeatMissed(pid) 30 s after the last heartbeat
 */
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';

/** The event a command union's `StartTimer` member carries. */
export type TimerEvent<C> = C extends { readonly type: 'StartTimer'; readonly event: infer E } ? E : never;

/** Works for any command union with `StartTimer {key, ms, event}` and `CancelTimer {key}` members. */
export function timers(scheduler: SchedulerLike = asyncScheduler) {
  return <C extends { readonly type: string }>(command$: Observable<C>): Observable<TimerEvent<C>> =>
    new Observable<TimerEvent<C>>((subscriber) => {
      const pending = new Map<string, Subscription>();
      const cancel = (key: string) => {
        pending.get(key)?.unsubscribe();
        pending.delete(key);
      };
      const source = command$.subscribe({
        next(command) {
          const c = command as unknown as { type: string; key: string; ms: number; event: TimerEvent<C> };
          if (c.type === 'CancelTimer') cancel(c.key);
          if (c.type !== 'StartTimer') return;
          cancel(c.key);
          const { key, ms, event } = c;
          pending.set(
            key,
            scheduler.schedule(() => {
              pending.delete(key);
              subscriber.next(event);
            }, ms),
          );
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        source.unsubscribe();
        for (const key of [...pending.keys()]) cancel(key);
      };
    });
}
