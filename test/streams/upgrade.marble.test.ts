/**
 * USR2, the binary upgrade, as marble diagrams of the `arbiter(init)` operator (conventions in
 * arbiter.marble.test.ts: a group `(abc)` is one step's commands and takes as many frames as it
 * has characters). The old arbiter's side: USR2, the new arbiter's report, WINCH, TERM; a TERM
 * that waits for the new arbiter; a new arbiter that fails. The new arbiter's side: it reports
 * ready to the old one, and is promoted when the old one exits. The rules one by one, as tables:
 * upgrade.test.ts.
 */
import { test } from 'node:test';
import { arbiter } from '../../src/streams/arbiter';
import { initialState, timerKey } from '../../src/streams/arbiter-state';
import {
  callHook,
  cancelTimer,
  closeListeners,
  exit,
  killWorker,
  log,
  promote,
  reportReady,
  spawnArbiter,
  spawnWorker,
  startTimer,
} from '../../src/streams/commands';
import {
  gracefulTimeoutElapsed,
  newArbiterExited,
  newArbiterReady,
  newArbiterSpawned,
  oldArbiterExited,
  signal,
  started,
  workerBooted,
  workerExited,
  workerSpawned,
} from '../../src/streams/events';
import { heard, heartbeatTimer, twoWorkersBoot, twoWorkersBooted } from '../support/arbiter-fixtures';
import { marbles } from '../support/marbles';

const s0 = initialState({ workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 20_000 });

const boot = twoWorkersBoot;
const hb = heartbeatTimer;
const booted = twoWorkersBooted;
/** A booted worker's exit, as commands under the letters `cde` (101) and `CDE` (102). */
const exiting = (pid: number, [c, d, e]: string) => ({
  [c as string]: cancelTimer(timerKey.heartbeat(pid)),
  [d as string]: cancelTimer(timerKey.kill(pid)),
  [e as string]: log('info', `Worker exiting (pid: ${pid})`),
});
const bothExited = { ...exiting(101, 'cde'), ...exiting(102, 'CDE') };
const upgradeLines = {
  l: heard('usr2'),
  g: log('info', 'Binary upgrade: starting a new arbiter on the same listeners'),
  x: spawnArbiter(),
  m: log('info', 'New arbiter running as pid 900; it serves once its workers have booted'),
  R: log(
    'info',
    'New arbiter (pid 900) serves. Next: WINCH to this arbiter drains its workers, then TERM stops it; '
      + 'to roll back, TERM the new arbiter instead',
  ),
};
const goodbye = {
  H: heard('term'),
  k: cancelTimer(timerKey.graceful),
  S: log('info', 'Shutting down: Master'),
  o: log('info', 'The new arbiter (pid 900) serves on, on the same listeners'),
  z: exit(0, true),
};

test('USR2 → ready → WINCH → TERM: the old workers drain, the old arbiter exits leaving the sockets open', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...boot,
      U: signal('USR2'),
      n: newArbiterSpawned(900),
      r: newArbiterReady(900),
      w: signal('WINCH'),
      x: workerExited(101, 0),
      y: workerExited(102, 0),
      T: signal('TERM'),
    };
    const cmds = {
      ...booted,
      ...upgradeLines,
      ...goodbye,
      W: heard('winch'),
      G: log('info', 'Graceful stop of workers; the arbiter keeps its listeners (TTIN or HUP starts workers again)'),
      t: killWorker(101, 'TERM'),
      u: killWorker(102, 'TERM'),
      ...bothExited,
    };
    // No CloseListeners anywhere: the new arbiter's workers accept on the same sockets.
    const event$ = hot('s---pqBC-U----nrw-----x----y----T', events);
    const expected = '(ab)hihi-(lgx)mR(WGtu)(cde)(CDE)(HkSoz)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
  }));

test('preExec runs just before the new arbiter is spawned', () =>
  marbles(({ hot, expectObservable }) => {
    const withHook = initialState({ workers: 1, timeoutMs: 30_000, hooks: ['preExec'] });
    const event$ = hot('s-pB-U', { s: started(), p: workerSpawned(1, 101), B: workerBooted(101), U: signal('USR2') });
    // The hook sees the workers as they are at that moment.
    const worker = {
      id: 1,
      pid: 101,
      booted: true,
      aborted: false,
      retiring: false,
      handoff: false,
      recycle: false,
      failure: undefined,
      generation: 0,
    };
    const cmds = { a: spawnWorker(1), h: hb(101), ...upgradeLines, P: callHook('preExec', [worker]) };
    expectObservable(event$.pipe(arbiter(withHook))).toBe('a-hh-(lgPx)', cmds);
  }));

test('TERM before the new arbiter is ready waits for it; the stop begins when it reports ready', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...boot,
      U: signal('USR2'),
      n: newArbiterSpawned(900),
      T: signal('TERM'),
      r: newArbiterReady(900),
      x: workerExited(101, 0),
      y: workerExited(102, 0),
    };
    const cmds = {
      ...booted,
      ...upgradeLines,
      ...goodbye,
      W: log('info', 'Graceful stop: waiting until the new arbiter (pid 900) is ready (INT stops at once)'),
      t: killWorker(101, 'TERM'),
      u: killWorker(102, 'TERM'),
      G: startTimer(timerKey.graceful, 20_500, gracefulTimeoutElapsed()),
      ...bothExited,
    };
    const event$ = hot('s---pqBC-U----nT---r-----x----y', events);
    const expected = '(ab)hihi-(lgx)m(HW)(RtuG)(cde)(CDEkSoz)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
  }));

test('the new arbiter exits before it is ready: the old one says so and serves on; a later USR2 tries again', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...boot,
      U: signal('USR2'),
      n: newArbiterSpawned(900),
      f: newArbiterExited(900, 1),
      t: signal('TTIN'),
    };
    const cmds = {
      ...booted,
      ...upgradeLines,
      F: log(
        'error',
        'Binary upgrade failed: the new arbiter (pid 900) exited with code 1 before it was ready; this arbiter keeps serving',
      ),
      T: heard('ttin'),
      N: spawnWorker(3),
    };
    // The workers are untouched (TTIN still works as before), and USR2 is accepted again.
    const event$ = hot('s---pqBC-U----nft---U', events);
    const expected = '(ab)hihi-(lgx)mF(TN)(lgx)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
  }));

test('the new arbiter: reports ready to the old one once its workers serve; promoted when the old one exits', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      s: started(50),
      p: workerSpawned(1, 101),
      q: workerSpawned(2, 102),
      B: workerBooted(101),
      C: workerBooted(102),
      o: oldArbiterExited(),
      T: signal('TERM'),
    };
    const cmds = {
      ...booted,
      r: reportReady(),
      O: log('info', 'The old arbiter (pid 50) has exited: this arbiter is promoted'),
      P: promote(),
      H: heard('term'),
      L: closeListeners(),
      t: killWorker(101, 'TERM'),
      u: killWorker(102, 'TERM'),
      G: startTimer(timerKey.graceful, 20_500, gracefulTimeoutElapsed()),
    };
    // Once promoted it owns the sockets: a TERM closes its listeners, as any final stop does.
    const event$ = hot('s---pqB-C---o---T', events);
    const expected = '(ab)hih-(ir)(OP)(HLtuG)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
  }));
