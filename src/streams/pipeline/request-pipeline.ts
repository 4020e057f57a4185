/**
 * A worker's whole request pipeline as one operator: the user's stages, each contained, then
 * the app, run with the worker class's concurrency. Emits each exchange once it is done.
 *
 * Why one function: the worker runtime, `inject()` and the tests all build the pipeline the same
 * way, so containment (a throwing stage answers one 500, never ends the stream) holds everywhere.
 * With no stages the request stream goes straight to `serve`: containment costs nothing then.
 *
 * @example
 * request$.pipe(requestPipeline([requireHost], app, { concurrency: 1000, onError, onStageError }))
 */
import type { OperatorFunction } from 'rxjs';
import { contain, type StageErrorHandler } from './contain';
import type { Exchange } from './exchange';
import { serve, type Handler } from './serve';
import type { Stage } from './stage';

export interface RequestPipelineOptions<E extends Exchange> {
  /** Requests the app may have in flight at once. */
  readonly concurrency: number;
  /** Told about every exception the app throws or rejects with (the request gets a 500). */
  readonly onError: (error: unknown, exchange: E) => void;
  /** Told about a stage that failed: its name, and the exchange it failed on when that is known. */
  readonly onStageError: StageErrorHandler<E>;
  /** Told about each exchange released unanswered because its client had gone before the app could run it. */
  readonly onAbandoned?: ((exchange: E) => void) | undefined;
}

/**
 * The name a stage is reported under: its function's name, else `stage #N` (1-based position).
 *
 * @example
 * stageName(stage(function requireHost(ex) { return ex; }), 0); // 'requireHost'
 * stageName(map((ex) => ex), 1);                                 // 'stage #2'
 */
export function stageName(op: { readonly name: string }, index: number): string {
  return op.name !== '' ? op.name : `stage #${index + 1}`;
}

export function requestPipeline<E extends Exchange>(
  stages: readonly Stage<E>[],
  handler: Handler<E>,
  options: RequestPipelineOptions<E>,
): OperatorFunction<E, E> {
  const app = serve(handler, {
    concurrency: options.concurrency,
    onError: options.onError,
    onAbandoned: options.onAbandoned,
  });
  if (stages.length === 0) return app;
  const contained = stages.map((op, i) => contain(op, stageName(op, i), options.onStageError));
  return (request$) => contained.reduce((s, op) => s.pipe(op), request$).pipe(app);
}
