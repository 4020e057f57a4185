/**
 * Table tests of the worker-side lifecycle hooks in the pure `workerStep`: `workerInt` (INT,
 * QUIT), `workerAbort` (ABRT) and `workerExit`, which must come before every `Exit` and only once.
 *
 * Each row feeds a story of events from `workerInitial` and checks the commands of its last step
 * exactly; the hooks a row configures are all that may appear as `CallHook`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  drained,
  drainTimeoutElapsed,
  listening,
  maxRequestsReached,
  parentGone,
  workerInitial,
  workerSignal,
  workerStep,
  type WorkerCommand,
  type WorkerEvent,
  type WorkerHook,
  type WorkerState,
} from '../../src/streams/worker/worker-lifecycle';

const GRACE = 5_000;
const ALL: readonly WorkerHook[] = ['workerInt', 'workerAbort', 'workerExit'];

const call = (hook: WorkerHook): WorkerCommand => ({ type: 'CallHook', hook });
const c = {
  int: call('workerInt'),
  abort: call('workerAbort'),
  exitHook: call('workerExit'),
  booted: { type: 'ReportBooted' },
  stop: { type: 'StopAccepting' },
  drainTimer: { type: 'StartTimer', key: 'drain', ms: GRACE, event: drainTimeoutElapsed() },
  closeAll: { type: 'CloseAllConnections' },
  timeoutLog: { type: 'Log', level: 'warning', message: 'Worker graceful timeout; closing open connections' },
  goneLog: { type: 'Log', level: 'warning', message: 'Arbiter is gone; worker stops gracefully' },
  maxLog: { type: 'Log', level: 'info', message: 'Autorestarting worker after current request.' },
  exit0: { type: 'Exit', code: 0 },
  exit1: { type: 'Exit', code: 1 },
} satisfies Record<string, WorkerCommand>;

const l = listening();
const sig = workerSignal;

/** Every step's commands, in order, and the final state. */
function run(
  hooks: readonly WorkerHook[],
  events: readonly WorkerEvent[],
): { state: WorkerState; steps: (readonly WorkerCommand[])[] } {
  let state = workerInitial(GRACE, hooks);
  const steps: (readonly WorkerCommand[])[] = [];
  for (const e of events) {
    const [next, cmds] = workerStep(state, e);
    state = next;
    steps.push(cmds);
  }
  return { state, steps };
}

interface Row {
  readonly name: string;
  readonly hooks: readonly WorkerHook[];
  readonly events: readonly WorkerEvent[];
  /** The commands of the last event. */
  readonly last: readonly WorkerCommand[];
}

const rows: readonly Row[] = [
  { name: 'INT while serving', hooks: ALL, events: [l, sig('INT')], last: [c.int, c.exitHook, c.exit0] },
  {
    name: 'QUIT while serving (Gunicorn: handle_quit calls worker_int too)',
    hooks: ALL,
    events: [l, sig('QUIT')],
    last: [c.int, c.exitHook, c.exit0],
  },
  { name: 'INT while draining', hooks: ALL, events: [l, sig('TERM'), sig('INT')], last: [c.int, c.exitHook, c.exit0] },
  { name: 'INT while booting', hooks: ALL, events: [sig('INT')], last: [c.int, c.exitHook, c.exit0] },
  { name: 'ABRT while serving', hooks: ALL, events: [l, sig('ABRT')], last: [c.abort, c.exitHook, c.exit1] },
  {
    name: 'ABRT while draining',
    hooks: ALL,
    events: [l, sig('TERM'), sig('ABRT')],
    last: [c.abort, c.exitHook, c.exit1],
  },
  {
    name: 'TERM, then the last connection closes',
    hooks: ALL,
    events: [l, sig('TERM'), drained()],
    last: [c.exitHook, c.exit0],
  },
  { name: 'TERM while booting', hooks: ALL, events: [sig('TERM')], last: [c.exitHook, c.exit0] },
  {
    name: 'TERM, then the graceful timeout',
    hooks: ALL,
    events: [l, sig('TERM'), drainTimeoutElapsed()],
    last: [c.timeoutLog, c.closeAll, c.exitHook, c.exit0],
  },
  {
    name: 'the arbiter gone, then drained',
    hooks: ALL,
    events: [l, parentGone(), drained()],
    last: [c.exitHook, c.exit0],
  },
  {
    name: 'max requests, the arbiter says TERM once the replacement booted, then drained',
    hooks: ALL,
    events: [l, maxRequestsReached(), sig('TERM'), drained()],
    last: [c.exitHook, c.exit0],
  },
  {
    name: 'only workerExit configured: INT',
    hooks: ['workerExit'],
    events: [l, sig('INT')],
    last: [c.exitHook, c.exit0],
  },
  {
    name: 'only workerExit configured: ABRT',
    hooks: ['workerExit'],
    events: [l, sig('ABRT')],
    last: [c.exitHook, c.exit1],
  },
  { name: 'only workerInt configured: INT', hooks: ['workerInt'], events: [l, sig('INT')], last: [c.int, c.exit0] },
  {
    name: 'only workerAbort configured: ABRT',
    hooks: ['workerAbort'],
    events: [l, sig('ABRT')],
    last: [c.abort, c.exit1],
  },
  { name: 'no hooks: INT', hooks: [], events: [l, sig('INT')], last: [c.exit0] },
  { name: 'no hooks: ABRT', hooks: [], events: [l, sig('ABRT')], last: [c.exit1] },
  { name: 'no hooks: drained', hooks: [], events: [l, sig('TERM'), drained()], last: [c.exit0] },
  {
    name: 'no hooks: graceful timeout',
    hooks: [],
    events: [l, sig('TERM'), drainTimeoutElapsed()],
    last: [c.timeoutLog, c.closeAll, c.exit0],
  },
];

for (const row of rows) {
  test(`${row.name}: ${row.last.map((x) => (x.type === 'CallHook' ? x.hook : x.type === 'Exit' ? `Exit ${x.code}` : x.type)).join(', ')}`, () => {
    const { state, steps } = run(row.hooks, row.events);
    assert.deepEqual(steps.at(-1), row.last);
    assert.equal(state.phase, 'exited');
    // The hook runs once, on the way out, never while serving or draining.
    assert.deepEqual(
      steps
        .slice(0, -1)
        .flat()
        .filter((x) => x.type === 'CallHook'),
      [],
    );
  });
}

test('the steps before the way out are the same with and without hooks', () => {
  const story = [l, sig('USR1'), maxRequestsReached(), sig('TERM')];
  assert.deepEqual(run(ALL, story).steps, run([], story).steps);
  assert.deepEqual(run(ALL, story).steps.slice(2), [
    [c.maxLog, { type: 'ReportRetiring', handoff: true }],
    [c.stop, c.drainTimer],
  ]);
});

test('after the exit no hook runs again: a late signal, drain or timeout does nothing', () => {
  const { state } = run(ALL, [l, sig('INT')]);
  for (const late of [
    sig('INT'),
    sig('QUIT'),
    sig('ABRT'),
    sig('TERM'),
    drained(),
    drainTimeoutElapsed(),
    parentGone(),
  ]) {
    assert.deepEqual(workerStep(state, late), [state, []]);
  }
});

test('USR1 and a second TERM call no hook', () => {
  const { steps } = run(ALL, [l, sig('USR1'), sig('TERM'), sig('TERM')]);
  assert.deepEqual(steps, [[c.booted], [{ type: 'ReopenLogs' }], [c.stop, c.drainTimer], []]);
});

test('the arbiter going away: the worker drains first, workerExit only once the last connection closes', () => {
  const { steps } = run(ALL, [l, parentGone(), drained()]);
  assert.deepEqual(steps, [[c.booted], [c.goneLog, c.stop, c.drainTimer], [c.exitHook, c.exit0]]);
});
