/**
 * The arbiter's ports: everything its commands can do to the world, as one injected object.
 *
 * `interpretArbiter(ports)` turns commands into effects and effects into events. Tests can pass
 * fakes; `livePorts` (in `live-ports.ts`) is the one place that wires real processes.
 *
 * @example
 * const event$ = interpretArbiter(ports, asyncScheduler)(command$);
 */
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  from,
  ignoreElements,
  map,
  merge,
  mergeMap,
  type Observable,
  of,
  share,
  tap,
  type SchedulerLike,
} from 'rxjs';
import type { Command, LogLevel } from '../streams/commands';
import type { ArbiterSettings } from '../streams/arbiter-state';
import {
  configReloaded,
  configReloadFailed,
  newArbiterSpawnFailed,
  workerSpawnFailed,
  type ArbiterEvent,
} from '../streams/events';
import { ofType } from '../streams/of-type';
import type { Signal } from '../streams/signals';
import { timers } from '../streams/timers';
import { errorLine } from './error-text';

export interface ArbiterPorts {
  /**
   * Read the configuration again (HUP) and keep it aside as `generation`, without using it yet;
   * resolves with the arbiter's new settings, rejects with a one-line reason (nothing changes).
   * Optional: without it a HUP is answered "reloading is not available".
   */
  reload?(generation: number): Promise<ArbiterSettings>;
  /**
   * Make the configuration of `generation` the one in use (hooks' `arbiter.config`, where worker
   * output goes): the step accepted a reloaded one, or went back to the old one.
   */
  useConfig?(generation: number): void;
  /** Tell the service manager `message` (systemd's sd_notify), best effort. */
  notify?(message: string): void;
  /**
   * Start worker `id` with the configuration of `generation`; the stream reports its whole life
   * and completes when it exits.
   */
  spawn(id: number, holdOutput: boolean, generation: number): Observable<ArbiterEvent>;
  kill(pid: number, signal: Signal): void;
  closeListeners(): void;
  /**
   * Run a server hook. A promise makes the commands after it wait; `undefined` means it is done
   * (a synchronous hook), and the interpreter goes on at once, so virtual time can run hooks.
   * Failures are the port's to log.
   */
  callHook(command: Extract<Command, { type: 'CallHook' }>): Promise<void> | undefined;
  log(level: LogLevel, message: string): void;
  /**
   * Write a worker's boot output to stderr as it was printed (`ShowOutput`). Optional: without
   * it the text goes to `log` at error level.
   */
  output?(text: string): void;
  /**
   * End the arbiter. `keepSockets`: another arbiter shares the listeners (USR2), so unix socket
   * files must stay where they are.
   */
  exit(code: number, keepSockets?: boolean): void;
  /**
   * USR2: start a new arbiter on the same listeners; the stream reports its life
   * (`NewArbiterSpawned`, `NewArbiterReady`, `NewArbiterExited`) and completes when it exits.
   * Optional: without it, USR2 is answered "a binary upgrade is not available in this process".
   */
  spawnArbiter?(): Observable<ArbiterEvent>;
  /** In a new arbiter (USR2): tell the old one that every worker serves. */
  reportReady?(): void;
  /** In a new arbiter (USR2) whose old one has exited: take over the pid file. */
  promote?(): void;
  /** Reopen the log files (USR1); the interpreter logs `Reopening log files` at debug level first. */
  reopenLogs?(): void;
  /**
   * Feed a worker count or a restart to the metrics (StatsD, Prometheus). Optional: without it
   * (no metrics configured) the commands are dropped.
   */
  metric?(command: Extract<Command, { type: 'CountWorkers' | 'CountRestart' }>): void;
}

/** Nothing, once the hook is done: at once for a synchronous hook, when its promise settles otherwise. */
function hookDone(ports: ArbiterPorts, c: Extract<Command, { type: 'CallHook' }>): Observable<never> {
  let pending: Promise<void> | undefined;
  try {
    pending = ports.callHook(c);
  } catch {
    return EMPTY;
  }
  return pending
    ? from(pending).pipe(
        ignoreElements(),
        catchError(() => EMPTY),
      )
    : EMPTY;
}

/** USR1: the hook point where the log files are reopened (see `ArbiterPorts.reopenLogs`). */
function reopenLogs(ports: ArbiterPorts): void {
  ports.log('debug', 'Reopening log files');
  ports.reopenLogs?.();
}

export function interpretArbiter(ports: ArbiterPorts, scheduler: SchedulerLike) {
  return (command$: Observable<Command>): Observable<ArbiterEvent> => {
    // Commands are carried out in the order the step gave them, and a hook is awaited before
    // whatever follows it (as Gunicorn's hooks block): a spawn waits for its preFork, a TERM
    // for the nworkersChanged before it, the exit for onExit. Only timers run apart.
    const ordered$ = command$.pipe(
      ofType(
        'CallHook',
        'SpawnWorker',
        'KillWorker',
        'CloseListeners',
        'Log',
        'ShowOutput',
        'Exit',
        'ReloadConfig',
        'UseConfig',
        'ReopenLogs',
        'Notify',
        'SpawnArbiter',
        'ReportReady',
        'Promote',
        'CountWorkers',
        'CountRestart',
      ),
      concatMap((c) => (c.type === 'CallHook' ? hookDone(ports, c) : of(c))),
      share(),
    );
    return merge(
      timers(scheduler)(command$),
      ordered$.pipe(
        ofType('SpawnWorker'),
        // Catch inside: one failed spawn becomes an event, it never ends the loop.
        mergeMap((c) =>
          ports
            .spawn(c.id, c.holdOutput === true, c.generation)
            .pipe(catchError((err) => of(workerSpawnFailed(c.id, errorLine(err))))),
        ),
      ),
      ordered$.pipe(
        ofType('ReloadConfig'),
        mergeMap((c) =>
          defer(() =>
            ports.reload
              ? ports.reload(c.generation)
              : Promise.reject(new Error('reloading is not available in this process')),
          ).pipe(
            map((settings) => configReloaded(c.generation, settings)),
            catchError((err) => of(configReloadFailed(c.generation, errorLine(err)))),
          ),
        ),
      ),
      ordered$.pipe(
        ofType('SpawnArbiter'),
        mergeMap(() =>
          defer(() =>
            ports.spawnArbiter
              ? ports.spawnArbiter()
              : of(newArbiterSpawnFailed('a binary upgrade is not available in this process')),
          ).pipe(catchError((err) => of(newArbiterSpawnFailed(errorLine(err))))),
        ),
      ),
      ordered$.pipe(
        ofType(
          'KillWorker',
          'CloseListeners',
          'Log',
          'ShowOutput',
          'Exit',
          'UseConfig',
          'ReopenLogs',
          'Notify',
          'ReportReady',
          'Promote',
          'CountWorkers',
          'CountRestart',
        ),
        tap((c) => {
          try {
            if (c.type === 'KillWorker') ports.kill(c.pid, c.signal);
            else if (c.type === 'CloseListeners') ports.closeListeners();
            else if (c.type === 'Log') ports.log(c.level, c.message);
            else if (c.type === 'ShowOutput')
              ports.output ? ports.output(c.text) : ports.log('error', c.text.trimEnd());
            else if (c.type === 'UseConfig') ports.useConfig?.(c.generation);
            else if (c.type === 'Notify') ports.notify?.(c.message);
            else if (c.type === 'ReopenLogs') reopenLogs(ports);
            else if (c.type === 'ReportReady') ports.reportReady?.();
            else if (c.type === 'Promote') ports.promote?.();
            else if (c.type === 'CountWorkers' || c.type === 'CountRestart') ports.metric?.(c);
            else ports.exit(c.code, c.keepSockets === true);
          } catch (err) {
            ports.log('error', `${c.type} failed: ${errorLine(err)}`);
          }
        }),
        ignoreElements(),
        catchError(() => EMPTY),
      ),
    );
  };
}
