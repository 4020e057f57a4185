/**
 * The arbiter as an rxjs operator: events in, commands out.
 *
 * `scan` threads the state through `step`; the commands of each step are flattened in order.
 * Marble tests drive it with `hot()` event streams and assert the commands.
 *
 * @example
 * event$.pipe(arbiter(initialState({ workers: 2 })))
 */
import { concatMap, from, scan, type OperatorFunction } from 'rxjs';
import type { ArbiterState } from './arbiter-state';
import type { Command } from './commands';
import type { ArbiterEvent } from './events';
import { step } from './step';
import type { StepResult } from './step-result';

export function arbiter(init: ArbiterState): OperatorFunction<ArbiterEvent, Command> {
  return (event$) =>
    event$.pipe(
      scan<ArbiterEvent, StepResult>(([state], event) => step(state, event), [init, []]),
      concatMap(([, commands]) => from(commands)),
    );
}
