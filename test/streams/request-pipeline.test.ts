// requestPipeline: the one composition of the user's stages (contained) and the app (serve), as the
// worker runtime and inject() build it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { map, Subject } from 'rxjs';
import { requestPipeline } from '../../src/streams/pipeline/request-pipeline';
import type { Stage } from '../../src/streams/pipeline/stage';
import { disconnect, exchange, type FakeExchange, type FakeResponse } from '../support/fake-exchange';

function run(stages: ReadonlyArray<Stage<FakeExchange>>, concurrency: number) {
  const in$ = new Subject<FakeExchange>();
  const held: FakeResponse[] = [];
  const log: string[] = [];
  in$
    .pipe(
      requestPipeline(stages, (_req, res: FakeResponse) => void held.push(res), {
        concurrency,
        onError: (e) => log.push(`app ${String(e)}`),
        onStageError: (e, name) => log.push(`stage ${name} ${String(e)}`),
        onAbandoned: (ex) => log.push(`abandoned ${ex.req.url}`),
      }),
    )
    .subscribe((ex) => log.push(`done ${ex.req.url}`));
  return { in$, held, log };
}

for (const [what, stages] of [
  ['no stages', []],
  ['a user stage', [map((ex: FakeExchange) => ex)]],
] as const) {
  test(`${what}: a client that leaves while its request waits is released and reported; the next request runs`, () => {
    const p = run(stages, 1);
    const first = exchange('/first');
    const gone = exchange('/gone');
    p.in$.next(first);
    p.in$.next(gone);
    disconnect(gone);
    p.held[0]?.end();
    p.in$.next(exchange('/next'));
    p.held[1]?.end();
    assert.equal(p.held.length, 2, 'the app ran /first and /next only');
    assert.deepEqual(p.log, ['abandoned /gone', 'done /first', 'done /next']);
  });
}
