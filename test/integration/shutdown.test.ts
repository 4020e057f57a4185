// TERM drains in-flight requests and exits 0; INT and QUIT stop at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, get, isAlive, runicorn, until } from '../support/cli';

test('TERM during a slow request: the request completes, then everything exits 0', async (t) => {
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await until(port, '/', (reply) => reply.status === 200);
  const workers = r.workerPids();
  const slow = get(port, '/slow?ms=1500');
  await r.waitFor(/slow request started/);
  r.kill('SIGTERM');
  const reply = await slow;
  assert.equal(reply.status, 200);
  assert.match(reply.body, /^slow \d+$/);
  assert.equal(reply.headers.connection, 'close');
  const exit = await r.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(r.lines.some((l) => /Handling signal: term/.test(l)));
  assert.ok(r.lines.some((l) => /Shutting down: Master/.test(l)));
  for (const pid of workers) assert.ok(!isAlive(pid), `worker ${pid} is gone`);
});

test('a keep-alive connection is closed by a draining worker after its in-flight request', async (t) => {
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await until(port, '/', (reply) => reply.status === 200);
  const net = await import('node:net');
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  const closed = new Promise<void>((res) => socket.on('close', () => res()));
  socket.on('data', (c: string) => (received += c));
  await new Promise<void>((res) => socket.once('connect', () => res()));
  socket.write('GET /slow?ms=800 HTTP/1.1\r\nHost: x\r\n\r\n');
  await r.waitFor(/slow request started/);
  r.kill('SIGTERM');
  await closed;
  assert.match(received, /^HTTP\/1\.1 200 OK/);
  assert.match(received, /connection: close/i);
  assert.deepEqual(await r.exited, { code: 0, signal: null });
});

for (const signal of ['SIGINT', 'SIGQUIT'] as const) {
  test(`${signal} stops at once, without waiting for in-flight requests`, async (t) => {
    const r = runicorn(t, ['-w', '2', '--graceful-timeout', '30', '-b', '127.0.0.1:0', fixture('app.mjs')]);
    const port = await r.port();
    await until(port, '/', (reply) => reply.status === 200);
    const workers = r.workerPids();
    const slow = get(port, '/slow?ms=20000').catch((err: Error) => err);
    await r.waitFor(/slow request started/);
    const sent = process.hrtime.bigint();
    r.kill(signal);
    const exit = await r.exited;
    const tookMs = Number(process.hrtime.bigint() - sent) / 1e6;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(tookMs < 10_000, `exited promptly (${tookMs} ms), not after the 30 s graceful timeout`);
    assert.ok((await slow) instanceof Error, 'the slow request was cut off');
    for (const pid of workers) assert.ok(!isAlive(pid), `worker ${pid} is gone`);
  });
}

test('TERM with a request that outlives --graceful-timeout: workers are killed and the arbiter exits 0', async (t) => {
  const r = runicorn(t, ['-w', '1', '--graceful-timeout', '1', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await until(port, '/', (reply) => reply.status === 200);
  const slow = get(port, '/slow?ms=20000').catch((err: Error) => err);
  await r.waitFor(/slow request started/);
  r.kill('SIGTERM');
  assert.deepEqual(await r.exited, { code: 0, signal: null });
  assert.ok((await slow) instanceof Error);
});
