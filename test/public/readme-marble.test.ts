// A lifecycle rule as a marble diagram, in virtual time: a worker that stops heartbeating is
// aborted after --timeout, killed if it does not go, and replaced.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestScheduler } from 'rxjs/testing';
import {
  arbiter,
  feedback,
  heartbeatReceived,
  initialState,
  killWorker,
  ofType,
  spawnWorker,
  started,
  timers,
  workerBooted,
  workerExited,
  workerSpawned,
} from 'runicorn/testing';

test('a hung worker gets ABRT after the timeout, KILL a second later, then a replacement', () => {
  const scheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
  scheduler.run(({ hot, expectObservable }) => {
    const settings = {
      workers: 1,
      timeoutMs: 30_000,
      gracefulTimeoutMs: 30_000,
      abortGraceMs: 1_000,
      quickDeadlineMs: 2_000,
      hooks: [],
    };
    const events = hot('s w b 9ms h 32s x', {
      s: started(),
      w: workerSpawned(1, 101),
      b: workerBooted(101),
      h: heartbeatReceived(101),
      x: workerExited(101, null, 'KILL'),
    });
    const commands = feedback(arbiter(initialState(settings)), timers(scheduler))(events);
    expectObservable(commands.pipe(ofType('SpawnWorker', 'KillWorker'))).toBe('a 30011ms A 999ms K 1000ms b', {
      a: spawnWorker(1),
      A: killWorker(101, 'ABRT'),
      K: killWorker(101, 'KILL'),
      b: spawnWorker(2),
    });
  });
});
