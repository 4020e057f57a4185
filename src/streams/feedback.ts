/**
 * Closes the loop between a pure core and the interpreters of its commands, in one place.
 *
 * `external$` (signals, a `Started` event) and the events the interpreters produce all enter
 * the core through one `Subject`, observed on the queue scheduler so that an interpreter that
 * answers synchronously never re-enters the core from inside its own step. The live arbiter
 * and the lifecycle test kit both use this function: they differ only in the interpreters.
 *
 * @example
 * const command$ = feedback(arbiter(s0), (c$) => merge(timers(scheduler)(c$), spawner(c$)))(signal$);
 */
import {
  connectable, merge, observeOn, Observable, queueScheduler, Subject, type OperatorFunction,
} from 'rxjs';

export function feedback<E, C>(
  core: OperatorFunction<E, C>,
  interpret: (command$: Observable<C>) => Observable<E>,
): (external$: Observable<E>) => Observable<C> {
  return (external$) =>
    new Observable<C>((subscriber) => {
      const loop$ = new Subject<E>();
      const command$ = connectable(merge(external$, loop$.pipe(observeOn(queueScheduler))).pipe(core), {
        connector: () => new Subject<C>(),
        resetOnDisconnect: false,
      });
      const out = command$.subscribe(subscriber);
      const back = interpret(command$).subscribe({
        next: (event) => loop$.next(event),
        error: (err) => subscriber.error(err),
      });
      const connection = command$.connect();
      return () => {
        connection.unsubscribe();
        back.unsubscribe();
        out.unsubscribe();
      };
    });
}
