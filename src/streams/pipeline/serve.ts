/**
 * The last stage: run the app on each exchange, at most `concurrency` at a time, and emit the
 * exchange once its response has closed.
 *
 * Beyond the limit, exchanges wait in order (Gunicorn's `worker_connections` for the async
 * worker). An app that throws, or whose promise rejects, gets its request answered with a 500
 * (or its connection closed when headers were already sent) and the worker keeps serving; so does
 * an app that returns an app instead of answering (`describeAppLike`).
 *
 * A client may go while its exchange waits, or while it sits behind an earlier response on a
 * pipelined connection; Node then never emits that response's `close`, which is what frees a
 * slot. So an exchange whose client has gone before it runs is released (never handed to the
 * app) and told to `onAbandoned`; a waiting exchange watches its request's `close` to be released
 * at once, and is checked again when its turn comes.
 *
 * Why not `mergeMap`: it would build an inner Observable per request. Here a request run at once
 * costs one counter, one socket check and one shared `close` listener (no closure, no `once`
 * wrapper): the benchmark budget (within 5 % of a bare server) leaves about a microsecond per
 * request for the whole pipeline. Only the slow paths (waiting, pipelined) pay for more.
 *
 * @example
 * request$.pipe(...stages, serve(app, { concurrency: 1000, onError: (e) => log(e), onAbandoned: () => abandoned++ }))
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { AppReturnedAppError, describeAppLike } from './app-like';
import { clientGone, respond, type Exchange, type RequestLike, type ResponseLike } from './exchange';

export type Handler<E extends Exchange> = (req: E['req'], res: E['res']) => unknown;

export interface ServeOptions<E extends Exchange> {
  /** Requests the app may have in flight at once. */
  readonly concurrency: number;
  /** Told about every exception the app throws or rejects with, and about an app returned instead of an answer. */
  readonly onError: (error: unknown, exchange: E) => void;
  /** Told about each exchange released unanswered because its client had gone before the app could run it. */
  readonly onAbandoned?: ((exchange: E) => void) | undefined;
}

/** On a response in flight: its exchange; `undefined` once released (one hidden-class transition, the same for all). */
const kExchange = Symbol('runicorn.exchange');
/** On a request, slow paths only: its exchange while it waits, or runs behind an earlier response. */
const kWatched = Symbol('runicorn.watched');
type Tagged<E> = ResponseLike & { [kExchange]?: E | undefined };
type Watched<E> = RequestLike & { [kWatched]?: E | undefined };

const INTERNAL_ERROR = 'Internal Server Error\n';

export function serve<E extends Exchange>(handler: Handler<E>, options: ServeOptions<E>): OperatorFunction<E, E> {
  const { concurrency, onError, onAbandoned } = options;
  return (source) =>
    new Observable<E>((subscriber) => {
      let active = 0;
      const waiting: E[] = [];
      let sourceDone = false;

      const completeIfDone = () => {
        if (sourceDone && active === 0 && waiting.length === 0) subscriber.complete();
      };
      const abandon = (ex: E) => {
        if (onAbandoned) onAbandoned(ex);
      };
      /** Run the first waiting exchange whose client is still there. */
      const runNext = () => {
        while (active < concurrency) {
          const ex = waiting.shift();
          if (ex === undefined) break;
          (ex.req as Watched<E>)[kWatched] = undefined;
          start(ex);
        }
        completeIfDone();
      };
      function onClose(this: ResponseLike) {
        const ex = (this as Tagged<E>)[kExchange];
        if (ex === undefined) return;
        (this as Tagged<E>)[kExchange] = undefined;
        active -= 1;
        subscriber.next(ex);
        if (waiting.length > 0) runNext();
        else if (sourceDone && active === 0) subscriber.complete();
      }
      /** A watched request closed: if its client has gone, free what it holds (a place in line, or a slot). */
      function onRequestClose(this: RequestLike) {
        const ex = (this as Watched<E>)[kWatched];
        if (ex === undefined || !clientGone(ex)) return;
        (this as Watched<E>)[kWatched] = undefined;
        if ((ex.res as Tagged<E>)[kExchange] === ex) {
          onClose.call(ex.res);
          return;
        }
        const i = waiting.indexOf(ex);
        if (i < 0) return;
        waiting.splice(i, 1);
        abandon(ex);
        completeIfDone();
      }
      const watch = (ex: E) => {
        if (typeof ex.req.on !== 'function') return;
        (ex.req as Watched<E>)[kWatched] = ex;
        ex.req.on('close', onRequestClose);
      };
      const fail = (error: unknown, ex: E) => {
        onError(error, ex);
        respond(ex, 500, INTERNAL_ERROR);
      };
      /** The handler gave back a value: a promise to watch, or an app where an answer was due. */
      const returned = (result: unknown, ex: E) => {
        if (typeof (result as { then?: unknown }).then === 'function') {
          (result as PromiseLike<unknown>).then(
            (value) => (value === undefined || value === null ? undefined : resolved(value, ex)),
            (error: unknown) => fail(error, ex),
          );
          return;
        }
        resolved(result, ex);
      };
      const resolved = (value: unknown, ex: E) => {
        if (ex.res.headersSent) return;
        const app = describeAppLike(value);
        if (app !== undefined) fail(new AppReturnedAppError(app), ex);
      };
      const start = (ex: E) => {
        const socket = ex.res.socket;
        // Slow path: the client is gone (an async stage held the exchange, or it waited), or the
        // response waits behind an earlier one on its connection and only its request tells.
        if (socket === null || socket?.destroyed) {
          if (clientGone(ex)) return abandon(ex);
          watch(ex);
        }
        active += 1;
        (ex.res as Tagged<E>)[kExchange] = ex;
        ex.res.on('close', onClose);
        try {
          const result = handler(ex.req, ex.res);
          if (typeof result === 'object' ? result !== null : typeof result === 'function') returned(result, ex);
        } catch (error) {
          fail(error, ex);
        }
      };

      const sub = source.subscribe({
        next: (ex) => {
          if (active < concurrency) return start(ex);
          waiting.push(ex);
          watch(ex);
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          completeIfDone();
        },
      });
      return () => sub.unsubscribe();
    });
}
