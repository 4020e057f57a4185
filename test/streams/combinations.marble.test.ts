/**
 * Signals that arrive during a reload, a drain or a stop, as marble diagrams of the
 * `arbiter(init)` operator (conventions of arbiter.marble.test.ts: a group `(abc)` is one step's
 * ordered commands and takes as many frames as it has characters). The rules are written down in
 * docs/workers.md, "Signals during a reload, a drain or a stop".
 *
 * Heartbeat and kill-deadline timers are left out of these diagrams (`quiet`): every spawn, boot
 * and exit arms or cancels them, arbiter.marble.test.ts shows that, and here they would only hide
 * which worker is spawned or stopped. A few rules with no story to draw are table tests at the end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filter, type OperatorFunction } from 'rxjs';
import { arbiter } from '../../src/streams/arbiter';
import { initialState, timerKey, type ArbiterState } from '../../src/streams/arbiter-state';
import {
  cancelTimer,
  closeListeners,
  exit,
  killWorker,
  log,
  reloadConfig,
  spawnWorker,
  startTimer,
  useConfig,
  type Command,
} from '../../src/streams/commands';
import {
  configReloaded,
  gracefulTimeoutElapsed,
  heartbeatMissed,
  respawnDelayElapsed,
  signal,
  workerBooted,
  workerExited,
  workerFailed,
  workerRetiring,
  workerSpawned,
  workerStayedUp,
  type ArbiterEvent,
} from '../../src/streams/events';
import { step } from '../../src/streams/step';
import { marbles } from '../support/marbles';
import { heard, twoWorkersBoot } from '../support/arbiter-fixtures';

const s0 = initialState({ workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 20_000 });

/** The operator without the heartbeat and kill-deadline timers. */
const quiet =
  (init: ArbiterState): OperatorFunction<ArbiterEvent, Command> =>
  (event$) =>
    event$.pipe(
      arbiter(init),
      filter((c) => !('key' in c && (c.key.startsWith('heartbeat:') || c.key.startsWith('kill:')))),
    );

/** Boot: workers 1 and 2 run as pids 101 and 102 and both boot (`s---pqBC`, commands `(ab)`). */
const up = twoWorkersBoot;
const upCmds = { a: spawnWorker(1), b: spawnWorker(2) };

/** A HUP and its configuration loading as generation `n`: `H` then `R`. */
const hup = (n: number) => ({ H: signal('HUP'), R: configReloaded(n, s0.settings) });
/** What they yield: `(lmg)` for the HUP, `nQ` (then the spawns) for the reloaded configuration, now in use. */
const hupCmds = (n: number) => ({
  l: log('info', 'Handling signal: hup'),
  m: log('info', 'Hang up: Master'),
  g: reloadConfig(n),
  n: log('info', 'Reloaded the configuration: 2 new worker(s) take over once booted'),
  Q: useConfig(n),
});
const exiting = (pid: number) => log('info', `Worker exiting (pid: ${pid})`);
const winchLine = log(
  'info',
  'Graceful stop of workers; the arbiter keeps its listeners (TTIN or HUP starts workers again)',
);
/** A graceful stop's SIGKILL: the graceful timeout (20 s) plus KILL_MARGIN_MS. */
const graceful = startTimer(timerKey.graceful, 20_500, gracefulTimeoutElapsed());
/** The line when an old worker lost during a reload is replaced. */
const replacing = (pid: number) =>
  log('info', `Replacing worker (pid:${pid}) with the previous configuration until the reload completes`);
const stable = (pid: number) => startTimer(timerKey.stable(pid), 5_000, workerStayedUp(pid));

// 1. TTOU to zero

test('TTOU never takes the target below 1: the TTOU after the last surplus worker only logs; WINCH is the way to 0', () =>
  marbles(({ hot, expectObservable }) => {
    const events = { ...up, o: signal('TTOU'), x: workerExited(101, 0), w: signal('WINCH'), y: workerExited(102, 0) };
    const cmds = {
      ...upCmds,
      o: heard('ttou'),
      t: killWorker(101, 'TERM'),
      e: exiting(101),
      w: heard('winch'),
      v: winchLine,
      u: killWorker(102, 'TERM'),
      f: exiting(102),
    };
    // Down to one worker; two more TTOUs change nothing; WINCH stops the last one, TTOU again nothing.
    const event$ = hot('s---pqBC-o---x-o-o-w----y-o', events);
    const expected = '(ab)-----(ot)e-o-o-(wvu)f-o';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

// 2. HUP during a drain

test('HUP after WINCH (the rollback after USR2): the configured number of workers start again while the old ones drain', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      ...hup(1),
      w: signal('WINCH'),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      b: workerBooted(103),
      c: workerBooted(104),
      x: workerExited(101, 0),
      y: workerExited(102, 0),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      w: heard('winch'),
      v: winchLine,
      t: killWorker(101, 'TERM'),
      u: killWorker(102, 'TERM'),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      e: exiting(101),
      E: exiting(102),
    };
    // Nothing is sent to 101 and 102 again, and their exits spawn nothing: the new workers count.
    const event$ = hot('s---pqBC-w-----H----R----rtbcx-y', events);
    const expected = '(ab)-----(wvtu)(lmg)(nQfh)---e-E';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

test('HUP while a TTOU-retired worker drains: it drains on, the configured count is spawned, the other old worker hands off', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      ...hup(1),
      o: signal('TTOU'),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      b: workerBooted(103),
      c: workerBooted(104),
      x: workerExited(101, 0),
      y: workerExited(102, 0),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      o: heard('ttou'),
      t: killWorker(101, 'TERM'),
      u: killWorker(102, 'TERM'),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      e: exiting(101),
      E: exiting(102),
    };
    // HUP resets the target to the configuration's 2 (Gunicorn discards TTIN/TTOU on HUP); 101 is
    // not sent TERM again at the hand-over, 102 is.
    const event$ = hot('s---pqBC-o---H----R---rtbcx-y', events);
    const expected = '(ab)-----(ot)(lmg)(nQfh)-ue-E';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

test('HUP while a max-requests hand-off waits: its replacement, still booting, is stopped at once; the hand-off worker serves until the new workers boot', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      ...hup(1),
      M: workerRetiring(101, true),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      u: workerSpawned(5, 105),
      b: workerBooted(104),
      c: workerBooted(105),
      k: workerExited(103, null, 'TERM'),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      f: spawnWorker(3),
      h: spawnWorker(4, false, 1),
      i: spawnWorker(5, false, 1),
      T: killWorker(103, 'TERM'),
      x: killWorker(101, 'TERM'),
      y: killWorker(102, 'TERM'),
      e: log('info', 'Worker (pid:103) was sent SIGTERM!'),
    };
    // 103 (the old configuration, not serving yet) gets one TERM, at the reload; 101 and 102 get
    // theirs once 104 and 105 have booted, and 103's exit spawns nothing.
    const event$ = hot('s---pqBCMr-H----R-------tubc---k', events);
    const expected = '(ab)----f--(lmg)(nQThi)----(xy)e';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

// 3. HUP during a HUP

test('HUP during a HUP: the first reload’s workers are stopped at once; the old ones serve until the second reload’s have booted', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      H: signal('HUP'),
      R: configReloaded(1, s0.settings),
      I: signal('HUP'),
      S: configReloaded(2, s0.settings),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      b: workerBooted(103),
      u: workerSpawned(5, 105),
      v: workerSpawned(6, 106),
      c: workerBooted(105),
      d: workerBooted(106),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      L: heard('hup'),
      M: hupCmds(1).m,
      G: reloadConfig(2),
      W: useConfig(2),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      i: spawnWorker(5, false, 2),
      j: spawnWorker(6, false, 2),
      T: killWorker(103, 'TERM'),
      U: killWorker(104, 'TERM'),
      x: killWorker(101, 'TERM'),
      y: killWorker(102, 'TERM'),
    };
    // 103 had booted and 104 had not: both run a configuration that never took over, so both stop
    // when the second configuration arrives; 101 and 102 hand off only once 105 and 106 serve.
    const event$ = hot('s---pqBC-H----R-----rtb-I----S---------uvcd', events);
    const expected = '(ab)-----(lmg)(nQfh)----(LMG)(nWTUij)-----(xy)';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

test('HUP during a HUP whose workers cannot load the app (exit 4): the workers of the configuration that last served fully keep serving', () =>
  marbles(({ hot, expectObservable }) => {
    const reason = 'cannot load app "app.mjs": SyntaxError';
    const events = {
      ...up,
      H: signal('HUP'),
      R: configReloaded(1, s0.settings),
      I: signal('HUP'),
      S: configReloaded(2, s0.settings),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      b: workerBooted(103),
      u: workerSpawned(5, 105),
      v: workerSpawned(6, 106),
      F: workerFailed(105, 4, reason),
      X: workerExited(105, 4),
      k: workerExited(103, null, 'TERM'),
      K: workerExited(104, 4),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      L: heard('hup'),
      M: hupCmds(1).m,
      G: reloadConfig(2),
      W: useConfig(2),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      i: spawnWorker(5, false, 2),
      j: spawnWorker(6, false, 2),
      T: killWorker(103, 'TERM'),
      U: killWorker(104, 'TERM'),
      e: log('error', 'Worker (pid:105) exited with code 4.'),
      E: log('error', `Reload failed: ${reason}; the workers of the previous configuration keep serving`),
      z: useConfig(0),
      V: killWorker(106, 'TERM'),
      o: log('info', 'Worker (pid:103) was sent SIGTERM!'),
      O: log('error', 'Worker (pid:104) exited with code 4.'),
    };
    // 101 and 102 (generation 0) serve on and are never sent TERM; nothing is spawned, and 104,
    // which was told to stop and fails to load anyway, halts nothing.
    const event$ = hot('s---pqBC-H----R-----rtb-I----S---------uvFX-------k-K', events);
    const expected = '(ab)-----(lmg)(nQfh)----(LMG)(nWTUij)-----(ezEV)--o-O';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

// 4. HUP during a stop

for (const [sig, to] of [
  ['TERM', 'TERM'],
  ['INT', 'QUIT'],
] as const) {
  test(`HUP during a ${sig === 'TERM' ? 'graceful' : 'quick'} stop (${sig}): logged and ignored, no configuration read, no spawn`, () =>
    marbles(({ hot, expectObservable }) => {
      const events = {
        ...up,
        t: signal(sig),
        H: signal('HUP'),
        R: configReloaded(1, s0.settings),
        x: workerExited(101, 0),
        y: workerExited(102, 0),
      };
      const cmds = {
        ...upCmds,
        t: heard(sig.toLowerCase()),
        L: closeListeners(),
        u: killWorker(101, to),
        v: killWorker(102, to),
        // A quick stop's workers leave at once: its SIGKILL has no margin.
        g: sig === 'TERM' ? graceful : startTimer(timerKey.graceful, 20_000, gracefulTimeoutElapsed()),
        l: heard('hup'),
        e: exiting(101),
        E: exiting(102),
        c: cancelTimer(timerKey.graceful),
        o: log('info', 'Shutting down: Master'),
        z: exit(0),
      };
      // R stands for a configuration read before the stop began and answered late: ignored too.
      const event$ = hot('s---pqBC-t-------H-R-x-y', events);
      const expected = '(ab)-----(tLuvg)-l---e-(Ecoz)';
      expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
    }));
}

// 5. TERM during a reload

test('TERM during a reload: old and new workers get TERM (a new one as soon as it runs), nothing is spawned, exit once all have left', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      ...hup(1),
      r: workerSpawned(3, 103),
      T: signal('TERM'),
      t: workerSpawned(4, 104),
      x: workerExited(101, 0),
      X: workerExited(103, 4),
      y: workerExited(102, 0),
      Y: workerExited(104, null, 'TERM'),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      T: heard('term'),
      L: closeListeners(),
      u: killWorker(101, 'TERM'),
      v: killWorker(102, 'TERM'),
      w: killWorker(103, 'TERM'),
      k: killWorker(104, 'TERM'),
      q: graceful,
      e: exiting(101),
      E: log('error', 'Worker (pid:103) exited with code 4.'),
      F: exiting(102),
      G: log('info', 'Worker (pid:104) was sent SIGTERM!'),
      c: cancelTimer(timerKey.graceful),
      o: log('info', 'Shutting down: Master'),
      z: exit(0),
    };
    // A new worker that fails to load while the arbiter stops (103, exit 4) changes neither the
    // stop nor its exit code.
    const event$ = hot('s---pqBC-H----R-----r-T--------t-xXy-Y', events);
    const expected = '(ab)-----(lmg)(nQfh)--(TLuvwq)-k-eEF-(Gcoz)';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

// 6. TTIN and TTOU during a reload

test('TTIN during a reload: one more new worker, and the old ones hand off once all three have booted', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      ...hup(1),
      i: signal('TTIN'),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      u: workerSpawned(5, 105),
      b: workerBooted(103),
      c: workerBooted(104),
      d: workerBooted(105),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      i: heard('ttin'),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      j: spawnWorker(5, false, 1),
      x: killWorker(101, 'TERM'),
      y: killWorker(102, 'TERM'),
    };
    const event$ = hot('s---pqBC-H----R-----i---rtubcd', events);
    const expected = '(ab)-----(lmg)(nQfh)(ij)-----(xy)';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

test('TTOU during a reload: the oldest new worker leaves, and once the others serve the hand-over happens at once', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      ...hup(1),
      o: signal('TTOU'),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      c: workerBooted(104),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      o: heard('ttou'),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      T: killWorker(103, 'TERM'),
      x: killWorker(101, 'TERM'),
      y: killWorker(102, 'TERM'),
    };
    // 104 has booted, 103 (slow) has not: TTOU stops 103, and 104 alone is the wanted one worker,
    // so 101 and 102 drain now rather than never.
    const event$ = hot('s---pqBC-H----R-----rtc-o', events);
    const expected = '(ab)-----(lmg)(nQfh)----(oTxy)';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

// 7. WINCH during a reload

test('WINCH during a reload: old and new workers drain, none is replaced, and the reload is over (TTIN starts a worker of the new configuration)', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      ...hup(1),
      r: workerSpawned(3, 103),
      w: signal('WINCH'),
      t: workerSpawned(4, 104),
      x: workerExited(101, 0),
      y: workerExited(102, 0),
      X: workerExited(103, 0),
      Y: workerExited(104, 0),
      i: signal('TTIN'),
      u: workerSpawned(5, 105),
      F: workerFailed(105, 4, 'App failed to load.'),
      Z: workerExited(105, 4),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      w: heard('winch'),
      v: winchLine,
      T: killWorker(103, 'TERM'),
      x: killWorker(101, 'TERM'),
      y: killWorker(102, 'TERM'),
      U: killWorker(104, 'TERM'),
      p: exiting(101),
      q: exiting(102),
      r: exiting(103),
      s: exiting(104),
      i: heard('ttin'),
      j: spawnWorker(5, false, 1),
      e: log('error', 'Worker (pid:105) exited with code 4.'),
      c: cancelTimer(timerKey.graceful),
      o: log('error', 'Shutting down: Master'),
      O: log('error', 'Reason: App failed to load.'),
      z: exit(4),
    };
    // With the reload over, the TTIN worker that cannot load the app halts the arbiter as outside
    // a reload: it does not "abandon" a finished reload and spawn the two workers WINCH removed.
    const event$ = hot('s---pqBC-H----R-----r-w-------t-xyXY-i---uFZ', events);
    const expected = '(ab)-----(lmg)(nQfh)--(wvTxy)-U-pqrs-(ij)--(ecoOz)';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

// 8. kill -9 during a reload

test('kill -9 of an old worker during a reload: replaced at once with the old configuration; the replacement hands off like it, and leaves with the other old worker', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      ...hup(1),
      k: workerExited(101, null, 'KILL'),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      u: workerSpawned(5, 105),
      d: workerBooted(105),
      b: workerBooted(103),
      c: workerBooted(104),
      x: workerExited(102, 0),
      X: workerExited(105, 0),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      e: log('error', 'Worker (pid:101) was sent SIGKILL! Perhaps out of memory?'),
      P: replacing(101),
      j: spawnWorker(5, false, 0),
      y: killWorker(102, 'TERM'),
      z: killWorker(105, 'TERM'),
      o: exiting(102),
      O: exiting(105),
    };
    // 105 runs generation 0 like 101 did and is not sent TERM when it runs: two old workers serve
    // until 103 and 104 have booted, then both drain, and their exits spawn nothing.
    const event$ = hot('s---pqBC-H----R-----k---rtudbc---xX', events);
    const expected = '(ab)-----(lmg)(nQfh)(ePj)----(yz)oO';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

test('an old worker killed by its timeout while the new workers crash-loop: replaced with the old configuration, without ending the loop; an abandoned reload keeps it', () =>
  marbles(({ hot, expectObservable }) => {
    const reason = 'cannot load app "app.mjs": SyntaxError';
    const events = {
      ...up,
      ...hup(1),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      x: workerExited(103, 1),
      M: heartbeatMissed(101),
      K: workerExited(101, null, 'SIGABRT'),
      u: workerSpawned(5, 105),
      d: workerBooted(105),
      F: workerFailed(104, 4, reason),
      X: workerExited(104, 4),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      x: log('error', 'Worker (pid:103) exited with code 1.'),
      y: log('error', 'Worker (pid:103) failed to boot; retrying in 0.1s'),
      G: startTimer(timerKey.respawn, 100, respawnDelayElapsed()),
      T: log('critical', 'WORKER TIMEOUT (pid:101)'),
      A: killWorker(101, 'ABRT'),
      W: log('warning', 'Worker (pid:101) was sent SIGABRT!'),
      P: replacing(101),
      j: spawnWorker(5, false, 0),
      e: log('error', 'Worker (pid:104) exited with code 4.'),
      E: log('error', `Reload failed: ${reason}; the workers of the previous configuration keep serving`),
      z: useConfig(0),
      c: cancelTimer(timerKey.respawn),
    };
    // 105 boots during the crash loop but runs the old configuration: no stay-up watch (it would
    // end the new configuration's loop). When 104 cannot load the app, 102 and 105 are the two
    // workers of generation 0: nothing is spawned, and the respawn of 103 is given up.
    const event$ = hot('s---pqBC-H----R-----rtx----M---K----ud-FX', events);
    const expected = '(ab)-----(lmg)(nQfh)--(xyG)(TA)(WPj)----(ezEc)';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

test('kill -9 of a new worker during a reload: before it booted, a crash-loop wait, then its replacement; after, replaced at once', () =>
  marbles(({ hot, expectObservable }) => {
    const events = {
      ...up,
      ...hup(1),
      r: workerSpawned(3, 103),
      t: workerSpawned(4, 104),
      k: workerExited(103, null, 'KILL'),
      b: workerBooted(104),
      K: workerExited(104, null, 'KILL'),
      D: respawnDelayElapsed(),
      u: workerSpawned(5, 105),
      v: workerSpawned(6, 106),
      c: workerBooted(105),
      d: workerBooted(106),
    };
    const cmds = {
      ...upCmds,
      ...hupCmds(1),
      f: spawnWorker(3, false, 1),
      h: spawnWorker(4, false, 1),
      k: log('error', 'Worker (pid:103) was sent SIGKILL! Perhaps out of memory?'),
      e: log('error', 'Worker (pid:103) failed to boot; retrying in 0.1s'),
      G: startTimer(timerKey.respawn, 100, respawnDelayElapsed()),
      E: log('error', 'Worker (pid:104) was sent SIGKILL! Perhaps out of memory?'),
      s: stable(104),
      j: spawnWorker(5, true, 1),
      i: spawnWorker(6, true, 1),
      S: stable(105),
      T: stable(106),
      x: killWorker(101, 'TERM'),
      y: killWorker(102, 'TERM'),
    };
    // 103 never booted: it waits for the respawn timer (D) and is spawned as 6. 104 had booted: a
    // fault, replaced at once (5); workers booted in a crash loop are watched for staying up (s, S,
    // T). 101 and 102 serve throughout and hand off once 5 and 6 serve.
    const event$ = hot('s---pqBC-H----R-----rtk----b-K----D-uvcd', events);
    const expected = '(ab)-----(lmg)(nQfh)--(keG)s-(Ej)-i---S(Txy)';
    expectObservable(event$.pipe(quiet(s0))).toBe(expected, cmds);
  }));

// Table tests: rules with no story worth a diagram.

const after = (state: ArbiterState, ...events: ArbiterEvent[]): ArbiterState =>
  events.reduce((s, e) => step(s, e)[0], state);
const serving = after(s0, ...Object.values(up));

test('two HUPs whose configurations load out of order: the older one is ignored and the newer stays in use', () => {
  const both = after(serving, signal('HUP'), signal('HUP'), configReloaded(2, s0.settings));
  const [s1, cmds] = step(both, configReloaded(1, s0.settings));
  // Configuration 1 was only loaded aside, never used (no UseConfig): nothing to switch back.
  assert.deepEqual(cmds, [log('info', 'Ignored configuration 1: a newer one is in use')]);
  assert.equal(s1, both, 'nothing spawned or stopped');
});

test('HUP during a crash-loop wait: the wait is over, every worker of the new configuration is spawned at once', () => {
  const failed = after(
    serving,
    workerExited(102, null, 'KILL'),
    workerSpawned(3, 103),
    workerExited(103, 1, null, 'Error: DATABASE_URL is not set\n'),
  );
  assert.equal(failed.backoff.waiting, 1, 'worker 3 waits for its respawn');
  const [s1, cmds] = step(failed, configReloaded(1, s0.settings));
  assert.deepEqual(
    cmds.filter((c) => c.type !== 'Log'),
    [useConfig(1), cancelTimer(timerKey.respawn), spawnWorker(4, false, 1), spawnWorker(5, false, 1)],
  );
  assert.deepEqual(s1.backoff, serving.backoff, 'the new configuration starts with no backoff');
});

test('an abandoned reload brings the old workers back, except one that reached --max-requests during it: that one is replaced', () => {
  // HUP: new workers 3 and 4; old worker 101 reaches its max-requests while handing off.
  const reloading = after(
    serving,
    signal('HUP'),
    configReloaded(1, s0.settings),
    workerSpawned(3, 103),
    workerSpawned(4, 104),
    workerRetiring(101, true),
  );
  // New worker 3 cannot load the app: the reload is abandoned.
  const [abandoned, cmds] = step(
    after(reloading, workerFailed(103, 4, 'SyntaxError in app.mjs')),
    workerExited(103, 4),
  );
  const w101 = abandoned.workers.find((w) => w.pid === 101);
  const w102 = abandoned.workers.find((w) => w.pid === 102);
  assert.equal(w102?.retiring, false, '102 serves on as before');
  assert.equal(w101?.retiring, true, '101 is not brought back: it would never ask again');
  assert.deepEqual(
    cmds.filter((c) => c.type === 'SpawnWorker'),
    [spawnWorker(5)],
    'a replacement for 101, with the old configuration',
  );
  // Once the replacement has booted, 101 is told to drain.
  const booted = step(after(abandoned, workerSpawned(5, 105)), workerBooted(105));
  assert.ok(booted[1].some((c) => c.type === 'KillWorker' && c.pid === 101 && c.signal === 'TERM'));
});

test('old workers lost during a reload: one replacement each, never more workers than before the HUP plus the new ones, and a replacement that dies booting is not replaced again', () => {
  const reloading = after(serving, signal('HUP'), configReloaded(1, s0.settings), workerSpawned(3, 103));
  const bothLost = after(reloading, workerExited(101, null, 'KILL'), workerExited(102, null, 'KILL'));
  const old = (s: ArbiterState) => s.workers.filter((w) => w.generation === 0);
  assert.deepEqual(
    old(bothLost).map((w) => [w.id, w.retiring, w.handoff]),
    [
      [5, true, true],
      [6, true, true],
    ],
    'two old workers lost, two of the old configuration in their place, handing off',
  );
  assert.equal(bothLost.workers.length, 4, '2 old + 2 new, as at the HUP');
  // Replacement 5 dies before it boots: not replaced (no loop outside the crash-loop rules), and
  // the crash-loop accounting of the new configuration is untouched.
  const [dead, cmds] = step(after(bothLost, workerSpawned(5, 105)), workerExited(105, 1));
  assert.ok(!cmds.some((c) => c.type === 'SpawnWorker'));
  assert.deepEqual(dead.backoff, bothLost.backoff);
  assert.equal(dead.workers.length, 3);
  // The new workers boot: the reload completes, 6 (still without a process) is sent TERM when it runs.
  const [done, last] = step(after(dead, workerSpawned(4, 104), workerBooted(103)), workerBooted(104));
  assert.equal(done.reload, undefined, 'the reload is complete');
  assert.ok(!last.some((c) => c.type === 'KillWorker'));
  assert.deepEqual(step(done, workerSpawned(6, 106))[1].at(-1), killWorker(106, 'TERM'));
  // With the reload over, an old worker that leaves is not replaced.
  const [, gone] = step(after(done, workerSpawned(6, 106)), workerExited(106, null, 'TERM'));
  assert.ok(!gone.some((c) => c.type === 'SpawnWorker'));
});
