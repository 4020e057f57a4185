// acceptProxyProtocol on a real node:http server over real sockets: the app sees the client a
// PROXY header names on every request of the connection, bytes after the header reach llhttp
// (pipelined in the same chunk, split across chunks, a large body), plain HTTP still works,
// refusals are 400/403 and close, a header that never completes is cut at the header timeout,
// and a client that resets mid-header does not hurt the server.
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { acceptProxyProtocol, peerAddressOf, type ProxiedSocket } from '../../src/effects/proxy-protocol';
import type { ProxyMode } from '../../src/streams/http/proxy-header';

/** A server whose app answers with what it sees of its peer, and how many body bytes came. */
async function server(
  t: TestContext,
  mode: ProxyMode,
  allowFrom: readonly string[] = ['127.0.0.1', '::1'],
  headersTimeout?: number,
): Promise<number> {
  return (await serverOf(t, mode, allowFrom, headersTimeout)).port;
}

async function serverOf(
  t: TestContext,
  mode: ProxyMode,
  allowFrom: readonly string[] = ['127.0.0.1', '::1'],
  headersTimeout?: number,
): Promise<{ readonly port: number; readonly server: http.Server }> {
  const s = http.createServer((req, res) => {
    let body = 0;
    req.on('data', (chunk: Buffer) => (body += chunk.length));
    req.on('end', () => {
      const socket = req.socket as ProxiedSocket;
      res.end(
        JSON.stringify({
          url: req.url,
          address: socket.remoteAddress,
          port: socket.remotePort,
          family: socket.remoteFamily,
          peer: peerAddressOf(socket),
          command: socket.proxyProtocol?.command ?? null,
          body,
        }),
      );
    });
  });
  if (headersTimeout !== undefined) s.headersTimeout = headersTimeout;
  acceptProxyProtocol(s, { mode, allowFrom });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    s.closeAllConnections();
    s.close();
  });
  return { port: (s.address() as AddressInfo).port, server: s };
}

interface Seen {
  readonly url: string;
  readonly address: string;
  readonly port: number;
  readonly family: string;
  readonly peer: string;
  readonly command: string | null;
  readonly body: number;
}

/**
 * Write `chunks` one by one, each in its own turn of the event loop (the server, in this process,
 * reads each before the next is written), and collect everything until the server closes.
 */
function exchange(port: number, chunks: ReadonlyArray<string | Uint8Array>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.once('connect', async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        await new Promise((r) => setImmediate(r));
      }
    });
  });
}

/** The JSON bodies of the responses in `raw`, in order. */
const bodies = (raw: string): Seen[] =>
  raw
    .split('HTTP/1.1 ')
    .slice(1)
    .map((response) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as Seen);

const GET = (path: string, close = false) =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
const V1 = 'PROXY TCP4 192.0.2.1 198.51.100.7 54321 443\r\n';
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const v2 = (command: number, familyProtocol: number, block: readonly number[]) =>
  Uint8Array.from([...SIGNATURE, 0x20 | command, familyProtocol, 0, block.length, ...block]);
const V2_INET6 = v2(1, 0x21, [
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7],
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8],
  ...[0xa0, 0x00, 0x01, 0xbb],
]);

test('v1: a header and two pipelined requests in one chunk: both answered, both from the client', async (t) => {
  const port = await server(t, 'auto');
  const seen = bodies(await exchange(port, [V1 + GET('/a') + GET('/b', true)]));
  assert.deepEqual(
    seen.map((s) => [s.url, s.address, s.port, s.family, s.peer, s.command]),
    [
      ['/a', '192.0.2.1', 54321, 'IPv4', '127.0.0.1', 'PROXY'],
      ['/b', '192.0.2.1', 54321, 'IPv4', '127.0.0.1', 'PROXY'],
    ],
  );
});

test('v1 split byte by byte, then keep-alive requests written later keep the address', async (t) => {
  const port = await server(t, 'v1');
  const chunks = [...V1].map((c) => c);
  const seen = bodies(await exchange(port, [...chunks, GET('/1'), GET('/2'), GET('/3', true)]));
  assert.deepEqual(
    seen.map((s) => `${s.url} ${s.address}:${s.port}`),
    ['/1 192.0.2.1:54321', '/2 192.0.2.1:54321', '/3 192.0.2.1:54321'],
  );
});

test('v2 INET6 split in three, with the request starting in the last piece', async (t) => {
  const port = await server(t, 'v2');
  const request = Buffer.from(GET('/six', true));
  const whole = Buffer.concat([V2_INET6, request]);
  const seen = bodies(await exchange(port, [whole.subarray(0, 5), whole.subarray(5, 30), whole.subarray(30)]));
  assert.deepEqual(
    seen.map((s) => [s.address, s.port, s.family]),
    [['2001:db8::7', 0xa000, 'IPv6']],
  );
});

test('a 1 MB body after the header arrives whole', async (t) => {
  const port = await server(t, 'auto');
  const size = 1 << 20;
  const head = `${V1}POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`;
  const seen = bodies(await exchange(port, [head + 'x'.repeat(size)]));
  assert.deepEqual(
    seen.map((s) => [s.url, s.body, s.address]),
    [['/big', size, '192.0.2.1']],
  );
});

test('v2 LOCAL (a health check) keeps the real peer', async (t) => {
  const port = await server(t, 'auto');
  const seen = bodies(await exchange(port, [Buffer.concat([v2(0, 0, []), Buffer.from(GET('/health', true))])]));
  assert.deepEqual(
    seen.map((s) => [s.address, s.peer, s.command]),
    [['127.0.0.1', '127.0.0.1', 'LOCAL']],
  );
});

test('no header: plain HTTP, pipelined, sees the real peer', async (t) => {
  const port = await server(t, 'auto');
  const seen = bodies(await exchange(port, [GET('/p1') + GET('/p2', true)]));
  assert.deepEqual(
    seen.map((s) => [s.url, s.address, s.command]),
    [
      ['/p1', '127.0.0.1', null],
      ['/p2', '127.0.0.1', null],
    ],
  );
});

test('a malformed header is 400 and the connection closes: the request after it is never served', async (t) => {
  const port = await server(t, 'auto');
  const v1 = await exchange(port, [`PROXY TCP4 192.0.2.1 198.51.100.7 54321 99999\r\n${GET('/smuggled')}`]);
  assert.match(v1, /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
  assert.match(v1, /\r\n\r\nInvalid PROXY line\n$/);
  assert.doesNotMatch(v1, /smuggled|200 OK/);
  const v2Unix = await exchange(port, [Buffer.concat([v2(1, 0x31, Array(216).fill(0)), Buffer.from(GET('/x'))])]);
  assert.match(v2Unix, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*\r\n\r\nInvalid PROXY header\n$/);
  const [after] = bodies(await exchange(port, [V1 + GET('/after', true)]));
  assert.equal(after?.address, '192.0.2.1', 'the server keeps serving');
});

test('a header from a peer not allowed is 403 and closes; plain HTTP from it still works', async (t) => {
  const port = await server(t, 'auto', ['10.0.0.0/8', '::1']);
  for (const header of [V1, Buffer.from(V2_INET6), 'PROXY TCP4 nonsense\r\n']) {
    const raw = await exchange(port, [Buffer.concat([Buffer.from(header), Buffer.from(GET('/x'))])]);
    assert.match(raw, /^HTTP\/1\.1 403 Forbidden\r\nConnection: close\r\n[\s\S]*\r\n\r\nRequest forbidden\n$/);
  }
  const seen = bodies(await exchange(port, [GET('/direct', true)]));
  assert.deepEqual(
    seen.map((s) => s.address),
    ['127.0.0.1'],
  );
});

test('the other version than the mode is plain HTTP to llhttp, which refuses it (400)', async (t) => {
  const port = await server(t, 'v2');
  assert.match(await exchange(port, [V1 + GET('/x')]), /^HTTP\/1\.1 400 Bad Request\r\n/);
});

test('a header that never completes is closed at the header timeout, without an answer', async (t) => {
  const port = await server(t, 'auto', undefined, 300);
  const started = process.hrtime.bigint();
  const raw = await exchange(port, ['PROXY TCP4 192.0.2.1']);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(raw, '');
  assert.ok(ms >= 250, `closed after ${ms} ms, not at the timeout`);
});

test('a client that resets mid-header does not hurt the server', async (t) => {
  const port = await server(t, 'auto');
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('PROXY TCP4 1.2', () => {
        socket.resetAndDestroy();
        resolve();
      });
    });
  });
  const [seen] = bodies(await exchange(port, [V1 + GET('/still', true)]));
  assert.equal(seen?.url, '/still');
});

test("closeAllConnections (a worker's drain deadline) also closes a connection still waiting for its header", async (t) => {
  const { port, server: s } = await serverOf(t, 'auto');
  const socket = net.connect(port, '127.0.0.1');
  const closed = new Promise<string>((resolve) => {
    let out = '';
    socket.on('data', (d: Buffer) => (out += d));
    socket.on('close', () => resolve(out));
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => socket.write('PROXY TCP4 192.0', () => resolve())));
  // The server has read the partial header once the connection shows up in its count.
  await new Promise<void>((resolve) => {
    const check = () => s.getConnections((_e, n) => (n > 0 ? resolve() : setImmediate(check)));
    check();
  });
  s.closeAllConnections();
  assert.equal(await closed, '');
});
