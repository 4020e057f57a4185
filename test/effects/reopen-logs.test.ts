// USR1's ReopenLogs command through the real interpreters with fake ports: in the arbiter and in
// a worker it logs `Reopening log files` at debug level and calls the port's reopenLogs hook
// point (when there is one), in the step's order; the worker keeps serving.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asyncScheduler, NEVER, Subject } from 'rxjs';
import { interpretArbiter, type ArbiterPorts } from '../../src/effects/arbiter-ports';
import { workerLoop, type WorkerPorts } from '../../src/effects/worker-ports';
import { killWorker, log, reopenLogs, type Command } from '../../src/streams/commands';
import type { Signal } from '../../src/streams/signals';
import { listening, workerInitial, type WorkerEvent } from '../../src/streams/worker/worker-lifecycle';

function arbiterPorts(withHook: boolean) {
  const done: string[] = [];
  const ports: ArbiterPorts = {
    spawn: () => NEVER,
    kill: (pid, signal) => void done.push(`kill ${pid} ${signal}`),
    closeListeners: () => void done.push('close listeners'),
    log: (level, message) => void done.push(`log ${level} ${message}`),
    exit: (code) => void done.push(`exit ${code}`),
    callHook: () => undefined,
    ...(withHook ? { reopenLogs: () => void done.push('reopen') } : {}),
  };
  return { ports, done };
}

for (const withHook of [true, false]) {
  test(`arbiter: ReopenLogs logs at debug${withHook ? ' and calls the port, before the USR1 to workers' : ' (no port: nothing else)'}`, () => {
    const { ports, done } = arbiterPorts(withHook);
    const command$ = new Subject<Command>();
    const sub = interpretArbiter(ports, asyncScheduler)(command$).subscribe();
    for (const c of [log('info', 'Handling signal: usr1'), reopenLogs(), killWorker(101, 'USR1')]) command$.next(c);
    assert.deepEqual(done, [
      'log info Handling signal: usr1',
      'log debug Reopening log files',
      ...(withHook ? ['reopen'] : []),
      'kill 101 USR1',
    ]);
    sub.unsubscribe();
  });
}

test('worker: USR1 logs "Reopening log files" at debug, calls the port, and the worker neither stops nor exits', () => {
  const done: string[] = [];
  const signal$ = new Subject<Signal>();
  const worker$ = new Subject<WorkerEvent>();
  const ports: WorkerPorts = {
    signal$,
    disconnect$: NEVER,
    fault$: NEVER,
    send: async (m) => void done.push(`send ${m.t}`),
    stopAccepting: () => {
      done.push('stop accepting');
      return new Promise<void>(() => {});
    },
    closeAllConnections: () => void done.push('close all'),
    callHook: async (hook) => void done.push(`hook ${hook}`),
    log: (level, message) => void done.push(`log ${level} ${message}`),
    exit: (code) => void done.push(`exit ${code}`),
    reopenLogs: () => void done.push('reopen'),
  };
  const sub = workerLoop(ports, workerInitial(5000, ['workerExit']), {
    scheduler: asyncScheduler,
    heartbeatMs: 0,
  })(worker$).subscribe();
  worker$.next(listening());
  signal$.next('USR1');
  signal$.next('USR1');
  assert.deepEqual(done, [
    'send booted',
    'log debug Reopening log files',
    'reopen',
    'log debug Reopening log files',
    'reopen',
  ]);
  sub.unsubscribe();
});
