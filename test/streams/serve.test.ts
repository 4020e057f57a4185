// The app stage: runs the app with a concurrency limit, turns app exceptions into 500s, and emits
// each exchange when its response has closed. Fake req/res: the stage only needs their shape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Subject } from 'rxjs';
import { respond, type Exchange, type ResponseLike } from '../../src/streams/pipeline/exchange';
import { serve } from '../../src/streams/pipeline/serve';
import { stage } from '../../src/streams/pipeline/stage';

class FakeResponse implements ResponseLike {
  statusCode = 200;
  shouldKeepAlive = true;
  headersSent = false;
  destroyed = false;
  body: string | undefined;
  headers: Record<string, unknown> = {};
  private onClose: Array<(this: ResponseLike) => void> = [];
  setHeader(name: string, value: unknown) {
    this.headers[name.toLowerCase()] = value;
  }
  end(chunk?: string) {
    this.headersSent = true;
    this.body = chunk;
    this.close();
  }
  destroy() {
    this.destroyed = true;
    this.close();
  }
  on(_event: 'close', listener: (this: ResponseLike) => void) {
    this.onClose.push(listener);
  }
  close() {
    const listeners = this.onClose;
    this.onClose = [];
    for (const l of listeners) l.call(this);
  }
}

type FakeExchange = Exchange<{ headers: Record<string, string>; url: string; method: string }, FakeResponse>;
const exchange = (url: string): FakeExchange => ({ req: { headers: {}, url, method: 'GET' }, res: new FakeResponse() });

function harness(handler: (req: FakeExchange['req'], res: FakeResponse) => unknown, concurrency = 10) {
  const in$ = new Subject<FakeExchange>();
  const done: string[] = [];
  const errors: string[] = [];
  let completed = false;
  in$.pipe(serve(handler, { concurrency, onError: (e) => errors.push((e as Error).message) })).subscribe({
    next: (ex) => done.push(ex.req.url),
    complete: () => (completed = true),
  });
  return { in$, done, errors, isComplete: () => completed };
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
  const [a, b, c, d] = ['/a', '/b', '/c', '/d'].map(exchange) as [FakeExchange, FakeExchange, FakeExchange, FakeExchange];
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

test('stage(fn) passes exchanges on or drops the ones it answered', () => {
  const in$ = new Subject<FakeExchange>();
  const passed: string[] = [];
  const requireHost = stage<FakeExchange>((ex) => {
    if (ex.req.headers.host) return ex;
    respond(ex, 400, 'Bad Request\n');
    return undefined;
  });
  in$.pipe(requireHost).subscribe((ex) => passed.push(ex.req.url));
  const withHost: FakeExchange = { req: { headers: { host: 'x' }, url: '/ok', method: 'GET' }, res: new FakeResponse() };
  const without = exchange('/no-host');
  in$.next(withHost);
  in$.next(without);
  assert.deepEqual(passed, ['/ok']);
  assert.equal(without.res.statusCode, 400);
  assert.equal(without.res.headers['content-length'], 12);
  assert.equal(without.res.shouldKeepAlive, false);
});
