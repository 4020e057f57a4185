/**
 * The feedback loop with interpreters that answer synchronously, as a fake port in a user's test
 * does: no event may be lost, commands come out in the order the steps gave them, and the core
 * is never re-entered from inside its own handling of an event.
 *
 * The ports are fakes that answer at once: `spawn(id)` emits `WorkerSpawned` then `WorkerBooted`
 * before it returns, and `kill(pid, sig)` ends that worker's stream with `WorkerExited` before it
 * returns. The live interpreter, `interpretArbiter`, carries the commands out.
 *
 * The core is the real `arbiter(s0)` behind a probe that records every event that reaches it
 * and whether it arrived while the core was still busy with the previous one. "Busy" is the
 * synchronous call that hands the event to the core: the step and the delivery of all its
 * commands to the interpreters happen inside it, so an event that arrives during that call
 * entered the core from inside a step.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Observable, of, type OperatorFunction } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { interpretArbiter, type ArbiterPorts } from '../../src/effects/arbiter-ports';
import { arbiter } from '../../src/streams/arbiter';
import { initialState, timerKey, type ArbiterSettings } from '../../src/streams/arbiter-state';
import {
  cancelTimer,
  closeListeners,
  exit,
  killWorker,
  log,
  spawnWorker,
  startTimer,
  type Command,
} from '../../src/streams/commands';
import {
  gracefulTimeoutElapsed,
  signal,
  started,
  workerBooted,
  workerExited,
  workerSpawned,
  type ArbiterEvent,
} from '../../src/streams/events';
import { feedback } from '../../src/streams/feedback';
import { marbles } from '../support/marbles';
import { heartbeatTimer } from '../support/arbiter-fixtures';

const settings: Partial<ArbiterSettings> = { workers: 2, timeoutMs: 30_000, gracefulTimeoutMs: 20_000 };

/** `core` behind a probe: every event that reached it, and those that arrived while it was busy. */
function probed(core: OperatorFunction<ArbiterEvent, Command>) {
  const heard: ArbiterEvent[] = [];
  const nested: ArbiterEvent[] = [];
  let busy = 0;
  const watch = (event$: Observable<ArbiterEvent>) =>
    new Observable<ArbiterEvent>((subscriber) =>
      event$.subscribe({
        next(event) {
          heard.push(event);
          if (busy > 0) nested.push(event);
          busy += 1;
          try {
            subscriber.next(event);
          } finally {
            busy -= 1;
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
  return { core: (event$: Observable<ArbiterEvent>) => core(watch(event$)), heard, nested };
}

/** Ports that answer synchronously: worker `id` runs as pid 100 + id, boots at once, and dies when killed. */
function syncPorts(journal: string[]): ArbiterPorts {
  const kills = new Map<number, (sig: string) => void>();
  return {
    spawn: (id) =>
      new Observable<ArbiterEvent>((subscriber) => {
        const pid = 100 + id;
        kills.set(pid, (sig) => {
          kills.delete(pid);
          subscriber.next(workerExited(pid, null, sig));
          subscriber.complete();
        });
        subscriber.next(workerSpawned(id, pid));
        subscriber.next(workerBooted(pid));
      }),
    kill: (pid, sig) => {
      journal.push(`kill ${pid} ${sig}`);
      kills.get(pid)?.(sig);
    },
    closeListeners: () => void journal.push('close listeners'),
    callHook: async () => undefined,
    log: () => undefined,
    exit: (code) => void journal.push(`exit ${code}`),
  };
}

function loop(scheduler: TestScheduler, external$: Observable<ArbiterEvent>, journal: string[] = []) {
  const probe = probed(arbiter(initialState(settings)));
  const command$ = feedback(probe.core, interpretArbiter(syncPorts(journal), scheduler))(external$);
  return { command$, ...probe };
}

const hb = heartbeatTimer;
/**
 * The fake workers never heartbeat, so 30 s in the arbiter would abort and replace them, forever
 * in virtual time; diagrams that do not end in Exit unsubscribe well before that.
 */
const UNTIL = '^ 999ms !';
const bootCommands = { a: spawnWorker(1), b: spawnWorker(2), h: hb(101), i: hb(102) };
/** What the two synchronous workers say, in the order they say it. */
const bootEvents = [workerSpawned(1, 101), workerBooted(101), workerSpawned(2, 102), workerBooted(102)];

test('of(started()) with a synchronous spawn: every event the ports answer reaches the step, none nested', () =>
  marbles(({ expectObservable }, scheduler) => {
    const { command$, heard, nested } = loop(scheduler, of(started()));
    // Started spawns 1 and 2; each spawned and booted event re-arms that worker's heartbeat.
    expectObservable(command$, UNTIL).toBe('(abhhii)', bootCommands);
    scheduler.flush();
    assert.deepEqual(heard, [started(), ...bootEvents]);
    assert.deepEqual(nested, []);
  }));

test('several external events at subscription: each is handled after the answers to the one before', () =>
  marbles(({ expectObservable }, scheduler) => {
    const { command$, heard, nested } = loop(scheduler, of(started(), signal('TTIN')));
    const cmds = { ...bootCommands, l: log('info', 'Handling signal: ttin'), c: spawnWorker(3), j: hb(103) };
    expectObservable(command$, UNTIL).toBe('(abhhiilcjj)', cmds);
    scheduler.flush();
    assert.deepEqual(heard, [started(), ...bootEvents, signal('TTIN'), workerSpawned(3, 103), workerBooted(103)]);
    assert.deepEqual(nested, []);
  }));

test('TERM from a hot stream with synchronous kills: exits are handled after the whole TERM step, in order', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    const journal: string[] = [];
    const event$ = hot('s 9ms t', { s: started(), t: signal('TERM') });
    const { command$, heard, nested } = loop(scheduler, event$, journal);
    const cmds = {
      ...bootCommands,
      l: log('info', 'Handling signal: term'),
      L: closeListeners(),
      t: killWorker(101, 'TERM'),
      u: killWorker(102, 'TERM'),
      g: startTimer(timerKey.graceful, 20_500, gracefulTimeoutElapsed()),
      c: cancelTimer(timerKey.heartbeat(101)),
      d: cancelTimer(timerKey.kill(101)),
      e: log('info', 'Worker (pid:101) was sent SIGTERM!'),
      C: cancelTimer(timerKey.heartbeat(102)),
      D: cancelTimer(timerKey.kill(102)),
      E: log('info', 'Worker (pid:102) was sent SIGTERM!'),
      G: cancelTimer(timerKey.graceful),
      m: log('info', 'Shutting down: Master'),
      z: exit(0),
    };
    expectObservable(command$).toBe('(abhhii) 2ms (lLtugcdeCDEGmz)', cmds);
    expectSubscriptions(event$.subscriptions).toBe('^');
    scheduler.flush();
    assert.deepEqual(heard, [
      started(),
      ...bootEvents,
      signal('TERM'),
      workerExited(101, null, 'TERM'),
      workerExited(102, null, 'TERM'),
    ]);
    assert.deepEqual(nested, [], 'no event entered the core while it handled another');
    assert.deepEqual(journal, ['close listeners', 'kill 101 TERM', 'kill 102 TERM', 'exit 0']);
  }));

test('external$ is subscribed once, and unsubscribed with the loop', () =>
  marbles(({ cold, expectObservable, expectSubscriptions }, scheduler) => {
    const event$ = cold('s', { s: started() });
    const { command$, nested } = loop(scheduler, event$);
    expectObservable(command$, UNTIL).toBe('(abhhii)', bootCommands);
    expectSubscriptions(event$.subscriptions).toBe(UNTIL);
    scheduler.flush();
    assert.deepEqual(nested, []);
  }));
