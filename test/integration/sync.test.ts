/**
 * The sync worker, through the real CLI: `--timeout` bounds how long a request may run (the
 * worker holds its heartbeat while a request is stuck, as Gunicorn's sync worker does, so the
 * arbiter aborts and replaces it), and a busy sync worker stops accepting, so quick requests go
 * to an idle worker instead of waiting behind a slow one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { get, runicorn, until } from '../support/cli';

const BOUND = { timeout: 45_000 };

/** /hang never answers; /slow answers after ?ms=; anything else answers with the worker's pid. */
const APP = `
export default function app(req, res) {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/hang') {
    process.stderr.write('hang request started in ' + process.pid + '\\n');
    return;
  }
  if (url.pathname === '/slow') {
    process.stderr.write('slow request started in ' + process.pid + '\\n');
    setTimeout(() => res.end('slow ' + process.pid), Number(url.searchParams.get('ms') ?? 1000));
    return;
  }
  res.end(String(process.pid));
}
`;
const CONF = `
export default {
  workerAbort(worker) { process.stderr.write('hook: workerAbort ' + worker.pid + '\\n'); },
};
`;

function files(t: TestContext): { app: string; conf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-sync-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = join(dir, 'app.mjs');
  const conf = join(dir, 'conf.mjs');
  writeFileSync(app, APP);
  writeFileSync(conf, CONF);
  return { app, conf };
}

test(
  '-k sync -t 2: a request that never answers gets its worker aborted (workerAbort) and replaced',
  BOUND,
  async (t) => {
    const { app, conf } = files(t);
    const r = runicorn(t, ['-k', 'sync', '-t', '2', '-w', '1', '-c', conf, '-b', '127.0.0.1:0', app]);
    const port = await r.port();
    const first = await until(port, '/', (reply) => reply.status === 200);
    const pid = Number(first.body);

    const hung = get(port, '/hang').then(
      () => 'answered',
      () => 'connection dropped',
    );
    await r.waitFor(/hang request started/);
    await r.waitFor(new RegExp(`WORKER TIMEOUT \\(pid:${pid}\\)`));
    await r.waitFor(new RegExp(`hook: workerAbort ${pid}`));
    assert.equal(await hung, 'connection dropped');
    const next = await until(port, '/', (reply) => reply.status === 200);
    assert.notEqual(Number(next.body), pid, 'a new worker serves the next request');
  },
);

test(
  'the default async worker: the same hang does not get it aborted (there the timeout bounds a blocked loop only)',
  BOUND,
  async (t) => {
    const { app, conf } = files(t);
    const r = runicorn(t, ['-t', '2', '-w', '1', '-c', conf, '-b', '127.0.0.1:0', app]);
    const port = await r.port();
    await until(port, '/', (reply) => reply.status === 200);
    const hung = get(port, '/hang').catch(() => undefined);
    await r.waitFor(/hang request started/);
    // Five seconds of heartbeats after the hang began (the timeout is 2 s): still the same worker.
    const slow = await get(port, '/slow?ms=5000');
    assert.equal(slow.status, 200);
    assert.ok(!r.lines.some((l) => /WORKER TIMEOUT/.test(l)));
    void hung;
  },
);

test(
  '-k sync -w 2: while one worker runs a 3 s request, 20 quick requests on new connections all finish before it',
  BOUND,
  async (t) => {
    const { app } = files(t);
    const r = runicorn(t, ['-k', 'sync', '-w', '2', '-b', '127.0.0.1:0', app]);
    const port = await r.port();
    const seen = new Set<string>();
    // Both workers up: on a loaded machine the second may boot long after the first answers.
    await until(
      port,
      '/',
      (reply) => {
        seen.add(reply.body);
        return seen.size === 2;
      },
      5000,
    );

    let slowDone = 0;
    const slow = get(port, '/slow?ms=3000').then((reply) => {
      slowDone = performance.now();
      return reply;
    });
    const busy = Number((await r.waitFor(/slow request started in (\d+)/))[1]);
    const quick = await Promise.all(
      Array.from({ length: 20 }, () => get(port, '/').then((reply) => ({ reply, at: performance.now() }))),
    );
    const slowReply = await slow;
    assert.equal(slowReply.status, 200);
    for (const { reply, at } of quick) {
      assert.equal(reply.status, 200);
      assert.notEqual(Number(reply.body), busy, 'answered by the idle worker');
      assert.ok(at < slowDone, 'finished before the slow request');
    }
  },
);
