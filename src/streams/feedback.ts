/**
 * Closes the loop between a pure core and the interpreters of its commands, in one place.
 *
 * `external$` (signals, a `Started` event) and the events the interpreters produce all enter
 * the core through one trampoline: an event that arrives while the core is still handling
 * another (its step, and the delivery of that step's commands to the interpreters) waits in a
 * FIFO queue and is handled right after, in the same call stack. So an interpreter that answers
 * synchronously (a fake port in a test, `of(workerSpawned(…))`) never re-enters the core from
 * inside its own step, and no event is lost: the core and the interpreters are subscribed
 * before `external$`, so whatever `external$` emits at subscription (`of(started())`) is already
 * heard, and so is every event the interpreters emit in answer to it.
 *
 * Why not `observeOn(queueScheduler)`: the queue scheduler only trampolines when the outermost
 * call is itself a queue task; an event from a signal handler, a virtual-time hot observable or
 * `of()` runs the nested one at once, inside the step. Why not a `merge`: it subscribes its
 * sources in order, so an event fed back before the loop's own source is subscribed is dropped.
 *
 * The output never completes (the loop runs until unsubscribed); an error from `external$`,
 * the core or an interpreter ends it with that error. The live arbiter, the worker runtime and
 * the lifecycle test kit all use this function: they differ only in the interpreters.
 *
 * @example
 * const command$ = feedback(arbiter(s0), (c$) => merge(timers(scheduler)(c$), spawner(c$)))(of(started()));
 */
import { Observable, Subject, type OperatorFunction } from 'rxjs';

export function feedback<E, C>(
  core: OperatorFunction<E, C>,
  interpret: (command$: Observable<C>) => Observable<E>,
): (external$: Observable<E>) => Observable<C> {
  return (external$) =>
    new Observable<C>((subscriber) => {
      const input = new Subject<E>();
      const command$ = new Subject<C>();
      const queue: E[] = [];
      let handling = false;
      /** The trampoline: handle `event` now, or after the one being handled. */
      const enter = (event: E) => {
        queue.push(event);
        if (handling) return;
        handling = true;
        try {
          while (queue.length > 0 && !subscriber.closed) input.next(queue.shift() as E);
        } finally {
          handling = false;
          queue.length = 0;
        }
      };
      const fail = (err: unknown) => subscriber.error(err);
      // Order matters: the consumer first (it sees each command before its effects answer),
      // then the core, then the interpreters, and only then the outside world.
      const out = command$.subscribe(subscriber);
      const core$ = input.pipe(core).subscribe({ next: (c) => command$.next(c), error: fail });
      const back = interpret(command$).subscribe({ next: enter, error: fail });
      const outside = external$.subscribe({ next: enter, error: fail });
      return () => {
        outside.unsubscribe();
        back.unsubscribe();
        core$.unsubscribe();
        out.unsubscribe();
      };
    });
}
