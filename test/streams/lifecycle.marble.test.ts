/**
 * The time rules of the arbiter, proved in virtual time on the closed loop
 * `feedback(arbiter(s0), timers(scheduler))(event$)`: a 30 s timeout costs nothing to test.
 *
 * Only timer commands feed back here, so the hot `event$` plays the workers (spawned,
 * heartbeats, exits). Each diagram shows the commands a user would see happen to processes
 * (`SpawnWorker`, `KillWorker`, `Exit`; logs and timer bookkeeping are covered by step.test.ts),
 * and a second diagram, `fired$`, shows every timer event that fed back, so a timer that should
 * have been cancelled fails the test even when the arbiter would have ignored it.
 */
import { test } from 'node:test';
import { Subject, tap, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { initialState, type ArbiterSettings } from '../../src/streams/arbiter-state';
import { arbiter } from '../../src/streams/arbiter';
import { exit, killWorker, spawnWorker, type Command } from '../../src/streams/commands';
import {
  gracefulTimeoutElapsed,
  heartbeatMissed,
  heartbeatReceived,
  killDeadlineElapsed,
  signal,
  started,
  workerBooted,
  workerExited,
  workerSpawned,
  type ArbiterEvent,
} from '../../src/streams/events';
import { feedback } from '../../src/streams/feedback';
import { ofType } from '../../src/streams/of-type';
import { timers } from '../../src/streams/timers';
import { marbles } from '../support/marbles';

const settings: Partial<ArbiterSettings> = {
  workers: 1,
  timeoutMs: 30_000,
  gracefulTimeoutMs: 20_000,
  abortGraceMs: 1_000,
  quickDeadlineMs: 2_000,
};

/** The closed loop, plus a probe of the timer events that re-entered it. */
function lifecycle(
  scheduler: TestScheduler,
  event$: Observable<ArbiterEvent>,
  overrides: Partial<ArbiterSettings> = {},
) {
  const fired$ = new Subject<ArbiterEvent>();
  const command$ = feedback(arbiter(initialState({ ...settings, ...overrides })), (c$: Observable<Command>) =>
    timers(scheduler)(c$).pipe(tap(fired$)),
  )(event$);
  return { process$: command$.pipe(ofType('SpawnWorker', 'KillWorker', 'Exit')), fired$ };
}

const events = {
  s: started(),
  w: workerSpawned(1, 101),
  b: workerBooted(101),
  h: heartbeatReceived(101),
  t: signal('TERM'),
  i: signal('INT'),
  x: workerExited(101, 0),
  r: workerExited(101, null, 'ABRT'),
};
const commands = {
  a: spawnWorker(1),
  b: spawnWorker(2),
  A: killWorker(101, 'ABRT'),
  K: killWorker(101, 'KILL'),
  T: killWorker(101, 'TERM'),
  Q: killWorker(101, 'QUIT'),
  z: exit(0),
};
const timerEvents = { m: heartbeatMissed(101), d: killDeadlineElapsed(101), g: gracefulTimeoutElapsed() };

test('a worker that stops heartbeating gets ABRT timeoutMs after its last heartbeat, KILL abortGraceMs later', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const event$ = hot('sw 8ms h 9ms h', events);
    const expected = 'a 30019ms A 999ms K';
    const fired = '30020ms m 999ms d';
    const { process$, fired$ } = lifecycle(scheduler, event$);
    expectObservable(process$).toBe(expected, commands);
    expectObservable(fired$).toBe(fired, timerEvents);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('a worker that exits after ABRT is not killed, and is replaced', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const event$ = hot('swb 7ms h 30489ms r', events);
    const expected = 'a 30009ms A 489ms b';
    const fired = '30010ms m';
    const { process$, fired$ } = lifecycle(scheduler, event$);
    expectObservable(process$).toBe(expected, commands);
    expectObservable(fired$).toBe(fired, timerEvents);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('a worker that keeps heartbeating is never killed', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    // A heartbeat every 20 s for two minutes, then a normal exit (which cancels the last deadline).
    const event$ = hot('swb 19997ms h 19999ms h 19999ms h 19999ms h 19999ms h 19999ms h 9999ms x', events);
    const expected = 'a 129999ms b';
    const fired = '';
    const { process$, fired$ } = lifecycle(scheduler, event$);
    expectObservable(process$).toBe(expected, commands);
    expectObservable(fired$).toBe(fired, timerEvents);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('timeoutMs 0 disables the heartbeat check', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const event$ = hot('sw 99998ms t 9ms x', events);
    const expected = 'a 99999ms T 9ms z';
    const fired = '';
    const { process$, fired$ } = lifecycle(scheduler, event$, { timeoutMs: 0 });
    expectObservable(process$).toBe(expected, commands);
    expectObservable(fired$).toBe(fired, timerEvents);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('TERM with a worker that never exits: KILL gracefulTimeoutMs + KILL_MARGIN_MS (500 ms) later', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const event$ = hot('sw 8ms t', events);
    const expected = 'a 9ms T 20499ms K';
    // The heartbeat deadline still passes at 30 001 ms, but a stopping arbiter does not ABRT.
    const fired = '20510ms g 9490ms m';
    const { process$, fired$ } = lifecycle(scheduler, event$);
    expectObservable(process$).toBe(expected, commands);
    expectObservable(fired$).toBe(fired, timerEvents);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('TERM: a worker that leaves at its own drain deadline (100 ms after gracefulTimeoutMs) is not killed', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    // The worker's clock starts when TERM reaches it; it closes what is left and exits 0 a little late.
    const event$ = hot('sw 8ms t 20099ms x', events);
    const expected = 'a 9ms T 20099ms z';
    const fired = '';
    const { process$, fired$ } = lifecycle(scheduler, event$);
    expectObservable(process$).toBe(expected, commands);
    expectObservable(fired$).toBe(fired, timerEvents);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('INT during a graceful stop: QUIT at once, KILL quickDeadlineMs later', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const event$ = hot('sw 8ms t 989ms i', events);
    const expected = 'a 9ms T 989ms Q 1999ms K';
    const fired = '3000ms g';
    const { process$, fired$ } = lifecycle(scheduler, event$, { timeoutMs: 0 });
    expectObservable(process$).toBe(expected, commands);
    expectObservable(fired$).toBe(fired, timerEvents);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('the graceful timer is cancelled when the last worker exits: Exit(0), no KILL afterwards', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const event$ = hot('sw 8ms t 4989ms x', events);
    const expected = 'a 9ms T 4989ms z';
    const fired = '';
    const { process$, fired$ } = lifecycle(scheduler, event$);
    expectObservable(process$).toBe(expected, commands);
    expectObservable(fired$).toBe(fired, timerEvents);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));
