/**
 * What the arbiter tells systemd, as table tests of the pure step: READY=1 once every wanted
 * worker serves, RELOADING=1 on HUP and READY=1 again after the hand-over, STOPPING=1 when a stop
 * begins; and nothing at all when no service manager listens.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialState, type ArbiterState } from '../../src/streams/arbiter-state';
import { notify, type Command } from '../../src/streams/commands';
import {
  configReloaded,
  configReloadFailed,
  signal,
  started,
  workerBooted,
  workerSpawned,
  type ArbiterEvent,
} from '../../src/streams/events';
import { step } from '../../src/streams/step';

const run = (s: ArbiterState, ...events: ArbiterEvent[]) => {
  const said: Command[][] = [];
  const last = events.reduce((acc, e) => {
    const [next, cmds] = step(acc, e);
    said.push(cmds.filter((c) => c.type === 'Notify'));
    return next;
  }, s);
  return { state: last, said };
};

const s0 = initialState({ workers: 2, timeoutMs: 0, notify: true });
const up = [started(), workerSpawned(1, 101), workerSpawned(2, 102)] as const;

test('READY=1 once every wanted worker has booted, and only once', () => {
  const { said } = run(s0, ...up, workerBooted(101), workerBooted(102), workerBooted(101));
  assert.deepEqual(said, [[], [], [], [], [notify('READY=1')], []]);
});

test('HUP: RELOADING=1, then READY=1 once the new workers have taken over', () => {
  const { state } = run(s0, ...up, workerBooted(101), workerBooted(102));
  const { said } = run(
    state,
    signal('HUP'),
    configReloaded(1, state.settings),
    workerSpawned(3, 103),
    workerSpawned(4, 104),
    workerBooted(103),
    workerBooted(104),
  );
  assert.deepEqual(said, [[notify('RELOADING=1')], [], [], [], [], [notify('READY=1')]]);
});

test('a HUP whose configuration does not load: RELOADING=1, then READY=1 at once', () => {
  const { state } = run(s0, ...up, workerBooted(101), workerBooted(102));
  const { said } = run(state, signal('HUP'), configReloadFailed(1, 'bad file'));
  assert.deepEqual(said, [[notify('RELOADING=1')], [notify('READY=1')]]);
});

test('TERM: STOPPING=1 first', () => {
  const { state } = run(s0, ...up, workerBooted(101), workerBooted(102));
  const [, cmds] = step(state, signal('TERM'));
  assert.deepEqual(
    cmds.find((c) => c.type !== 'Log'),
    notify('STOPPING=1'),
  );
});

test('without a service manager (notify off) no Notify command is ever made', () => {
  const quiet = initialState({ workers: 2, timeoutMs: 0 });
  const { state, said } = run(quiet, ...up, workerBooted(101), workerBooted(102), signal('HUP'), signal('TERM'));
  assert.deepEqual(said.flat(), []);
  assert.equal(state.phase, 'stopping');
});
