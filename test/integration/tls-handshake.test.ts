/**
 * TLS connections that never finish their handshake, through the real CLI, for HTTPS, h2
 * (`--http-protocols h2,h1`) and the TLS front of an app's exported server: TERM closes them so
 * the worker exits at once instead of waiting out `--graceful-timeout`, and `--header-timeout`
 * bounds the handshake (not tls's 120 s).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { serverPair } from '../support/certs';
import { type Exit, type Running, runicorn } from '../support/cli';

const BOUND = { timeout: 60_000 };
let dir = '';
const at = (name: string) => join(dir, name);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'runicorn-handshake-'));
  serverPair(dir, 'one');
  writeFileSync(at('app.mjs'), "export default (req, res) => res.end('plain');\n");
  writeFileSync(
    at('server.mjs'),
    "import http from 'node:http';\nexport default http.createServer((req, res) => res.end('exported'));\n",
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The three kinds of TLS server a worker makes: their extra arguments, app, and the body they answer. */
const KINDS = [
  { name: 'HTTPS', args: [] as string[], app: 'app.mjs', body: 'plain' },
  { name: 'h2 with HTTP/1.1 fallback', args: ['--http-protocols', 'h2,h1'], app: 'app.mjs', body: 'plain' },
  { name: "an exported server's TLS front", args: [] as string[], app: 'server.mjs', body: 'exported' },
] as const;

/** One HTTPS GET on its own connection; resolves with the body. */
function fetchTls(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(
        { host: '127.0.0.1', servername: 'localhost', port, agent: false, ca: readFileSync(at('one.crt')) },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(body));
        },
      )
      .on('error', reject);
  });
}

/** A raw TCP connection, once connected; `bytes` are sent at once (none: it sends nothing). */
function rawClient(port: number, bytes?: Buffer): Promise<{ socket: net.Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      if (bytes) socket.write(bytes);
      const closed = new Promise<number>((done) => socket.on('close', () => done(performance.now())));
      resolve({ socket, closed });
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/** The first 9 bytes of a ClientHello: a handshake record announcing 512 bytes, then nothing more. */
const HALF_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]);

/** Rejects when `promise` has not settled within `ms` (turns a hang into a clear failure). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const serve = (t: Parameters<typeof runicorn>[0], kind: (typeof KINDS)[number], args: readonly string[]): Running =>
  runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '-w',
    '1',
    '--keyfile',
    at('one.key'),
    '--certfile',
    at('one.crt'),
    ...kind.args,
    ...args,
    at(kind.app),
  ]);

for (const kind of KINDS) {
  test(
    `${kind.name}: TERM closes connections stuck in their TLS handshake; the arbiter exits at once`,
    BOUND,
    async (t) => {
      const r = serve(t, kind, ['--graceful-timeout', '30']);
      const port = await r.port();
      // The worker is up: it answers.
      assert.equal(await fetchTls(port), kind.body);
      const silent = await rawClient(port);
      const half = await rawClient(port, HALF_CLIENT_HELLO);
      // One worker accepts in order: once a later connection is answered, both were accepted.
      assert.equal(await fetchTls(port), kind.body);
      const started = performance.now();
      r.kill('SIGTERM');
      const exit: Exit = await within(r.exited, 8000, 'the arbiter exits after TERM');
      const took = performance.now() - started;
      assert.deepEqual(exit, { code: 0, signal: null }, r.lines.join('\n'));
      assert.ok(took < 5000, `exited ${Math.round(took)} ms after TERM, --graceful-timeout is 30 s`);
      // The worker closed them; the client did not give up.
      await within(Promise.all([silent.closed, half.closed]), 2000, 'the stuck connections are closed');
    },
  );
}

for (const kind of KINDS) {
  test(`${kind.name}: --header-timeout bounds the TLS handshake`, BOUND, async (t) => {
    const r = serve(t, kind, ['--header-timeout', '1']);
    const port = await r.port();
    assert.equal(await fetchTls(port), kind.body);
    const started = performance.now();
    const silent = await rawClient(port);
    const half = await rawClient(port, HALF_CLIENT_HELLO);
    const closedAt = await within(Promise.all([silent.closed, half.closed]), 6000, 'the handshakes time out');
    for (const at of closedAt) {
      const took = at - started;
      assert.ok(took >= 900 && took < 2500, `closed ${Math.round(took)} ms after connecting; --header-timeout is 1`);
    }
    // No request came: a failed handshake is not an invalid request.
    assert.ok(!r.lines.some((l) => /Invalid request/.test(l)), r.lines.join('\n'));
    // The worker still serves.
    assert.equal(await fetchTls(port), kind.body);
  });
}

for (const kind of KINDS.slice(0, 2)) {
  test(`${kind.name}: a handshakeTimeout the sslContext hook chose wins over --header-timeout`, BOUND, async (t) => {
    const config = at(`hook-${kind.args.length}.mjs`);
    writeFileSync(config, 'export const sslContext = (config, make) => ({ ...make(), handshakeTimeout: 500 });\n');
    const r = serve(t, kind, ['--header-timeout', '30', '-c', config]);
    const port = await r.port();
    assert.equal(await fetchTls(port), kind.body);
    const started = performance.now();
    const silent = await rawClient(port);
    const took = (await within(silent.closed, 6000, 'the handshake times out')) - started;
    assert.ok(took >= 400 && took < 2500, `closed ${Math.round(took)} ms after connecting; the hook said 500 ms`);
  });
}
