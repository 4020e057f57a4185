/**
 * The worker lifecycle (booting → serving → draining → exited) as marble diagrams, with the
 * drain deadline in virtual time through the same `timers` interpreter the worker process uses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filter, merge, type Observable } from 'rxjs';
import { feedback } from '../../src/streams/feedback';
import { timers } from '../../src/streams/timers';
import { heartbeatTicks } from '../../src/streams/worker/heartbeat-ticks';
import {
  appLoadFailed,
  drained,
  faultOccurred,
  heartbeatDue,
  listenFailed,
  listening,
  maxRequestsReached,
  parentGone,
  workerInitial,
  workerSignal,
  workerStep,
  type WorkerCommand,
  type WorkerEvent,
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
  reopen: { type: 'ReopenLogs' },
} satisfies Record<string, WorkerCommand>;
const e = {
  l: listening(),
  t: workerSignal('TERM'),
  i: workerSignal('INT'),
  q: workerSignal('QUIT'),
  u: workerSignal('USR1'),
  g: parentGone(),
  d: drained(),
} satisfies Record<string, WorkerEvent>;

const loop = (scheduler: Parameters<typeof timers>[0]) => (event$: Observable<WorkerEvent>) =>
  feedback(workerLifecycle(workerInitial(GRACE)), (cmd$: Observable<WorkerCommand>) => timers(scheduler)(cmd$))(event$);

test('listening reports booted once', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const event$ = hot('  -l--l-', e);
    const subs = '       ^------';
    const expected = '    -a-----';
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe(expected, { a: c.booted });
    expectSubscriptions(event$.subscriptions).toBe(subs);
  }));

test('TERM while serving: stop accepting, then exit 0 when the last connection closes', () =>
  marbles(({ hot, expectObservable }) => {
    const event$ = hot('  -l-t---d-', e);
    const expected = '    -a-(bc)x-';
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe(expected, {
      a: c.booted,
      b: c.stop,
      c: c.drainTimer,
      x: c.exit0,
    });
  }));

test('TERM with a connection that never closes: all connections closed at the graceful timeout', () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    const event$ = hot('  -l-t', e);
    const expected = '    -a-(bc) 4996ms (wyx)';
    expectObservable(loop(scheduler)(event$)).toBe(expected, {
      a: c.booted,
      b: c.stop,
      c: c.drainTimer,
      w: c.timeoutLog,
      y: c.closeAll,
      x: c.exit0,
    });
  }));

test('drained before the timeout: the timer fires into an exited worker and does nothing', () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    const event$ = hot('  -l-t----d', e);
    const expected = '    -a-(bc)-x';
    expectObservable(loop(scheduler)(event$)).toBe(expected, { a: c.booted, b: c.stop, c: c.drainTimer, x: c.exit0 });
  }));

test('INT or QUIT exit at once, even while draining', () =>
  marbles(({ hot, expectObservable }) => {
    const int$ = hot('    -l-i-', e);
    const quitDraining$ = hot('-l-t----q-', e);
    expectObservable(int$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a-x-', { a: c.booted, x: c.exit0 });
    expectObservable(quitDraining$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a-(bc)-x-', {
      a: c.booted,
      b: c.stop,
      c: c.drainTimer,
      x: c.exit0,
    });
  }));

test('the arbiter going away drains like TERM, and says why', () =>
  marbles(({ hot, expectObservable }) => {
    const event$ = hot('  -l-g-----d', e);
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a-(gbc)-x', {
      a: c.booted,
      g: c.goneLog,
      b: c.stop,
      c: c.drainTimer,
      x: c.exit0,
    });
  }));

test('a second TERM while draining changes nothing; USR1 reopens the logs, serving or draining, and changes nothing else', () =>
  marbles(({ hot, expectObservable }) => {
    const event$ = hot('  -l-u-t-t-u-', e);
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a-r-(bc)r-', {
      a: c.booted,
      r: c.reopen,
      b: c.stop,
      c: c.drainTimer,
    });
  }));

test('table: USR1 while booting reopens the logs and the worker still boots; after the exit it does nothing', () => {
  const [booting, cmds] = workerStep(workerInitial(GRACE), e.u);
  assert.deepEqual(cmds, [c.reopen]);
  assert.deepEqual(booting, workerInitial(GRACE));
  const [serving, booted] = workerStep(booting, e.l);
  assert.deepEqual(booted, [c.booted]);
  const [exited] = workerStep(serving, e.i);
  assert.equal(exited.phase, 'exited');
  assert.deepEqual(workerStep(exited, e.u), [exited, []]);
});

test('table: TERM while still booting exits at once; events after exit do nothing', () => {
  const [booting, cmds] = workerStep(workerInitial(GRACE), e.t);
  assert.deepEqual(cmds, [c.exit0]);
  assert.equal(booting.phase, 'exited');
  assert.deepEqual(workerStep(booting, e.l)[1], []);
  assert.deepEqual(workerStep(booting, e.t)[1], []);
});

// ── Boot failures, faults and heartbeats ─────────────────────────────────────────────────────

const HOOKS = ['workerExit'] as const;
const more = {
  exitHook: { type: 'CallHook', hook: 'workerExit' },
  appReason: { type: 'Log', level: 'debug', message: 'cannot load app "x.mjs": no such file' },
  appFailed: { type: 'ReportFailed', code: 4, reason: 'cannot load app "x.mjs": no such file' },
  listenReason: { type: 'Log', level: 'debug', message: 'Worker failed to listen: EBADF' },
  listenFailed: { type: 'ReportFailed', code: 3, reason: 'Worker failed to listen: EBADF' },
  exit1: { type: 'Exit', code: 1 },
  exit3: { type: 'Exit', code: 3 },
  exit4: { type: 'Exit', code: 4 },
  faultLog: { type: 'Log', level: 'error', message: 'Uncaught exception in worker: Error: boom\n    at x' },
  rejectLog: { type: 'Log', level: 'error', message: 'Unhandled promise rejection in worker: Error: nope' },
  faultNotice: {
    type: 'Log',
    level: 'warning',
    message: 'Worker stops accepting after a fault; requests in flight finish, then it exits',
  },
  hb: { type: 'SendHeartbeat' },
  retiring: { type: 'ReportRetiring' },
} satisfies Record<string, WorkerCommand>;
const f = {
  a: appLoadFailed('cannot load app "x.mjs": no such file'),
  n: listenFailed('Worker failed to listen: EBADF'),
  x: faultOccurred('uncaughtException', 'Error: boom\n    at x'),
  r: faultOccurred('unhandledRejection', 'Error: nope'),
  l: listening(),
  t: workerSignal('TERM'),
  d: drained(),
  m: maxRequestsReached(),
  i: workerSignal('INT'),
} satisfies Record<string, WorkerEvent>;

test('the app fails to load: say why, tell the arbiter, workerExit, exit 4 — and nothing after', () =>
  marbles(({ hot, expectObservable }) => {
    const event$ = hot('  -a-l-t-', f);
    const expected = '    -(rfhx)-';
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE, HOOKS)))).toBe(expected, {
      r: more.appReason,
      f: more.appFailed,
      h: more.exitHook,
      x: more.exit4,
    });
  }));

test('listening fails: say why, tell the arbiter, workerExit, exit 3', () =>
  marbles(({ hot, expectObservable }) => {
    const event$ = hot('  --n-', f);
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE, HOOKS)))).toBe('--(rfhx)-', {
      r: more.listenReason,
      f: more.listenFailed,
      h: more.exitHook,
      x: more.exit3,
    });
  }));

test('a boot failure reported after the worker already left (TERM while booting) changes nothing', () =>
  marbles(({ hot, expectObservable }) => {
    const event$ = hot('  -t-a-', f);
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE, HOOKS)))).toBe('-(hx)---', {
      h: more.exitHook,
      x: c.exit0,
    });
  }));

test('a fault while serving: log the stack, stop accepting, finish in flight, then exit 1', () =>
  marbles(({ hot, expectObservable }) => {
    const event$ = hot('  -l-x--------d-', f);
    // The arbiter is told first, so the replacement boots while this worker finishes.
    const expected = '    -a-(fnrbc)--(hx)-';
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE, HOOKS)))).toBe(expected, {
      a: c.booted,
      f: more.faultLog,
      n: more.faultNotice,
      r: more.retiring,
      b: c.stop,
      c: c.drainTimer,
      h: more.exitHook,
      x: more.exit1,
    });
  }));

test('a fault whose in-flight requests never finish: exit 1 at the graceful timeout', () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    const event$ = hot('  -l-r', f);
    const expected = '    -a-(fnrbc) 4993ms (wyx)';
    expectObservable(loop(scheduler)(event$)).toBe(expected, {
      a: c.booted,
      f: more.rejectLog,
      n: more.faultNotice,
      r: more.retiring,
      b: c.stop,
      c: c.drainTimer,
      w: c.timeoutLog,
      y: c.closeAll,
      x: more.exit1,
    });
  }));

test('a fault while draining (TERM, max-requests then TERM): logged, and the exit code becomes 1', () =>
  marbles(({ hot, expectObservable }) => {
    const term$ = hot('   -l-t----x-d', f);
    const max$ = hot('    -l-m---t---r-d', f);
    expectObservable(term$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a-(bc)-f-x', {
      a: c.booted,
      b: c.stop,
      c: c.drainTimer,
      f: more.faultLog,
      x: more.exit1,
    });
    expectObservable(max$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('-a-(mr)(bc)f-x', {
      a: c.booted,
      m: { type: 'Log', level: 'info', message: 'Autorestarting worker after current request.' },
      r: { type: 'ReportRetiring', handoff: true },
      b: c.stop,
      c: c.drainTimer,
      f: more.rejectLog,
      x: more.exit1,
    });
  }));

test('a fault while booting: logged, workerExit, exit 1 at once', () =>
  marbles(({ hot, expectObservable }) => {
    const event$ = hot('  -x-l-', f);
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE, HOOKS)))).toBe('-(fhx)---', {
      f: more.faultLog,
      h: more.exitHook,
      x: more.exit1,
    });
  }));

test('heartbeats: every interval on the scheduler, while booting, serving and draining; none once exited', () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    const event$ = hot('  ---l 3ms t 3ms d', f);
    const beatsAndExit = merge(heartbeatTicks(2, scheduler), event$).pipe(
      workerLifecycle(workerInitial(GRACE)),
      filter((cmd) => cmd.type === 'SendHeartbeat' || cmd.type === 'Exit'),
    );
    // Ticks at 2, 4, 6…; listening at 3, TERM at 7, drained at 11: beats up to 10, then none.
    const expected = '    --h-h-h-h-hx';
    expectObservable(beatsAndExit, '^ 20ms !').toBe(expected, { h: more.hb, x: c.exit0 });
  }));

test('heartbeat ticks carry the progress read at each tick; no interval, no ticks', () =>
  marbles(({ expectObservable }, scheduler) => {
    let n = 0;
    expectObservable(
      heartbeatTicks(3, scheduler, () => ({ inFlight: 1, finished: n++ })),
      '^ 10ms !',
    ).toBe('---a--b--c', {
      a: heartbeatDue(1, 0),
      b: heartbeatDue(1, 1),
      c: heartbeatDue(1, 2),
    });
    expectObservable(heartbeatTicks(0, scheduler)).toBe('|');
  }));

test('sync: no heartbeat while no request finished during a whole interval with one in flight; beats again once it does', () =>
  marbles(({ hot, expectObservable }) => {
    const p = {
      l: listening(),
      i: heartbeatDue(0, 0), // idle
      s: heartbeatDue(1, 0), // a request started since the last tick: still alive
      u: heartbeatDue(1, 0), // the same request, a whole interval later: stuck
      n: heartbeatDue(1, 1), // one finished, another runs: progress
      z: heartbeatDue(0, 1),
    } satisfies Record<string, WorkerEvent>;
    const event$ = hot('  l-i-s-u-u-n-z', p);
    const expected = '    a-h-h-----h-h';
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE, [], { holdsHeartbeat: true })))).toBe(expected, {
      a: c.booted,
      h: more.hb,
    });
    // Other worker types beat whatever their requests do (their timeout bounds a blocked loop only).
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe('a-h-h-h-h-h-h', {
      a: c.booted,
      h: more.hb,
    });
  }));

test('max-requests: report it and serve on (no drain) until the arbiter says TERM; a second max changes nothing', () =>
  marbles(({ hot, expectObservable }) => {
    const event$ = hot('  -l-m-m-t----d', f);
    const expected = '    -a-(lr)(bc)-x';
    expectObservable(event$.pipe(workerLifecycle(workerInitial(GRACE)))).toBe(expected, {
      a: c.booted,
      l: { type: 'Log', level: 'info', message: 'Autorestarting worker after current request.' },
      r: { type: 'ReportRetiring', handoff: true },
      b: c.stop,
      c: c.drainTimer,
      x: c.exit0,
    });
  }));
