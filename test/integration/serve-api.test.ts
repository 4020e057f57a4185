// serve() from a program, as a user writes it: a script imports `runicorn`, serves an app with
// a stage and a hook (the workers re-run the script to get them), sends real HTTP, then
// stop()s: the workers are gone by pid, and the script goes on running after stop().
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { example, isAlive, ROOT } from '../support/cli';

function project(t: TestContext, script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-serve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'runicorn'));
  writeFileSync(join(dir, 'main.mjs'), script);
  return dir;
}

/** Run `node main.mjs` in `dir`; resolves with its exit code, stdout and stderr. Killed by pid if the test ends first. */
function run(t: TestContext, dir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['main.mjs'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return exited;
}

test('serve() with a stage and a hook: real HTTP through the workers, then stop() leaves no worker and the program running', async (t) => {
  const dir = project(
    t,
    [
      "import net from 'node:net';",
      "import { serve, stage } from 'runicorn';",
      '// Everything before serve() runs in every worker too; the code after it in this process only.',
      'const free = await new Promise((resolve) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); }); });',
      "const tag = stage(function tag(ex) { ex.res.setHeader('x-stage', String(process.pid)); return ex; });",
      'const server = await serve({',
      `  app: ${JSON.stringify(example('pid.mjs'))}, workers: 2, bind: \`127.0.0.1:\${free}\`, stages: [tag],`,
      '  postWorkerInit: (worker) => worker.log.info(`hook ran in ${worker.pid}`),',
      '});',
      'const replies = [];',
      'for (let i = 0; i < 20; i++) {',
      '  const res = await fetch(`http://127.0.0.1:${free}/`, { headers: { connection: "close" } });',
      "  replies.push({ status: res.status, body: await res.text(), stage: res.headers.get('x-stage') });",
      '}',
      'const code = await server.stop();',
      'console.log(JSON.stringify({ arbiter: process.pid, serverPid: server.pid, replies, code }));',
      "console.log('still running after stop()');",
    ].join('\n'),
  );
  const { code, stdout, stderr } = await run(t, dir);
  assert.equal(code, 0, stderr);
  const [json = '{}', after] = stdout.trim().split('\n');
  const result = JSON.parse(json) as {
    arbiter: number;
    serverPid: number;
    code: number;
    replies: { status: number; body: string; stage: string }[];
  };
  assert.equal(after, 'still running after stop()');
  assert.equal(result.code, 0);
  assert.equal(result.serverPid, result.arbiter);
  const workers = [...new Set(result.replies.map((r) => Number(r.body)))];
  for (const r of result.replies) {
    assert.equal(r.status, 200);
    assert.equal(r.stage, r.body, 'the stage ran in the worker that answered');
  }
  assert.ok(
    workers.every((pid) => pid !== result.arbiter),
    'answered by workers, not the arbiter',
  );
  for (const pid of workers) assert.match(stderr, new RegExp(`hook ran in ${pid}`));
  assert.deepEqual(workers.filter(isAlive), [], 'no worker outlives stop()');
  assert.match(stderr, /Shutting down: Master/);
});

test('serve() with a bad option rejects with one line and starts nothing', async (t) => {
  const dir = project(
    t,
    [
      "import { RunicornError, serve } from 'runicorn';",
      "try { await serve({ app: 'x.mjs', workers: 0 }); } catch (err) { console.log(`${err instanceof RunicornError} ${err.code}: ${err.message} (exit ${err.exitCode})`); }",
    ].join('\n'),
  );
  const { code, stdout } = await run(t, dir);
  assert.equal(code, 0);
  assert.equal(
    stdout.trim(),
    'true RUNICORN_BAD_SETTING: workers (from serve()) must be a positive integer, got "0" (exit 1)',
  );
});

test('unsubscribing what serve() returns stops the workers gracefully, like stop()', async (t) => {
  const dir = project(
    t,
    [
      "import net from 'node:net';",
      "import { serve } from 'runicorn';",
      'const free = await new Promise((resolve) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); }); });',
      `const server = await serve({ app: ${JSON.stringify(example('pid.mjs'))}, workers: 2, bind: \`127.0.0.1:\${free}\` });`,
      'const pids = new Set();',
      'for (let i = 0; i < 10; i++) pids.add(await (await fetch(`http://127.0.0.1:${free}/`, { headers: { connection: "close" } })).text());',
      'server.unsubscribe();',
      'const code = await server.exited;',
      'console.log(JSON.stringify({ code, workers: [...pids].map(Number) }));',
    ].join('\n'),
  );
  const { code, stdout, stderr } = await run(t, dir);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout.trim()) as { code: number; workers: number[] };
  assert.equal(result.code, 0);
  assert.ok(result.workers.length >= 1);
  assert.deepEqual(result.workers.filter(isAlive), [], 'no worker outlives unsubscribe()');
  assert.match(stderr, /Handling signal: term/, 'a graceful stop (TERM), not a kill');
});

test('HUP and USR2 to a serve() program are refused with a log line each; the workers serve on', async (t) => {
  const dir = project(
    t,
    [
      "import net from 'node:net';",
      "import { serve } from 'runicorn';",
      'const free = await new Promise((resolve) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); }); });',
      `const server = await serve({ app: ${JSON.stringify(example('pid.mjs'))}, workers: 1, bind: \`127.0.0.1:\${free}\` });`,
      'const get = async () => { for (;;) { try { return (await fetch(`http://127.0.0.1:${free}/`)).status; } catch {} } };',
      'const before = await get();',
      "process.kill(process.pid, 'SIGHUP');",
      "process.kill(process.pid, 'SIGUSR2');",
      'const after = [];',
      'for (let i = 0; i < 5; i++) after.push(await get());',
      'console.log(JSON.stringify({ before, after, code: await server.stop() }));',
    ].join('\n'),
  );
  const { code, stdout, stderr } = await run(t, dir);
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout.trim()), { before: 200, after: [200, 200, 200, 200, 200], code: 0 });
  assert.match(stderr, /Reload failed: reloading is not available in this process/);
  assert.match(
    stderr,
    /Binary upgrade failed: a binary upgrade is not available in this process; this arbiter keeps serving/,
  );
});
