/**
 * Crash loops with the real CLI: a worker that can never boot is respawned with a growing wait
 * (0.1 s, 0.2 s, 0.4 s, 0.8 s, …), what it printed is shown once and then counted, and TERM
 * during a wait ends the arbiter at once.
 *
 * Time is measured between log lines as they arrive (the first failure, then the Nth), never by
 * sleeping: respawning at once, as Gunicorn does, would fit 5 failures in well under a second,
 * and the backoff cannot fit them in less than 0.1 + 0.2 + 0.4 + 0.8 = 1.5 s.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runicorn, type Running } from '../support/cli';

/** A temp dir with an app that exits at import, as one that checks DATABASE_URL does, and a good one. */
function apps(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runicorn-crash-'));
  fs.writeFileSync(
    path.join(dir, 'needs-db.mjs'),
    [
      'if (!process.env.DATABASE_URL) {',
      "  console.error('DATABASE_URL is not set');",
      '  process.exit(1);',
      '}',
      "export default (req, res) => res.end('ok');",
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'ok.mjs'), "export default (req, res) => res.end('ok');\n");
  return dir;
}

const count = (r: Running, re: RegExp, from = 0) => r.lines.slice(from).filter((l) => re.test(l)).length;
const FAILED = /Worker \(pid:\d+\) exited with code 1\./;

test('an app that exits at import: respawns back off, the failure is shown once, then counted', async (t) => {
  const dir = apps();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = runicorn(t, ['-b', '127.0.0.1:0', 'needs-db.mjs'], { cwd: dir, env: { DATABASE_URL: '' } });
  await r.waitFor(FAILED);
  const first = Date.now();
  await r.waitFor(/exited with code 1\. Failed to boot 5 times the same way; retrying in 1\.6s$/, {
    timeoutMs: 20_000,
  });
  const elapsed = Date.now() - first;
  assert.ok(elapsed >= 1_200, `5 attempts took ${elapsed} ms; the backoff allows no fewer than 1500 ms`);
  assert.equal(count(r, FAILED), 5, 'one exit line per attempt, and no sixth attempt before its 1.6 s');
  assert.equal(count(r, /DATABASE_URL is not set/), 1, "the app's message is shown once");
  assert.equal(count(r, /Booting worker with pid/), 1, "the worker's boot output is shown once");
  assert.equal(count(r, /Worker \(pid:\d+\) failed to boot; retrying in 0\.1s$/), 1);
  for (const [n, wait] of [
    [2, '0.2'],
    [3, '0.4'],
    [4, '0.8'],
  ] as const) {
    assert.equal(count(r, new RegExp(`Failed to boot ${n} times the same way; retrying in ${wait}s$`)), 1);
  }
  r.kill('SIGTERM');
  assert.deepEqual(await r.exited, { code: 0, signal: null });
});

test('--node-arg=--import of a loader node cannot find: its stack trace is shown once, then counted', async (t) => {
  const dir = apps();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = runicorn(t, ['-b', '127.0.0.1:0', '--node-arg=--import=./does-not-exist.mjs', 'ok.mjs'], { cwd: dir });
  await r.waitFor(FAILED);
  const first = Date.now();
  await r.waitFor(/Failed to boot 3 times the same way; retrying in 0\.4s$/, { timeoutMs: 20_000 });
  const elapsed = Date.now() - first;
  assert.ok(elapsed >= 250, `3 attempts took ${elapsed} ms; the backoff allows no fewer than 300 ms`);
  assert.equal(count(r, FAILED), 3);
  assert.equal(
    count(r, /ERR_MODULE_NOT_FOUND\]: Cannot find module .*does-not-exist\.mjs/),
    1,
    'the error is shown once',
  );
  assert.equal(count(r, /^\s+at /) > 0, true, 'with its stack, as node printed it');
  assert.equal(count(r, /^Node\.js v/), 1);
  r.kill('SIGTERM');
  assert.deepEqual(await r.exited, { code: 0, signal: null });
});

test('TERM during a backoff wait: the arbiter exits 0 at once, without another attempt', async (t) => {
  const dir = apps();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = runicorn(t, ['-b', '127.0.0.1:0', 'needs-db.mjs'], { cwd: dir, env: { DATABASE_URL: '' } });
  // The 4th failure starts a 0.8 s wait; TERM lands in it.
  await r.waitFor(/retrying in 0\.8s$/, { timeoutMs: 20_000 });
  const mark = r.lines.length;
  const sent = Date.now();
  r.kill('SIGTERM');
  const exit = await r.exited;
  const took = Date.now() - sent;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.equal(count(r, FAILED, mark), 0, 'no worker was respawned after TERM');
  assert.equal(count(r, /Shutting down: Master/, mark), 1);
  // Far below the 0.8 s wait plus a worker's boot, which a respawn-then-TERM would take.
  assert.ok(took < 2_000, `exit took ${took} ms`);
});
