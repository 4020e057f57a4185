// runicorn/testing as a user has it: inject() with every app kind runicorn serves, errors that
// become 500s and are reported, stages given as a function; and fake ports that run a user's own
// hooks through the real interpreter.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { concat, map, merge, NEVER, of, queueScheduler, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { stage } from 'runicorn';
import {
  arbiter,
  feedback,
  fakePorts,
  initialState,
  inject,
  interpretArbiter,
  ofType,
  signal,
  started,
  workerBooted,
  workerExited,
  workerSpawned,
  type ArbiterEvent,
  type Stage,
} from 'runicorn/testing';

const example = async (name: string, exportName = 'default'): Promise<unknown> =>
  ((await import(join(__dirname, '..', '..', '..', 'examples', name))) as Record<string, unknown>)[exportName];

test('inject() serves every app kind: plain, Express, Koa, Fastify, Hono and a fetch object', async () => {
  const kinds: ReadonlyArray<readonly [string, string, string, RegExp]> = [
    ['hello.mjs', 'default', '/', /^Hello, World!\n$/],
    ['express.mjs', 'app', '/pid', new RegExp(`^${process.pid}$`)],
    ['koa.mjs', 'default', '/', /./],
    ['fastify.mjs', 'default', '/', /./],
    ['hono.mjs', 'default', '/pid', new RegExp(`^${process.pid}$`)],
    ['fetch.mjs', 'default', '/', /./],
  ];
  for (const [file, name, path, body] of kinds) {
    const app = await example(file, name);
    const reply = await inject({ app }, path);
    assert.equal(reply.status, 200, file);
    assert.match(reply.body, body, file);
  }
});

test('inject() passes method, headers and payload, and returns the headers', async () => {
  const app = (
    req: { method?: string; headers: Record<string, unknown>; on(e: string, f: (c?: Buffer) => void): void },
    res: { setHeader(n: string, v: string): void; end(b: string): void },
  ) => {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      res.setHeader('x-seen', String(req.headers['x-in']));
      res.end(`${req.method ?? ''} ${body}`);
    });
  };
  const reply = await inject({ app }, { method: 'POST', url: '/', headers: { 'x-in': 'hi' }, payload: 'the body' });
  assert.equal(reply.body, 'POST the body');
  assert.equal(reply.headers['x-seen'], 'hi');
});

test('an app that throws is a 500 with the error in `errors`', async () => {
  const reply = await inject(
    {
      app: () => {
        throw new Error('app broke');
      },
    },
    '/',
  );
  assert.equal(reply.status, 500);
  assert.match(String(reply.errors[0]), /app broke/);
});

test('a throwing stage (a plain rxjs map) is a 500 with the error in `errors`', async () => {
  const broken: Stage = map((ex) => {
    if (ex.req.url === '/bad') throw new Error('stage broke');
    return ex;
  });
  const reply = await inject(
    { app: (_q: unknown, s: { end(b: string): void }) => s.end('ok'), stages: [broken] },
    '/bad',
  );
  assert.equal(reply.status, 500);
  assert.match(String(reply.errors[0]), /stage broke/);
});

test('stages given as a function of the worker get a stand-in worker whose log is kept', async () => {
  const tag = (name: string) =>
    stage((ex) => {
      ex.res.setHeader('x-tag', name);
      return ex;
    });
  const reply = await inject({
    app: (_q: unknown, s: { end(b: string): void }) => s.end('ok'),
    stages: async (worker) => {
      worker.log.info(`stages for ${worker.pid}`);
      return [tag('built')];
    },
  });
  assert.equal(reply.headers['x-tag'], 'built');
  assert.deepEqual(reply.logs, [`[INFO] stages for ${process.pid}`]);
});

test("fake ports run the user's own hooks through the real interpreter: TERM stops, hooks see the workers", async () => {
  const seen: string[] = [];
  const fake = fakePorts({
    hooks: {
      whenReady: () => void seen.push('ready'),
      childExit: (_arbiter: unknown, worker: { pid: number }) => void seen.push(`child ${worker.pid} exited`),
      onExit: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push('exit hook done');
      },
    },
  });
  const settings = {
    workers: 2,
    timeoutMs: 0,
    gracefulTimeoutMs: 30_000,
    abortGraceMs: 1_000,
    quickDeadlineMs: 2_000,
    hooks: ['whenReady', 'childExit', 'onExit'] as const,
  };
  const term = new Subject<ArbiterEvent>();
  const run = feedback(
    arbiter(initialState(settings)),
    interpretArbiter(fake.ports, queueScheduler),
  )(merge(of(started()), term)).subscribe();
  await fake.hooksSettled();
  assert.deepEqual(fake.alive(), [101, 102]);
  term.next(signal('TERM'));
  await fake.hooksSettled();
  run.unsubscribe();
  assert.deepEqual(seen, ['ready', 'child 101 exited', 'child 102 exited', 'exit hook done']);
  assert.deepEqual(
    fake.calls.filter((c) => c.type === 'kill'),
    [
      { type: 'kill', pid: 101, signal: 'TERM' },
      { type: 'kill', pid: 102, signal: 'TERM' },
    ],
  );
  assert.deepEqual(fake.calls.at(-1), { type: 'exit', code: 0 });
  assert.deepEqual(fake.alive(), []);
});

test("a user's synchronous hooks run in virtual time: a hung worker is aborted after 30 s, childExit sees it, it is replaced", () => {
  const seen: string[] = [];
  const scheduler = new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
  scheduler.run(({ hot, expectObservable }) => {
    const fake = fakePorts({
      hooks: {
        childExit: (_arbiter: unknown, worker: { pid: number }) =>
          void seen.push(`child ${worker.pid} exited at ${scheduler.now()} ms`),
      },
      // Workers that boot and then never heartbeat (hung); one dies when the event stream says so.
      onSpawn: (id, pid) => concat(of(workerSpawned(id, pid), workerBooted(pid)), NEVER),
    });
    const settings = {
      workers: 1,
      timeoutMs: 30_000,
      gracefulTimeoutMs: 30_000,
      abortGraceMs: 1_000,
      quickDeadlineMs: 2_000,
      hooks: ['childExit'] as const,
    };
    const event$ = hot('s 30499ms x', { s: started(), x: workerExited(101, null, 'ABRT') });
    const command$ = feedback(arbiter(initialState(settings)), interpretArbiter(fake.ports, scheduler))(event$);
    const shown$ = command$.pipe(
      ofType('SpawnWorker', 'KillWorker', 'CallHook'),
      map((c) => (c.type === 'KillWorker' ? `kill ${c.pid} ${c.signal}` : c.type)),
    );
    expectObservable(shown$, '^ 30600ms !').toBe('a 29999ms b 499ms (cd)', {
      a: 'SpawnWorker',
      b: 'kill 101 ABRT',
      c: 'CallHook',
      d: 'SpawnWorker',
    });
  });
  assert.deepEqual(seen, ['child 101 exited at 30500 ms']);
});
