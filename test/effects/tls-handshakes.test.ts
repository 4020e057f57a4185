// tlsHandshakes on a real https server: a connection is kept while in its TLS handshake only;
// drain() closes the ones still in it after the grace time, closeAll() at once; a failed
// handshake is closed at once (no clientError answer lingering on it).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, type TestContext, test } from 'node:test';
import tls from 'node:tls';
import { tlsHandshakes, type TlsHandshakes } from '../../src/effects/tls-handshakes';
import { serverPair } from '../support/certs';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'runicorn-handshakes-'));
  serverPair(dir, 'one');
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function serve(
  t: TestContext,
  handshakes: TlsHandshakes,
  options: https.ServerOptions = {},
): Promise<{ port: number; server: https.Server }> {
  const server = https.createServer(
    { key: readFileSync(join(dir, 'one.key')), cert: readFileSync(join(dir, 'one.crt')), ...options },
    (_req, res) => res.end('ok'),
  );
  handshakes.watch(server);
  // As a worker's guard does: answer client errors in HTTP (which a failed handshake must not get).
  server.on('clientError', (_err, socket: net.Socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, server };
}

/** A raw TCP client that sends nothing; resolves once connected, with when it was closed. */
function silent(t: TestContext, port: number): Promise<{ readonly closed: Promise<number> }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      resolve({ closed: new Promise((closed) => socket.on('close', () => closed(performance.now()))) }),
    );
    socket.on('error', () => undefined);
    t.after(() => socket.destroy());
  });
}

/** A TLS client, once its handshake is done. */
function secure(t: TestContext, port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve) => {
    const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(socket));
    socket.on('error', () => undefined);
    t.after(() => socket.destroy());
  });
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

test('only connections in their handshake are kept; drain closes them after the grace time', async (t) => {
  const handshakes = tlsHandshakes(300);
  const { port } = await serve(t, handshakes);
  const stuck = await silent(t, port);
  const done = await secure(t, port);
  await until(() => handshakes.size === 1);
  const drainedAt = performance.now();
  handshakes.drain();
  const closedAt = await stuck.closed;
  assert.ok(closedAt - drainedAt >= 250, `closed ${Math.round(closedAt - drainedAt)} ms after drain()`);
  assert.equal(handshakes.size, 0);
  assert.ok(!done.destroyed, 'a connection past its handshake is left alone');
});

test('closeAll closes the connections in their handshake at once', async (t) => {
  const handshakes = tlsHandshakes(60_000);
  const { port } = await serve(t, handshakes);
  const stuck = await silent(t, port);
  await until(() => handshakes.size === 1);
  const from = performance.now();
  handshakes.closeAll();
  assert.ok((await stuck.closed) - from < 500);
});

test('a timed-out handshake is closed at once, not answered in HTTP', async (t) => {
  const handshakes = tlsHandshakes();
  const { port } = await serve(t, handshakes, { handshakeTimeout: 200 });
  const from = performance.now();
  const { closed } = await silent(t, port);
  const late = new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 3000).unref());
  const took = (await Promise.race([closed, late])) - from;
  assert.ok(took >= 150 && took < 1000, `closed ${Math.round(took)} ms after connecting`);
  await until(() => handshakes.size === 0);
});
