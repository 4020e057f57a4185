// contain() in virtual time: a stage that throws drops only the exchange it failed on (answered 500
// elsewhere), the request stream stays subscribed, and a stage failing later (after a delay) loses
// only what it held.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { delay, map, mergeMap, of, timer } from 'rxjs';
import { contain } from '../../src/streams/pipeline/contain';
import { exchange, type FakeExchange } from '../support/fake-exchange';
import { marbles } from '../support/marbles';

const exchanges = () => ({ a: exchange('/a'), b: exchange('/b'), c: exchange('/c'), d: exchange('/d') });
const failing = (path: string) =>
  map((e: FakeExchange) => {
    if (e.req.url === path) throw new Error(`bad ${path}`);
    return e;
  });

test('a map that throws on /b: a and c pass, b is dropped, the source stays subscribed', () => {
  const reported: string[] = [];
  const ex = exchanges();
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const request$ = hot('a-b-c-|', ex);
    const expected = 'a---c-|';
    expectObservable(
      request$.pipe(
        contain(failing('/b'), 'checkB', (e, name, x) =>
          reported.push(`${name} ${x?.req.url} ${(e as Error).message}`),
        ),
      ),
    ).toBe(expected, ex);
    expectSubscriptions(request$.subscriptions).toBe('^-----!');
  });
  assert.deepEqual(reported, ['checkB /b bad /b']);
  assert.deepEqual(
    [ex.a, ex.b, ex.c].map((e) => e.res.statusCode),
    [200, 500, 200],
  );
});

test('a stage that fails 2 ms after taking /b loses /b (and /c, inside with it); /d, later, passes', () => {
  const reported: string[] = [];
  const ex = exchanges();
  const timeout = () =>
    timer(2).pipe(
      map((): FakeExchange => {
        throw new Error('timeout');
      }),
    );
  const slow = mergeMap((e: FakeExchange) => (e.req.url === '/b' ? timeout() : of(e).pipe(delay(3))));
  marbles(({ hot, expectObservable, expectSubscriptions }) => {
    const request$ = hot('a-bc-d--|', ex);
    const expected = '---a----(d|)';
    expectObservable(
      request$.pipe(
        contain(slow, 'stage #1', (e, name, x) =>
          reported.push(`${name} ${String(x?.req.url)} ${(e as Error).message}`),
        ),
      ),
    ).toBe(expected, ex);
    expectSubscriptions(request$.subscriptions).toBe('^-------!');
  });
  assert.deepEqual(reported, ['stage #1 undefined timeout']);
  assert.deepEqual(
    [ex.a, ex.b, ex.c, ex.d].map((e) => e.res.statusCode),
    [200, 500, 500, 200],
  );
});
