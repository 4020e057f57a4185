/**
 * Fake arbiter ports for tests: `interpretArbiter(fake.ports, scheduler)` runs the real
 * interpreter, and so the user's own hook functions, with workers that are only records.
 *
 * Each fake worker answers its spawn with `WorkerSpawned` and `WorkerBooted` and stays up until
 * it is killed (TERM, INT, QUIT: exits 0; KILL, ABRT: dies on the signal; USR1: lives on, its
 * logs reopened), as a real one does.
 * Its events come synchronously, or on `scheduler` when one is given, so a test picks whether
 * an interpreter that answers at once is part of the scenario. Everything the interpreter did
 * is in `calls`, in order. A synchronous hook runs at once, so a marble test in virtual time
 * (a `TestScheduler` run) runs the user's hooks too; an async hook is awaited like a live one,
 * and `hooksSettled()` resolves once none is running.
 *
 * @example
 * const fake = fakePorts({ hooks: { childExit: (arbiter, worker) => seen.push(worker.pid) } });
 * feedback(arbiter(initialState(settings)), interpretArbiter(fake.ports, scheduler))(of(started())).subscribe();
 * await fake.hooksSettled();
 */
import { from, Observable, observeOn, Subject, type ObservableInput, type SchedulerLike } from 'rxjs';
import type { LogLevel } from '../streams/commands';
import { workerBooted, workerExited, workerSpawned, type ArbiterEvent } from '../streams/events';
import type { Signal } from '../streams/signals';
import type { ArbiterPorts } from './arbiter-ports';
import { hookLog, runHookNow, type Hooks } from './hook-runner';
import type { Logger } from './logger';
import { workerView } from './live-ports';

/**
 * One thing the interpreter did through the fake ports.
 *
 * @example
 * { type: 'kill', pid: 101, signal: 'TERM' }
 */
export type FakeCall =
  | { readonly type: 'spawn'; readonly id: number }
  | { readonly type: 'kill'; readonly pid: number; readonly signal: Signal }
  | { readonly type: 'closeListeners' }
  | { readonly type: 'hook'; readonly hook: string }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string }
  | { readonly type: 'exit'; readonly code: number };

/**
 * How the fake behaves.
 *
 * @example
 * fakePorts({ hooks, scheduler: testScheduler, pidOf: (id) => 4000 + id })
 */
export interface FakePortsOptions {
  /** The user's hook functions by camelCase name, called as the live arbiter calls them. */
  readonly hooks?: Hooks;
  /** What `arbiter.config` is in hooks. */
  readonly config?: unknown;
  /** Fake pids: 100 + id by default. */
  readonly pidOf?: (id: number) => number;
  /** A worker's life instead of the default one; `kill` then only records. */
  readonly onSpawn?: (id: number, pid: number) => ObservableInput<ArbiterEvent>;
  /** Deliver the fake workers' events on this scheduler; synchronously when absent. */
  readonly scheduler?: SchedulerLike;
}

/**
 * The ports, what they were asked to do, and a way to wait for running hooks.
 *
 * @example
 * assert.deepEqual(fake.calls.filter((c) => c.type === 'exit'), [{ type: 'exit', code: 0 }]);
 */
export interface FakePorts {
  readonly ports: ArbiterPorts;
  readonly calls: readonly FakeCall[];
  /** The pids of fake workers still up. */
  readonly alive: () => readonly number[];
  /** Resolves once no hook is running (after the promise jobs they queued). */
  readonly hooksSettled: () => Promise<void>;
}

const EXIT_CODE: Partial<Record<Signal, number>> = { TERM: 0, INT: 0, QUIT: 0 };

/**
 * Build fake arbiter ports (see the file header).
 *
 * @example
 * const fake = fakePorts();
 * interpretArbiter(fake.ports, testScheduler)(command$).subscribe(event$);
 */
export function fakePorts(options: FakePortsOptions = {}): FakePorts {
  const calls: FakeCall[] = [];
  const workers = new Map<number, Subject<ArbiterEvent>>();
  const pidOf = options.pidOf ?? ((id: number) => 100 + id);
  const logger: Logger = { log: (level, message) => void calls.push({ type: 'log', level, message }) };
  const log = hookLog(logger);
  let running = 0;

  const defaultLife = (id: number, pid: number): Observable<ArbiterEvent> =>
    new Observable<ArbiterEvent>((subscriber) => {
      const exits = new Subject<ArbiterEvent>();
      workers.set(pid, exits);
      const sub = exits.subscribe(subscriber);
      subscriber.next(workerSpawned(id, pid));
      subscriber.next(workerBooted(pid));
      return () => {
        sub.unsubscribe();
        workers.delete(pid);
      };
    });

  const ports: ArbiterPorts = {
    spawn(id) {
      calls.push({ type: 'spawn', id });
      const pid = pidOf(id);
      const life = options.onSpawn ? from(options.onSpawn(id, pid)) : defaultLife(id, pid);
      return options.scheduler ? life.pipe(observeOn(options.scheduler)) : life;
    },
    kill(pid, signal) {
      calls.push({ type: 'kill', pid, signal });
      const worker = workers.get(pid);
      if (!worker || options.onSpawn || signal === 'USR1') return;
      const code = EXIT_CODE[signal];
      workers.delete(pid);
      worker.next(code === undefined ? workerExited(pid, null, signal) : workerExited(pid, code));
      worker.complete();
    },
    closeListeners: () => void calls.push({ type: 'closeListeners' }),
    log: (level, message) => void calls.push({ type: 'log', level, message }),
    exit: (code) => void calls.push({ type: 'exit', code }),
    callHook(c) {
      calls.push({ type: 'hook', hook: c.hook });
      const arbiter = { pid: 0, config: options.config ?? {}, workers: c.workers.map(workerView), log };
      const args = c.worker ? [arbiter, workerView(c.worker), ...c.args] : [arbiter, ...c.args];
      // A synchronous hook runs now (so a TestScheduler run sees it); an async one is tracked.
      const pending = runHookNow(options.hooks ?? {}, c.hook, logger, args);
      if (!pending) return undefined;
      running += 1;
      return pending.finally(() => {
        running -= 1;
      });
    },
  };

  const hooksSettled = async (): Promise<void> => {
    // A hook's end releases the commands after it, which may call the next hook: wait until quiet.
    do await new Promise<void>((resolve) => setImmediate(resolve));
    while (running > 0);
  };
  return { ports, calls, alive: () => [...workers.keys()], hooksSettled };
}
