/**
 * Runs `workerStep` over a stream of worker events, emitting its commands in order.
 *
 * @example
 * workerEvent$.pipe(workerLifecycle(workerInitial(30_000)))
 */
import { concatMap, from, scan, type OperatorFunction } from 'rxjs';
import { workerStep, type WorkerCommand, type WorkerEvent, type WorkerState } from './worker-lifecycle';

export function workerLifecycle(init: WorkerState): OperatorFunction<WorkerEvent, WorkerCommand> {
  return (event$) =>
    event$.pipe(
      scan<WorkerEvent, readonly [WorkerState, readonly WorkerCommand[]]>(([s], e) => workerStep(s, e), [init, []]),
      concatMap(([, commands]) => from(commands)),
    );
}
