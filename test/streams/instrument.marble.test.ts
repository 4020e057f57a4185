/**
 * The instrumentation commands as marble diagrams of the `arbiter(init)` operator (conventions in
 * arbiter.marble.test.ts; the table tests of the same rules: instrument.test.ts). With
 * `instrument` on, the boot says `2 workers`, a killed worker is a `crash` restart replaced
 * without a count change, and TTOU drops the count without a restart.
 */
import { test } from 'node:test';
import { arbiter } from '../../src/streams/arbiter';
import { initialState, timerKey } from '../../src/streams/arbiter-state';
import { cancelTimer, countRestart, countWorkers, killWorker, log, spawnWorker } from '../../src/streams/commands';
import { signal, workerExited, workerSpawned } from '../../src/streams/events';
import { heartbeatTimer, twoWorkersBoot, twoWorkersBooted } from '../support/arbiter-fixtures';
import { marbles } from '../support/marbles';

const s0 = initialState({ workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 20_000, instrument: true });

test('instrumented: boot counts 2 workers; SIGKILL is a crash restart, replaced; TTOU counts 1 worker and no restart', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const events = {
      ...twoWorkersBoot,
      k: workerExited(101, null, 'KILL'),
      r: workerSpawned(3, 103),
      o: signal('TTOU'),
      x: workerExited(102, 0),
    };
    const cmds = {
      ...twoWorkersBooted,
      n: log('debug', '2 workers'),
      N: countWorkers(2),
      c: cancelTimer(timerKey.heartbeat(101)),
      d: cancelTimer(timerKey.kill(101)),
      e: log('error', 'Worker (pid:101) was sent SIGKILL! Perhaps out of memory?'),
      K: countRestart('crash'),
      m: spawnWorker(3),
      j: heartbeatTimer(103),
      L: log('info', 'Handling signal: ttou'),
      T: killWorker(102, 'TERM'),
      C: cancelTimer(timerKey.heartbeat(102)),
      D: cancelTimer(timerKey.kill(102)),
      E: log('info', 'Worker exiting (pid: 102)'),
      o: log('debug', '1 workers'),
      O: countWorkers(1),
    };
    const event$ = hot('s-----pqBCk------r-o---x', events);
    const expected = '(abnN)hihi(cdeKm)j-(LT)(CDEoO)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));
