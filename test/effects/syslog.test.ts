// The syslog sink against real receivers made here: a UDP socket, unix datagram sockets (the
// kind /dev/log is), a unix stream socket and a TCP server; each checks the exact bytes. Then
// the failures: a closed port, a missing path, a receiver that goes away and comes back, a TCP
// peer that hangs up, and a unix datagram address without the unix-dgram package.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  openSyslogSink,
  type SyslogSink,
  syslogBytes,
  type UnixDgram,
  type UnixDgramSocket,
} from '../../src/effects/syslog';
import type { LogLevel } from '../../src/streams/commands';
import { isRunicornError } from '../../src/streams/errors';

const unixDgram = require('unix-dgram') as UnixDgram & {
  createSocket(type: 'unix_dgram', listener: (buf: Buffer) => void): UnixDgramSocket & { bind(path: string): void };
};

const dir = mkdtempSync(join(tmpdir(), 'runicorn-syslog-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const socketPath = () => join(dir, `s${++n}.sock`);

const rec = (level: LogLevel, message: string) => ({ level, message, line: `[x] [${level}] ${message}\n` });
const TAG = 'runicorn.app.error';

/** Resolves with the first `count` messages (datagrams) pushed to `push`. */
function collector() {
  const got: Buffer[] = [];
  let want = 0;
  let done: ((v: Buffer[]) => void) | undefined;
  return {
    push(b: Buffer) {
      got.push(Buffer.from(b));
      if (done && got.length >= want) done(got.splice(0, want));
    },
    take(count: number): Promise<Buffer[]> {
      if (got.length >= count) return Promise.resolve(got.splice(0, count));
      want = count;
      return new Promise((resolve) => {
        done = resolve;
      });
    },
  };
}

/** A stream server that gathers every byte it receives; `bytes(len)` waits for that many. */
async function streamServer(listen: (s: Server) => void) {
  let data = Buffer.alloc(0);
  let waiter: { len: number; resolve: (b: string) => void } | undefined;
  const sockets: Socket[] = [];
  const connections = collector();
  const server = createServer((s) => {
    sockets.push(s);
    connections.push(Buffer.alloc(0));
    s.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (waiter && data.length >= waiter.len) waiter.resolve(data.toString('latin1'));
    });
  });
  await new Promise<void>((resolve) => {
    server.once('listening', resolve);
    listen(server);
  });
  return {
    server,
    sockets,
    connected: (count: number) => connections.take(count),
    bytes: (len: number) =>
      data.length >= len
        ? Promise.resolve(data.toString('latin1'))
        : new Promise<string>((resolve) => {
            waiter = { len, resolve };
          }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function errors() {
  const seen: string[] = [];
  let waiting: ((m: string) => void) | undefined;
  return {
    seen,
    onError: (e: Error) => {
      seen.push(e.message);
      waiting?.(e.message);
    },
    next: () =>
      new Promise<string>((resolve) => {
        waiting = resolve;
      }),
  };
}

const latin1 = (bufs: Buffer[]) => bufs.map((b) => b.toString('latin1'));

test('UDP: one datagram per record, <PRI>TAG: [PID] MESSAGE and a NUL, each level its severity, in order', async () => {
  const receiver = createSocket('udp4');
  const got = collector();
  receiver.on('message', (b) => got.push(b));
  await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  const sink = openSyslogSink({
    address: `udp://127.0.0.1:${receiver.address().port}`,
    facility: 'local0',
    tag: TAG,
    pid: 4242,
  });
  // Written before the socket is connected: they wait (bounded) and go out in order.
  for (const level of ['debug', 'info', 'warning', 'error', 'critical'] as const)
    sink.write(rec(level, `at ${level} é`));
  assert.deepEqual(latin1(await got.take(5)), [
    '<135>runicorn.app.error: [4242] at debug \xc3\xa9\0',
    '<134>runicorn.app.error: [4242] at info \xc3\xa9\0',
    '<132>runicorn.app.error: [4242] at warning \xc3\xa9\0',
    '<131>runicorn.app.error: [4242] at error \xc3\xa9\0',
    '<130>runicorn.app.error: [4242] at critical \xc3\xa9\0',
  ]);
  sink.write(rec('info', 'GET / 200'));
  assert.deepEqual(latin1(await got.take(1)), ['<134>runicorn.app.error: [4242] GET / 200\0']);
  sink.close();
  receiver.close();
});

test("UDP: the pid is the process's by default, the host name is resolved, a long message is cut to 8192 bytes", async () => {
  // Where `localhost` resolves to first (127.0.0.1 or ::1): that is where the sink sends.
  const local = await lookup('localhost');
  const receiver = createSocket(local.family === 6 ? 'udp6' : 'udp4');
  const got = collector();
  receiver.on('message', (b) => got.push(b));
  await new Promise<void>((resolve) => receiver.bind(0, local.address, resolve));
  const sink = openSyslogSink({
    address: `udp://localhost:${receiver.address().port}`,
    facility: 'user',
    tag: 'runicorn.app.access',
  });
  sink.write(rec('info', 'x'.repeat(20_000)));
  sink.write(rec('info', 'short'));
  const [long, short] = await got.take(2);
  assert.equal(short?.toString(), `<14>runicorn.app.access: [${process.pid}] short\0`);
  assert.equal(long?.length, 8192);
  assert.equal(long?.at(-1), 0);
  assert.ok(long?.toString().startsWith(`<14>runicorn.app.access: [${process.pid}] xxxx`));
  sink.close();
  receiver.close();
});

test('cutting to size keeps whole UTF-8 characters and the terminator', () => {
  assert.equal(syslogBytes('abc', '\0', 64).toString(), 'abc\0');
  const cut = syslogBytes(`<14>t: [1] ${'é'.repeat(100)}`, '\n', 64);
  assert.ok(cut.length <= 64);
  assert.equal(cut.at(-1), 0x0a);
  assert.equal(cut.subarray(0, -1).toString(), `<14>t: [1] ${'é'.repeat(26)}`);
  assert.equal(Buffer.from(cut.subarray(0, -1).toString()).length, cut.length - 1); // no broken character
});

for (const suffix of ['', '#dgram']) {
  test(`unix datagram socket (unix://PATH${suffix}): one datagram per record, exact bytes`, async () => {
    const path = socketPath();
    const got = collector();
    const receiver = unixDgram.createSocket('unix_dgram', (b) => got.push(b));
    receiver.bind(path);
    const sink = openSyslogSink({ address: `unix://${path}${suffix}`, facility: 'daemon', tag: TAG, pid: 9 });
    sink.write(rec('info', 'Booting worker with pid: 10'));
    sink.write(rec('error', 'Error handling request\nError: boom\n    at f'));
    assert.deepEqual(latin1(await got.take(2)), [
      '<30>runicorn.app.error: [9] Booting worker with pid: 10\0',
      '<27>runicorn.app.error: [9] Error handling request\nError: boom\n    at f\0',
    ]);
    sink.close();
    receiver.close();
  });
}

test('unix datagram: a receiver that goes away costs one warning; reopen() connects to the new one', async () => {
  const path = socketPath();
  const got = collector();
  const first = unixDgram.createSocket('unix_dgram', (b) => got.push(b));
  first.bind(path);
  const e = errors();
  const sink = openSyslogSink({ address: `unix://${path}`, facility: 'user', tag: TAG, pid: 1, onError: e.onError });
  sink.write(rec('info', 'one'));
  assert.deepEqual(latin1(await got.take(1)), ['<14>runicorn.app.error: [1] one\0']);
  first.close();
  unlinkSync(path);
  const warned = e.next();
  sink.write(rec('info', 'lost'));
  sink.write(rec('info', 'lost too'));
  assert.match(
    await warned,
    new RegExp(
      `^cannot send to syslog at unix://${path} \\(ECONNREFUSED\\); its messages are dropped until it is back$`,
    ),
  );
  const second = unixDgram.createSocket('unix_dgram', (b) => got.push(b));
  second.bind(path);
  sink.reopen();
  sink.write(rec('info', 'two'));
  assert.deepEqual(latin1(await got.take(1)), ['<14>runicorn.app.error: [1] two\0']);
  assert.equal(e.seen.length, 1);
  sink.close();
  second.close();
});

test("unix://PATH that is a stream socket: falls back to a stream, as Python's handler does (LF framing)", async () => {
  const path = socketPath();
  const server = await streamServer((s) => s.listen(path));
  const sink = openSyslogSink({ address: `unix://${path}`, facility: 'local1', tag: TAG, pid: 5 });
  sink.write(rec('warning', 'Worker exiting'));
  const want = '<140>runicorn.app.error: [5] Worker exiting\n';
  assert.equal(await server.bytes(want.length), want);
  sink.close();
  await server.close();
});

test('unix://PATH#stream: one line per record, LF framing, an LF inside a message sent as #012', async () => {
  const path = socketPath();
  const server = await streamServer((s) => s.listen(path));
  const sink = openSyslogSink({ address: `unix://${path}#stream`, facility: 'user', tag: TAG, pid: 3 });
  sink.write(rec('info', 'first'));
  sink.write(rec('error', 'Error handling request\nError: boom'));
  const want = '<14>runicorn.app.error: [3] first\n<11>runicorn.app.error: [3] Error handling request#012Error: boom\n';
  assert.equal(await server.bytes(want.length), want);
  sink.close();
  await server.close();
});

test('TCP: LF framing, exact bytes; a peer that hangs up costs one warning and is reconnected with backoff', async () => {
  const server = await streamServer((s) => s.listen(0, '127.0.0.1'));
  const port = (server.server.address() as { port: number }).port;
  const e = errors();
  const sink = openSyslogSink({
    address: `tcp://127.0.0.1:${port}`,
    facility: 'local7',
    tag: 'runicorn.web.access',
    pid: 77,
    onError: e.onError,
  });
  sink.write(rec('info', '127.0.0.1 - - "GET / HTTP/1.1" 200 2'));
  const want = '<190>runicorn.web.access: [77] 127.0.0.1 - - "GET / HTTP/1.1" 200 2\n';
  await server.connected(1);
  assert.equal(await server.bytes(want.length), want);
  const warned = e.next();
  server.sockets[0]?.destroy();
  assert.match(await warned, /\(the connection closed\)/);
  await server.connected(1); // the sink came back on its own
  sink.write(rec('info', 'again'));
  const again = `${want}<190>runicorn.web.access: [77] again\n`;
  assert.equal(await server.bytes(again.length), again);
  sink.close();
  await server.close();
});

test('dead receivers never throw: a closed UDP port, a closed TCP port, missing unix paths each warn once', async () => {
  const closed = await streamServer((s) => s.listen(0, '127.0.0.1'));
  const port = (closed.server.address() as { port: number }).port;
  await closed.close();
  const cases: Array<[string, RegExp]> = [
    [`udp://127.0.0.1:${port}`, /\(ECONNREFUSED\)/],
    [`tcp://127.0.0.1:${port}`, /\(ECONNREFUSED\)/],
    [`unix://${join(dir, 'missing.sock')}`, /\(ENOENT\)/],
    [`unix://${join(dir, 'missing.sock')}#dgram`, /\(ENOENT\)/],
    [`unix://${join(dir, 'missing.sock')}#stream`, /\(ENOENT\)/],
  ];
  for (const [address, reason] of cases) {
    const e = errors();
    const warned = e.next();
    const sink: SyslogSink = openSyslogSink({ address, facility: 'user', tag: TAG, onError: e.onError });
    assert.equal(e.seen.length, 0, `${address}: never told synchronously`);
    // A UDP refusal shows on the send after the ICMP comes back: keep writing until it does.
    let writes = 0;
    const writeMore = () => {
      sink.write(rec('error', `message ${++writes}`));
      if (e.seen.length === 0 && writes < 10_000) setImmediate(writeMore);
    };
    writeMore();
    assert.match(await warned, reason, address);
    // Nothing more to wait for than time: 400 ms of writes span two reconnect attempts (0.1 s, 0.2 s).
    const until = Date.now() + 400;
    while (Date.now() < until) {
      sink.write(rec('info', 'dropped'));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(e.seen.length, 1, `${address}: warned once, not per message or per reconnect`);
    sink.close();
    sink.write(rec('info', 'after close'));
  }
});

test('a unix datagram address without unix-dgram refuses to start with one line; #stream needs no package', () => {
  for (const address of ['unix:///dev/log', 'unix:///dev/log#dgram']) {
    assert.throws(
      () => openSyslogSink({ address, facility: 'user', tag: TAG, unixDgram: null }),
      (err: unknown) =>
        isRunicornError(err, 'RUNICORN_BAD_SETTING')
        && err.message
          === `--log-syslog-to must be a syslog address this install can use, got "${address}" (a unix datagram socket needs the optional package unix-dgram, which is not installed or did not build: npm install unix-dgram, or use unix://PATH#stream, udp:// or tcp://)`,
    );
  }
  const sink = openSyslogSink({
    address: `unix://${join(dir, 'nothing.sock')}#stream`,
    facility: 'user',
    tag: TAG,
    unixDgram: null,
  });
  sink.close();
});
