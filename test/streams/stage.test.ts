// stage(fn): a stage from a plain function, named after it, that passes exchanges on or drops the
// ones it answered; and the name a stage is reported under in the request pipeline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { map, Subject } from 'rxjs';
import { respond } from '../../src/streams/pipeline/exchange';
import { stageName } from '../../src/streams/pipeline/request-pipeline';
import { stage, stageFunction } from '../../src/streams/pipeline/stage';
import { exchange, type FakeExchange } from '../support/fake-exchange';

function requireHost(ex: FakeExchange): FakeExchange | undefined {
  if (ex.req.headers.host) return ex;
  respond(ex, 400, 'Bad Request\n');
  return undefined;
}

test('stage(fn) passes exchanges on or drops the ones it answered', () => {
  const in$ = new Subject<FakeExchange>();
  const passed: string[] = [];
  in$.pipe(stage(requireHost)).subscribe((ex) => passed.push(ex.req.url));
  const withHost = exchange('/ok', { headers: { host: 'x' } });
  const without = exchange('/no-host');
  in$.next(withHost);
  in$.next(without);
  assert.deepEqual(passed, ['/ok']);
  assert.equal(without.res.statusCode, 400);
  assert.equal(without.res.headers['content-length'], 12);
  assert.equal(without.res.shouldKeepAlive, false);
});

test('a stage is reported under its function name, else its position', () => {
  const anonymous = stage<FakeExchange>(((ex: FakeExchange) => ex) as never);
  const named = function addUser(source: Parameters<ReturnType<typeof map>>[0]) {
    return source;
  };
  const table: Array<[string, { readonly name: string }, number, string]> = [
    ['stage(function requireHost)', stage(requireHost), 0, 'requireHost'],
    [
      'stage(const checkAuth = arrow)',
      stage(Object.defineProperty((ex: FakeExchange) => ex, 'name', { value: 'checkAuth' })),
      2,
      'checkAuth',
    ],
    ['stage(anonymous)', anonymous, 1, 'stage #2'],
    ['map(...)', map((ex: FakeExchange) => ex), 0, 'stage #1'],
    ['a named operator function', named, 3, 'addUser'],
  ];
  for (const [what, op, index, expected] of table) assert.equal(stageName(op, index), expected, what);
});

test('stageFunction finds the function behind stage(fn), and nothing behind other operators', () => {
  assert.equal(stageFunction(stage(requireHost)), requireHost);
  assert.equal(stageFunction(map((ex: FakeExchange) => ex)), undefined);
});

test('on its own (outside requestPipeline) a throwing stage(fn) ends its stream, as any rxjs operator', () => {
  const in$ = new Subject<FakeExchange>();
  let error: unknown;
  in$
    .pipe(
      stage<FakeExchange>(() => {
        throw new Error('boom');
      }),
    )
    .subscribe({ error: (e: unknown) => (error = e) });
  in$.next(exchange('/x'));
  assert.equal((error as Error).message, 'boom');
});
