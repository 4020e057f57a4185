/**
 * A worker's whole request pipeline as one operator: the user's stages, each contained, then
 * the app, run with the worker class's concurrency. Emits each exchange once it is done.
 *
 * Why one function: the worker runtime, `inject()` and the tests all build the pipeline the same
 * way, so containment (a throwing stage answers one 500, never ends the stream) holds everywhere.
 *
 * @example
 * request$.pipe(requestPipeline([requireHost], app, { concurrency: 1000, onError, onStageError }))
 */
import type { OperatorFunction } from 'rxjs';
import type { Exchange } from './exchange';
import { serve, type Handler } from './serve';
import type { Stage } from './stage';

export interface RequestPipelineOptions<E extends Exchange> {
  /** Requests the app may have in flight at once. */
  readonly concurrency: number;
  /** Told about every exception the app throws or rejects with (the request gets a 500). */
  readonly onError: (error: unknown, exchange: E) => void;
  /** Told about a stage that failed: its name, and the exchange it failed on when that is known. */
  readonly onStageError: (error: unknown, stageName: string, exchange: E | undefined) => void;
}

export function requestPipeline<E extends Exchange>(
  stages: readonly Stage<E>[], handler: Handler<E>, options: RequestPipelineOptions<E>,
): OperatorFunction<E, E> {
  return (request$) =>
    stages
      .reduce((s, st) => s.pipe(st), request$)
      .pipe(serve(handler, { concurrency: options.concurrency, onError: options.onError }));
}
