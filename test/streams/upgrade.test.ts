/**
 * Table tests of the USR2 rules in the pure step (`upgrade.ts`): what is refused and why, the
 * signals that arrive during an upgrade (USR2 during HUP, TERM and INT during USR2), what is
 * said to systemd by which arbiter, and when the listeners are left open. The main stories as
 * marble diagrams: upgrade.marble.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, type ArbiterSettings, type ArbiterState } from '../../src/streams/arbiter-state';
import { exit, killWorker, log, notify, reportReady, spawnArbiter, type Command } from '../../src/streams/commands';
import {
  configReloaded,
  newArbiterExited,
  newArbiterReady,
  newArbiterSpawned,
  newArbiterSpawnFailed,
  oldArbiterExited,
  signal,
  started,
  workerBooted,
  workerExited,
  workerSpawned,
  type ArbiterEvent,
} from '../../src/streams/events';
import { step } from '../../src/streams/step';

const settings: Partial<ArbiterSettings> = { workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 20_000 };
const after = (s: ArbiterState, ...events: ArbiterEvent[]): ArbiterState =>
  events.reduce((acc, e) => step(acc, e)[0], s);
/** The commands of the last event, after the others have been applied. */
const commandsOf = (s: ArbiterState, ...events: ArbiterEvent[]): readonly Command[] => {
  const last = events.at(-1) as ArbiterEvent;
  return step(after(s, ...events.slice(0, -1)), last)[1];
};
const has = (cmds: readonly Command[], type: Command['type']) => cmds.some((c) => c.type === type);
const bootEvents = [started(), workerSpawned(1, 101), workerSpawned(2, 102), workerBooted(101), workerBooted(102)];

const serving = after(initialState(settings), ...bootEvents);
const upgrading = after(serving, signal('USR2'), newArbiterSpawned(900));
const handedOver = after(upgrading, newArbiterReady(900));
const withNotify = after(initialState({ ...settings, notify: true }), ...bootEvents);
/** A new arbiter (started by pid 50), its two workers serving. */
const fresh = after(initialState(settings), started(50), ...bootEvents.slice(1));

test('a second USR2 while the new arbiter runs is refused with a warning; nothing is spawned', () => {
  const cmds = commandsOf(upgrading, signal('USR2'));
  assert.ok(!has(cmds, 'SpawnArbiter'));
  assert.deepEqual(cmds.at(-1), log('warning', 'USR2 ignored: a new arbiter (pid 900) is already running'));
});

test('USR2 to a new arbiter whose old one still runs is refused; after its promotion it is accepted', () => {
  const refused = commandsOf(fresh, signal('USR2'));
  assert.ok(!has(refused, 'SpawnArbiter'));
  assert.match(JSON.stringify(refused), /the old one \(pid 50\) still runs/);
  assert.ok(has(commandsOf(fresh, oldArbiterExited(), signal('USR2')), 'SpawnArbiter'));
});

test('USR2 during a stop, or before Started, only logs', () => {
  assert.ok(!has(commandsOf(serving, signal('TERM'), signal('USR2')), 'SpawnArbiter'));
  assert.ok(!has(commandsOf(initialState(settings), signal('USR2')), 'SpawnArbiter'));
});

test('USR2 during a HUP goes ahead, and the reload runs on: its new workers are spawned as usual', () => {
  const reloading = after(serving, signal('HUP'));
  assert.ok(has(commandsOf(reloading, signal('USR2')), 'SpawnArbiter'));
  const reloaded = step(after(reloading, signal('USR2')), configReloaded(1, { ...serving.settings, workers: 2 }));
  assert.equal(reloaded[1].filter((c) => c.type === 'SpawnWorker').length, 2);
  assert.equal(reloaded[0].upgrade?.ready, false, 'the upgrade is still under way');
});

test('TERM waits for the new arbiter; a second TERM changes nothing; INT stops at once', () => {
  const waiting = after(upgrading, signal('TERM'));
  assert.equal(waiting.phase, 'running');
  assert.deepEqual(step(waiting, signal('TERM'))[0], waiting);
  const [quick, cmds] = step(waiting, signal('INT'));
  assert.equal(quick.phase, 'stopping');
  assert.deepEqual(
    cmds.filter((c) => c.type === 'KillWorker'),
    [killWorker(101, 'QUIT'), killWorker(102, 'QUIT')],
  );
  assert.ok(!has(cmds, 'CloseListeners'), 'the new arbiter may take over these sockets');
  // A ready report later no longer starts a second stop.
  assert.ok(!has(step(quick, newArbiterReady(900))[1], 'KillWorker'));
});

test('TERM waiting, then the new arbiter fails or cannot start: the stop begins anyway, as asked, and closes the listeners', () => {
  for (const failure of [newArbiterExited(900, 1), newArbiterSpawnFailed('spawn node ENOENT')]) {
    const [s, cmds] = step(after(upgrading, signal('TERM')), failure);
    assert.equal(s.phase, 'stopping');
    assert.ok(has(cmds, 'CloseListeners'), 'no other arbiter shares them now');
    assert.match(JSON.stringify(cmds[0]), /Binary upgrade failed/);
  }
});

test('the old arbiter stops with the new one running: no CloseListeners, and Exit keeps the socket files', () => {
  const [stopping, cmds] = step(handedOver, signal('TERM'));
  assert.ok(!has(cmds, 'CloseListeners'));
  const [, last] = step(after(stopping, workerExited(101, 0)), workerExited(102, 0));
  assert.deepEqual(last.at(-1), exit(0, true));
});

test('a new arbiter rolled back (TERM before promotion) also leaves the sockets to the old one; once promoted it closes them', () => {
  const [rolling, cmds] = step(fresh, signal('TERM'));
  assert.ok(!has(cmds, 'CloseListeners'));
  assert.deepEqual(step(after(rolling, workerExited(101, 0)), workerExited(102, 0))[1].at(-1), exit(0, true));
  const promoted = after(fresh, oldArbiterExited());
  assert.ok(has(step(promoted, signal('TERM'))[1], 'CloseListeners'));
  assert.deepEqual(commandsOf(promoted, signal('TERM'), workerExited(101, 0), workerExited(102, 0)).at(-1), exit(0));
});

test('a report or an exit from a pid that is not the new arbiter changes nothing; promotion happens once', () => {
  assert.deepEqual(step(upgrading, newArbiterReady(901)), [upgrading, []]);
  assert.deepEqual(step(upgrading, newArbiterExited(901, 0)), [upgrading, []]);
  assert.deepEqual(step(serving, oldArbiterExited()), [serving, []]);
  assert.deepEqual(step(handedOver, newArbiterReady(900)), [handedOver, []]);
});

test('the new arbiter exits after it was ready (a rollback): a warning, and after WINCH the way back is named', () => {
  const cmds = commandsOf(handedOver, signal('WINCH'), newArbiterExited(900, 0));
  assert.deepEqual(
    cmds[0],
    log(
      'warning',
      'The new arbiter (pid 900) exited with code 0; this arbiter is the only one (no worker: TTIN or HUP starts them again)',
    ),
  );
  assert.equal(after(handedOver, newArbiterExited(900, null, 'KILL')).upgrade, undefined);
});

test('systemd: the old arbiter falls silent once the new one is ready, and takes the service back if it exits', () => {
  const up = after(withNotify, signal('USR2'), newArbiterSpawned(900));
  const over = after(up, newArbiterReady(900));
  assert.ok(!has(step(over, signal('TERM'))[1], 'Notify'), 'no STOPPING=1 for a service that runs on');
  assert.ok(has(step(up, signal('INT'))[1], 'Notify'), 'before the hand-over it is still the service');
  assert.deepEqual(
    step(over, newArbiterExited(900, 1))[1].filter((c) => c.type === 'Notify'),
    [notify('READY=1')],
  );
});

test('systemd: a new arbiter says READY=1 (and reports to the old one) once its workers serve, not before; a rollback before that says nothing', () => {
  const start = after(initialState({ ...settings, notify: true }), started(50), workerSpawned(1, 101));
  const one = step(after(start, workerSpawned(2, 102)), workerBooted(101));
  assert.ok(!has(one[1], 'Notify') && !has(one[1], 'ReportReady'));
  const both = step(one[0], workerBooted(102))[1];
  assert.deepEqual(
    both.filter((c) => c.type === 'Notify' || c.type === 'ReportReady'),
    [notify('READY=1'), reportReady()],
  );
  assert.ok(!has(step(one[0], signal('TERM'))[1], 'Notify'), 'not the service yet: no STOPPING=1');
});

test('USR2 spawns the new arbiter with no other command than the log lines and hooks', () => {
  const cmds = commandsOf(serving, signal('USR2'));
  assert.deepEqual(
    cmds.filter((c) => c.type !== 'Log'),
    [spawnArbiter()],
  );
});
