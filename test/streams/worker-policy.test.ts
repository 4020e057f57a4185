// Table tests of the pure worker policy: worker type, heartbeat interval, abort grace, quick deadline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ABORT_GRACE_MS,
  customWorkerProblem,
  heartbeatInterval,
  type CustomWorkerClass,
  quickDeadline,
  workerType,
  type WorkerTypeSettings,
} from '../../src/streams/worker/policy';

const base: WorkerTypeSettings = { workerClass: 'async', threads: 1, workerConnections: 1000, keepalive: 2 };

const types: ReadonlyArray<readonly [string, Partial<WorkerTypeSettings>, ReturnType<typeof workerType>]> = [
  ['async: worker-connections at a time, keep-alive', {}, { name: 'async', concurrency: 1000, keepAliveMs: 2000 }],
  ['async with threads: threads mean nothing', { threads: 8 }, { name: 'async', concurrency: 1000, keepAliveMs: 2000 }],
  ['async, --keep-alive 0', { keepalive: 0 }, { name: 'async', concurrency: 1000, keepAliveMs: 0 }],
  [
    'sync: one at a time, never keep-alive',
    { workerClass: 'sync', keepalive: 5 },
    { name: 'sync', concurrency: 1, keepAliveMs: 0 },
  ],
  [
    'sync with --threads 4 is gthread (Gunicorn)',
    { workerClass: 'sync', threads: 4 },
    { name: 'gthread', concurrency: 4, keepAliveMs: 2000 },
  ],
  [
    'gthread: threads at a time',
    { workerClass: 'gthread', threads: 3, keepalive: 7 },
    { name: 'gthread', concurrency: 3, keepAliveMs: 7000 },
  ],
  [
    'gthread with one thread stays gthread',
    { workerClass: 'gthread' },
    { name: 'gthread', concurrency: 1, keepAliveMs: 2000 },
  ],
];
for (const [name, settings, expected] of types) {
  test(`workerType — ${name}`, () => assert.deepEqual(workerType({ ...base, ...settings }), expected));
}

const customs: ReadonlyArray<
  readonly [string, Partial<WorkerTypeSettings>, CustomWorkerClass, ReturnType<typeof workerType>]
> = [
  [
    "a class on gthread: the base's numbers when it gives none",
    { threads: 3, keepalive: 5 },
    { spec: './w.mjs', base: 'gthread' },
    { name: 'gthread', concurrency: 3, keepAliveMs: 5000, custom: './w.mjs' },
  ],
  [
    'its own concurrency and keep-alive win over --threads and --keep-alive',
    { threads: 3, keepalive: 5 },
    { spec: './w.mjs', base: 'gthread', concurrency: 8, keepAliveMs: 250 },
    { name: 'gthread', concurrency: 8, keepAliveMs: 250, custom: './w.mjs' },
  ],
  [
    'its own keep-alive even with --keep-alive 0',
    { keepalive: 0 },
    { spec: 'pkg', base: 'async', keepAliveMs: 1000 },
    { name: 'async', concurrency: 1000, keepAliveMs: 1000, custom: 'pkg' },
  ],
  [
    'a class on sync stays sync with --threads 4 (it asked for sync)',
    { threads: 4 },
    { spec: './w.mjs', base: 'sync' },
    { name: 'sync', concurrency: 1, keepAliveMs: 0, custom: './w.mjs' },
  ],
];
for (const [name, settings, custom, expected] of customs) {
  test(`workerType, a user's class — ${name}`, () =>
    assert.deepEqual(workerType({ ...base, workerClass: custom.spec, ...settings }, custom), expected));
}

test('workerType of a module without what it declares is a programming error', () => {
  assert.throws(() => workerType({ ...base, workerClass: './w.mjs' }), /needs what it declares/);
});

const problems: ReadonlyArray<readonly [Parameters<typeof customWorkerProblem>[0], RegExp | undefined]> = [
  [{ base: 'gthread' }, undefined],
  [{ base: 'async', concurrency: 50, keepAliveMs: 0 }, undefined],
  [{ base: 'sync' }, undefined],
  [{ base: undefined }, /has no base \(sync, gthread, async\)/],
  [{ base: 'gevent' }, /base must be one of sync, gthread, async, got "gevent"/],
  [{ base: 3 }, /got number/],
  [{ base: 'gthread', concurrency: 0 }, /concurrency must be a positive integer, got 0/],
  [{ base: 'gthread', concurrency: 2.5 }, /positive integer/],
  [{ base: 'gthread', concurrency: '4' }, /positive integer/],
  [{ base: 'async', keepAliveMs: -1 }, /keepAliveMs must be a whole number/],
  [{ base: 'async', keepAliveMs: Number.POSITIVE_INFINITY }, /keepAliveMs/],
  [{ base: 'sync', concurrency: 4 }, /sync base runs one request at a time/],
  [{ base: 'sync', keepAliveMs: 1000 }, /sync base closes every connection/],
];
for (const [declared, problem] of problems) {
  test(`customWorkerProblem(${JSON.stringify(declared)})`, () => {
    const got = customWorkerProblem(declared);
    if (problem === undefined) assert.equal(got, undefined);
    else assert.match(got ?? '', problem);
  });
}

const beats: ReadonlyArray<readonly [number, number]> = [
  [0, 0], // --timeout 0: no heartbeats
  [30_000, 1000], // capped at once a second
  [2000, 500], // four per timeout
  [1000, 250],
  [100, 50], // at least every 50 ms
  [1, 50],
];
for (const [timeoutMs, expected] of beats) {
  test(`heartbeatInterval(${timeoutMs}) = ${expected}`, () => assert.equal(heartbeatInterval(timeoutMs), expected));
}

test('abort grace is 1 s; the quick deadline is 2 s or the graceful timeout when shorter', () => {
  assert.equal(ABORT_GRACE_MS, 1000);
  assert.deepEqual([30_000, 2000, 1000, 0].map(quickDeadline), [2000, 2000, 1000, 0]);
});
