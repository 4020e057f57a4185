/**
 * Request stages: rxjs operators from exchanges to exchanges, composed with `pipe()`.
 *
 * A stage may pass an exchange on, enrich it, or answer it itself and drop it. `stage(fn)` builds
 * one from a plain function that returns the exchange to pass it on, or `undefined` once it has
 * answered. It creates no Observable per request, which keeps the pipeline within its budget.
 *
 * @example
 * const requireHost = stage(function requireHost(ex) {
 *   if (ex.req.headers.host) return ex;
 *   respond(ex, 400, 'Bad Request\n');
 *   return undefined;
 * });
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { Exchange } from './exchange';

export type Stage<E extends Exchange = Exchange> = OperatorFunction<E, E>;

export function stage<E extends Exchange>(fn: (exchange: E) => E | undefined): Stage<E> {
  return (source) =>
    new Observable<E>((subscriber) =>
      source.subscribe({
        next(exchange) {
          let out: E | undefined;
          try {
            out = fn(exchange);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (out !== undefined) subscriber.next(out);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
