/**
 * A request stage that calls a hook with each exchange and passes it on once the hook is done:
 * at once for a synchronous hook, after the promise for an async one. A failing hook is logged
 * and the request is served anyway. Requests are not serialised: each waits only for its own call.
 *
 * @example
 * request$.pipe(hookStage('preRequest', (ex) => hooks.preRequest(worker, ex.req), logger))
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { Logger } from './logger';
import { errorStack } from './error-text';

export function hookStage<E>(name: string, call: (exchange: E) => unknown, logger: Logger): OperatorFunction<E, E> {
  const failed = (err: unknown) => logger.log('error', `Hook ${name} failed: ${errorStack(err)}`);
  return (source) =>
    new Observable<E>((subscriber) =>
      source.subscribe({
        next(exchange) {
          let result: unknown;
          try {
            result = call(exchange);
          } catch (err) {
            failed(err);
          }
          if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
            (result as PromiseLike<unknown>).then(
              () => subscriber.next(exchange),
              (err: unknown) => {
                failed(err);
                subscriber.next(exchange);
              },
            );
          } else {
            subscriber.next(exchange);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
