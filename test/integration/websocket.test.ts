/**
 * Apps that bring their own `http.Server` (WebSockets) through the real CLI: the server is
 * exported, not listening; runicorn listens it on the workers' sockets. Upgrades reach the app
 * (ws, socket.io, Hono with @hono/node-ws); ordinary requests still pass runicorn's hooks; on
 * TERM the app hears `runicorn:drain` and closes its WebSockets with 1001 before the deadline,
 * and those it leaves open are destroyed at the deadline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { io as ioClient } from 'socket.io-client';
import WebSocket from 'ws';
import { example, fixture, get, runicorn, until } from '../support/cli';

const BOUND = { timeout: 45_000 };

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-ws-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An open WebSocket, or the reason it could not open. */
function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends `text` and resolves with the next message. */
function echo(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => resolve(String(data)));
    ws.send(text);
  });
}

/** The close code and when it came. */
const closed = (ws: WebSocket): Promise<{ code: number; at: number }> =>
  new Promise((resolve) => ws.once('close', (code: number) => resolve({ code, at: Date.now() })));

test(
  'Express + ws on an exported http.Server: a WebSocket echoes, and ordinary requests pass the preRequest hook',
  BOUND,
  async (t) => {
    const dir = tempDir(t);
    const conf = join(dir, 'hooks.conf.mjs');
    writeFileSync(
      conf,
      'export default { preRequest(worker, req) { worker.log.info(`preRequest ${req.method} ${req.url}`); } };\n',
    );
    const r = runicorn(t, ['-w', '2', '-c', conf, '-b', '127.0.0.1:0', example('websocket/express-ws.mjs')], {
      cwd: dir,
    });
    const port = await r.port();
    const reply = await until(port, '/pid', (rep) => rep.status === 200);
    assert.ok(r.workerPids().includes(Number(reply.body)), 'answered by a worker');
    await r.waitFor(/preRequest GET \/pid/);
    // runicorn's HTTP layer guards the app's server too: Gunicorn's request-line limit, not Node's.
    const long = await get(port, `/${'a'.repeat(5000)}`);
    assert.equal(long.status, 414);
    assert.match(long.body, /Request Line is too large/);
    const ws = await open(`ws://127.0.0.1:${port}/echo`);
    assert.equal(await echo(ws, 'hello'), 'hello');
    assert.equal(await echo(ws, 'again'), 'again');
    ws.close(1000);
    await closed(ws);
    assert.ok(
      !r.lines.some((l) => /preRequest GET \/echo/.test(l)),
      'the upgrade went to ws, not through the request hooks',
    );
    r.kill('SIGTERM');
    assert.equal((await r.exited).code, 0);
  },
);

test('Hono + @hono/node-ws on an exported http.Server: a WebSocket echoes, plain requests answer', BOUND, async (t) => {
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', example('websocket/hono-ws.mjs')]);
  const port = await r.port();
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.match(reply.body, /Hello from Hono/);
  const ws = await open(`ws://127.0.0.1:${port}/ws`);
  assert.equal(await echo(ws, 'hi'), 'echo: hi');
  ws.close(1000);
  await closed(ws);
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
});

test('socket.io connects with its client over the websocket transport, on two workers', BOUND, async (t) => {
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', example('websocket/socket-io.mjs')]);
  const port = await r.port();
  await until(port, '/', (rep) => rep.status === 200);
  const socket = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  t.after(() => socket.close());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const answer = (await socket.emitWithAck('echo', 'ping')) as { message: string; pid: number };
  assert.equal(answer.message, 'ping');
  assert.ok(r.workerPids().includes(answer.pid), 'answered by a worker');
  socket.close();
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
});

test(
  'socket.io long-polling (one worker) goes through runicorn as ordinary requests, then upgrades',
  BOUND,
  async (t) => {
    const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', '--access-logfile', '-', fixture('socket-io-polling.mjs')]);
    const port = await r.port();
    await until(port, '/', (rep) => rep.status === 200);
    const socket = ioClient(`http://127.0.0.1:${port}`, { transports: ['polling'], reconnection: false });
    t.after(() => socket.close());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const answer = (await socket.emitWithAck('echo', 'pong')) as { message: string; transport: string };
    assert.deepEqual(answer, { message: 'pong', transport: 'polling' });
    socket.close();
    r.kill('SIGTERM');
    assert.equal((await r.exited).code, 0);
    // Access lines are written in batches: read them once every process has let go of stdout.
    await r.closed;
    assert.ok(
      r.out.some((l) => /"GET \/socket\.io\/\?EIO=4&transport=polling/.test(l)),
      'the access log saw the polling requests',
    );
  },
);

test(
  'TERM: the app hears runicorn:drain and closes its WebSocket with 1001 long before the graceful deadline; the worker then exits',
  BOUND,
  async (t) => {
    const r = runicorn(t, [
      '-w',
      '1',
      '--graceful-timeout',
      '30',
      '-b',
      '127.0.0.1:0',
      example('websocket/express-ws.mjs'),
    ]);
    const port = await r.port();
    await until(port, '/', (rep) => rep.status === 200);
    const ws = await open(`ws://127.0.0.1:${port}/echo`);
    assert.equal(await echo(ws, 'before'), 'before');
    const worker = r.workerPids()[0];
    const done = closed(ws);
    const sent = Date.now();
    r.kill('SIGTERM');
    const { code, at } = await done;
    assert.equal(code, 1001);
    assert.equal((await r.exited).code, 0);
    assert.ok(Date.now() - sent < 15_000, 'exited well before the 30 s deadline');
    assert.ok(at - sent < 15_000);
    assert.ok(!r.lines.some((l) => /graceful timeout/.test(l)), 'no deadline was needed');
    assert.ok(r.lines.some((l) => new RegExp(`Worker exiting \\(pid: ${worker}\\)`).test(l)));
  },
);

test(
  'TERM: a WebSocket the app leaves open is destroyed at the graceful deadline, and the worker exits',
  BOUND,
  async (t) => {
    const r = runicorn(t, ['-w', '1', '--graceful-timeout', '1', '-b', '127.0.0.1:0', fixture('ws-no-drain.mjs')]);
    const port = await r.port();
    await until(port, '/', (rep) => rep.status === 200);
    const ws = await open(`ws://127.0.0.1:${port}/`);
    assert.equal(await echo(ws, 'x'), 'x');
    const done = closed(ws);
    const sent = Date.now();
    r.kill('SIGTERM');
    await r.waitFor(/Handling signal: term/);
    assert.equal(await echo(ws, 'still open while draining'), 'still open while draining');
    const { code, at } = await done;
    // The worker destroys it at its deadline, or the arbiter's SIGKILL at the same deadline ends it.
    assert.equal(code, 1006, 'closed without a close frame');
    assert.ok(at - sent >= 900, `open until the 1 s deadline (closed after ${at - sent} ms)`);
    assert.equal((await r.exited).code, 0);
  },
);

test('a server already listening is refused at boot with one line', BOUND, async (t) => {
  const dir = tempDir(t);
  const app = join(dir, 'listening.mjs');
  writeFileSync(
    app,
    [
      "import http from 'node:http';",
      'const server = http.createServer((req, res) => res.end());',
      "await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));",
      'server.unref();',
      'export default server;',
      '',
    ].join('\n'),
  );
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', app], { cwd: dir });
  const exit = await r.exited;
  assert.notEqual(exit.code, 0);
  const refusals = r.lines.filter((l) => /already listening/.test(l));
  assert.ok(refusals.length >= 1, r.lines.join('\n'));
  assert.match(
    refusals[0] as string,
    /is a server already listening \(on 127\.0\.0\.1:\d+\); export it without calling listen\(\): runicorn listens it on its own sockets/,
  );
  assert.ok(!r.lines.some((l) => /^\s+at /.test(l)), 'no stack trace');
});

test('two binds: the exported server serves WebSockets and requests on both', BOUND, async (t) => {
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', '-b', '127.0.0.1:0', example('websocket/express-ws.mjs')]);
  const ports = [];
  for (let nth = 1; nth <= 2; nth += 1)
    ports.push(Number((await r.waitFor(/Listening at: http:\/\/127\.0\.0\.1:(\d+) /, { nth }))[1]));
  assert.equal(new Set(ports).size, 2);
  for (const port of ports) {
    const reply = await until(port, '/pid', (rep) => rep.status === 200);
    assert.ok(r.workerPids().includes(Number(reply.body)));
    const ws = await open(`ws://127.0.0.1:${port}/echo`);
    assert.equal(await echo(ws, `on ${port}`), `on ${port}`);
    ws.close(1000);
    await closed(ws);
  }
  const plain = await get(ports[1] as number, '/');
  assert.match(plain.body, /Hello from Express/);
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
});
