// --proxy-protocol with the real CLI: PROXY v1 and v2 headers written raw over a socket, the app
// seeing the client they name on every keep-alive request, plain HTTP beside them, malformed
// headers (400) and peers not allowed (403) refused without hurting the worker, nothing changed
// when the setting is off; and HAProxy (Debian's package) sending send-proxy and send-proxy-v2
// in front of runicorn. Without haproxy installed that test is skipped, loudly.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fixture, runicorn } from '../support/cli';

interface Response {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

interface Seen {
  readonly url: string;
  readonly address: string;
  readonly port: number;
  readonly family: string;
  readonly peer: string | null;
  readonly peerPort: number | null;
  readonly command: string | null;
  readonly pid: number;
}

/** A raw client: send bytes, take the responses as they complete (each has a Content-Length). */
interface RawClient {
  readonly localPort: number;
  send(data: string | Uint8Array): void;
  next(): Promise<Response>;
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>;
}

function rawClient(t: TestContext, port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    let buffered = '';
    const ready: Response[] = [];
    const waiting: Array<(r: Response) => void> = [];
    let ended = false;
    const failWaiters = () => {
      if (!ended) return;
      for (const w of waiting.splice(0)) w({ status: 0, head: '', body: `closed; left over: ${buffered}` });
    };
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) break;
        const response = {
          status: Number(head.slice(9, 12)),
          head,
          body: buffered.slice(end + 4, end + 4 + length),
        };
        buffered = buffered.slice(end + 4 + length);
        const waiter = waiting.shift();
        if (waiter) waiter(response);
        else ready.push(response);
      }
    });
    const closed = new Promise<void>((res) =>
      socket.on('close', () => {
        ended = true;
        failWaiters();
        res();
      }),
    );
    socket.on('error', () => undefined);
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        localPort: socket.localPort as number,
        send: (data) => socket.write(data),
        next: () => {
          const r = ready.shift();
          if (r) return Promise.resolve(r);
          return new Promise<Response>((res) => {
            waiting.push(res);
            failWaiters();
          });
        },
        closed,
      }),
    );
  });
}

const GET = (path: string, close = false) =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
const V1 = 'PROXY TCP4 192.0.2.1 198.51.100.7 54321 443\r\n';
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
/** v2 PROXY over TCP6: [2001:db8::7]:40960 -> [2001:db8::8]:443, with an ALPN TLV. */
const V2 = Uint8Array.from([
  ...SIGNATURE,
  0x21,
  0x21,
  0,
  36 + 6,
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7],
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8],
  ...[0xa0, 0x00, 0x01, 0xbb],
  ...[0x01, 0x00, 0x03, 0x68, 0x32, 0x63],
]);

const seen = (r: Response): Seen => {
  assert.equal(r.status, 200, `${r.head}\n\n${r.body}`);
  return JSON.parse(r.body) as Seen;
};

test('--proxy-protocol: v1 and v2 name the client on every keep-alive request; plain HTTP and refusals beside them', async (t) => {
  const r = runicorn(t, [
    // The bare flag means auto (before another flag: a word after it would be taken as its mode).
    '--proxy-protocol',
    '-w',
    '1',
    '-b',
    '127.0.0.1:0',
    '--access-logfile',
    '-',
    fixture('peer.mjs'),
  ]);
  const port = await r.port();

  const v1 = await rawClient(t, port);
  v1.send(V1 + GET('/v1-first'));
  const first = seen(await v1.next());
  assert.deepEqual([first.address, first.port, first.family, first.command], ['192.0.2.1', 54321, 'IPv4', 'PROXY']);
  assert.equal(first.peer, '127.0.0.1', 'the proxy itself stays readable');
  // A second request on the same connection, written after the first answer.
  v1.send(GET('/v1-second', true));
  const second = seen(await v1.next());
  assert.deepEqual([second.url, second.address, second.port], ['/v1-second', '192.0.2.1', 54321]);
  await v1.closed;

  const v2 = await rawClient(t, port);
  v2.send(Buffer.concat([V2, Buffer.from(GET('/v2-first') + GET('/v2-second', true))]));
  const pipelined = [seen(await v2.next()), seen(await v2.next())];
  assert.deepEqual(
    pipelined.map((s) => [s.url, s.address, s.port, s.family]),
    [
      ['/v2-first', '2001:db8::7', 40960, 'IPv6'],
      ['/v2-second', '2001:db8::7', 40960, 'IPv6'],
    ],
  );

  const plain = await rawClient(t, port);
  plain.send(GET('/plain', true));
  const direct = seen(await plain.next());
  assert.deepEqual([direct.address, direct.port, direct.command], ['127.0.0.1', plain.localPort, null]);

  const bad = await rawClient(t, port);
  bad.send(`PROXY TCP4 192.0.2.1 198.51.100.7 54321 65536\r\n${GET('/smuggled')}`);
  const refused = await bad.next();
  assert.equal(refused.status, 400);
  assert.match(refused.head, /\r\nConnection: close/);
  assert.equal(refused.body, 'Invalid PROXY line\n');
  await bad.closed;

  const badV2 = await rawClient(t, port);
  badV2.send(Uint8Array.from([...SIGNATURE, 0x21, 0x12, 0, 12, ...Array<number>(12).fill(1)])); // DGRAM
  assert.equal((await badV2.next()).status, 400);
  await badV2.closed;

  // The same worker keeps serving, and the access log names the client.
  const after = await rawClient(t, port);
  after.send(V1 + GET('/after', true));
  const last = seen(await after.next());
  assert.equal(last.pid, first.pid);
  assert.equal(last.address, '192.0.2.1');
  assert.equal(r.workerPids().length, 1, 'no worker was replaced');
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
  await r.closed;
  assert.ok(
    r.out.some((l) => l.startsWith('192.0.2.1 ') && l.includes('GET /v1-first')),
    r.out.join('\n'),
  );
  assert.ok(!r.out.some((l) => l.includes('/smuggled')), 'nothing after a refused header is served');
});

test('--proxy-allow-from: a header from a peer not listed is 403 and closed; its plain HTTP still works', async (t) => {
  const r = runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '--proxy-protocol',
    'v1',
    '--proxy-allow-from',
    '10.0.0.0/8,192.0.2.7',
    fixture('peer.mjs'),
  ]);
  const port = await r.port();
  const forbidden = await rawClient(t, port);
  forbidden.send(V1 + GET('/x'));
  const reply = await forbidden.next();
  assert.equal(reply.status, 403);
  assert.match(reply.head, /\r\nConnection: close/);
  assert.equal(reply.body, 'Request forbidden\n');
  await forbidden.closed;
  const plain = await rawClient(t, port);
  plain.send(GET('/plain', true));
  assert.equal(seen(await plain.next()).address, '127.0.0.1');
});

test('--proxy-protocol off (the default): nothing reads a header; Node answers a PROXY line 400', async (t) => {
  const r = runicorn(t, ['-b', '127.0.0.1:0', fixture('peer.mjs')]);
  const port = await r.port();
  const client = await rawClient(t, port);
  client.send(V1 + GET('/x'));
  assert.equal((await client.next()).status, 400);
  const plain = await rawClient(t, port);
  plain.send(GET('/plain', true));
  const direct = seen(await plain.next());
  assert.deepEqual([direct.address, direct.port, direct.command], ['127.0.0.1', plain.localPort, null]);
});

/** haproxy on this machine, or undefined (Debian puts it in /usr/sbin, often not on a user's PATH). */
function findHaproxy(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  return dirs.map((d) => join(d, 'haproxy')).find((p) => p !== 'haproxy' && existsSync(p));
}

/** A port free right now on 127.0.0.1 (for haproxy's frontends, which cannot report the port they got). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Connect once haproxy listens: it prints nothing when its frontends are bound, so retry a refused connect (bounded). */
async function connectWhenListening(t: TestContext, port: number, proxy: ChildProcess): Promise<RawClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rawClient(t, port);
    } catch (error) {
      if (attempt >= 200 || proxy.exitCode !== null) throw error;
      await new Promise((res) => setTimeout(res, 25));
    }
  }
}

test('HAProxy send-proxy and send-proxy-v2 in front of runicorn: the app sees 127.0.0.1 and the client port', async (t) => {
  const haproxy = findHaproxy();
  if (haproxy === undefined) {
    const why = 'haproxy not installed: the PROXY protocol was NOT tested against HAProxy (apt-get install haproxy)';
    console.log(`# SKIPPED: ${why}`);
    t.skip(why);
    return;
  }
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', '--proxy-protocol', 'auto', fixture('peer.mjs')]);
  const appPort = await r.port();
  const [v1Port, v2Port] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-haproxy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 64',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 30s',
      '  timeout server 30s',
      'frontend v1',
      `  bind 127.0.0.1:${v1Port}`,
      '  default_backend app_v1',
      'frontend v2',
      `  bind 127.0.0.1:${v2Port}`,
      '  default_backend app_v2',
      'backend app_v1',
      `  server runicorn 127.0.0.1:${appPort} send-proxy`,
      'backend app_v2',
      `  server runicorn 127.0.0.1:${appPort} send-proxy-v2`,
      '',
    ].join('\n'),
  );
  const proxy = spawn(haproxy, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let proxyLog = '';
  proxy.stdout?.on('data', (d: Buffer) => (proxyLog += d));
  proxy.stderr?.on('data', (d: Buffer) => (proxyLog += d));
  const proxyExited = new Promise((res) => proxy.once('exit', res));
  t.after(async () => {
    if (proxy.exitCode === null && proxy.signalCode === null) {
      process.kill(proxy.pid as number, 'SIGTERM');
      await proxyExited;
    }
  });

  for (const [version, port] of [
    ['v1', v1Port],
    ['v2', v2Port],
  ] as const) {
    const client = await connectWhenListening(t, port, proxy).catch((error: Error) => {
      throw new Error(`${error.message}; haproxy said:\n${proxyLog}`);
    });
    client.send(GET(`/${version}-first`));
    const first = seen(await client.next());
    assert.equal(first.address, '127.0.0.1', version);
    assert.equal(first.family, 'IPv4', version);
    assert.equal(first.port, client.localPort, `${version}: the client's own port, from the header`);
    assert.equal(first.command, 'PROXY', version);
    assert.notEqual(first.peerPort, client.localPort, `${version}: haproxy's own connection has another port`);
    client.send(GET(`/${version}-second`, true));
    const second = seen(await client.next());
    assert.deepEqual([second.url, second.address, second.port], [`/${version}-second`, '127.0.0.1', client.localPort]);
    await client.closed;
  }
});
