/**
 * Table tests of the pure arbiter step: one `test()` per lifecycle rule, each asserting the exact
 * command list and the part of the state a user would notice (workers, target, phase, exit code).
 *
 * Situations are reached by feeding events through `step` itself (`after(s0, …events)`), so the
 * tests never depend on the shape of a state they did not ask for. The settings use a graceful
 * timeout different from the heartbeat timeout, so a rule that arms the wrong timer fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, timerKey, type ArbiterSettings, type ArbiterState } from '../../src/streams/arbiter-state';
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
} from '../../src/streams/commands';
import {
  configReloaded,
  configReloadFailed,
  gracefulTimeoutElapsed,
  heartbeatMissed,
  heartbeatReceived,
  killDeadlineElapsed,
  signal,
  started,
  workerBooted,
  workerExited,
  workerFailed,
  workerRetiring,
  workerSpawned,
  workerSpawnFailed,
  type ArbiterEvent,
} from '../../src/streams/events';
import { ARBITER_SIGNALS } from '../../src/streams/signals';
import { step } from '../../src/streams/step';

const settings: Partial<ArbiterSettings> = {
  workers: 2,
  timeoutMs: 30_000,
  gracefulTimeoutMs: 20_000,
  abortGraceMs: 1_000,
  quickDeadlineMs: 2_000,
};

/** The state after `events`, one step at a time (commands dropped). */
const after = (s: ArbiterState, ...events: ArbiterEvent[]): ArbiterState =>
  events.reduce((acc, e) => step(acc, e)[0], s);

const s0 = initialState(settings);
/** Two workers, ids 1 and 2, running as pids 101 and 102. */
const running = after(s0, started(), workerSpawned(1, 101), workerSpawned(2, 102));
/** `running` once both workers have booted: an exit now is a fault, replaced at once. */
const serving = after(running, workerBooted(101), workerBooted(102));
/** `running` after TERM: both workers were sent TERM, the graceful timer is armed. */
const stopping = after(running, signal('TERM'));

const heartbeatTimer = (pid: number) => startTimer(timerKey.heartbeat(pid), 30_000, heartbeatMissed(pid));
const forgetTimers = (pid: number) => [cancelTimer(timerKey.heartbeat(pid)), cancelTimer(timerKey.kill(pid))];
const gracefulTimer = (ms: number) => startTimer(timerKey.graceful, ms, gracefulTimeoutElapsed());
const pids = (s: ArbiterState) => s.workers.map((w) => w.pid);
const ids = (s: ArbiterState) => s.workers.map((w) => w.id);

test('Started spawns the configured number of workers', () => {
  const [s1, cmds] = step(initialState({ ...settings, workers: 3 }), started());
  assert.deepEqual(cmds, [spawnWorker(1), spawnWorker(2), spawnWorker(3)]);
  assert.equal(s1.phase, 'running');
  assert.deepEqual(ids(s1), [1, 2, 3]);
  assert.deepEqual(pids(s1), [undefined, undefined, undefined]);
});

test('a second Started does nothing', () => {
  const [s1] = step(s0, started());
  const [s2, cmds] = step(s1, started());
  assert.deepEqual(cmds, []);
  assert.deepEqual(s2, s1);
  // Nor does a late one during a stop: it must not bring the arbiter back to running.
  assert.deepEqual(step(stopping, started()), [stopping, []]);
});

test('WorkerSpawned records the pid and arms the heartbeat timer', () => {
  const [s1, cmds] = step(after(s0, started()), workerSpawned(1, 101));
  assert.deepEqual(cmds, [startTimer('heartbeat:101', 30_000, heartbeatMissed(101))]);
  assert.deepEqual(pids(s1), [101, undefined]);
});

test('WorkerSpawned arms no heartbeat timer when timeoutMs is 0', () => {
  const [s1, cmds] = step(after(initialState({ ...settings, timeoutMs: 0 }), started()), workerSpawned(1, 101));
  assert.deepEqual(cmds, []);
  assert.deepEqual(pids(s1), [101, undefined]);
});

test('WorkerBooted marks the worker booted and re-arms its heartbeat', () => {
  const [s1, cmds] = step(running, workerBooted(102));
  assert.deepEqual(cmds, [heartbeatTimer(102)]);
  assert.deepEqual(
    s1.workers.map((w) => w.booted),
    [false, true],
  );
});

test('HeartbeatReceived re-arms the heartbeat timer of that worker only', () => {
  const [s1, cmds] = step(running, heartbeatReceived(101));
  assert.deepEqual(cmds, [heartbeatTimer(101)]);
  assert.deepEqual(s1, running);
  assert.deepEqual(step(running, heartbeatReceived(999))[1], []);
});

test('HeartbeatMissed logs WORKER TIMEOUT, sends ABRT and arms the kill deadline; a second miss does nothing', () => {
  const [s1, cmds] = step(running, heartbeatMissed(101));
  assert.deepEqual(cmds, [
    log('critical', 'WORKER TIMEOUT (pid:101)'),
    killWorker(101, 'ABRT'),
    startTimer('kill:101', 1_000, killDeadlineElapsed(101)),
  ]);
  assert.deepEqual(
    s1.workers.map((w) => w.aborted),
    [true, false],
  );
  const [s2, again] = step(s1, heartbeatMissed(101));
  assert.deepEqual(again, []);
  assert.deepEqual(s2, s1);
});

test('HeartbeatMissed during a stop does nothing: the graceful deadline bounds the stop', () => {
  const [s1, cmds] = step(stopping, heartbeatMissed(101));
  assert.deepEqual(cmds, []);
  assert.deepEqual(s1, stopping);
});

test('a heartbeat from an aborted worker does not push its kill back', () => {
  const aborted = after(running, heartbeatMissed(101));
  assert.deepEqual(step(aborted, heartbeatReceived(101))[1], []);
});

test('KillDeadlineElapsed sends SIGKILL only if the worker is still there', () => {
  const aborted = after(running, heartbeatMissed(101));
  assert.deepEqual(step(aborted, killDeadlineElapsed(101))[1], [killWorker(101, 'KILL')]);
  const gone = after(aborted, workerExited(101, 1));
  assert.deepEqual(step(gone, killDeadlineElapsed(101))[1], []);
});

test('a booted worker exits with code 0: removed, timers cancelled, "Worker exiting", replaced at once under a new id', () => {
  const [s1, cmds] = step(serving, workerExited(101, 0));
  assert.deepEqual(cmds, [...forgetTimers(101), log('info', 'Worker exiting (pid: 101)'), spawnWorker(3)]);
  assert.deepEqual(ids(s1), [2, 3]);
  assert.deepEqual(pids(s1), [102, undefined]);
});

test('a booted worker exits with code 1: logged as an error with the code, replaced at once', () => {
  const [s1, cmds] = step(serving, workerExited(102, 1));
  assert.deepEqual(cmds, [...forgetTimers(102), log('error', 'Worker (pid:102) exited with code 1.'), spawnWorker(3)]);
  assert.deepEqual(ids(s1), [1, 3]);
});

test('a booted worker killed by SIGKILL: "Perhaps out of memory?" at error level, replaced', () => {
  const [s1, cmds] = step(serving, workerExited(101, null, 'KILL'));
  assert.deepEqual(cmds, [
    ...forgetTimers(101),
    log('error', 'Worker (pid:101) was sent SIGKILL! Perhaps out of memory?'),
    spawnWorker(3),
  ]);
  assert.deepEqual(ids(s1), [2, 3]);
});

test('a booted worker ended by SIGTERM: logged at info level, replaced', () => {
  const [s1, cmds] = step(serving, workerExited(101, null, 'TERM'));
  assert.deepEqual(cmds, [...forgetTimers(101), log('info', 'Worker (pid:101) was sent SIGTERM!'), spawnWorker(3)]);
  assert.deepEqual(ids(s1), [2, 3]);
});

test('a booted worker ended by any other signal: logged as a warning, replaced', () => {
  const [s1, cmds] = step(serving, workerExited(101, null, 'ABRT'));
  assert.deepEqual(cmds, [...forgetTimers(101), log('warning', 'Worker (pid:101) was sent SIGABRT!'), spawnWorker(3)]);
  assert.deepEqual(ids(s1), [2, 3]);
  const [, prefixed] = step(serving, workerExited(101, null, 'SIGSEGV'));
  assert.deepEqual(prefixed, [
    ...forgetTimers(101),
    log('warning', 'Worker (pid:101) was sent SIGSEGV!'),
    spawnWorker(3),
  ]);
});

test('exit code 3 halts gracefully with code 3 and "Reason: Worker failed to boot.", never respawns', () => {
  const [s1, cmds] = step(running, workerExited(101, 3));
  assert.deepEqual(cmds, [
    ...forgetTimers(101),
    log('error', 'Worker (pid:101) exited with code 3.'),
    closeListeners(),
    killWorker(102, 'TERM'),
    gracefulTimer(20_500),
  ]);
  assert.equal(s1.phase, 'stopping');
  assert.deepEqual(ids(s1), [2]);
  const [s2, last] = step(s1, workerExited(102, 0));
  assert.deepEqual(last, [
    ...forgetTimers(102),
    log('info', 'Worker exiting (pid: 102)'),
    cancelTimer('graceful'),
    log('error', 'Shutting down: Master'),
    log('error', 'Reason: Worker failed to boot.'),
    exit(3),
  ]);
  assert.equal(s2.phase, 'exited');
});

test('exit code 3 after WorkerFailed gives the reason the worker reported', () => {
  const one = after(initialState({ ...settings, workers: 1 }), started(), workerSpawned(1, 101));
  const [s1, said] = step(one, workerFailed(101, 3, 'Exception in worker process: EACCES'));
  assert.deepEqual(said, [], 'the reason is said once, as the Reason: line');
  const [s2, cmds] = step(s1, workerExited(101, 3));
  assert.deepEqual(cmds, [
    ...forgetTimers(101),
    log('error', 'Worker (pid:101) exited with code 3.'),
    cancelTimer('graceful'),
    log('error', 'Shutting down: Master'),
    log('error', 'Reason: Exception in worker process: EACCES'),
    exit(3),
  ]);
  assert.equal(s2.phase, 'exited');
});

test('exit code 4 halts gracefully with code 4 and "Reason: App failed to load.", never respawns', () => {
  const [s1, cmds] = step(running, workerExited(102, 4));
  assert.deepEqual(cmds, [
    ...forgetTimers(102),
    log('error', 'Worker (pid:102) exited with code 4.'),
    closeListeners(),
    killWorker(101, 'TERM'),
    gracefulTimer(20_500),
  ]);
  const [, last] = step(s1, workerExited(101, null, 'TERM'));
  assert.deepEqual(last, [
    ...forgetTimers(101),
    log('info', 'Worker (pid:101) was sent SIGTERM!'),
    cancelTimer('graceful'),
    log('error', 'Shutting down: Master'),
    log('error', 'Reason: App failed to load.'),
    exit(4),
  ]);
});

test('exit code 4 after WorkerFailed gives the reason the worker reported', () => {
  const failed = after(running, workerFailed(101, 4, "Failed to find attribute 'app' in './server.js'."));
  const [s1] = step(failed, workerExited(101, 4));
  const [, last] = step(s1, workerExited(102, 0));
  assert.deepEqual(last, [
    ...forgetTimers(102),
    log('info', 'Worker exiting (pid: 102)'),
    cancelTimer('graceful'),
    log('error', 'Shutting down: Master'),
    log('error', "Reason: Failed to find attribute 'app' in './server.js'."),
    exit(4),
  ]);
});

test('TERM sends TERM to every worker and arms SIGKILL at the graceful timeout plus KILL_MARGIN_MS', () => {
  const [s1, cmds] = step(running, signal('TERM'));
  assert.deepEqual(cmds, [
    log('info', 'Handling signal: term'),
    closeListeners(),
    killWorker(101, 'TERM'),
    killWorker(102, 'TERM'),
    gracefulTimer(20_500),
  ]);
  assert.equal(s1.phase, 'stopping');
  assert.deepEqual(ids(s1), [1, 2]);
});

for (const sig of ['INT', 'QUIT'] as const) {
  test(`${sig} sends QUIT to every worker, still bounded by the graceful timeout`, () => {
    const [s1, cmds] = step(running, signal(sig));
    assert.deepEqual(cmds, [
      log('info', `Handling signal: ${sig.toLowerCase()}`),
      closeListeners(),
      killWorker(101, 'QUIT'),
      killWorker(102, 'QUIT'),
      gracefulTimer(20_000),
    ]);
    assert.equal(s1.phase, 'stopping');
  });
}

test('INT during a graceful stop: "Quick shutdown requested", QUIT to every worker, shorter deadline', () => {
  const [s1, cmds] = step(stopping, signal('INT'));
  assert.deepEqual(cmds, [
    log('info', 'Handling signal: int'),
    log('info', 'Quick shutdown requested'),
    killWorker(101, 'QUIT'),
    killWorker(102, 'QUIT'),
    gracefulTimer(2_000),
  ]);
  assert.equal(s1.phase, 'stopping');
  // Already quick: a further QUIT has nothing left to hurry.
  assert.deepEqual(step(s1, signal('QUIT'))[1], [log('info', 'Handling signal: quit')]);
});

test('TERM during a stop is ignored', () => {
  const [s1, cmds] = step(stopping, signal('TERM'));
  assert.deepEqual(cmds, [log('info', 'Handling signal: term')]);
  assert.deepEqual(s1, stopping);
});

test('GracefulTimeoutElapsed sends SIGKILL to every remaining worker', () => {
  const oneLeft = after(stopping, workerExited(101, 0));
  const [s1, cmds] = step(oneLeft, gracefulTimeoutElapsed());
  assert.deepEqual(cmds, [killWorker(102, 'KILL')]);
  assert.equal(s1.phase, 'stopping');
});

test('the last worker leaving a stop: "Shutting down: Master" and Exit(0)', () => {
  const [s1, first] = step(stopping, workerExited(101, 0));
  assert.deepEqual(first, [...forgetTimers(101), log('info', 'Worker exiting (pid: 101)')]);
  const [s2, last] = step(s1, workerExited(102, 0));
  assert.deepEqual(last, [
    ...forgetTimers(102),
    log('info', 'Worker exiting (pid: 102)'),
    cancelTimer('graceful'),
    log('info', 'Shutting down: Master'),
    exit(0),
  ]);
  assert.equal(s2.phase, 'exited');
});

test('TERM with no workers (before Started) exits at once', () => {
  const [s1, cmds] = step(s0, signal('TERM'));
  assert.deepEqual(cmds, [
    log('info', 'Handling signal: term'),
    cancelTimer('graceful'),
    log('info', 'Shutting down: Master'),
    exit(0),
  ]);
  assert.equal(s1.phase, 'exited');
});

test('TTIN spawns one more worker under the next id', () => {
  const [s1, cmds] = step(running, signal('TTIN'));
  assert.deepEqual(cmds, [log('info', 'Handling signal: ttin'), spawnWorker(3)]);
  assert.equal(s1.target, 3);
  assert.deepEqual(ids(s1), [1, 2, 3]);
});

test('TTOU sends TERM to the oldest worker', () => {
  const [s1, cmds] = step(running, signal('TTOU'));
  assert.deepEqual(cmds, [log('info', 'Handling signal: ttou'), killWorker(101, 'TERM')]);
  assert.equal(s1.target, 1);
  assert.deepEqual(
    s1.workers.map((w) => w.retiring),
    [true, false],
  );
});

test('TTOU never goes below one worker', () => {
  const one = after(running, signal('TTOU'));
  const [s1, cmds] = step(one, signal('TTOU'));
  assert.deepEqual(cmds, [log('info', 'Handling signal: ttou')]);
  assert.deepEqual(s1, one);
});

test('a worker retiring on its own (a fault, max-requests) is replaced at once, and not again when it exits', () => {
  const [s1, cmds] = step(serving, workerRetiring(101));
  assert.deepEqual(cmds, [spawnWorker(3)], 'the replacement starts while 101 drains');
  assert.deepEqual(ids(s1), [1, 2, 3]);
  const [s2, exitCmds] = step(s1, workerExited(101, 1));
  assert.deepEqual(exitCmds, [...forgetTimers(101), log('error', 'Worker (pid:101) exited with code 1.')]);
  assert.deepEqual(ids(s2), [2, 3]);
});

test('a worker handing off at max-requests serves on until enough others have booted, then gets TERM', () => {
  const [s1, cmds] = step(serving, workerRetiring(101, true));
  assert.deepEqual(cmds, [spawnWorker(3)], 'no TERM yet: only 102 counts and is booted');
  const [s2, spawnCmds] = step(s1, workerSpawned(3, 103));
  assert.ok(!spawnCmds.some((c) => c.type === 'KillWorker'));
  const [s3, bootCmds] = step(s2, workerBooted(103));
  assert.deepEqual(bootCmds, [heartbeatTimer(103), killWorker(101, 'TERM')]);
  assert.deepEqual(step(s3, workerBooted(102))[1], [heartbeatTimer(102)], 'told once');
});

test('WorkerRetiring twice, during a stop, or from an unknown pid changes nothing', () => {
  const once = step(serving, workerRetiring(101))[0];
  assert.deepEqual(step(once, workerRetiring(101)), [once, []]);
  assert.deepEqual(step(stopping, workerRetiring(101)), [stopping, []]);
  assert.deepEqual(step(serving, workerRetiring(999)), [serving, []]);
});

test('a worker retired by TTOU is not replaced when it exits', () => {
  const [s1, cmds] = step(after(running, signal('TTOU')), workerExited(101, 0));
  assert.deepEqual(cmds, [...forgetTimers(101), log('info', 'Worker exiting (pid: 101)')]);
  assert.deepEqual(ids(s1), [2]);
});

test('a worker retired by TTOU before it had a pid is sent TERM as soon as it spawns', () => {
  const oldestPending = after(s0, started(), workerSpawned(2, 102));
  const [s1, cmds] = step(oldestPending, signal('TTOU'));
  assert.deepEqual(cmds, [log('info', 'Handling signal: ttou')]);
  assert.deepEqual(
    s1.workers.map((w) => w.retiring),
    [true, false],
  );
  assert.deepEqual(step(s1, workerSpawned(1, 101))[1], [heartbeatTimer(101), killWorker(101, 'TERM')]);
});

test('a worker spawned after a stop began is signalled at once (TERM, QUIT, or KILL after the deadline)', () => {
  const half = after(s0, started(), workerSpawned(1, 101));
  const graceful = after(half, signal('TERM'));
  assert.deepEqual(step(graceful, workerSpawned(2, 102))[1], [heartbeatTimer(102), killWorker(102, 'TERM')]);
  const quick = after(half, signal('QUIT'));
  assert.deepEqual(step(quick, workerSpawned(2, 102))[1], [heartbeatTimer(102), killWorker(102, 'QUIT')]);
  const killed = after(graceful, gracefulTimeoutElapsed());
  assert.deepEqual(step(killed, workerSpawned(2, 102))[1], [heartbeatTimer(102), killWorker(102, 'KILL')]);
});

test('WorkerSpawnFailed stops the arbiter with code 3', () => {
  const half = after(s0, started(), workerSpawned(1, 101));
  const [s1, cmds] = step(half, workerSpawnFailed(2, 'spawn node ENOENT'));
  assert.deepEqual(cmds, [
    log('error', 'Could not spawn worker: spawn node ENOENT'),
    closeListeners(),
    killWorker(101, 'TERM'),
    gracefulTimer(20_500),
  ]);
  assert.deepEqual(ids(s1), [1]);
  const [s2, last] = step(s1, workerExited(101, 0));
  assert.deepEqual(last, [
    ...forgetTimers(101),
    log('info', 'Worker exiting (pid: 101)'),
    cancelTimer('graceful'),
    log('error', 'Shutting down: Master'),
    log('error', 'Reason: Worker failed to boot.'),
    exit(3),
  ]);
  assert.equal(s2.phase, 'exited');
});

test('the exit of an unknown pid is only logged at debug level', () => {
  const [s1, cmds] = step(running, workerExited(4242, 0));
  assert.deepEqual(cmds, [log('debug', 'Reaped unknown process (pid:4242)')]);
  assert.deepEqual(s1, running);
});

test('every signal the arbiter listens for has a rule: none is answered "not supported"', () => {
  for (const sig of ARBITER_SIGNALS) {
    const [, cmds] = step(serving, signal(sig));
    assert.ok(!JSON.stringify(cmds).includes('not supported'), sig);
  }
});

test('HUP asks for the configuration again, as the next generation; a HUP during a stop does nothing', () => {
  const [s1, cmds] = step(serving, signal('HUP'));
  assert.deepEqual(cmds, [log('info', 'Handling signal: hup'), log('info', 'Hang up: Master'), reloadConfig(1)]);
  assert.equal(s1.reloads, 1);
  assert.deepEqual(step(s1, signal('HUP'))[1].at(-1), reloadConfig(2));
  assert.deepEqual(step(stopping, signal('HUP'))[1], [log('info', 'Handling signal: hup')]);
});

test('a reloaded configuration: new workers are spawned with it, the old ones serve on until they have all booted', () => {
  const reloaded = { ...serving.settings, workers: 3 };
  const [s1, cmds] = step(serving, configReloaded(1, reloaded));
  assert.deepEqual(cmds, [
    log('info', 'Reloaded the configuration: 3 new worker(s) take over once booted'),
    useConfig(1),
    spawnWorker(3, false, 1),
    spawnWorker(4, false, 1),
    spawnWorker(5, false, 1),
  ]);
  assert.equal(s1.generation, 1);
  assert.equal(s1.target, 3);
  const s2 = after(
    s1,
    workerSpawned(3, 103),
    workerSpawned(4, 104),
    workerSpawned(5, 105),
    workerBooted(103),
    workerBooted(104),
  );
  assert.ok(!step(s1, workerBooted(103))[1].some((c) => c.type === 'KillWorker'));
  const [s3, last] = step(s2, workerBooted(105));
  assert.deepEqual(last, [heartbeatTimer(105), killWorker(101, 'TERM'), killWorker(102, 'TERM')]);
  assert.equal(s3.reload, undefined, 'the reload is complete');
  // The old workers leave and are not replaced.
  const [s4, gone] = step(s3, workerExited(101, 0));
  assert.ok(!gone.some((c) => c.type === 'SpawnWorker'));
  assert.deepEqual(ids(s4), [2, 3, 4, 5]);
});

test('HUP after WINCH: the reloaded configuration brings the configured number of workers back', () => {
  const wound = after(serving, signal('WINCH'), workerExited(101, 0), workerExited(102, 0));
  assert.equal(wound.target, 0);
  const [s1, cmds] = step(wound, configReloaded(1, serving.settings));
  assert.deepEqual(
    cmds.filter((c) => c.type === 'SpawnWorker'),
    [spawnWorker(3, false, 1), spawnWorker(4, false, 1)],
  );
  assert.equal(s1.target, 2);
});

test('a configuration that does not load: logged, nothing else changes', () => {
  const [s1, cmds] = step(serving, configReloadFailed(1, 'config file runicorn.conf.mjs: SyntaxError'));
  assert.deepEqual(cmds, [
    log('error', 'Reload failed: config file runicorn.conf.mjs: SyntaxError; keeping the running configuration'),
  ]);
  assert.deepEqual(s1, serving);
});

test('new workers that cannot load the app (exit 4) abandon the reload, not the server: the old workers serve on', () => {
  const reloading = after(serving, configReloaded(1, serving.settings), workerSpawned(3, 103), workerSpawned(4, 104));
  const failed = after(reloading, workerFailed(103, 4, 'cannot load app "app.mjs": SyntaxError'));
  const [s1, cmds] = step(failed, workerExited(103, 4));
  assert.deepEqual(cmds.slice(3), [
    useConfig(0),
    log(
      'error',
      'Reload failed: cannot load app "app.mjs": SyntaxError; the workers of the previous configuration keep serving',
    ),
    killWorker(104, 'TERM'),
  ]);
  assert.equal(s1.phase, 'running');
  assert.equal(s1.generation, 0);
  assert.deepEqual(
    s1.workers.map((w) => [w.pid, w.retiring]),
    [
      [101, false],
      [102, false],
      [104, true],
    ],
  );
  // The other new worker, already told to leave, may still fail to load before TERM reaches it.
  const [s2] = step(s1, workerExited(104, 4));
  assert.equal(s2.phase, 'running', 'a leaving worker that exits 4 halts nothing');
  // Outside a reload the same exit still halts the arbiter.
  assert.equal(step(after(serving, workerSpawned(3, 103)), workerExited(102, 4))[0].phase, 'stopping');
});

test('after Exit, signals, Started and timer events do nothing', () => {
  const exited = after(stopping, workerExited(101, 0), workerExited(102, 0));
  assert.equal(exited.phase, 'exited');
  const events: ArbiterEvent[] = [
    started(),
    signal('TERM'),
    signal('INT'),
    signal('QUIT'),
    signal('TTIN'),
    signal('TTOU'),
    signal('HUP'),
    gracefulTimeoutElapsed(),
    heartbeatMissed(101),
    killDeadlineElapsed(101),
    heartbeatReceived(101),
    workerBooted(101),
  ];
  for (const event of events) {
    const [s1, cmds] = step(exited, event);
    assert.deepEqual(cmds, [], event.type);
    assert.deepEqual(s1, exited, event.type);
  }
});

test('after Exit, a late WorkerSpawnFailed or worker exit does nothing', () => {
  const exited = after(stopping, workerExited(101, 0), workerExited(102, 0));
  for (const event of [workerSpawnFailed(3, 'spawn node ENOENT'), workerExited(999, 0), workerSpawned(7, 777)]) {
    const [s1, cmds] = step(exited, event);
    assert.deepEqual(cmds, [], event.type);
    assert.deepEqual(s1, exited, event.type);
  }
});

test('a WorkerSpawnFailed for a spawn the arbiter does not know is ignored', () => {
  const running = step(initialState({ workers: 1 }), started())[0];
  const [s1, cmds] = step(running, workerSpawnFailed(42, 'spawn node ENOENT'));
  assert.deepEqual(cmds, []);
  assert.deepEqual(s1, running);
});
