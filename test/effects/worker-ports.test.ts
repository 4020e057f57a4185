// The worker loop over fake ports: every way out (a boot failure, a fault after a drain) reaches
// the ports in the step's order, the failure report and the hook awaited before the exit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asyncScheduler, NEVER, of, Subject, type Observable } from 'rxjs';
import { workerLoop, type Fault, type WorkerPorts } from '../../src/effects/worker-ports';
import type { Signal } from '../../src/streams/signals';
import {
  appLoadFailed,
  listenFailed,
  listening,
  workerInitial,
  type WorkerEvent,
} from '../../src/streams/worker/worker-lifecycle';

function fakePorts(options: { fault$?: Observable<Fault>; signal$?: Observable<Signal> } = {}) {
  const done: string[] = [];
  let exited = () => {};
  const exit = new Promise<void>((resolve) => (exited = resolve));
  let drain = () => {};
  const ports: WorkerPorts = {
    signal$: options.signal$ ?? NEVER,
    disconnect$: NEVER,
    fault$: options.fault$ ?? NEVER,
    send: async (m) => {
      await new Promise((resolve) => setImmediate(resolve));
      done.push(`send ${JSON.stringify(m)}`);
    },
    stopAccepting: () => {
      done.push('stop accepting');
      return new Promise<void>((resolve) => (drain = resolve));
    },
    closeAllConnections: () => void done.push('close all'),
    callHook: async (hook) => {
      await new Promise((resolve) => setImmediate(resolve));
      done.push(`hook ${hook}`);
    },
    log: (level, message) => void done.push(`log ${level} ${message.split('\n')[0] ?? ''}`),
    exit: (code) => {
      done.push(`exit ${code}`);
      exited();
    },
  };
  return { ports, done, exit, drain: () => drain() };
}

const run = (ports: WorkerPorts, worker$: Observable<WorkerEvent>) =>
  workerLoop(ports, workerInitial(5000, ['workerExit']), { scheduler: asyncScheduler, heartbeatMs: 0 })(
    worker$,
  ).subscribe();

for (const [name, event, code] of [
  ['the app fails to load', appLoadFailed('cannot load app "a.mjs": missing'), 4],
  ['listening fails', listenFailed('Worker failed to listen: EBADF'), 3],
] as const) {
  test(`${name}: the reason goes to the arbiter, then workerExit, then exit ${code}`, async () => {
    const { ports, done, exit } = fakePorts();
    const sub = run(ports, of(event));
    await exit;
    const reason = event.type === 'Listening' ? '' : (event as { reason: string }).reason;
    assert.deepEqual(done, [
      `log debug ${reason}`,
      `send ${JSON.stringify({ t: 'failed', code, reason })}`,
      'hook workerExit',
      `exit ${code}`,
    ]);
    sub.unsubscribe();
  });
}

test('a fault after booting: booted, the stack logged, stop accepting; exit 1 only once drained', async () => {
  const fault$ = new Subject<Fault>();
  const { ports, done, exit, drain } = fakePorts({ fault$ });
  const sub = run(ports, of(listening()));
  fault$.next({ origin: 'uncaughtException', detail: 'Error: boom\n    at timer' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(done, [
    'log error Uncaught exception in worker: Error: boom',
    'log warning Worker stops accepting after a fault; requests in flight finish, then it exits',
    'stop accepting',
    `send ${JSON.stringify({ t: 'booted' })}`,
    `send ${JSON.stringify({ t: 'retiring' })}`,
  ]);
  drain();
  await exit;
  assert.deepEqual(done.slice(5), ['hook workerExit', 'exit 1']);
  sub.unsubscribe();
});
