// Table tests of the pure worker policy: worker type, heartbeat interval, abort grace, quick deadline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ABORT_GRACE_MS,
  heartbeatInterval,
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
