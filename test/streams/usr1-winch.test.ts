/**
 * Table tests of the USR1 and WINCH rules in the pure step (`on-signal.ts`).
 *
 * USR1 reopens the log files in the arbiter and sends USR1 to every booted worker; nothing else
 * changes. WINCH stops the workers gracefully and keeps the arbiter and its listeners: the target
 * drops to 0, every worker gets TERM and none is replaced, and TTIN brings one back.
 * The same rules as marble diagrams: usr1-winch.marble.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, timerKey, type ArbiterSettings, type ArbiterState } from '../../src/streams/arbiter-state';
import { callHook, cancelTimer, killWorker, log, reopenLogs, spawnWorker } from '../../src/streams/commands';
import {
  signal,
  started,
  workerBooted,
  workerExited,
  workerRetiring,
  workerSpawned,
  type ArbiterEvent,
} from '../../src/streams/events';
import { step } from '../../src/streams/step';
import { heard } from '../support/arbiter-fixtures';

const settings: Partial<ArbiterSettings> = { workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 20_000 };
const after = (s: ArbiterState, ...events: ArbiterEvent[]): ArbiterState =>
  events.reduce((acc, e) => step(acc, e)[0], s);

const s0 = initialState(settings);
const running = after(s0, started(), workerSpawned(1, 101), workerSpawned(2, 102));
const serving = after(running, workerBooted(101), workerBooted(102));
const stopping = after(serving, signal('TERM'));
const forget = (pid: number) => [cancelTimer(timerKey.heartbeat(pid)), cancelTimer(timerKey.kill(pid))];
const ids = (s: ArbiterState) => s.workers.map((w) => w.id);
const WINCH_LINE = log(
  'info',
  'Graceful stop of workers; the arbiter keeps its listeners (TTIN or HUP starts workers again)',
);

test('USR1 reopens the logs and sends USR1 to every booted worker; the state is unchanged', () => {
  const [s1, cmds] = step(serving, signal('USR1'));
  assert.deepEqual(cmds, [heard('usr1'), reopenLogs(), killWorker(101, 'USR1'), killWorker(102, 'USR1')]);
  assert.deepEqual(s1, serving);
});

test('USR1 skips a worker still booting (its handler may not be in place: Node would start its inspector)', () => {
  const oneBooted = after(running, workerBooted(102));
  const [s1, cmds] = step(oneBooted, signal('USR1'));
  assert.deepEqual(cmds, [heard('usr1'), reopenLogs(), killWorker(102, 'USR1')]);
  assert.deepEqual(s1, oneBooted);
  const pending = after(s0, started());
  assert.deepEqual(step(pending, signal('USR1')), [pending, [heard('usr1'), reopenLogs()]], 'nor one without a pid');
});

test('USR1 during a graceful stop still reopens the logs of the arbiter and of the draining workers', () => {
  const [s1, cmds] = step(stopping, signal('USR1'));
  assert.deepEqual(cmds, [heard('usr1'), reopenLogs(), killWorker(101, 'USR1'), killWorker(102, 'USR1')]);
  assert.deepEqual(s1, stopping);
});

test('WINCH: target 0, TERM to every worker, the arbiter keeps running with its listeners', () => {
  const [s1, cmds] = step(serving, signal('WINCH'));
  assert.deepEqual(cmds, [heard('winch'), WINCH_LINE, killWorker(101, 'TERM'), killWorker(102, 'TERM')]);
  assert.equal(s1.target, 0);
  assert.equal(s1.phase, 'running');
  assert.deepEqual(
    s1.workers.map((w) => w.retiring),
    [true, true],
  );
  assert.ok(!cmds.some((c) => c.type === 'CloseListeners' || c.type === 'Exit'));
});

test('after WINCH the workers drain and exit, none is replaced, and the arbiter does not exit', () => {
  const winched = after(serving, signal('WINCH'));
  const [s1, first] = step(winched, workerExited(101, 0));
  assert.deepEqual(first, [...forget(101), log('info', 'Worker exiting (pid: 101)')]);
  const [s2, second] = step(s1, workerExited(102, 0));
  assert.deepEqual(second, [...forget(102), log('info', 'Worker exiting (pid: 102)')]);
  assert.deepEqual(ids(s2), []);
  assert.equal(s2.phase, 'running');
});

test('TTIN after WINCH starts one worker; TTOU at 0 workers does nothing', () => {
  const empty = after(serving, signal('WINCH'), workerExited(101, 0), workerExited(102, 0));
  const [s1, cmds] = step(empty, signal('TTIN'));
  assert.deepEqual(cmds, [heard('ttin'), spawnWorker(3)]);
  assert.equal(s1.target, 1);
  assert.deepEqual(step(empty, signal('TTOU')), [empty, [heard('ttou')]]);
});

test('TTIN while the workers still drain after WINCH starts a new one at once', () => {
  const [s1, cmds] = step(after(serving, signal('WINCH')), signal('TTIN'));
  assert.deepEqual(cmds, [heard('ttin'), spawnWorker(3)]);
  assert.deepEqual(ids(s1), [1, 2, 3]);
});

test('WINCH tells the nworkersChanged hook (0, old count), as TTOU does', () => {
  const hooked = after(initialState({ ...settings, hooks: ['nworkersChanged'] }), started(), workerSpawned(1, 101));
  const [, cmds] = step(hooked, signal('WINCH'));
  assert.deepEqual(cmds.slice(0, 3), [
    heard('winch'),
    WINCH_LINE,
    callHook('nworkersChanged', hooked.workers, undefined, [0, 2]),
  ]);
});

test('a worker handing off at max-requests is sent TERM on WINCH too: no replacement is coming', () => {
  const handing = after(serving, workerRetiring(101, true), workerSpawned(3, 103));
  const [s1, cmds] = step(handing, signal('WINCH'));
  assert.deepEqual(cmds, [
    heard('winch'),
    WINCH_LINE,
    killWorker(102, 'TERM'),
    killWorker(103, 'TERM'),
    killWorker(101, 'TERM'),
  ]);
  assert.ok(s1.workers.every((w) => w.retiring && !w.handoff));
});

test('a worker spawned after WINCH asked it to leave is sent TERM as soon as it has a pid', () => {
  const pending = after(s0, started(), workerSpawned(1, 101));
  const [s1, cmds] = step(pending, signal('WINCH'));
  assert.deepEqual(cmds, [heard('winch'), WINCH_LINE, killWorker(101, 'TERM')]);
  const [, spawned] = step(s1, workerSpawned(2, 102));
  assert.ok(spawned.some((c) => c.type === 'KillWorker' && c.pid === 102 && c.signal === 'TERM'));
});

test('a second WINCH, WINCH during a stop and WINCH before Started only log', () => {
  const once = after(serving, signal('WINCH'));
  assert.deepEqual(step(once, signal('WINCH')), [once, [heard('winch'), WINCH_LINE]]);
  assert.deepEqual(step(stopping, signal('WINCH')), [stopping, [heard('winch')]]);
  assert.deepEqual(step(s0, signal('WINCH')), [s0, [heard('winch')]]);
});
