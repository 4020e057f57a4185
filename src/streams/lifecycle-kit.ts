/**
 * The lifecycle kit: everything a marble test of the arbiter's or a worker's lifecycle needs,
 * from the pure layer only. Both public entry points re-export it (`runicorn` and
 * `runicorn/testing`), so the list lives in one place.
 *
 * @example
 * import { arbiter, feedback, initialState, started, timers } from 'runicorn/testing';
 * const command$ = feedback(arbiter(initialState({ workers: 2 })), timers(scheduler))(of(started()));
 */

// The arbiter's lifecycle
export { step } from './step';
export { arbiter } from './arbiter';
export { timers } from './timers';
export { feedback } from './feedback';
export { ofType } from './of-type';
export * from './events';
export * from './commands';
export {
  initialState,
  timerKey,
  type ArbiterState,
  type ArbiterSettings,
  type WorkerRecord,
} from './arbiter-state';
export type { Signal } from './signals';
export { ExitCode } from './exit-codes';

// The worker's lifecycle
export * from './worker/worker-lifecycle';
export { workerLifecycle } from './worker/worker-lifecycle-operator';
