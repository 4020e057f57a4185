/**
 * The last stage: run the app on each exchange, at most `concurrency` at a time, and emit the
 * exchange once its response has closed.
 *
 * Beyond the limit, exchanges wait in order (Gunicorn's `worker_connections` for the async
 * worker). An app that throws, or whose promise rejects, gets its request answered with a 500
 * (or its connection closed when headers were already sent) and the worker keeps serving.
 * Why not `mergeMap`: it would build an inner Observable per request. Here a request costs one
 * counter and one shared `close` listener (no closure, no `once` wrapper): the benchmark budget
 * (within 5 % of a bare server) leaves about a microsecond per request for the whole pipeline.
 *
 * @example
 * request$.pipe(...stages, serve(app, { concurrency: 1000, onError: (e) => log(e) }))
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { respond, type Exchange, type ResponseLike } from './exchange';

export type Handler<E extends Exchange> = (req: E['req'], res: E['res']) => unknown;

export interface ServeOptions<E extends Exchange> {
  /** Requests the app may have in flight at once. */
  readonly concurrency: number;
  /** Told about every exception the app throws or rejects with. */
  readonly onError: (error: unknown, exchange: E) => void;
}

/** Where a response keeps its exchange while in flight (one hidden-class transition, the same for all). */
const kExchange = Symbol('runicorn.exchange');
type Tagged<E> = ResponseLike & { [kExchange]?: E };

export function serve<E extends Exchange>(handler: Handler<E>, options: ServeOptions<E>): OperatorFunction<E, E> {
  const { concurrency, onError } = options;
  return (source) =>
    new Observable<E>((subscriber) => {
      let active = 0;
      const waiting: E[] = [];
      let sourceDone = false;

      function onClose(this: ResponseLike) {
        const ex = (this as Tagged<E>)[kExchange] as E;
        active -= 1;
        subscriber.next(ex);
        const next = waiting.shift();
        if (next) run(next);
        else if (sourceDone && active === 0) subscriber.complete();
      }
      const fail = (error: unknown, ex: E) => {
        onError(error, ex);
        respond(ex, 500, 'Internal Server Error\n');
      };
      const run = (ex: E) => {
        active += 1;
        (ex.res as Tagged<E>)[kExchange] = ex;
        ex.res.on('close', onClose);
        try {
          const result = handler(ex.req, ex.res) as { then?: unknown } | undefined;
          if (result && typeof result.then === 'function') {
            (result as PromiseLike<unknown>).then(undefined, (error: unknown) => fail(error, ex));
          }
        } catch (error) {
          fail(error, ex);
        }
      };

      const sub = source.subscribe({
        next: (ex) => (active < concurrency ? run(ex) : waiting.push(ex)),
        error: (err) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          if (active === 0 && waiting.length === 0) subscriber.complete();
        },
      });
      return () => sub.unsubscribe();
    });
}
