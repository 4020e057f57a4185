/**
 * The worker lifecycle (booting → serving → draining → exited) as marble diagrams, with the
 * drain deadline in virtual time through the same `timers` interpreter the worker process uses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Observable } from 'rxjs';
import { feedback } from '../../src/streams/feedback';
import { timers } from '../../src/streams/timers';
import {
  drained, listening, parentGone, workerInitial, workerSignal, workerStep, type WorkerCommand, type WorkerEvent,
} from '../../src/streams/worker/worker-lifecycle';
import { workerLifecycle } from '../../src/streams/worker/worker-lifecycle-operator';
import { marbles } from '../support/marbles';

const GRACE = 5_000;
const c = {
  booted: { type: 'ReportBooted' },
  stop: { type: 'StopAccepting' },
  drainTimer: { type: 'StartTimer', key: 'drain', ms: GRACE, event: { type: 'DrainTimeoutElapsed' } },
  closeAll: { type: 'CloseAllConnections' },
  timeoutLog: { type: 'Log', level: 'warning', message: 'Worker graceful timeout; closing open connections' },
  goneLog: { type: 'Log', level: 'warning', message: 'Arbiter is gone; worker stops gracefully' },
  exit0: { type: 'Exit', code: 0 },
} satisfies Record<string, WorkerCommand>;
const e = {
  l: listening(), t: workerSignal('TERM'), i: workerSignal('INT'), q: workerSignal('QUIT'),
  u: workerSignal('USR1'), g: parentGone(), d: drained(),
} satisfies Record<string, WorkerEvent>;

const loop = (scheduler: Parameters<typeof timers>[0]) => (event$: Observable<WorkerEvent>) =>
  feedback(workerLifecycle(workerInitial(GRACE)), (cmd$: Observable<WorkerCommand>) => timers(scheduler)(cmd$))(event$);

test('listening reports booted once', () => marbles(({ hot, expectObservable, expectSubscriptions }) => {
  const event$ = hot('  -l--l-', e);
  const subs = '       ^------';
  const expected = '    -a-----';
  expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe(expected, { a: c.booted });
  expectSubscriptions(event$.subscriptions).toBe(subs);
}));

test('TERM while serving: stop accepting, then exit 0 when the last connection closes', () => marbles(({ hot, expectObservable }) => {
  const event$ = hot('  -l-t---d-', e);
  const expected = '    -a-(bc)x-';
  expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe(expected, {
    a: c.booted, b: c.stop, c: c.drainTimer, x: c.exit0,
  });
}));

test('TERM with a connection that never closes: all connections closed at the graceful timeout', () => marbles(({ hot, expectObservable }, scheduler) => {
  const event$ = hot('  -l-t', e);
  const expected = '    -a-(bc) 4996ms (wyx)';
  expectObservable(loop(scheduler)(event$)).toBe(expected, {
    a: c.booted, b: c.stop, c: c.drainTimer, w: c.timeoutLog, y: c.closeAll, x: c.exit0,
  });
}));

test('drained before the timeout: the timer fires into an exited worker and does nothing', () => marbles(({ hot, expectObservable }, scheduler) => {
  const event$ = hot('  -l-t----d', e);
  const expected = '    -a-(bc)-x';
  expectObservable(loop(scheduler)(event$)).toBe(expected, { a: c.booted, b: c.stop, c: c.drainTimer, x: c.exit0 });
}));

test('INT or QUIT exit at once, even while draining', () => marbles(({ hot, expectObservable }) => {
  const int$ = hot('    -l-i-', e);
  const quitDraining$ = hot('-l-t----q-', e);
  expectObservable(int$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a-x-', { a: c.booted, x: c.exit0 });
  expectObservable(quitDraining$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a-(bc)-x-', {
    a: c.booted, b: c.stop, c: c.drainTimer, x: c.exit0,
  });
}));

test('the arbiter going away drains like TERM, and says why', () => marbles(({ hot, expectObservable }) => {
  const event$ = hot('  -l-g-----d', e);
  expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a-(gbc)-x', {
    a: c.booted, g: c.goneLog, b: c.stop, c: c.drainTimer, x: c.exit0,
  });
}));

test('a second TERM while draining and USR1 change nothing', () => marbles(({ hot, expectObservable }) => {
  const event$ = hot('  -l-u-t-t-', e);
  expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a---(bc)---', {
    a: c.booted, b: c.stop, c: c.drainTimer,
  });
}));

test('table: TERM while still booting exits at once; events after exit do nothing', () => {
  const [booting, cmds] = workerStep(workerInitial(GRACE), e.t);
  assert.deepEqual(cmds, [c.exit0]);
  assert.equal(booting.phase, 'exited');
  assert.deepEqual(workerStep(booting, e.l)[1], []);
  assert.deepEqual(workerStep(booting, e.t)[1], []);
});
