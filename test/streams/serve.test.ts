// The app stage: runs the app with a concurrency limit, turns app exceptions into 500s, and emits
// each exchange when its response has closed; releases exchanges whose client left before they ran;
// answers 500 to an app that hands back an app. Fake req/res (test/support/fake-exchange.ts) that
// close as Node's do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Subject } from 'rxjs';
import { serve } from '../../src/streams/pipeline/serve';
import { disconnect, exchange, type FakeExchange, type FakeResponse } from '../support/fake-exchange';

function harness(handler: (req: FakeExchange['req'], res: FakeResponse) => unknown, concurrency = 10) {
  const in$ = new Subject<FakeExchange>();
  const done: string[] = [];
  const errors: string[] = [];
  const abandoned: string[] = [];
  let completed = false;
  in$
    .pipe(
      serve(handler, {
        concurrency,
        onError: (e) => errors.push((e as Error).message),
        onAbandoned: (ex) => abandoned.push(ex.req.url),
      }),
    )
    .subscribe({
      next: (ex) => done.push(ex.req.url),
      complete: () => (completed = true),
    });
  return { in$, done, errors, abandoned, isComplete: () => completed };
}

test('each exchange is emitted when its response closes, in closing order', () => {
  const pending: FakeResponse[] = [];
  const h = harness((_req, res) => void pending.push(res));
  const a = exchange('/a');
  const b = exchange('/b');
  h.in$.next(a);
  h.in$.next(b);
  assert.deepEqual(h.done, []);
  b.res.end('b');
  a.res.end('a');
  assert.deepEqual(h.done, ['/b', '/a']);
});

test('beyond the concurrency limit exchanges wait their turn, first come first served', () => {
  const started: string[] = [];
  const h = harness((req) => void started.push(req.url), 2);
  const [a, b, c, d] = ['/a', '/b', '/c', '/d'].map((u) => exchange(u)) as [
    FakeExchange,
    FakeExchange,
    FakeExchange,
    FakeExchange,
  ];
  for (const ex of [a, b, c, d]) h.in$.next(ex);
  assert.deepEqual(started, ['/a', '/b']);
  b.res.end();
  assert.deepEqual(started, ['/a', '/b', '/c']);
  a.res.end();
  assert.deepEqual(started, ['/a', '/b', '/c', '/d']);
});

test('an app that throws: 500 for that request, the error reported, the next request served', () => {
  const h = harness((req, res) => {
    if (req.url === '/boom') throw new Error('boom');
    res.end('ok');
  });
  const boom = exchange('/boom');
  const fine = exchange('/fine');
  h.in$.next(boom);
  h.in$.next(fine);
  assert.equal(boom.res.statusCode, 500);
  assert.equal(boom.res.body, 'Internal Server Error\n');
  assert.equal(boom.res.shouldKeepAlive, false);
  assert.deepEqual(h.errors, ['boom']);
  assert.equal(fine.res.body, 'ok');
  assert.deepEqual(h.done, ['/boom', '/fine']);
});

test('an app whose promise rejects: 500 once the rejection arrives', async () => {
  const h = harness(() => Promise.reject(new Error('later')));
  const ex = exchange('/x');
  h.in$.next(ex);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(ex.res.statusCode, 500);
  assert.deepEqual(h.errors, ['later']);
  assert.deepEqual(h.done, ['/x']);
});

test('an app that throws after sending headers: the connection is closed, no second response', () => {
  const h = harness((_req, res) => {
    res.headersSent = true;
    throw new Error('mid-stream');
  });
  const ex = exchange('/x');
  h.in$.next(ex);
  assert.equal(ex.res.destroyed, true);
  assert.equal(ex.res.body, undefined);
});

test('completes when the source completes and the last response has closed', () => {
  const pending: FakeResponse[] = [];
  const h = harness((_req, res) => void pending.push(res));
  h.in$.next(exchange('/a'));
  h.in$.complete();
  assert.equal(h.isComplete(), false);
  pending[0]?.end();
  assert.equal(h.isComplete(), true);
});

// -- clients that leave before their request runs -------------------------------------------------

/** An app that answers each request when told to, by URL. */
function heldApp() {
  const started: string[] = [];
  const held = new Map<string, FakeResponse>();
  const handler = (req: FakeExchange['req'], res: FakeResponse) => {
    started.push(req.url);
    held.set(req.url, res);
  };
  const answer = (url: string) => held.get(url)?.end(`done ${url}`);
  return { started, handler, answer };
}

test('a waiting exchange whose client leaves is released at once, counted, and never handed to the app', () => {
  const app = heldApp();
  const h = harness(app.handler, 1);
  const slow = exchange('/slow');
  const gone = exchange('/gone');
  h.in$.next(slow);
  h.in$.next(gone);
  disconnect(gone);
  assert.deepEqual(h.abandoned, ['/gone'], 'counted as soon as it left');
  app.answer('/slow');
  const later = exchange('/later');
  h.in$.next(later);
  app.answer('/later');
  assert.deepEqual(app.started, ['/slow', '/later'], 'the app never saw /gone');
  assert.equal(later.res.body, 'done /later', 'the worker still serves');
  assert.deepEqual(h.done, ['/slow', '/later']);
});

test('with many waiting, only the ones that left are skipped; the others keep their order', () => {
  const app = heldApp();
  const h = harness(app.handler, 1);
  const [a, b, c, d] = ['/a', '/b', '/c', '/d'].map((u) => exchange(u)) as [
    FakeExchange,
    FakeExchange,
    FakeExchange,
    FakeExchange,
  ];
  for (const ex of [a, b, c, d]) h.in$.next(ex);
  disconnect(c);
  disconnect(b);
  app.answer('/a');
  app.answer('/d');
  assert.deepEqual(app.started, ['/a', '/d']);
  assert.deepEqual(h.abandoned, ['/c', '/b']);
  assert.deepEqual(h.done, ['/a', '/d']);
});

test('a waiting exchange whose client left without a close event is released when its turn comes', () => {
  const app = heldApp();
  const h = harness(app.handler, 1);
  h.in$.next(exchange('/slow'));
  const gone = exchange('/gone');
  h.in$.next(gone);
  gone.req.socket.destroyed = true; // no event: e.g. its request's close was spent when a stage read the body
  assert.deepEqual(h.abandoned, []);
  app.answer('/slow');
  assert.deepEqual(h.abandoned, ['/gone']);
  const later = exchange('/later');
  h.in$.next(later);
  assert.deepEqual(app.started, ['/slow', '/later']);
});

test('an exchange whose client has gone when it arrives (held by an async stage) is never run', () => {
  const app = heldApp();
  const h = harness(app.handler, 10);
  const gone = exchange('/gone');
  disconnect(gone);
  h.in$.next(gone);
  assert.deepEqual(app.started, []);
  assert.deepEqual(h.abandoned, ['/gone']);
});

test('a pipelined request whose client leaves while the app runs it frees its slot', () => {
  // Node never emits close on a response that waits behind another on the connection.
  const app = heldApp();
  const h = harness(app.handler, 1);
  const piped = exchange('/piped', { pipelined: true });
  h.in$.next(piped);
  h.in$.next(exchange('/next'));
  assert.deepEqual(app.started, ['/piped']);
  disconnect(piped);
  assert.deepEqual(app.started, ['/piped', '/next'], 'the slot was freed');
  assert.deepEqual(h.done, ['/piped'], 'it was run, so it counts as served, not abandoned');
  assert.deepEqual(h.abandoned, []);
});

test('a pipelined request that is answered normally is emitted once', () => {
  const app = heldApp();
  const h = harness(app.handler, 1);
  const piped = exchange('/piped', { pipelined: true });
  h.in$.next(piped);
  app.answer('/piped');
  piped.req.socket.destroyed = true; // Connection: close after the response
  piped.req.close();
  assert.deepEqual(h.done, ['/piped']);
});

test('the stream completes once the source has and the last waiting exchange was released', () => {
  const app = heldApp();
  const h = harness(app.handler, 1);
  const gone = exchange('/gone');
  h.in$.next(exchange('/slow'));
  h.in$.next(gone);
  h.in$.complete();
  disconnect(gone);
  assert.equal(h.isComplete(), false);
  app.answer('/slow');
  assert.equal(h.isComplete(), true);
});

test('a request run at once gets no listener on its request (the hot path pays nothing more)', () => {
  const app = heldApp();
  const h = harness(app.handler, 10);
  const ex = exchange('/a');
  h.in$.next(ex);
  assert.equal(ex.req.closeListeners.count, 0);
  assert.equal(ex.res.closeListeners.count, 1);
});

// -- an app handed back instead of an answer --------------------------------------------------------

const APP_RETURNED =
  /^the app returned (.+) instead of answering the request: if APP names a factory, call it: `module:create\(\)`$/;

test('a handler that returns an app instead of answering: 500, and the error says how to fix APP', () => {
  const expressLike = Object.assign((_req: unknown, _res: unknown, _next: unknown) => undefined, {
    use() {},
    handle() {},
    listen() {},
  });
  const returns = [
    ['/express', expressLike, 'an Express app'],
    ['/koa', { use() {}, callback() {}, listen() {} }, 'a Koa app'],
    ['/fastify', { ready() {}, routing() {}, listen() {} }, 'a Fastify app'],
    ['/fetch', { fetch() {} }, 'a Fetch handler (an object with a fetch method)'],
    ['/server', { listen() {}, on() {} }, 'a server (an object with a listen method)'],
    ['/listener', (_req: unknown, _res: unknown) => undefined, 'a function'],
  ] as const;
  const byUrl = new Map<string, unknown>(returns.map(([url, value]) => [url, value]));
  const h = harness((req) => byUrl.get(req.url));
  for (const [url, , what] of returns) {
    const ex = exchange(url);
    h.in$.next(ex);
    assert.equal(ex.res.statusCode, 500, url);
    assert.equal(ex.res.body, 'Internal Server Error\n');
    assert.equal(APP_RETURNED.exec(h.errors.at(-1) ?? '')?.[1], what, url);
  }
  assert.equal(h.errors.length, returns.length);
});

test('an async handler whose promise resolves to an app: 500 with the same hint', async () => {
  const h = harness(async () => ({ fetch() {} }));
  const ex = exchange('/x');
  h.in$.next(ex);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(ex.res.statusCode, 500);
  assert.match(h.errors[0] ?? '', APP_RETURNED);
});

test('values that are not an app missing its answer are left alone', async () => {
  const cases: Array<[string, (req: FakeExchange['req'], res: FakeResponse) => unknown]> = [
    [
      'res.end() returns the response',
      (_req, res) => {
        res.end('ok');
        return res;
      },
    ],
    [
      'a cleanup callback, answered later',
      (_req, res) => {
        queueMicrotask(() => res.end('ok'));
        return () => undefined;
      },
    ],
    [
      'an app returned after answering',
      (_req, res) => {
        res.end('ok');
        return { fetch() {} };
      },
    ],
    [
      'a promise of an app, resolved after answering',
      async (_req, res) => {
        res.end('ok');
        return { fetch() {} };
      },
    ],
    [
      'a boolean',
      (_req, res) => {
        res.end('ok');
        return true;
      },
    ],
  ];
  for (const [name, handler] of cases) {
    const h = harness(handler);
    const ex = exchange('/x');
    h.in$.next(ex);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(ex.res.statusCode, 200, name);
    assert.equal(ex.res.body, 'ok', name);
    assert.deepEqual(h.errors, [], name);
  }
});
