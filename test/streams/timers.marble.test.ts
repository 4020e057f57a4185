/**
 * Marble tests of the `timers` interpreter alone, in virtual time: `StartTimer` in, the timer's
 * event out `ms` later; same key replaces, `CancelTimer` cancels, keys are independent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cancelTimer, log, startTimer } from '../../src/streams/commands';
import { gracefulTimeoutElapsed, heartbeatMissed, killDeadlineElapsed } from '../../src/streams/events';
import { timers } from '../../src/streams/timers';
import { marbles } from '../support/marbles';

const events = {
  x: heartbeatMissed(101),
  y: heartbeatMissed(102),
  z: killDeadlineElapsed(101),
  g: gracefulTimeoutElapsed(),
};

test('a timer fires its event exactly ms after StartTimer; other commands are ignored', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const commands = { a: startTimer('heartbeat:101', 5, events.x), l: log('info', 'hello') };
    const command$ = hot('l-a', commands);
    const expected = '7ms x';
    expectObservable(command$.pipe(timers(scheduler))).toBe(expected, events);
    expectSubscriptions(command$.subscriptions).toBe('^');
  }));

test('StartTimer under a pending key replaces the old timer, deadline and event', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const commands = { a: startTimer('graceful', 20, events.x), b: startTimer('graceful', 20, events.g) };
    const command$ = hot('a 9ms b', commands);
    const expected = '30ms g';
    expectObservable(command$.pipe(timers(scheduler))).toBe(expected, events);
    expectSubscriptions(command$.subscriptions).toBe('^');
  }));

test('CancelTimer cancels a pending timer; cancelling an unknown key is harmless', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const commands = {
      a: startTimer('heartbeat:101', 10, events.x),
      c: cancelTimer('heartbeat:101'),
      u: cancelTimer('nope'),
    };
    const command$ = hot('a 3ms uc', commands);
    const expected = '';
    expectObservable(command$.pipe(timers(scheduler))).toBe(expected, events);
    expectSubscriptions(command$.subscriptions).toBe('^');
  }));

test('timers under different keys are independent', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const commands = {
      a: startTimer('heartbeat:101', 10, events.x),
      b: startTimer('heartbeat:102', 10, events.y),
      c: startTimer('kill:101', 10, events.z),
      d: cancelTimer('heartbeat:102'),
    };
    const command$ = hot('abc 5ms d', commands);
    const expected = '10ms x 1ms z';
    expectObservable(command$.pipe(timers(scheduler))).toBe(expected, events);
    expectSubscriptions(command$.subscriptions).toBe('^');
  }));

test('a timer can fire again after it fired once', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const commands = { a: startTimer('heartbeat:101', 5, events.x) };
    const command$ = hot('a 9ms a', commands);
    const expected = '5ms x 9ms x';
    expectObservable(command$.pipe(timers(scheduler))).toBe(expected, events);
    expectSubscriptions(command$.subscriptions).toBe('^');
  }));

test('unsubscribing clears the pending timers (nothing is left scheduled)', () =>
  marbles(({ hot, expectObservable, expectSubscriptions, flush }, scheduler) => {
    const commands = { a: startTimer('graceful', 10, events.g) };
    const command$ = hot('a', commands);
    const unsub = '^ 4ms !';
    expectObservable(command$.pipe(timers(scheduler)), unsub).toBe('', events);
    expectSubscriptions(command$.subscriptions).toBe(unsub);
    flush();
    // A timer left behind would have run at frame 10 (and kept a live process alive for 10 ms).
    assert.equal(scheduler.now(), 5);
  }));
