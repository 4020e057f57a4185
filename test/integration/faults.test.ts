/**
 * Faults stay contained, through the real CLI: a timer that throws (or a promise nobody handles)
 * in a worker while another request is in flight. That request still gets its 200, the worker
 * logs the stack, stops accepting, exits 1 once it is done, and a new worker serves the next
 * request.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { get, isAlive, runicorn, until } from '../support/cli';

const BOUND = { timeout: 45_000 };

/** /slow answers after ?ms=; /boom and /reject answer 200, then fault from a timer 20 ms later. */
const APP = `
export default function app(req, res) {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/slow') {
    process.stderr.write('slow request started in ' + process.pid + '\\n');
    setTimeout(() => res.end('slow ' + process.pid), Number(url.searchParams.get('ms') ?? 1000));
    return;
  }
  if (url.pathname === '/boom') {
    setTimeout(() => { throw new Error('boom from a timer'); }, 20);
    return void res.end('boom scheduled');
  }
  if (url.pathname === '/reject') {
    setTimeout(() => { Promise.reject(new Error('nobody handles this rejection')); }, 20);
    return void res.end('reject scheduled');
  }
  res.end('ok ' + process.pid);
}
`;

function appFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-faults-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'app.mjs');
  writeFileSync(file, APP);
  return file;
}

const cases = [
  { path: '/boom', logged: /Uncaught exception in worker: Error: boom from a timer/ },
  { path: '/reject', logged: /Unhandled promise rejection in worker: Error: nobody handles this rejection/ },
] as const;

for (const { path, logged } of cases) {
  test(
    `a fault in ${path} while /slow is in flight: /slow gets its 200, the stack is logged, the worker exits 1 and is replaced`,
    BOUND,
    async (t) => {
      const r = runicorn(t, ['-w', '1', '--graceful-timeout', '10', '-b', '127.0.0.1:0', appFile(t)]);
      const port = await r.port();
      const first = await until(port, '/', (reply) => reply.status === 200);
      const pid = Number(first.body.split(' ')[1]);

      const slow = get(port, '/slow?ms=3000');
      await r.waitFor(/slow request started/);
      const boom = await get(port, path);
      assert.equal(boom.status, 200);

      await r.waitFor(logged);
      const line = r.lines.findIndex((l) => logged.test(l));
      assert.match(r.lines[line + 1] ?? '', /^\s+at /, 'the stack follows the message');

      const reply = await slow;
      assert.equal(reply.status, 200);
      assert.equal(reply.body, `slow ${pid}`, 'the request in flight on the faulty worker was answered by it');

      const exitedLine = new RegExp(`Worker \\(pid:${pid}\\) exited with code 1\\.`);
      await r.waitFor(exitedLine);
      const replacement = r.lines.findIndex((l) => /Booting worker with pid: \d+$/.test(l) && !l.endsWith(`: ${pid}`));
      assert.ok(
        replacement >= 0 && replacement < r.lines.findIndex((l) => exitedLine.test(l)),
        'the replacement was started while the faulty worker drained, not after it exited',
      );
      const next = await until(port, '/', (x) => x.status === 200);
      assert.notEqual(next.body, `ok ${pid}`, 'a new worker serves the next request');
      assert.ok(!isAlive(pid));
      assert.equal(r.workerPids().length, 2);
    },
  );
}
