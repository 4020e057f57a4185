// Several workers serve; a killed worker is replaced; a blocked worker is killed after --timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, get, isAlive, runicorn, until } from '../support/cli';

test('two workers both answer requests on one port', async (t) => {
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await r.waitFor(/Booting worker with pid/, { nth: 2 });
  const seen = new Set<string>();
  await until(
    port,
    '/',
    (reply) => {
      seen.add(reply.body);
      return seen.size === 2;
    },
    5000,
  );
  assert.deepEqual([...seen].map(Number).sort(), r.workerPids().sort());
  assert.ok(
    r.workerPids().every((pid) => pid !== r.pid),
    'the arbiter itself never answers',
  );
});

test('kill -9 of a worker: a new worker serves, the arbiter lives on', async (t) => {
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  const first = Number((await until(port, '/', (reply) => reply.status === 200)).body);
  const mark = r.lines.length;
  process.kill(first, 'SIGKILL');
  await r.waitFor(/Worker \(pid:\d+\) was sent SIGKILL!/, { from: mark });
  const booted = await r.waitFor(/Booting worker with pid: (\d+)/, { from: mark });
  const second = Number(booted[1]);
  assert.notEqual(second, first);
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.equal(Number(reply.body), second);
  assert.ok(isAlive(r.pid));
});

test('a worker whose event loop blocks is aborted after --timeout and replaced', async (t) => {
  const r = runicorn(t, ['-w', '1', '-t', '1', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  const first = Number((await until(port, '/', (reply) => reply.status === 200)).body);
  const mark = r.lines.length;
  const hung = get(port, '/block').catch((err: Error) => err);
  await r.waitFor(new RegExp(`WORKER TIMEOUT \\(pid:${first}\\)`), { from: mark });
  await r.waitFor(new RegExp(`Worker \\(pid:${first}\\) was sent SIG(ABRT|KILL)!`), { from: mark });
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.notEqual(Number(reply.body), first);
  assert.ok(!isAlive(first));
  assert.ok((await hung) instanceof Error, 'the request on the hung worker fails');
});

test('an app that throws gives that request a 500 and the worker keeps serving', async (t) => {
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  const before = (await until(port, '/', (reply) => reply.status === 200)).body;
  const thrown = await get(port, '/throw');
  assert.equal(thrown.status, 500);
  const rejected = await get(port, '/reject');
  assert.equal(rejected.status, 500);
  const after = await get(port, '/');
  assert.equal(after.status, 200);
  assert.equal(after.body, before, 'the same worker still serves');
  await r.waitFor(/Error handling request GET \/throw: Error: boom from \/throw/);
});
