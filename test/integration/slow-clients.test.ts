// Slow clients: --header-timeout and --request-timeout close connections that trickle, so 200
// slowloris connections cannot take a worker's capacity, and normal requests are served while
// they hang on.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { fixture, get, runicorn } from '../support/cli';

interface Slow {
  readonly socket: net.Socket;
  readonly closed: Promise<string>;
  isOpen(): boolean;
}

/** A client that sends a request head a few bytes at a time and never finishes it. */
function slowClient(port: number, idle: boolean): Promise<Slow> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let open = true;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (data += d));
    const closed = new Promise<string>((done) =>
      socket.on('close', () => {
        open = false;
        clearInterval(timer);
        done(data);
      }),
    );
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      if (!idle) {
        socket.write('GET /slow-loris HTTP/1.1\r\nHost: a\r\n');
        timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 300);
      }
      resolve({ socket, closed, isOpen: () => open });
    });
    socket.once('error', reject);
  });
}

test('200 slow connections on one worker: normal requests are served meanwhile, and the slow ones are cut at --header-timeout', async (t) => {
  const r = runicorn(t, ['-w', '1', '--header-timeout', '3', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await r.waitFor(/Booting worker/);
  const slow = await Promise.all(Array.from({ length: 200 }, (_, i) => slowClient(port, i % 4 === 0)));
  t.after(() => {
    for (const s of slow) s.socket.destroy();
  });

  const openWhileServed: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    const reply = await get(port, '/');
    assert.equal(reply.status, 200);
    openWhileServed.push(slow.filter((s) => s.isOpen()).length);
  }
  assert.equal(openWhileServed[0], 200, 'the first normal request was served while all 200 slow clients hung on');

  const answers = await Promise.all(slow.map((s) => s.closed));
  const trickled = answers.filter((_, i) => i % 4 !== 0);
  assert.ok(
    trickled.every((a) => a.startsWith('HTTP/1.1 408 Request Timeout\r\n')),
    'every trickling client got 408 before the close',
  );
  assert.equal((await get(port, '/')).status, 200, 'the worker still serves');
});

test('a body that trickles past --request-timeout gets 408 and its connection closed', async (t) => {
  const r = runicorn(t, [
    '-w',
    '1',
    '--header-timeout',
    '1',
    '--request-timeout',
    '2',
    '-b',
    '127.0.0.1:0',
    fixture('echo.mjs'),
  ]);
  const port = await r.port();
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let data = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (data += d));
  socket.on('error', () => undefined);
  socket.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n');
  const timer = setInterval(() => socket.write('x'), 200);
  await new Promise((done) => socket.on('close', done));
  clearInterval(timer);
  assert.match(data, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(data, /Connection: close/);
});

test('--header-timeout and --request-timeout refuse bad values with one line', async (t) => {
  const r = runicorn(t, ['--header-timeout', 'soon', fixture('app.mjs')]);
  const exit = await r.exited;
  assert.equal(exit.code, 1);
  assert.match(r.lines.join('\n'), /--header-timeout must be a number of seconds \(0 or more\), got "soon"/);
});

test('--request-timeout bounds receiving the request, not the app: a slow answer still arrives', async (t) => {
  const r = runicorn(t, [
    '-w',
    '1',
    '--header-timeout',
    '0.5',
    '--request-timeout',
    '1',
    '-b',
    '127.0.0.1:0',
    fixture('app.mjs'),
  ]);
  const port = await r.port();
  const reply = await get(port, '/slow?ms=2500');
  assert.equal(reply.status, 200);
  assert.match(reply.body, /^slow \d+$/);
});
