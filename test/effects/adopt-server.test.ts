// An exported http.Server as an app: its request listeners are taken over, one already
// listening (or a server that is not HTTP) is refused in one line.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { adaptApp } from '../../src/effects/load-app';

test('an http.Server that is not listening: its request listener becomes the app, and it leaves the server', async () => {
  const app = (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('app');
  const server = http.createServer(app);
  const onUpgrade = () => undefined;
  server.on('upgrade', onUpgrade);
  const loaded = await adaptApp(server, { kind: 'auto' });
  assert.equal(loaded.kind, 'server');
  assert.equal(loaded.server, server);
  assert.equal(loaded.listener, app);
  assert.equal(server.listenerCount('request'), 0, 'runicorn installs its own');
  assert.deepEqual(server.listeners('upgrade'), [onUpgrade], 'upgrade stays the app’s');
});

test('a server with no request listener answers 404; with two, both run', async () => {
  const bare = await adaptApp(http.createServer(), { kind: 'node' });
  const calls: string[] = [];
  const two = http.createServer((req) => calls.push(`a ${req.url}`));
  two.on('request', (req) => calls.push(`b ${req.url}`));
  const both = await adaptApp(two, { kind: 'auto' });
  const res = { writeHead: (status: number) => calls.push(String(status)), end: () => calls.push('end') };
  bare.listener({ url: '/' } as http.IncomingMessage, res as unknown as http.ServerResponse);
  both.listener({ url: '/x' } as http.IncomingMessage, res as unknown as http.ServerResponse);
  assert.deepEqual(calls, ['404', 'end', 'a /x', 'b /x']);
});

test('a listening server, or a plain net.Server, is refused in one line', async (t) => {
  const listening = http.createServer();
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  t.after(() => listening.close());
  await assert.rejects(adaptApp(listening, { kind: 'auto', what: 'the export' }), (error: Error) => {
    assert.match(
      error.message,
      /^.*the export is a server already listening \(on 127\.0\.0\.1:\d+\); export it without calling listen\(\): runicorn listens it on its own sockets$/,
    );
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
  await assert.rejects(
    adaptApp(net.createServer(), { kind: 'auto', what: 'the export' }),
    /is a net\.Server but not an HTTP server/,
  );
});

test('--app-kind fetch does not take a server', async () => {
  await assert.rejects(adaptApp(http.createServer(), { kind: 'fetch', what: 'the export' }), /is not an app/);
});
