/**
 * Requests never wedge a worker, through the real CLI and real sockets.
 *
 * The queued-abort case: with one request allowed at a time (`-k sync`, or
 * `--worker-connections 1`), a client sends a request while another runs and gives up before its
 * turn. Its exchange must be released, so the request after it is answered. The test knows the
 * request has reached the worker's queue from a `pre_request` hook that logs it (it runs just
 * before the app stage), then drops the connection.
 *
 * An app that returns an app (`app.mjs:create` where `create()` was meant) answers 500 and logs
 * one line saying how to fix APP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fixture, get, ROOT, runicorn, until, type Reply } from '../support/cli';

const BOUND = { timeout: 45_000 };
/** The request that is given up on: a slow one, so the app would say so if it ran it. */
const GONE = '/slow?ms=10&gone';
const PRE_GONE = /^pre_request \/slow\?ms=10&gone$/;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-wedge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A config whose pre_request hook says which request is about to reach the app stage. */
function announcingConfig(dir: string): string {
  const conf = join(dir, 'announce.conf.mjs');
  writeFileSync(
    conf,
    [
      'export default {',
      "  preRequest(worker, req) { process.stderr.write('pre_request ' + req.url + '\\n'); },",
      "  postRequest(worker, req) { process.stderr.write('post_request ' + req.url + ' abandoned=' + worker.abandoned + '\\n'); },",
      '};\n',
    ].join('\n'),
  );
  return conf;
}

/** Send GETs on one raw connection (pipelined when several), so the test can drop it whenever it likes. */
function sendRaw(port: number, ...paths: string[]): net.Socket {
  const socket = net.connect(port, '127.0.0.1', () =>
    socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`).join('')),
  );
  socket.on('error', () => undefined);
  return socket;
}

/** A GET that fails instead of hanging when no answer comes within `ms`. */
function getWithin(port: number, path: string, ms: number): Promise<Reply> {
  return Promise.race([
    get(port, path),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer to ${path} within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

for (const [what, flags] of [
  ['-k sync', ['-k', 'sync']],
  ['--worker-connections 1', ['--worker-connections', '1']],
] as const) {
  test(`${what}: a client that gives up while its request is queued does not wedge the worker`, BOUND, async (t) => {
    const conf = announcingConfig(tempDir(t));
    const r = runicorn(t, ['-w', '1', ...flags, '-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')]);
    const port = await r.port();
    await until(port, '/', (rep) => rep.status === 200);
    const mark = r.lines.length;
    const slow = get(port, '/slow?ms=2000');
    await r.waitFor(/slow request started/, { from: mark });
    const quitter = sendRaw(port, GONE);
    // Queued as soon as its pre_request hook ran. (A worker that stopped accepting while busy would
    // take it only after /slow: then the test still checks that dropping it wedges nothing.)
    const queued = await Promise.race([
      r.waitFor(PRE_GONE, { from: mark }).then(
        () => true,
        () => false,
      ),
      slow.then(() => false),
    ]);
    quitter.destroy();
    assert.equal((await slow).status, 200);
    const after = await getWithin(port, '/after', 8_000);
    assert.equal(after.status, 200);
    const again = await getWithin(port, '/', 8_000);
    assert.equal(again.status, 200);
    if (queued) {
      const started = r.lines.slice(mark).filter((l) => /slow request started/.test(l)).length;
      assert.equal(started, 1, 'the app never ran the abandoned request');
      await r.waitFor(/^post_request \/after abandoned=1$/, { from: mark });
    }
  });
}

test(
  '--worker-connections 1: a pipelined request whose client leaves while it waits does not wedge the worker',
  BOUND,
  async (t) => {
    // Node never emits close on a response waiting behind an earlier one on its connection.
    const conf = announcingConfig(tempDir(t));
    const r = runicorn(t, [
      '-w',
      '1',
      '--worker-connections',
      '1',
      '-c',
      conf,
      '-b',
      '127.0.0.1:0',
      fixture('app.mjs'),
    ]);
    const port = await r.port();
    await until(port, '/', (rep) => rep.status === 200);
    const mark = r.lines.length;
    const quitter = sendRaw(port, '/slow?ms=2000', GONE);
    await r.waitFor(PRE_GONE, { from: mark });
    await r.waitFor(/slow request started/, { from: mark });
    quitter.destroy();
    const after = await getWithin(port, '/after', 8_000);
    assert.equal(after.status, 200);
    assert.equal(
      r.lines.slice(mark).filter((l) => /slow request started/.test(l)).length,
      1,
      'the app never ran the abandoned request',
    );
  },
);

test('an app named without its factory call (app.mjs:create) answers 500 and logs how to fix APP', BOUND, async (t) => {
  const dir = tempDir(t);
  const express = JSON.stringify(join(ROOT, 'node_modules', 'express', 'index.js'));
  writeFileSync(
    join(dir, 'app.mjs'),
    [
      `import express from ${express};`,
      'export function create() {',
      '  const app = express();',
      "  app.get('/', (req, res) => res.send('made by the factory'));",
      '  return app;',
      '}',
      '',
    ].join('\n'),
  );
  const wrong = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', 'app.mjs:create'], { cwd: dir });
  const port = await wrong.port();
  const mark = wrong.lines.length;
  const reply = await getWithin(port, '/', 10_000);
  assert.equal(reply.status, 500);
  const line = await wrong.waitFor(/Error handling request GET \/: (.*)$/, { from: mark });
  assert.equal(
    line[1],
    'the app returned an Express app instead of answering the request: if APP names a factory, call it: `module:create()`',
  );
  const next = wrong.lines[wrong.lines.indexOf(line.input as string) + 1] ?? '';
  assert.doesNotMatch(next, /^\s+at /, 'one line, no stack trace');

  const right = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', 'app.mjs:create()'], { cwd: dir });
  const fixed = await until(await right.port(), '/', (rep) => rep.status === 200);
  assert.equal(fixed.body, 'made by the factory');
});
