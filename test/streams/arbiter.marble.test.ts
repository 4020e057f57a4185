/**
 * Marble tests of the `arbiter(init)` operator: worker and signal events in, every command out.
 *
 * The operator alone has no timers (the lifecycle tests close that loop), so these diagrams show
 * the commands each event yields in its own frame. A group `(abc)` is the ordered command list of
 * one step; it takes as many frames as it has characters, which is why the event line pads with
 * `-` to keep each event under the group it causes.
 */
import { test } from 'node:test';
import { initialState, timerKey } from '../../src/streams/arbiter-state';
import { arbiter } from '../../src/streams/arbiter';
import {
  cancelTimer,
  closeListeners,
  exit,
  killWorker,
  log,
  spawnWorker,
  startTimer,
  useConfig,
} from '../../src/streams/commands';
import {
  configReloaded,
  gracefulTimeoutElapsed,
  heartbeatMissed,
  signal,
  started,
  workerBooted,
  workerExited,
  workerFailed,
  workerRetiring,
  workerSpawned,
} from '../../src/streams/events';
import { marbles } from '../support/marbles';

const s0 = initialState({ workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 20_000 });

/** Events shared by every diagram: boot, then workers 1 and 2 run as pids 101 and 102. */
const boot = { s: started(), p: workerSpawned(1, 101), q: workerSpawned(2, 102) };
/** The commands those events yield. */
const booted = {
  a: spawnWorker(1),
  b: spawnWorker(2),
  h: startTimer(timerKey.heartbeat(101), 30_000, heartbeatMissed(101)),
  i: startTimer(timerKey.heartbeat(102), 30_000, heartbeatMissed(102)),
};
const forget = (pid: number) => ({ c: cancelTimer(timerKey.heartbeat(pid)), d: cancelTimer(timerKey.kill(pid)) });

test('boot spawns the configured number of workers, each arming its heartbeat once spawned', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const event$ = hot('s---pq', boot);
    const expected = '(ab)hi';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, booted);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('kill -9 of a booted worker: the replacement is spawned in the same frame', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const events = { ...boot, B: workerBooted(101), k: workerExited(101, null, 'KILL'), r: workerSpawned(3, 103) };
    const cmds = {
      ...booted,
      ...forget(101),
      e: log('error', 'Worker (pid:101) was sent SIGKILL! Perhaps out of memory?'),
      f: spawnWorker(3),
      j: startTimer(timerKey.heartbeat(103), 30_000, heartbeatMissed(103)),
    };
    const event$ = hot('s---pqB-k-----r', events);
    const expected = '(ab)hih-(cdef)j';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('TTIN spawns one more worker; TTOU sends TERM to the oldest, which is not replaced when it exits', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const events = { ...boot, i: signal('TTIN'), o: signal('TTOU'), x: workerExited(101, 0) };
    const cmds = {
      ...booted,
      ...forget(101),
      l: log('info', 'Handling signal: ttin'),
      m: spawnWorker(3),
      n: log('info', 'Handling signal: ttou'),
      o: killWorker(101, 'TERM'),
      e: log('info', 'Worker exiting (pid: 101)'),
    };
    const event$ = hot('s---pq--i---o---x', events);
    const expected = '(ab)hi--(lm)(no)(cde)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('TERM sends TERM to every worker; the last exit says goodbye and exits 0', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const events = { ...boot, t: signal('TERM'), x: workerExited(101, 0), y: workerExited(102, 0) };
    const cmds = {
      ...booted,
      ...forget(101),
      l: log('info', 'Handling signal: term'),
      L: closeListeners(),
      t: killWorker(101, 'TERM'),
      u: killWorker(102, 'TERM'),
      v: startTimer(timerKey.graceful, 20_500, gracefulTimeoutElapsed()),
      e: log('info', 'Worker exiting (pid: 101)'),
      f: cancelTimer(timerKey.heartbeat(102)),
      g: cancelTimer(timerKey.kill(102)),
      m: log('info', 'Worker exiting (pid: 102)'),
      n: cancelTimer(timerKey.graceful),
      o: log('info', 'Shutting down: Master'),
      z: exit(0),
    };
    const event$ = hot('s---pq--t------x----y', events);
    const expected = '(ab)hi--(lLtuv)(cde)(fgmnoz)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('boot failure (exit 4): the others are stopped, then Exit(4) with the reason, never a respawn', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const reason = "Failed to find attribute 'app' in './server.js'.";
    const events = {
      ...boot,
      f: workerFailed(101, 4, reason),
      x: workerExited(101, 4),
      y: workerExited(102, null, 'TERM'),
    };
    const cmds = {
      ...booted,
      ...forget(101),
      e: log('error', 'Worker (pid:101) exited with code 4.'),
      L: closeListeners(),
      T: killWorker(102, 'TERM'),
      g: startTimer(timerKey.graceful, 20_500, gracefulTimeoutElapsed()),
      j: cancelTimer(timerKey.heartbeat(102)),
      k: cancelTimer(timerKey.kill(102)),
      l: log('info', 'Worker (pid:102) was sent SIGTERM!'),
      m: cancelTimer(timerKey.graceful),
      n: log('error', 'Shutting down: Master'),
      o: log('error', `Reason: ${reason}`),
      z: exit(4),
    };
    const event$ = hot('s---pq--f-x-------y', events);
    const expected = '(ab)hi----(cdeLTg)(jklmnoz)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('the operator keeps one state per subscription', () =>
  marbles(({ cold, expectObservable }) => {
    // Two subscribers of the same pipeline must not share scan state, or the second would see
    // "a second Started" and spawn nothing.
    const arbiter$ = cold('s', boot).pipe(arbiter(s0));
    expectObservable(arbiter$).toBe('(ab)', booted);
    expectObservable(arbiter$).toBe('(ab)', booted);
  }));

test('max-requests hand-off: the replacement is spawned at once, and the retiring worker is sent TERM only once it has booted', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const events = {
      ...boot,
      B: workerBooted(101),
      C: workerBooted(102),
      R: workerRetiring(101, true),
      r: workerSpawned(3, 103),
      b: workerBooted(103),
      x: workerExited(101, 0),
    };
    const cmds = {
      ...booted,
      ...forget(101),
      f: spawnWorker(3),
      j: startTimer(timerKey.heartbeat(103), 30_000, heartbeatMissed(103)),
      T: killWorker(101, 'TERM'),
      e: log('info', 'Worker exiting (pid: 101)'),
    };
    // 101 serves on between R and b: no TERM until 103 is up; when 101 leaves, nothing is spawned.
    const event$ = hot('s---pqBCRrb---x', events);
    const expected = '(ab)hihifj(jT)(cde)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('HUP: the configuration is read again; new workers are spawned with it, and the old ones get TERM once all new ones have booted', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const events = {
      ...boot,
      B: workerBooted(101),
      C: workerBooted(102),
      H: signal('HUP'),
      R: configReloaded(1, s0.settings),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      b: workerBooted(103),
      c: workerBooted(104),
    };
    const cmds = {
      ...booted,
      l: log('info', 'Handling signal: hup'),
      m: log('info', 'Hang up: Master'),
      g: { type: 'ReloadConfig', generation: 1 } as const,
      n: log('info', 'Reloaded the configuration: 2 new worker(s) take over once booted'),
      u: useConfig(1),
      f: spawnWorker(3, false, 1),
      e: spawnWorker(4, false, 1),
      j: startTimer(timerKey.heartbeat(103), 30_000, heartbeatMissed(103)),
      k: startTimer(timerKey.heartbeat(104), 30_000, heartbeatMissed(104)),
      T: killWorker(101, 'TERM'),
      U: killWorker(102, 'TERM'),
    };
    // The old workers serve on until 104, the last new one, has booted.
    // The configuration is used once loaded (u), before its workers are spawned with it.
    const event$ = hot('s---pqBCH----R-----rtbc', events);
    const expected = '(ab)hihi(lmg)(nufe)jkj(kTU)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));
