// Every example serves through the real CLI with one command; the boot log reads like Gunicorn's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { example, runicorn, until } from '../support/cli';

const STAMP = String.raw`\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\]`;

test('the boot log says what started, where it listens, the worker type and each worker', async (t) => {
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', example('hello.mjs')]);
  const port = await r.port();
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.equal(reply.body, 'Hello, World!\n');
  assert.equal(reply.headers['content-type'], 'text/plain');
  await r.waitFor(/Booting worker with pid/);
  const arbiter = `\\[${r.pid}\\]`;
  assert.match(
    r.lines[0] as string,
    new RegExp(`^${STAMP} ${arbiter} \\[INFO\\] Starting runicorn \\d+\\.\\d+\\.\\d+$`),
  );
  assert.match(
    r.lines[1] as string,
    new RegExp(`^${STAMP} ${arbiter} \\[INFO\\] Listening at: http://127\\.0\\.0\\.1:${port} \\(${r.pid}\\)$`),
  );
  assert.match(r.lines[2] as string, new RegExp(`^${STAMP} ${arbiter} \\[INFO\\] Using worker: async$`));
  const booting = r.lines.filter((l) => /Booting worker with pid/.test(l));
  for (const line of booting) {
    const pid = /pid: (\d+)$/.exec(line)?.[1];
    assert.match(line, new RegExp(`^${STAMP} \\[${pid}\\] \\[INFO\\] Booting worker with pid: ${pid}$`));
  }
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
  assert.match(r.lines.at(-1) as string, new RegExp(`^${STAMP} ${arbiter} \\[INFO\\] Shutting down: Master$`));
});

const served: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['fetch.mjs', '/', /./],
  ['express.mjs', '/pid', /^\d+$/],
  ['hono.mjs', '/pid', /^\d+$/],
  ['koa.mjs', '/', /./],
  ['fastify.mjs', '/', /./],
  ['pid.mjs', '/', /^\d+$/],
];
for (const [file, path, body] of served) {
  test(`examples/${file} serves through the CLI`, async (t) => {
    const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', example(file)]);
    const port = await r.port();
    const reply = await until(port, path, (rep) => rep.status === 200);
    assert.match(reply.body, body);
    if (/^\d+$/.test(reply.body)) assert.ok(r.workerPids().includes(Number(reply.body)), 'answered by a worker');
    r.kill('SIGTERM');
    assert.equal((await r.exited).code, 0);
  });
}
