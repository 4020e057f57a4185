/**
 * What one pure transition returns: the next state and the commands to run, in order.
 *
 * @example
 * const [s1, cmds]: StepResult = step(s0, started());
 */
import type { ArbiterState } from './arbiter-state';
import type { Command } from './commands';

export type StepResult = readonly [ArbiterState, readonly Command[]];

/** Run transitions one after another, concatenating their commands. */
export const chain = (first: StepResult, ...rest: ReadonlyArray<(s: ArbiterState) => StepResult>): StepResult =>
  rest.reduce<StepResult>(([s, cmds], next) => {
    const [s2, more] = next(s);
    return [s2, cmds.concat(more)];
  }, first);
