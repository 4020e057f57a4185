/**
 * Where the arbiter's server hooks fall among the commands that touch processes.
 *
 * Gunicorn calls `nworkers_changed`, `when_ready`, `pre_fork`, `child_exit` and `on_exit` at
 * fixed points of its loop; here they are `CallHook` commands, so their order is part of the
 * command stream and is shown as marble diagrams (every command, as in arbiter.marble.test.ts).
 * The heartbeat timeout is 0 so that no heartbeat timers crowd the diagrams; `WorkerSpawned`
 * then yields nothing, which is why the event lines can place spawns in otherwise quiet frames.
 *
 * A group `(abc)` is the ordered command list of one step and takes as many frames as it has
 * characters; the event line pads with `-` to keep each event under the group it causes.
 *
 * The table tests at the end check each hook's payload: the worker record, the extra arguments
 * (`nworkersChanged(new, old)`) and the snapshot of workers the hook sees as `arbiter.workers`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  initialState,
  newWorker,
  timerKey,
  type ArbiterSettings,
  type ArbiterState,
  type WorkerRecord,
} from '../../src/streams/arbiter-state';
import { arbiter } from '../../src/streams/arbiter';
import {
  callHook,
  cancelTimer,
  closeListeners,
  exit,
  killWorker,
  log,
  spawnWorker,
  startTimer,
  type ArbiterHook,
  type Command,
} from '../../src/streams/commands';
import {
  gracefulTimeoutElapsed,
  heartbeatMissed,
  signal,
  started,
  workerBooted,
  workerExited,
  workerFailed,
  workerSpawned,
  type ArbiterEvent,
} from '../../src/streams/events';
import { step } from '../../src/streams/step';
import { marbles } from '../support/marbles';

const ALL_HOOKS: readonly ArbiterHook[] = [
  'whenReady',
  'preFork',
  'childExit',
  'nworkersChanged',
  'onExit',
  'onReload',
  'preExec',
];
const settings: Partial<ArbiterSettings> = { workers: 2, timeoutMs: 0, gracefulTimeoutMs: 20_000 };
const s0 = initialState({ ...settings, hooks: ALL_HOOKS });

/** Worker `id` as the arbiter records it once it runs as `pid`. */
const rec = (id: number, pid: number, more: Partial<WorkerRecord> = {}): WorkerRecord => ({
  ...newWorker(id),
  pid,
  ...more,
});
const w1 = rec(1, 101);
const w2 = rec(2, 102);
const w3 = rec(3, 103);

/**
 * Boot, then workers 1 and 2 run as pids 101 and 102; `B` says worker 1 has booted (a worker that
 * dies before booting is a crash loop, backed off: see crash-loop.marble.test.ts).
 */
const boot = { s: started(), p: workerSpawned(1, 101), q: workerSpawned(2, 102), B: workerBooted(101) };
/**
 * What Started yields: nworkersChanged(2, null), whenReady, then preFork before each spawn. The
 * second preFork already lists worker 1 (not yet running), as Gunicorn's lists the worker it
 * has just forked.
 */
const booted = {
  n: callHook('nworkersChanged', [], undefined, [2, null]),
  w: callHook('whenReady', []),
  p: callHook('preFork', [], newWorker(1)),
  a: spawnWorker(1),
  q: callHook('preFork', [newWorker(1)], newWorker(2)),
  b: spawnWorker(2),
};
const forget = (pid: number) => [cancelTimer(timerKey.heartbeat(pid)), cancelTimer(timerKey.kill(pid))] as const;

test('boot: nworkersChanged(N, null), whenReady, then preFork immediately before each SpawnWorker', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const event$ = hot('s-------pq', boot);
    const expected = '(nwpaqb)--';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, booted);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('a worker exits: the exit is logged, then childExit, then preFork and the spawn of its replacement', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const [c, d] = forget(101);
    const events = { ...boot, k: workerExited(101, null, 'KILL'), r: workerSpawned(3, 103) };
    const cmds = {
      ...booted,
      c,
      d,
      e: log('error', 'Worker (pid:101) was sent SIGKILL! Perhaps out of memory?'),
      X: callHook('childExit', [w2], { ...w1, booted: true }),
      P: callHook('preFork', [w2], newWorker(3)),
      f: spawnWorker(3),
    };
    const event$ = hot('s-------pqBk------r', events);
    const expected = '(nwpaqb)---(cdeXPf)-';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('TTIN: nworkersChanged(3, 2) then preFork and spawn; TTOU: nworkersChanged(2, 3) then TERM to the oldest, childExit when it leaves', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const [c, d] = forget(101);
    const events = { ...boot, i: signal('TTIN'), r: workerSpawned(3, 103), o: signal('TTOU'), x: workerExited(101, 0) };
    const cmds = {
      ...booted,
      c,
      d,
      l: log('info', 'Handling signal: ttin'),
      N: callHook('nworkersChanged', [w1, w2], undefined, [3, 2]),
      P: callHook('preFork', [w1, w2], newWorker(3)),
      m: spawnWorker(3),
      L: log('info', 'Handling signal: ttou'),
      O: callHook('nworkersChanged', [w1, w2, w3], undefined, [2, 3]),
      T: killWorker(101, 'TERM'),
      e: log('info', 'Worker exiting (pid: 101)'),
      X: callHook('childExit', [w2, w3], { ...w1, retiring: true, leaving: 'scale' }),
    };
    const event$ = hot('s-------pq-i-----r-o----x', events);
    const expected = '(nwpaqb)---(lNPm)--(LOT)(cdeX)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('TERM: no hook while workers are asked to leave; childExit for each, onExit last, just before Exit', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const [c, d] = forget(101);
    const [f, g] = forget(102);
    const events = { ...boot, t: signal('TERM'), x: workerExited(101, 0), y: workerExited(102, 0) };
    const cmds = {
      ...booted,
      c,
      d,
      f,
      g,
      l: log('info', 'Handling signal: term'),
      L: closeListeners(),
      t: killWorker(101, 'TERM'),
      u: killWorker(102, 'TERM'),
      v: startTimer(timerKey.graceful, 20_500, gracefulTimeoutElapsed()),
      e: log('info', 'Worker exiting (pid: 101)'),
      X: callHook('childExit', [w2], w1),
      m: log('info', 'Worker exiting (pid: 102)'),
      Y: callHook('childExit', [], w2),
      G: cancelTimer(timerKey.graceful),
      o: log('info', 'Shutting down: Master'),
      E: callHook('onExit', []),
      z: exit(0),
    };
    const event$ = hot('s-------pq-t------x-----y', events);
    const expected = '(nwpaqb)---(lLtuv)(cdeX)(fgmYGoEz)';
    expectObservable(event$.pipe(arbiter(s0))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

test('a config with only preFork and onExit: only those hooks are called, at the same places', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const some = initialState({ ...settings, hooks: ['preFork', 'onExit'] });
    const [c, d] = forget(101);
    const [f, g] = forget(103);
    const [h, j] = forget(102);
    const events = {
      ...boot,
      i: signal('TTIN'),
      k: workerExited(101, null, 'KILL'),
      r: workerSpawned(3, 103),
      R: workerSpawned(4, 104),
      t: signal('TERM'),
      x: workerExited(102, 0),
      y: workerExited(103, 0),
      Z: workerExited(104, 0),
    };
    const cmds = {
      p: booted.p,
      a: booted.a,
      q: booted.q,
      b: booted.b,
      l: log('info', 'Handling signal: ttin'),
      P: callHook('preFork', [{ ...w1, booted: true }, w2], newWorker(3)),
      m: spawnWorker(3),
      c,
      d,
      e: log('error', 'Worker (pid:101) was sent SIGKILL! Perhaps out of memory?'),
      Q: callHook('preFork', [w2, w3], newWorker(4)),
      M: spawnWorker(4),
      T: log('info', 'Handling signal: term'),
      L: closeListeners(),
      t: killWorker(102, 'TERM'),
      u: killWorker(103, 'TERM'),
      U: killWorker(104, 'TERM'),
      v: startTimer(timerKey.graceful, 20_500, gracefulTimeoutElapsed()),
      h,
      j,
      n: log('info', 'Worker exiting (pid: 102)'),
      f,
      g,
      N: log('info', 'Worker exiting (pid: 103)'),
      C: cancelTimer(timerKey.heartbeat(104)),
      D: cancelTimer(timerKey.kill(104)),
      V: log('info', 'Worker exiting (pid: 104)'),
      G: cancelTimer(timerKey.graceful),
      o: log('info', 'Shutting down: Master'),
      E: callHook('onExit', []),
      z: exit(0),
    };
    const event$ = hot('s-----pqBi----r-k-----R-t-------x----y----Z', events);
    const expected = '(paqb)---(lPm)--(cdeQM)-(TLtuUv)(hjn)(fgN)(CDVGoEz)';
    expectObservable(event$.pipe(arbiter(some))).toBe(expected, cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
  }));

// ---------------------------------------------------------------------------------------------
// Table tests: the payloads.

/** The state after `events`, one step at a time (commands dropped). */
const after = (s: ArbiterState, ...events: ArbiterEvent[]): ArbiterState =>
  events.reduce((acc, e) => step(acc, e)[0], s);
const hooksIn = (cmds: readonly Command[]) => cmds.filter((c) => c.type === 'CallHook');
const running = after(
  s0,
  started(),
  workerSpawned(1, 101),
  workerSpawned(2, 102),
  workerBooted(101),
  workerBooted(102),
);

test('Started: nworkersChanged gets (N, null) and an empty worker list; whenReady sees no worker; preFork gets the unspawned record', () => {
  const [, cmds] = step(initialState({ ...settings, workers: 3, hooks: ALL_HOOKS }), started());
  assert.deepEqual(hooksIn(cmds), [
    callHook('nworkersChanged', [], undefined, [3, null]),
    callHook('whenReady', []),
    callHook('preFork', [], newWorker(1)),
    callHook('preFork', [newWorker(1)], newWorker(2)),
    callHook('preFork', [newWorker(1), newWorker(2)], newWorker(3)),
  ]);
  // Each preFork sees the workers forked before it in the batch, as Gunicorn's WORKERS does.
  const preFork = cmds.find((c) => c.type === 'CallHook' && c.hook === 'preFork');
  assert.ok(preFork?.type === 'CallHook');
  assert.equal(preFork.worker?.pid, undefined, 'preFork runs before the process exists');
  assert.equal(preFork.worker?.id, 1, 'its age is known');
});

test('childExit gets the record of the worker that left (pid, booted) and the workers still there', () => {
  const [s1, cmds] = step(running, workerExited(101, 1));
  assert.deepEqual(hooksIn(cmds), [
    callHook('childExit', [rec(2, 102, { booted: true })], rec(1, 101, { booted: true })),
    callHook('preFork', [rec(2, 102, { booted: true })], newWorker(3)),
  ]);
  // After the exit line, before the replacement.
  const names = cmds.map((c) => (c.type === 'CallHook' ? c.hook : c.type === 'Log' ? c.message : c.type));
  assert.deepEqual(names.slice(2), ['Worker (pid:101) exited with code 1.', 'childExit', 'preFork', 'SpawnWorker']);
  assert.deepEqual(
    s1.workers.map((w) => w.id),
    [2, 3],
  );
});

test('an aborted worker that leaves is given to childExit with aborted = true', () => {
  const s1 = after({ ...running, settings: { ...running.settings, timeoutMs: 30_000 } }, heartbeatMissed(102));
  const [, cmds] = step(s1, workerExited(102, null, 'ABRT'));
  assert.deepEqual(
    hooksIn(cmds)[0],
    callHook('childExit', [rec(1, 101, { booted: true })], rec(2, 102, { booted: true, aborted: true })),
  );
});

test('TTIN and TTOU give nworkersChanged (new, old) and the workers at that moment', () => {
  const [s1, ttin] = step(running, signal('TTIN'));
  const both = [rec(1, 101, { booted: true }), rec(2, 102, { booted: true })];
  assert.deepEqual(hooksIn(ttin), [
    callHook('nworkersChanged', both, undefined, [3, 2]),
    callHook('preFork', both, newWorker(3)),
  ]);
  const [, ttou] = step(after(s1, workerSpawned(3, 103)), signal('TTOU'));
  assert.deepEqual(ttou.slice(1), [
    callHook('nworkersChanged', [...both, w3], undefined, [2, 3]),
    killWorker(101, 'TERM'),
  ]);
});

test('signals that change no count call no hook: TTOU at one worker, TTIN or TTOU during a stop, TERM, INT', () => {
  const one = after(initialState({ ...settings, workers: 1, hooks: ALL_HOOKS }), started(), workerSpawned(1, 101));
  assert.deepEqual(hooksIn(step(one, signal('TTOU'))[1]), []);
  const stopping = after(running, signal('TERM'));
  assert.deepEqual(hooksIn(step(running, signal('TERM'))[1]), []);
  assert.deepEqual(hooksIn(step(stopping, signal('TTIN'))[1]), []);
  assert.deepEqual(hooksIn(step(stopping, signal('TTOU'))[1]), []);
  assert.deepEqual(hooksIn(step(stopping, signal('INT'))[1]), []);
});

test('onExit comes after "Shutting down" and "Reason:", immediately before Exit, with no worker left', () => {
  const failing = after(running, workerFailed(101, 4, 'no app here'));
  const [s1, first] = step(failing, workerExited(101, 4));
  assert.deepEqual(hooksIn(first), [
    callHook('childExit', [rec(2, 102, { booted: true })], rec(1, 101, { booted: true, failure: 'no app here' })),
  ]);
  const [, cmds] = step(s1, workerExited(102, null, 'TERM'));
  assert.deepEqual(cmds.slice(-4), [
    log('error', 'Shutting down: Master'),
    log('error', 'Reason: no app here'),
    callHook('onExit', []),
    exit(4),
  ]);
  // A stop with no worker at all exits at once, onExit included.
  assert.deepEqual(step(s0, signal('TERM'))[1].slice(-2), [callHook('onExit', []), exit(0)]);
});

test('no hook after Exit, and none for a pid the arbiter does not know', () => {
  const done = after(running, signal('TERM'), workerExited(101, 0), workerExited(102, 0));
  assert.equal(done.phase, 'exited');
  assert.deepEqual(step(done, workerExited(103, 0))[1], []);
  assert.deepEqual(step(done, signal('TTIN'))[1], []);
  assert.deepEqual(hooksIn(step(running, workerExited(999, 0))[1]), []);
});

test('hooks only add CallHook commands: without them every other command is the same, in the same order', () => {
  const story: ArbiterEvent[] = [
    started(),
    workerSpawned(1, 101),
    workerSpawned(2, 102),
    workerBooted(102),
    signal('TTIN'),
    workerSpawned(3, 103),
    workerExited(102, null, 'KILL'),
    workerSpawned(4, 104),
    signal('TTOU'),
    workerExited(101, 0),
    signal('TERM'),
    workerExited(103, 0),
    workerExited(104, 0),
  ];
  const run = (s: ArbiterState) =>
    story.reduce<[ArbiterState, Command[]]>(
      ([acc, out], e) => {
        const [next, cmds] = step(acc, e);
        return [next, out.concat(cmds)];
      },
      [s, []],
    )[1];
  const withHooks = run(s0);
  const without = run(initialState(settings));
  assert.deepEqual(
    withHooks.filter((c) => c.type !== 'CallHook'),
    without,
  );
  assert.equal(without.filter((c) => c.type === 'CallHook').length, 0);
  assert.deepEqual(
    hooksIn(withHooks).map((c) => (c.type === 'CallHook' ? c.hook : '')),
    [
      'nworkersChanged',
      'whenReady',
      'preFork',
      'preFork', // boot
      'nworkersChanged',
      'preFork', // TTIN
      'childExit',
      'preFork', // kill -9 of worker 2, replaced
      'nworkersChanged', // TTOU
      'childExit', // the retired worker 1 leaves
      'childExit',
      'childExit',
      'onExit', // TERM
    ],
  );
});
