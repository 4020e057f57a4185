/**
 * Marble-test harness: a fresh `TestScheduler` per diagram, compared with node:assert.
 *
 * Why a helper: every marble file needs the same three lines, and `deepStrictEqual` (not a loose
 * equality) is what makes a wrong command payload fail the test. The scheduler is passed to `fn`
 * as well, so a test can hand it to `timers(scheduler)` and run timeouts in virtual time.
 *
 * @example
 * test('boot spawns N', () => marbles(({ hot, expectObservable }) => {
 *   expectObservable(hot('s', { s: started() }).pipe(arbiter(s0))).toBe('(ab)', { a: spawnWorker(1), b: spawnWorker(2) });
 * }));
 */
import assert from 'node:assert/strict';
import { TestScheduler, type RunHelpers } from 'rxjs/testing';
import type { Command } from '../../src/streams/commands';
import type { StepResult } from '../../src/streams/step-result';

/** Run `fn` inside `scheduler.run` of a new TestScheduler (1 frame = 1 virtual ms). */
export function marbles(fn: (helpers: RunHelpers, scheduler: TestScheduler) => void): void {
  const scheduler = new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
  scheduler.run((helpers) => fn(helpers, scheduler));
}

/** The commands of one step, for tests that only care about what the arbiter says to do. */
export const commandsOf = (result: StepResult): readonly Command[] => result[1];
