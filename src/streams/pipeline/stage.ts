/**
 * Request stages: rxjs operators from exchanges to exchanges, composed with `pipe()`.
 *
 * A stage may pass an exchange on, enrich it, or answer it itself and drop it. `stage(fn)` builds
 * one from a plain function that returns the exchange to pass it on, or `undefined` once it has
 * answered. It creates no Observable per request, which keeps the pipeline within its budget.
 *
 * The operator is named after `fn` (the name logs use when the stage fails) and carries `fn`, so
 * `requestPipeline` can contain it with a plain `try`/`catch` per exchange instead of the general
 * wrapper (`contain`). On its own, outside `requestPipeline`, it behaves as any rxjs operator: an
 * exception ends its stream.
 *
 * @example
 * const requireHost = stage(function requireHost(ex) {
 *   if (ex.req.headers.host) return ex;
 *   respond(ex, 400, 'Bad Request\n');
 *   return undefined;
 * });
 */
import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import type { Exchange } from './exchange';

export type Stage<E extends Exchange = Exchange> = OperatorFunction<E, E>;

/** The function a stage was built from, for a stage made by `stage()`. */
export type StageFunction<E extends Exchange> = (exchange: E) => E | undefined;

const kStageFunction = Symbol('runicorn.stageFunction');

/**
 * The operator that runs `fn` on each exchange, passing on what it returns; what a throw does is
 * `onThrow`'s to say (end the stream, or answer a 500 and go on). Shared by `stage()` and by
 * `contain()`, so a contained `stage(fn)` costs the same per exchange as a plain one.
 *
 * @example
 * functionStage(fn, (err, _ex, subscriber) => subscriber.error(err))
 */
export function functionStage<E extends Exchange>(
  fn: StageFunction<E>,
  onThrow: (error: unknown, exchange: E, subscriber: Subscriber<E>) => void,
): Stage<E> {
  return (source) =>
    new Observable<E>((subscriber) =>
      source.subscribe({
        next(exchange) {
          let out: E | undefined;
          try {
            out = fn(exchange);
          } catch (err) {
            onThrow(err, exchange, subscriber);
            return;
          }
          if (out !== undefined) subscriber.next(out);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

const rethrow = <E>(error: unknown, _exchange: E, subscriber: Subscriber<E>) => subscriber.error(error);

export function stage<E extends Exchange>(fn: StageFunction<E>): Stage<E> {
  const op = functionStage(fn, rethrow);
  Object.defineProperty(op, 'name', { value: fn.name });
  Object.defineProperty(op, kStageFunction, { value: fn });
  return op;
}

/**
 * The function `op` was built from by `stage()`, or `undefined` for any other operator.
 *
 * @example
 * stageFunction(stage(requireHost)); // requireHost
 * stageFunction(map((ex) => ex));    // undefined
 */
export function stageFunction<E extends Exchange>(op: Stage<E>): StageFunction<E> | undefined {
  return (op as Stage<E> & { [kStageFunction]?: StageFunction<E> })[kStageFunction];
}
