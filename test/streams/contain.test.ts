// Containment of user stages in the request pipeline: a stage that throws (stage(fn), a plain rxjs
// operator, an async operator) answers the requests it held with a 500, is reported under its name,
// and every later request still flows through it to the app.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY, map, mergeMap, Subject, take, type OperatorFunction } from 'rxjs';
import { respond } from '../../src/streams/pipeline/exchange';
import { requestPipeline } from '../../src/streams/pipeline/request-pipeline';
import { stage, type Stage } from '../../src/streams/pipeline/stage';
import { exchange, type FakeExchange, type FakeResponse } from '../support/fake-exchange';

interface Reported {
  readonly message: string;
  readonly stage: string;
  readonly url: string | undefined;
}

/** Requests through `stages` to an app that answers 200 `ok <url>` at once. */
function pipeline(stages: ReadonlyArray<Stage<FakeExchange>>) {
  const in$ = new Subject<FakeExchange>();
  const reported: Reported[] = [];
  const served: string[] = [];
  let completed = false;
  in$
    .pipe(
      requestPipeline(stages, (req, res: FakeResponse) => res.end(`ok ${req.url}`), {
        concurrency: 10,
        onError: (e) => assert.fail(`the app failed: ${String(e)}`),
        onStageError: (e, name, ex) => reported.push({ message: (e as Error).message, stage: name, url: ex?.req.url }),
      }),
    )
    .subscribe({ next: (ex) => served.push(ex.req.url), complete: () => (completed = true) });
  const send = (url: string) => {
    const ex = exchange(url);
    in$.next(ex);
    return ex;
  };
  /** Status and body of each URL, sent one after the other. */
  const statuses = (urls: readonly string[]) =>
    urls.map((u) => send(u)).map((ex) => [ex.req.url, ex.res.statusCode, ex.res.body]);
  return { in$, send, statuses, reported, served, isComplete: () => completed };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const ok = (url: string) => [url, 200, `ok ${url}`];
const failed = (url: string) => [url, 500, 'Internal Server Error\n'];

test('stage(fn) that throws on one path: 500 there, reported with its name, 200 everywhere after', () => {
  const p = pipeline([
    stage(function checkAuth(ex: FakeExchange) {
      if (ex.req.url === '/boom') throw new Error('no token table');
      return ex;
    }),
  ]);
  assert.deepEqual(p.statuses(['/a', '/boom', '/b', '/boom', '/c']), [
    ok('/a'),
    failed('/boom'),
    ok('/b'),
    failed('/boom'),
    ok('/c'),
  ]);
  assert.deepEqual(p.reported, [
    { message: 'no token table', stage: 'checkAuth', url: '/boom' },
    { message: 'no token table', stage: 'checkAuth', url: '/boom' },
  ]);
});

test('a plain rxjs map that throws on one path: 500 there, reported as "stage #N", 200 for every request after', () => {
  const boomOn = (path: string) =>
    map((ex: FakeExchange) => {
      if (ex.req.url === path) throw new Error(`bad ${path}`);
      return ex;
    });
  const p = pipeline([stage((ex: FakeExchange) => ex), boomOn('/boom')]);
  const urls = ['/a', '/boom', ...Array.from({ length: 20 }, (_, i) => `/after${i}`)];
  const results = p.statuses(urls);
  assert.deepEqual(results[1], failed('/boom'));
  assert.deepEqual(results.filter((r) => r[1] === 200).length, urls.length - 1);
  assert.deepEqual(p.reported, [{ message: 'bad /boom', stage: 'stage #2', url: '/boom' }]);
  assert.equal(p.served.length, urls.length - 1, 'every other exchange reached the end of the pipeline');
});

test('a named operator function is reported under its name', () => {
  function addUser(source: import('rxjs').Observable<FakeExchange>) {
    return source.pipe(
      map((ex) => {
        if (ex.req.url === '/x') throw new Error('no user');
        return ex;
      }),
    );
  }
  const p = pipeline([addUser]);
  p.statuses(['/x', '/y']);
  assert.deepEqual(p.reported, [{ message: 'no user', stage: 'addUser', url: '/x' }]);
});

test('an async operator that fails: 500 for the exchanges inside it, later requests pass', async () => {
  let release: () => void = () => undefined;
  const lookup = mergeMap((ex: FakeExchange) => {
    if (ex.req.url === '/reject') return Promise.reject(new Error('db down'));
    if (ex.req.url === '/slow') return new Promise<FakeExchange>((resolve) => (release = () => resolve(ex)));
    return Promise.resolve(ex);
  });
  const p = pipeline([lookup]);
  const inside = [p.send('/slow'), p.send('/reject')];
  await settle();
  assert.deepEqual(
    inside.map((ex) => ex.res.statusCode),
    [500, 500],
    'both were lost with the failed instance',
  );
  assert.deepEqual(p.reported, [{ message: 'db down', stage: 'stage #1', url: undefined }]);
  release();
  await settle();
  assert.deepEqual(p.served, [], 'the failed instance emits nothing more');
  const later = [p.send('/later'), p.send('/again')];
  await settle();
  assert.deepEqual(
    later.map((ex) => [ex.res.statusCode, ex.res.body]),
    [
      [200, 'ok /later'],
      [200, 'ok /again'],
    ],
  );
});

test('an async failure with one exchange inside is reported with that exchange', async () => {
  const p = pipeline([
    mergeMap((ex: FakeExchange) =>
      ex.req.url === '/reject' ? Promise.reject(new Error('db down')) : Promise.resolve(ex),
    ),
  ]);
  const ex = p.send('/reject');
  await settle();
  assert.equal(ex.res.statusCode, 500);
  assert.deepEqual(p.reported, [{ message: 'db down', stage: 'stage #1', url: '/reject' }]);
});

test('an async failure leaves alone the requests the stage answered and dropped itself', async () => {
  const gate = mergeMap((ex: FakeExchange) => {
    if (ex.req.url === '/denied') {
      respond(ex, 401, 'Unauthorized\n');
      return EMPTY;
    }
    return ex.req.url === '/reject' ? Promise.reject(new Error('db down')) : Promise.resolve(ex);
  });
  const p = pipeline([gate]);
  const denied = p.send('/denied');
  p.send('/reject');
  await settle();
  assert.equal(denied.res.statusCode, 401);
  assert.equal(denied.res.destroyed, false, 'its connection was not cut');
});

test('a stage whose output completes early does not end the pipeline', () => {
  const p = pipeline([take<FakeExchange>(1)]);
  assert.deepEqual(p.statuses(['/a', '/b', '/c']), [ok('/a'), ok('/b'), ok('/c')]);
  assert.equal(p.isComplete(), false);
  assert.equal(p.reported.length, 1, 'reported once');
  assert.match(p.reported[0]?.message ?? '', /completed while requests were still coming/);
});

test('a stage that completes holding requests: those get a 500', () => {
  const swallow: OperatorFunction<FakeExchange, FakeExchange> = () => EMPTY;
  const p = pipeline([swallow]);
  assert.deepEqual(p.statuses(['/a', '/b']), [failed('/a'), failed('/b')]);
  assert.equal(p.reported.length, 2);
});

test('an operator function that throws when applied: 500 for each request, reported, never a crash', () => {
  const broken: OperatorFunction<FakeExchange, FakeExchange> = function broken() {
    throw new Error('not an operator');
  };
  const p = pipeline([broken]);
  assert.deepEqual(p.statuses(['/a', '/b']), [failed('/a'), failed('/b')]);
  assert.deepEqual(
    p.reported.map((r) => [r.stage, r.url, r.message]),
    [
      ['broken', '/a', 'not an operator'],
      ['broken', '/b', 'not an operator'],
    ],
  );
});

test('the pipeline completes when the requests end and the last response has closed', async () => {
  const p = pipeline([mergeMap((ex: FakeExchange) => Promise.resolve(ex))]);
  p.send('/a');
  p.in$.complete();
  assert.equal(p.isComplete(), false);
  await settle();
  assert.equal(p.isComplete(), true);
  assert.deepEqual(p.served, ['/a']);
});
