/**
 * USR1 and WINCH as marble diagrams of the `arbiter(init)` operator (see arbiter.marble.test.ts
 * for the conventions: a group `(abc)` is one step's ordered commands and takes as many frames as
 * it has characters). The table tests of the same rules: usr1-winch.test.ts.
 */
import { test } from 'node:test';
import { arbiter } from '../../src/streams/arbiter';
import { initialState, timerKey } from '../../src/streams/arbiter-state';
import { cancelTimer, killWorker, log, reopenLogs, spawnWorker } from '../../src/streams/commands';
import { signal, workerExited, workerSpawned } from '../../src/streams/events';
import { marbles } from '../support/marbles';
import { heartbeatTimer, twoWorkersBoot, twoWorkersBooted } from '../support/arbiter-fixtures';

const s0 = initialState({ workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 20_000 });

const boot = twoWorkersBoot;
const hb = heartbeatTimer;
const booted = twoWorkersBooted;

test('USR1: the arbiter reopens its logs and passes USR1 to each worker; no worker stops or is replaced', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const event$ = hot('s---pqBC-u------u', { ...boot, u: signal('USR1') });
    const cmds = {
      ...booted,
      l: log('info', 'Handling signal: usr1'),
      r: reopenLogs(),
      x: killWorker(101, 'USR1'),
      y: killWorker(102, 'USR1'),
    };
    expectObservable(event$.pipe(arbiter(s0))).toBe('(ab)hihi-(lrxy)-(lrxy)', cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('WINCH: both workers get TERM and are not replaced when they exit; TTIN brings one back', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const events = {
      ...boot,
      w: signal('WINCH'),
      x: workerExited(101, 0),
      y: workerExited(102, 0),
      i: signal('TTIN'),
      r: workerSpawned(3, 103),
    };
    const cmds = {
      ...booted,
      l: log('info', 'Handling signal: winch'),
      g: log('info', 'Graceful stop of workers; the arbiter keeps its listeners (TTIN or HUP starts workers again)'),
      t: killWorker(101, 'TERM'),
      u: killWorker(102, 'TERM'),
      c: cancelTimer(timerKey.heartbeat(101)),
      d: cancelTimer(timerKey.kill(101)),
      e: log('info', 'Worker exiting (pid: 101)'),
      C: cancelTimer(timerKey.heartbeat(102)),
      D: cancelTimer(timerKey.kill(102)),
      E: log('info', 'Worker exiting (pid: 102)'),
      n: log('info', 'Handling signal: ttin'),
      m: spawnWorker(3),
      j: hb(103),
    };
    const event$ = hot('s---pqBC-w------x----y----i---r', events);
    const expected = '(ab)hihi-(lgtu)-(cde)(CDE)(nm)j';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));
