/**
 * Table tests of the arbiter's instrumentation commands: `CountWorkers` (with Gunicorn's debug
 * line `N workers`) whenever the number of worker processes changes, and `CountRestart` with the
 * reason a worker went while the arbiter ran on. Only with `instrument` on; without it the step
 * says nothing of the kind (every other arbiter test runs without it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, newWorker, type ArbiterSettings, type ArbiterState } from '../../src/streams/arbiter-state';
import { countRestart, countWorkers, log, type Command } from '../../src/streams/commands';
import {
  configReloaded,
  heartbeatMissed,
  signal,
  started,
  workerBooted,
  workerExited,
  workerRetiring,
  workerSpawned,
  type ArbiterEvent,
} from '../../src/streams/events';
import { restartReason } from '../../src/streams/on-worker';
import { step } from '../../src/streams/step';

const settings: Partial<ArbiterSettings> = { workers: 2, timeoutMs: 30_000, instrument: true };
const s0 = initialState(settings);

const after = (s: ArbiterState, ...events: ArbiterEvent[]): ArbiterState =>
  events.reduce((acc, e) => step(acc, e)[0], s);
const serving = after(
  s0,
  started(),
  workerSpawned(1, 101),
  workerSpawned(2, 102),
  workerBooted(101),
  workerBooted(102),
);

/** Only the instrumentation commands of one step, in order. */
const counted = (cmds: readonly Command[]) =>
  cmds.filter(
    (c) => c.type === 'CountWorkers' || c.type === 'CountRestart' || (c.type === 'Log' && c.level === 'debug'),
  );
const workers = (n: number) => [log('debug', `${n} workers`), countWorkers(n)];

test('boot: the first workers are counted once, after their spawns', () => {
  const [, cmds] = step(s0, started());
  assert.deepEqual(cmds.slice(-2), workers(2));
  assert.deepEqual(counted(cmds), workers(2));
});

test('without instrument the step emits no count and no restart', () => {
  const plain = initialState({ ...settings, instrument: false });
  const up = after(plain, started(), workerSpawned(1, 101), workerSpawned(2, 102), workerBooted(101));
  const [, boot] = step(plain, started());
  const [, crash] = step(up, workerExited(101, null, 'KILL'));
  assert.deepEqual(counted(boot), []);
  assert.deepEqual(counted(crash), []);
});

test('a booted worker killed (SIGKILL) is a crash; its replacement keeps the count, so no CountWorkers', () => {
  const [, cmds] = step(serving, workerExited(101, null, 'KILL'));
  assert.deepEqual(counted(cmds), [countRestart('crash')]);
  assert.ok(cmds.some((c) => c.type === 'SpawnWorker'));
});

test('a non-zero exit is a crash, a clean exit nobody asked for is an exit', () => {
  assert.deepEqual(counted(step(serving, workerExited(101, 1))[1]), [countRestart('crash')]);
  assert.deepEqual(counted(step(serving, workerExited(101, 0))[1]), [countRestart('exit')]);
});

test('a worker killed after a missed heartbeat is a timeout', () => {
  const aborted = after(serving, heartbeatMissed(101));
  assert.deepEqual(counted(step(aborted, workerExited(101, null, 'ABRT'))[1]), [countRestart('timeout')]);
});

test('max-requests: the replacement raises the count to 3, the retired worker is a max_requests restart, then 2', () => {
  const [handing, retiring] = step(serving, workerRetiring(101, true));
  assert.deepEqual(counted(retiring), workers(3));
  const drained = after(handing, workerSpawned(3, 103), workerBooted(103));
  assert.deepEqual(counted(step(drained, workerExited(101, 0))[1]), [countRestart('max_requests'), ...workers(2)]);
});

test('HUP: the old workers leaving are reload restarts', () => {
  const reloading = after(serving, signal('HUP'), configReloaded(1, { ...s0.settings }));
  assert.equal(reloading.workers.length, 4);
  const handed = after(reloading, workerSpawned(3, 103), workerSpawned(4, 104), workerBooted(103), workerBooted(104));
  const [, cmds] = step(handed, workerExited(101, 0));
  assert.deepEqual(counted(cmds), [countRestart('reload'), ...workers(3)]);
});

test('TTOU: the worker asked to leave is no restart; only the count drops', () => {
  const fewer = after(serving, signal('TTOU'));
  assert.deepEqual(counted(step(fewer, workerExited(101, 0))[1]), workers(1));
});

test('a stop counts no restart, and says 0 workers before its last line and its exit', () => {
  const stopping = after(serving, signal('TERM'), workerExited(101, 0));
  const [, cmds] = step(stopping, workerExited(102, 0));
  assert.deepEqual(counted(cmds), workers(0));
  assert.deepEqual(cmds.at(-1), { type: 'Exit', code: 0 });
  const goodbye = cmds.findIndex((c) => c.type === 'Log' && c.message === 'Shutting down: Master');
  assert.ok(goodbye >= 0 && cmds.findIndex((c) => c.type === 'CountWorkers') < goodbye);
});

test('restartReason: what the arbiter decided comes before how the process ended', () => {
  const w = { ...newWorker(1), pid: 101, booted: true };
  const rows: ReadonlyArray<[string, Parameters<typeof restartReason>, ReturnType<typeof restartReason>]> = [
    ['clean exit', [w, 0, null], 'exit'],
    ['SIGKILL', [w, null, 'KILL'], 'crash'],
    ['exit 1 (a fault)', [w, 1, null], 'crash'],
    ['clean exit before booting', [{ ...w, booted: false }, 0, null], 'crash'],
    ['aborted, then SIGKILL', [{ ...w, aborted: true }, null, 'KILL'], 'timeout'],
    ['max-requests, even during a reload', [{ ...w, recycle: true, leaving: 'reload' }, 0, null], 'max_requests'],
    ['reload, killed at the graceful deadline', [{ ...w, leaving: 'reload' }, null, 'KILL'], 'reload'],
    [
      'an old worker of a reload that crashes before it was sent TERM',
      [{ ...w, leaving: 'reload', retiring: true, handoff: true }, null, 'KILL'],
      'crash',
    ],
    ['... or exits on its own', [{ ...w, leaving: 'reload', retiring: true, handoff: true }, 0, null], 'exit'],
    ['TTOU', [{ ...w, leaving: 'scale' }, 0, null], undefined],
  ];
  for (const [what, args, reason] of rows) assert.equal(restartReason(...args), reason, what);
});
