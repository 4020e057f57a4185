// idleSessionCloser and openStreams on a real node:http2 server and client: openStreams reads
// Node's internal stream map (a Node upgrade that moves it fails here first); an idle session
// gets a GOAWAY after the idle time, a session with a stream open past it does not; 0 = never.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type TestContext, test } from 'node:test';
import { idleSessionCloser, openStreams } from '../../src/effects/h2-idle';

/** A cleartext HTTP/2 server whose sessions get `onSession`; `/wait/N` answers N ms later. */
async function serve(t: TestContext, onSession: (session: http2.ServerHttp2Session) => void): Promise<string> {
  const server = http2.createServer();
  server.on('session', onSession);
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    const wait = path.startsWith('/wait/') ? Number(path.slice(6)) : 0;
    setTimeout(() => {
      if (!stream.destroyed) stream.respond({ ':status': 200 }, { endStream: true });
    }, wait);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function connect(t: TestContext, url: string): http2.ClientHttp2Session {
  const session = http2.connect(url);
  t.after(() => session.destroy());
  return session;
}

/** One request on `session`; resolves when its answer has ended. */
function get(session: http2.ClientHttp2Session, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    req.on('response', () => undefined);
    req.resume();
    req.on('end', resolve);
    req.on('error', reject);
  });
}

/** When the client session is sent a GOAWAY or closes; undefined when neither comes within `ms`. */
function goawayWithin(session: http2.ClientHttp2Session, ms: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    const seen = () => {
      clearTimeout(timer);
      resolve(performance.now());
    };
    session.once('goaway', seen);
    session.once('close', seen);
  });
}

test('openStreams counts the streams a server session has open', async (t) => {
  let server: http2.ServerHttp2Session | undefined;
  const url = await serve(t, (s) => (server = s));
  const client = connect(t, url);
  await get(client, '/');
  assert.ok(server, 'a session');
  assert.equal(openStreams(server), 0);
  const slow = [get(client, '/wait/200'), get(client, '/wait/200')];
  while (openStreams(server) < 2) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(openStreams(server), 2);
  await Promise.all(slow);
  assert.equal(openStreams(server), 0);
});

test('an idle session gets a GOAWAY after the idle time', async (t) => {
  const url = await serve(t, idleSessionCloser(200));
  const client = connect(t, url);
  const closed = goawayWithin(client, 3000);
  await get(client, '/');
  const from = performance.now();
  const at = await closed;
  assert.ok(at !== undefined, 'a GOAWAY');
  assert.ok(at - from > 150 && at - from < 1500, `${Math.round(at - from)} ms after the answer`);
});

test('a session with a stream open past the idle time keeps it, and is closed once idle', async (t) => {
  const url = await serve(t, idleSessionCloser(200));
  const client = connect(t, url);
  let goaway: number | undefined;
  const closed = goawayWithin(client, 3000).then((at) => (goaway = at));
  await get(client, '/wait/700');
  const answered = performance.now();
  assert.equal(goaway, undefined, 'no GOAWAY while the stream was open');
  await get(client, '/');
  const at = await closed;
  assert.ok(at !== undefined && at - answered < 1500, 'then a GOAWAY');
});

test('idle time 0: sessions are left open', async (t) => {
  const url = await serve(t, idleSessionCloser(0));
  const client = connect(t, url);
  await get(client, '/');
  assert.equal(await goawayWithin(client, 500), undefined);
});
