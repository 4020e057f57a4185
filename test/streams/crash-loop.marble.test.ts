/**
 * Crash loops in virtual time, on the closed loop `feedback(arbiter(s0), interpretArbiter(ports))`
 * with fake ports that answer synchronously: worker `id` runs as pid 100 + id and, as its script
 * says, either exits with code 1 before booting (an app that calls `process.exit(1)` at import)
 * or boots and runs until it is signalled. A hot `event$` adds what the script cannot (signals, a
 * booted worker crashing).
 *
 * Each diagram shows the commands a user would see happen to processes (`SpawnWorker`,
 * `KillWorker`, `Exit`), and where it matters `fired$`, every timer event that fed back, so a
 * respawn that should have been cancelled fails the test even when the arbiter would ignore it.
 * Heartbeat timeouts are off so that the diagrams hold only the crash-loop timers.
 */
import { test } from 'node:test';
import { filter, map, Observable, Subject, tap } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { interpretArbiter, type ArbiterPorts } from '../../src/effects/arbiter-ports';
import { arbiter } from '../../src/streams/arbiter';
import { initialState, type ArbiterSettings } from '../../src/streams/arbiter-state';
import { exit, killWorker, log, showOutput, spawnWorker, type Command } from '../../src/streams/commands';
import {
  respawnDelayElapsed,
  signal,
  started,
  workerBooted,
  workerExited,
  workerSpawned,
  workerStayedUp,
  type ArbiterEvent,
} from '../../src/streams/events';
import { feedback } from '../../src/streams/feedback';
import { ofType } from '../../src/streams/of-type';
import { marbles } from '../support/marbles';

/** What a worker of an app that exits at import prints (its pid varies). */
const said = (pid: number) => `[INFO] Booting worker with pid: ${pid}\nError: DATABASE_URL is not set\n`;

/** Ports whose workers boot or fail at once, as `boots(id)` says; a booted worker dies when signalled. */
function scripted(boots: (id: number) => boolean): ArbiterPorts {
  const running = new Map<number, (sig: string) => void>();
  return {
    spawn: (id) =>
      new Observable<ArbiterEvent>((subscriber) => {
        const pid = 100 + id;
        subscriber.next(workerSpawned(id, pid));
        if (!boots(id)) {
          subscriber.next(workerExited(pid, 1, null, said(pid)));
          subscriber.complete();
          return;
        }
        running.set(pid, (sig) => {
          running.delete(pid);
          subscriber.next(workerExited(pid, null, sig));
          subscriber.complete();
        });
        subscriber.next(workerBooted(pid));
      }),
    kill: (pid, sig) => running.get(pid)?.(sig),
    closeListeners: () => undefined,
    callHook: async () => undefined,
    log: () => undefined,
    exit: () => undefined,
  };
}

function loop(
  scheduler: TestScheduler,
  event$: Observable<ArbiterEvent>,
  boots: (id: number) => boolean,
  settings: Partial<ArbiterSettings> = {},
) {
  const fired$ = new Subject<ArbiterEvent>();
  const interpret = interpretArbiter(scripted(boots), scheduler);
  const command$ = feedback(
    arbiter(initialState({ workers: 1, timeoutMs: 0, gracefulTimeoutMs: 20_000, ...settings })),
    (c$: Observable<Command>) =>
      interpret(c$).pipe(
        tap((e) => (e.type === 'RespawnDelayElapsed' || e.type === 'WorkerStayedUp' ? fired$.next(e) : undefined)),
      ),
  )(event$);
  // Which spawns hold their output is its own test below; here a spawn is a spawn.
  const plain = (c: Command): Command => (c.type === 'SpawnWorker' ? spawnWorker(c.id) : c);
  return { command$, process$: command$.pipe(ofType('SpawnWorker', 'KillWorker', 'Exit'), map(plain)), fired$ };
}

const never = () => false;
const spawns = Object.fromEntries('abcdefghijklmn'.split('').map((k, i) => [k, spawnWorker(i + 1)]));
const timerEvents = { r: respawnDelayElapsed() };

test('an app that exits at import: respawned after 0.1, 0.2, 0.4 … 6.4 s, then every 10 s', () =>
  marbles(({ cold, expectObservable }, scheduler) => {
    const { process$, fired$ } = loop(scheduler, cold('s', { s: started() }), never);
    const until = '^ 40000ms !';
    const expected = 'a 99ms b 199ms c 399ms d 799ms e 1599ms f 3199ms g 6399ms h 9999ms i 9999ms j';
    const fired = '100ms r 199ms r 399ms r 799ms r 1599ms r 3199ms r 6399ms r 9999ms r 9999ms r';
    expectObservable(process$, until).toBe(expected, spawns);
    expectObservable(fired$, until).toBe(fired, timerEvents);
  }));

test('the output is shown once; each repeat is one line: the exit, the count and the next wait', () =>
  marbles(({ cold, expectObservable }, scheduler) => {
    const { command$ } = loop(scheduler, cold('s', { s: started() }), never);
    const said$ = command$.pipe(
      filter((c) => c.type === 'ShowOutput' || (c.type === 'Log' && /failed to boot|exited with code/.test(c.message))),
    );
    const until = '^ 1000ms !';
    const expected = '(oaA) 95ms b 199ms c 399ms d';
    const exited = (pid: number) => log('error', `Worker (pid:${pid}) exited with code 1.`);
    expectObservable(said$, until).toBe(expected, {
      o: showOutput(101, said(101)),
      a: exited(101),
      A: log('error', 'Worker (pid:101) failed to boot; retrying in 0.1s'),
      b: log('error', 'Worker (pid:102) exited with code 1. Failed to boot 2 times the same way; retrying in 0.2s'),
      c: log('error', 'Worker (pid:103) exited with code 1. Failed to boot 3 times the same way; retrying in 0.4s'),
      d: log('error', 'Worker (pid:104) exited with code 1. Failed to boot 4 times the same way; retrying in 0.8s'),
    });
  }));

test('a booted worker that crashes during a crash loop is replaced at once; the failing one keeps its wait', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    // Worker 1 boots; worker 2 never does; worker 1 crashes at 50 ms and its replacement, 3, boots.
    const event$ = hot('s 49ms k', { s: started(), k: workerExited(101, 1) });
    const until = '^ 400ms !';
    const expected = '(ab) 46ms c 49ms d 199ms e';
    const { process$ } = loop(scheduler, event$, (id) => id === 1 || id === 3, { workers: 2 });
    expectObservable(process$, until).toBe(expected, spawns);
    expectSubscriptions(event$.subscriptions).toBe(until);
  }));

test('a worker that stays up 5 s ends the loop: the next failure waits 0.1 s again', () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    // Workers 1-3 fail (0, 0.1, 0.3 s), 4 boots at 0.7 s and stays up; it crashes at 6 s, and its
    // replacement, 5, fails: retried 0.1 s later, not 0.8 s.
    const event$ = hot('s 5999ms k', { s: started(), k: workerExited(104, 1) });
    const until = '^ 7000ms !';
    const expected = 'a 99ms b 199ms c 399ms d 5299ms e 99ms f';
    const fired = '100ms r 199ms r 399ms r 4999ms u 399ms r';
    const { process$, fired$ } = loop(scheduler, event$, (id) => id === 4 || id === 6);
    expectObservable(process$, until).toBe(expected, spawns);
    expectObservable(fired$, until).toBe(fired, { ...timerEvents, u: workerStayedUp(104) });
  }));

test('a worker that boots but dies within 5 s does not end the loop: the next failure waits 0.8 s', () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    const event$ = hot('s 2999ms k', { s: started(), k: workerExited(104, 1) });
    const until = '^ 7000ms !';
    const expected = 'a 99ms b 199ms c 399ms d 2299ms e 799ms f';
    const { process$ } = loop(scheduler, event$, (id) => id === 4 || id === 6);
    expectObservable(process$, until).toBe(expected, spawns);
  }));

test('TERM during a wait: Exit(0) at once, and the respawn timer never fires', () =>
  marbles(({ hot, expectObservable, expectSubscriptions }, scheduler) => {
    // Failures at 0, 0.1, 0.3 and 0.7 s; the 0.8 s wait is under way when TERM comes at 1 s.
    const event$ = hot('s 999ms t', { s: started(), t: signal('TERM') });
    const until = '^ 20000ms !';
    const expected = 'a 99ms b 199ms c 399ms d 299ms z';
    const fired = '100ms r 199ms r 399ms r';
    const { process$, fired$ } = loop(scheduler, event$, never);
    expectObservable(process$, until).toBe(expected, { ...spawns, z: exit(0) });
    expectObservable(fired$, until).toBe(fired, timerEvents);
    expectSubscriptions(event$.subscriptions).toBe(until);
  }));

test('INT during a wait with a booted worker: QUIT to it, Exit(0) when it leaves, no respawn', () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    // Worker 1 boots, worker 2 fails at 0 s and waits 0.1 s; INT at 50 ms.
    const event$ = hot('s 49ms i', { s: started(), i: signal('INT') });
    const until = '^ 1000ms !';
    const expected = '(ab) 46ms (qz)';
    const fired = '';
    const { process$, fired$ } = loop(scheduler, event$, (id) => id === 1, { workers: 2 });
    expectObservable(process$, until).toBe(expected, { ...spawns, q: killWorker(101, 'QUIT'), z: exit(0) });
    expectObservable(fired$, until).toBe(fired, timerEvents);
  }));

test('TTIN during a wait spawns one more at once; the waiting one comes at the end of the wait', () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    const event$ = hot('s 49ms i', { s: started(), i: signal('TTIN') });
    const until = '^ 1000ms !';
    const expected = 'a 49ms b 49ms c';
    const { process$ } = loop(scheduler, event$, (id) => id > 1);
    expectObservable(process$, until).toBe(expected, spawns);
  }));

test('TTOU during a wait gives up the waiting worker: no respawn, and the booted worker is not stopped', () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    // Worker 1 boots; 2 fails at 0 s, 3 at 0.1 s; TTOU at 0.2 s, during the 0.2 s wait.
    const event$ = hot('s 199ms o', { s: started(), o: signal('TTOU') });
    const until = '^ 5000ms !';
    const expected = '(ab) 96ms c';
    const fired = '100ms r';
    const { process$, fired$ } = loop(scheduler, event$, (id) => id === 1, { workers: 2 });
    expectObservable(process$, until).toBe(expected, spawns);
    expectObservable(fired$, until).toBe(fired, timerEvents);
  }));

test("a worker's output is written as it comes, except in a crash loop, where it is held until judged", () =>
  marbles(({ hot, expectObservable }, scheduler) => {
    // Worker 1 fails (its output was shown live), 2 and 3 fail (held), 4 boots and stays up 5 s,
    // it crashes at 6 s: its replacement, 5, is spawned outside any loop, so not held.
    const event$ = hot('s 5999ms k', { s: started(), k: workerExited(104, 1) });
    const until = '^ 6500ms !';
    const expected = 'a 99ms b 199ms c 399ms d 5299ms e';
    const { command$ } = loop(scheduler, event$, (id) => id >= 4);
    expectObservable(command$.pipe(ofType('SpawnWorker')), until).toBe(expected, {
      a: spawnWorker(1),
      b: spawnWorker(2, true),
      c: spawnWorker(3, true),
      d: spawnWorker(4, true),
      e: spawnWorker(5),
    });
  }));
