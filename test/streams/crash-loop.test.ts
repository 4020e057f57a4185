/**
 * Table tests of the crash-loop rules in the pure step (`crash-loop.ts`, `on-worker.ts`,
 * `reconcile.ts`, `shutdown.ts`): a worker that exits before it booted is respawned after a wait
 * that doubles (0.1 s, 0.2 s, … capped at 10 s), one failure is shown once and its repeats are
 * counted, a worker that had booted is still replaced at once, and signals during the wait do
 * what a user expects. The same rules in virtual time, closed loop: crash-loop.marble.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultSettings,
  initialState,
  timerKey,
  type ArbiterSettings,
  type ArbiterState,
} from '../../src/streams/arbiter-state';
import {
  cancelTimer,
  closeListeners,
  exit,
  killWorker,
  log,
  showOutput,
  spawnWorker,
  startTimer,
} from '../../src/streams/commands';
import { failureOf, respawnDelay } from '../../src/streams/crash-loop';
import {
  gracefulTimeoutElapsed,
  heartbeatMissed,
  respawnDelayElapsed,
  signal,
  started,
  workerBooted,
  workerExited,
  workerFailed,
  workerSpawned,
  workerStayedUp,
  type ArbiterEvent,
} from '../../src/streams/events';
import { step } from '../../src/streams/step';
import { heartbeatTimer } from '../support/arbiter-fixtures';

const settings: Partial<ArbiterSettings> = { workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 20_000 };
const after = (s: ArbiterState, ...events: ArbiterEvent[]): ArbiterState =>
  events.reduce((acc, e) => step(acc, e)[0], s);

/** What a worker of an app that exits at import prints: our boot line (its pid and time vary), then the app's. */
const said = (pid: number) =>
  `[2026-01-02 03:04:${String(pid % 60).padStart(2, '0')} +0000] [${pid}] [INFO] Booting worker with pid: ${pid}\nDATABASE_URL is not set\n`;
const other = 'node:internal/modules/esm/resolve:275\nError [ERR_MODULE_NOT_FOUND]: Cannot find module\n';

const s0 = initialState(settings);
/** Worker 1 (pid 101) has booted, worker 2 (pid 102) is still booting. */
const oneUp = after(s0, started(), workerSpawned(1, 101), workerSpawned(2, 102), workerBooted(101));
const forget = (pid: number) => [cancelTimer(timerKey.heartbeat(pid)), cancelTimer(timerKey.kill(pid))];
const respawnIn = (ms: number) => startTimer(timerKey.respawn, ms, respawnDelayElapsed());
const hb = heartbeatTimer;
const ids = (s: ArbiterState) => s.workers.map((w) => w.id);

test("a worker that exits before booting: its output once, Gunicorn's exit line, a retry in 0.1 s, no spawn now", () => {
  const [s1, cmds] = step(oneUp, workerExited(102, 1, null, said(102)));
  assert.deepEqual(cmds, [
    ...forget(102),
    showOutput(102, said(102)),
    log('error', 'Worker (pid:102) exited with code 1.'),
    log('error', 'Worker (pid:102) failed to boot; retrying in 0.1s'),
    respawnIn(100),
  ]);
  assert.deepEqual(ids(s1), [1]);
  assert.deepEqual(s1.backoff, { level: 1, waiting: 1, failure: failureOf(1, null, said(102)), repeats: 1 });
});

test('output the worker already wrote as it came (outside a loop) is compared, but not shown again', () => {
  const [s1, cmds] = step(oneUp, workerExited(102, 1, null, said(102), true));
  assert.ok(!cmds.some((c) => c.type === 'ShowOutput'));
  assert.deepEqual(s1.backoff.failure, failureOf(1, null, said(102)), 'the next identical failure is a repeat');
});

test('the wait is over: the waiting worker is spawned under a new id', () => {
  const waiting = after(oneUp, workerExited(102, 1, null, said(102)));
  const [s1, cmds] = step(waiting, respawnDelayElapsed());
  assert.deepEqual(cmds, [spawnWorker(3, true)]);
  assert.deepEqual(ids(s1), [1, 3]);
  assert.equal(s1.backoff.waiting, 0);
  assert.equal(s1.backoff.level, 1, 'the level stays until a worker has stayed up');
});

test('the same failure again (other pid, other time): counted, not shown; the wait doubles', () => {
  const again = after(oneUp, workerExited(102, 1, null, said(102)), respawnDelayElapsed(), workerSpawned(3, 103));
  const [s1, cmds] = step(again, workerExited(103, 1, null, said(103)));
  assert.deepEqual(cmds, [
    ...forget(103),
    log('error', 'Worker (pid:103) exited with code 1. Failed to boot 2 times the same way; retrying in 0.2s'),
    respawnIn(200),
  ]);
  assert.equal(s1.backoff.repeats, 2);
});

test('a different failure is shown again and counted from 1, but the wait keeps growing', () => {
  const again = after(oneUp, workerExited(102, 1, null, said(102)), respawnDelayElapsed(), workerSpawned(3, 103));
  const [s1, cmds] = step(again, workerExited(103, 1, null, other));
  assert.deepEqual(cmds, [
    ...forget(103),
    showOutput(103, other),
    log('error', 'Worker (pid:103) exited with code 1.'),
    log('error', 'Worker (pid:103) failed to boot; retrying in 0.2s'),
    respawnIn(200),
  ]);
  assert.equal(s1.backoff.repeats, 1);
  // Same output, other exit code: also a different failure.
  const [, byCode] = step(again, workerExited(103, 2, null, said(103)));
  assert.ok(byCode.some((c) => c.type === 'ShowOutput'));
});

test('the waits: 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4 s, then 10 s for good', () => {
  const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map((level) => respawnDelay(defaultSettings, level));
  assert.deepEqual(waits, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  // The same numbers come out of the step, round after round, for one worker that never boots.
  let s = after(initialState({ workers: 1, timeoutMs: 0 }), started(), workerSpawned(1, 101));
  const announced: string[] = [];
  for (let n = 1; n <= 9; n++) {
    const pid = 100 + n;
    const [s1, cmds] = step(s, workerExited(pid, 1, null, said(pid)));
    for (const c of cmds) if (c.type === 'StartTimer') announced.push(`${c.key} ${c.ms}`);
    s = after(s1, respawnDelayElapsed(), workerSpawned(n + 1, pid + 1));
  }
  assert.deepEqual(
    announced,
    [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000].map((ms) => `respawn ${ms}`),
  );
});

test('several workers failing in one round share its timer: no new timer, the level does not climb', () => {
  const both = after(
    s0,
    started(),
    workerSpawned(1, 101),
    workerSpawned(2, 102),
    workerExited(101, 1, null, said(101)),
  );
  const [s1, cmds] = step(both, workerExited(102, 1, null, said(102)));
  assert.deepEqual(cmds, [
    ...forget(102),
    log('error', 'Worker (pid:102) exited with code 1. Failed to boot 2 times the same way; retrying in 0.1s'),
  ]);
  assert.deepEqual(s1.backoff, { ...s1.backoff, level: 1, waiting: 2 });
  const [s2, spawned] = step(s1, respawnDelayElapsed());
  assert.deepEqual(spawned, [spawnWorker(3, true), spawnWorker(4, true)]);
  assert.equal(s2.backoff.waiting, 0);
});

test('a booted worker that dies during a crash loop is still replaced at once (a fault is not slowed)', () => {
  const looping = after(oneUp, workerExited(102, 1, null, said(102)));
  const [s1, cmds] = step(looping, workerExited(101, 1));
  assert.deepEqual(cmds, [...forget(101), log('error', 'Worker (pid:101) exited with code 1.'), spawnWorker(3, true)]);
  assert.deepEqual(ids(s1), [3], 'the other worker still waits for its timer');
  assert.equal(s1.backoff.waiting, 1);
  // Nor does a crash raise the level: only failures to boot do.
  assert.equal(s1.backoff.level, 1);
});

test('a worker killed by the heartbeat timeout before it booted is a failure to boot', () => {
  const aborted = after(oneUp, heartbeatMissed(102));
  const [, cmds] = step(aborted, workerExited(102, null, 'ABRT', said(102)));
  assert.deepEqual(cmds.slice(-2), [log('error', 'Worker (pid:102) failed to boot; retrying in 0.1s'), respawnIn(100)]);
});

test('a worker that boots during a crash loop is watched; staying up 5 s ends the loop', () => {
  const looping = after(oneUp, workerExited(102, 1, null, said(102)), respawnDelayElapsed(), workerSpawned(3, 103));
  const [s1, cmds] = step(looping, workerBooted(103));
  assert.deepEqual(cmds, [hb(103), startTimer(timerKey.stable(103), 5_000, workerStayedUp(103))]);
  const [s2, none] = step(s1, workerStayedUp(103));
  assert.deepEqual(none, []);
  assert.deepEqual(s2.backoff, { level: 0, waiting: 0, failure: undefined, repeats: 0 });
  // The next failure starts over: shown again, 0.1 s.
  const [, cmds2] = step(after(s2, workerExited(103, 1), workerSpawned(4, 104)), workerExited(104, 1, null, said(104)));
  assert.deepEqual(cmds2.slice(2), [
    showOutput(104, said(104)),
    log('error', 'Worker (pid:104) exited with code 1.'),
    log('error', 'Worker (pid:104) failed to boot; retrying in 0.1s'),
    respawnIn(100),
  ]);
});

test('no crash loop, no watch: WorkerBooted arms only the heartbeat; a stale WorkerStayedUp is ignored', () => {
  assert.deepEqual(step(after(s0, started(), workerSpawned(1, 101)), workerBooted(101))[1], [hb(101)]);
  const looping = after(
    oneUp,
    workerExited(102, 1, null, said(102)),
    respawnDelayElapsed(),
    workerSpawned(3, 103),
    workerBooted(103),
  );
  // Worker 103 died (a fault, replaced at once) before its 5 s: its timer must not end the loop.
  const died = after(looping, workerExited(103, 1));
  assert.deepEqual(step(died, workerStayedUp(103)), [died, []]);
});

test('exit codes 3 and 4 before booting still halt, showing what the worker printed', () => {
  const text = "[...] [ERROR] Failed to find attribute 'app' in './server.js'.\n";
  const failing = after(oneUp, workerFailed(102, 4, "Failed to find attribute 'app' in './server.js'."));
  const [s1, cmds] = step(failing, workerExited(102, 4, null, text));
  assert.deepEqual(cmds, [
    ...forget(102),
    showOutput(102, text),
    log('error', 'Worker (pid:102) exited with code 4.'),
    closeListeners(),
    killWorker(101, 'TERM'),
    startTimer(timerKey.graceful, 20_500, gracefulTimeoutElapsed()),
  ]);
  assert.equal(s1.phase, 'stopping');
  assert.deepEqual(s1.backoff, initialState().backoff);
});

test('a booting worker asked to leave (TERM, TTOU) is not a crash loop; its output is shown', () => {
  const stopping = after(oneUp, signal('TERM'));
  const [, cmds] = step(stopping, workerExited(102, 0, null, said(102)));
  assert.deepEqual(cmds, [...forget(102), showOutput(102, said(102)), log('info', 'Worker exiting (pid: 102)')]);
  const retiring = after(
    s0,
    started(),
    workerSpawned(1, 101),
    workerSpawned(2, 102),
    workerBooted(102),
    signal('TTOU'),
  );
  const [s1, out] = step(retiring, workerExited(101, null, 'TERM', said(101)));
  assert.deepEqual(out, [
    ...forget(101),
    showOutput(101, said(101)),
    log('info', 'Worker (pid:101) was sent SIGTERM!'),
  ]);
  assert.equal(s1.backoff.level, 0);
});

test('TERM during the wait with no worker left: the respawn is cancelled and the arbiter exits 0 at once', () => {
  const waiting = after(
    initialState({ ...settings, workers: 1 }),
    started(),
    workerSpawned(1, 101),
    workerExited(101, 1, null, said(101)),
  );
  const [s1, cmds] = step(waiting, signal('TERM'));
  assert.deepEqual(cmds, [
    log('info', 'Handling signal: term'),
    cancelTimer(timerKey.respawn),
    cancelTimer(timerKey.graceful),
    log('info', 'Shutting down: Master'),
    exit(0),
  ]);
  assert.equal(s1.phase, 'exited');
});

for (const sig of ['INT', 'QUIT'] as const) {
  test(`${sig} during the wait: the respawn is cancelled, the booted worker gets QUIT`, () => {
    const waiting = after(oneUp, workerExited(102, 1, null, said(102)));
    const [s1, cmds] = step(waiting, signal(sig));
    assert.deepEqual(cmds, [
      log('info', `Handling signal: ${sig.toLowerCase()}`),
      cancelTimer(timerKey.respawn),
      closeListeners(),
      killWorker(101, 'QUIT'),
      startTimer(timerKey.graceful, 20_000, gracefulTimeoutElapsed()),
    ]);
    // A late respawn event, had the timer fired anyway, spawns nothing.
    assert.deepEqual(step(s1, respawnDelayElapsed())[1], []);
  });
}

test('TTIN during the wait adds a worker at once; the failed one still waits', () => {
  const waiting = after(oneUp, workerExited(102, 1, null, said(102)));
  const [s1, cmds] = step(waiting, signal('TTIN'));
  assert.deepEqual(cmds, [log('info', 'Handling signal: ttin'), spawnWorker(3, true)]);
  assert.equal(s1.backoff.waiting, 1);
  // If it fails to boot too, it joins the same round: no second timer.
  const [, failed] = step(after(s1, workerSpawned(3, 103)), workerExited(103, 1, null, said(103)));
  assert.ok(!failed.some((c) => c.type === 'StartTimer'));
  assert.deepEqual(
    step(after(s1, workerSpawned(3, 103), workerExited(103, 1, null, said(103))), respawnDelayElapsed())[1],
    [spawnWorker(4, true), spawnWorker(5, true)],
  );
});

test('TTOU during the wait gives up the waiting worker first: nobody is stopped, the timer is cancelled', () => {
  const waiting = after(oneUp, workerExited(102, 1, null, said(102)));
  const [s1, cmds] = step(waiting, signal('TTOU'));
  assert.deepEqual(cmds, [log('info', 'Handling signal: ttou'), cancelTimer(timerKey.respawn)]);
  assert.equal(s1.target, 1);
  assert.deepEqual(ids(s1), [1]);
  assert.equal(s1.backoff.waiting, 0);
  assert.deepEqual(step(s1, respawnDelayElapsed())[1], []);
});

test('after Exit, the crash-loop timers do nothing', () => {
  const waiting = after(
    initialState({ ...settings, workers: 1 }),
    started(),
    workerSpawned(1, 101),
    workerExited(101, 1, null, said(101)),
  );
  const exited = after(waiting, signal('TERM'));
  for (const event of [respawnDelayElapsed(), workerStayedUp(101)]) assert.deepEqual(step(exited, event), [exited, []]);
});
