// The arbiter's command interpreter, with fake ports: commands are carried out in the step's
// order, a hook is awaited before what follows it, a failing spawn becomes an event, and timers
// are not held up by a slow hook.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asyncScheduler, NEVER, Subject, throwError, type Observable } from 'rxjs';
import { interpretArbiter, type ArbiterPorts } from '../../src/effects/arbiter-ports';
import {
  callHook,
  killWorker,
  log,
  spawnWorker,
  startTimer,
  exit,
  useConfig,
  type Command,
} from '../../src/streams/commands';
import { gracefulTimeoutElapsed, type ArbiterEvent } from '../../src/streams/events';

function fakePorts(hookDone: Promise<void>, spawn: (id: number) => Observable<ArbiterEvent> = () => NEVER) {
  const done: string[] = [];
  const ports: ArbiterPorts = {
    spawn: (id) => {
      done.push(`spawn ${id}`);
      return spawn(id);
    },
    kill: (pid, signal) => void done.push(`kill ${pid} ${signal}`),
    closeListeners: () => void done.push('close listeners'),
    log: (_level, message) => void done.push(`log ${message}`),
    exit: (code) => void done.push(`exit ${code}`),
    callHook: async (c) => {
      done.push(`hook ${c.hook} start`);
      await hookDone;
      done.push(`hook ${c.hook} end`);
    },
  };
  return { ports, done };
}

test('a slow hook holds back the commands after it, in order; a timer is not held back', async () => {
  let finishHook = () => {};
  const hookDone = new Promise<void>((resolve) => (finishHook = resolve));
  const { ports, done } = fakePorts(hookDone);
  const command$ = new Subject<Command>();
  let timerFired = () => {};
  const fired = new Promise<void>((resolve) => (timerFired = resolve));
  const events: ArbiterEvent[] = [];
  const sub = interpretArbiter(
    ports,
    asyncScheduler,
  )(command$).subscribe((e) => {
    events.push(e);
    timerFired();
  });
  const commands: Command[] = [
    log('info', 'before'),
    callHook('nworkersChanged', [], undefined, [1, 2]),
    killWorker(101, 'TERM'),
    spawnWorker(3),
    startTimer('graceful', 1, gracefulTimeoutElapsed()),
    exit(0),
  ];
  for (const c of commands) command$.next(c);
  assert.deepEqual(done, ['log before', 'hook nworkersChanged start']);
  await fired;
  assert.deepEqual(events, [gracefulTimeoutElapsed()], 'the timer fired while the hook still ran');
  assert.deepEqual(done, ['log before', 'hook nworkersChanged start'], 'nothing after the hook ran yet');
  finishHook();
  await hookDone;
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(done, [
    'log before',
    'hook nworkersChanged start',
    'hook nworkersChanged end',
    'kill 101 TERM',
    'spawn 3',
    'exit 0',
  ]);
  sub.unsubscribe();
});

test('a spawn that fails becomes a WorkerSpawnFailed event and the interpreter goes on', async () => {
  const { ports, done } = fakePorts(Promise.resolve(), () => throwError(() => new Error('spawn node ENOENT')));
  const command$ = new Subject<Command>();
  const events: ArbiterEvent[] = [];
  const sub = interpretArbiter(ports, asyncScheduler)(command$).subscribe((e) => events.push(e));
  command$.next(spawnWorker(1));
  command$.next(killWorker(7, 'KILL'));
  assert.deepEqual(events, [{ type: 'WorkerSpawnFailed', id: 1, reason: 'spawn node ENOENT' }]);
  assert.deepEqual(done, ['spawn 1', 'kill 7 KILL']);
  sub.unsubscribe();
});

test('a port that throws is logged and the next command still runs', () => {
  const { ports, done } = fakePorts(Promise.resolve());
  ports.kill = () => {
    throw new Error('EPERM');
  };
  const command$ = new Subject<Command>();
  const sub = interpretArbiter(ports, asyncScheduler)(command$).subscribe();
  command$.next(killWorker(1, 'TERM'));
  command$.next(log('info', 'after'));
  assert.deepEqual(done, ['log KillWorker failed: EPERM', 'log after']);
  sub.unsubscribe();
});

test('a spawn names its configuration: the generation of SpawnWorker reaches the port, after a UseConfig before it', () => {
  const { ports, done } = fakePorts(Promise.resolve());
  ports.spawn = (id, holdOutput, generation) => {
    done.push(`spawn ${id} hold ${holdOutput} generation ${generation}`);
    return NEVER;
  };
  ports.useConfig = (generation) => void done.push(`use ${generation}`);
  const command$ = new Subject<Command>();
  const sub = interpretArbiter(ports, asyncScheduler)(command$).subscribe();
  command$.next(useConfig(1));
  command$.next(spawnWorker(3, false, 1));
  command$.next(spawnWorker(4, true, 0));
  assert.deepEqual(done, ['use 1', 'spawn 3 hold false generation 1', 'spawn 4 hold true generation 0']);
  sub.unsubscribe();
});
