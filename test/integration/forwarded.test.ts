// --forwarded-allow-ips and the secure scheme headers: what a direct client can make an app
// believe about its scheme and address, with Express's and Fastify's `trust proxy`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { example, fixture, get, runicorn } from '../support/cli';
import { exchange } from '../support/raw-http';

const FORGED = {
  'X-Forwarded-For': '203.0.113.7',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Host': 'evil.example',
  Forwarded: 'for=203.0.113.7;proto=https',
  'X-Real-IP': '203.0.113.7',
  'X-Other': 'kept',
};

interface Echo {
  headers: string[];
  headerObject: Record<string, string>;
}

async function echoed(args: string[], env: NodeJS.ProcessEnv, t: Parameters<typeof runicorn>[0]): Promise<Echo> {
  const r = runicorn(t, ['-b', '127.0.0.1:0', ...args, fixture('echo.mjs')], { env });
  const port = await r.port();
  const reply = await get(port, '/', FORGED);
  assert.equal(reply.status, 200, reply.body);
  return JSON.parse(reply.body) as Echo;
}

const names = (echo: Echo) => echo.headers.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());

test('from a trusted peer (127.0.0.1 by default) forwarded headers reach the app', async (t) => {
  const echo = await echoed([], { FORWARDED_ALLOW_IPS: '' }, t);
  for (const name of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-real-ip'])
    assert.ok(names(echo).includes(name), name);
});

test('from a peer not in --forwarded-allow-ips they are removed from rawHeaders and headers; others stay', async (t) => {
  const echo = await echoed(['--forwarded-allow-ips', '10.0.0.0/8,::1'], {}, t);
  assert.deepEqual(names(echo).sort(), ['connection', 'host', 'x-other']);
  assert.equal(echo.headerObject['x-forwarded-for'], undefined);
  assert.equal(echo.headerObject['x-forwarded-proto'], undefined);
  assert.equal(echo.headerObject['x-other'], 'kept');
});

test('FORWARDED_ALLOW_IPS from the environment sets the list; * trusts everyone', async (t) => {
  assert.ok(!names(await echoed([], { FORWARDED_ALLOW_IPS: '192.0.2.1' }, t)).includes('x-forwarded-for'));
  assert.ok(
    names(await echoed(['--forwarded-allow-ips', '*'], { FORWARDED_ALLOW_IPS: '192.0.2.1' }, t)).includes(
      'x-forwarded-for',
    ),
  );
  assert.ok(names(await echoed(['--forwarded-allow-ips', '127.0.0.0/8'], {}, t)).includes('x-forwarded-for'));
});

test('contradictory scheme headers from a trusted peer are 400, logged and in the access log', async (t) => {
  const r = runicorn(t, ['-b', '127.0.0.1:0', '--access-logfile', '-', fixture('echo.mjs')]);
  const port = await r.port();
  const reply = await get(port, '/contra', { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Ssl': 'off' });
  assert.equal(reply.status, 400);
  assert.equal(reply.headers.connection, 'close');
  assert.match(reply.body, /Contradictory scheme headers/);
  await r.waitFor(/\[WARNING\] Invalid request from ip=127\.0\.0\.1: Contradictory scheme headers \(400\)/);
  assert.equal((await get(port, '/', { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Ssl': 'on' })).status, 200);
  r.kill('SIGTERM');
  await r.closed;
  assert.ok(
    r.out.some((l) => l.includes('"GET /contra HTTP/1.1" 400 ')),
    r.out.join('\n'),
  );
});

for (const app of ['express.mjs', 'fastify.mjs'])
  test(`${app} with trust proxy: a proxy's headers count, a direct client's do not`, async (t) => {
    const trusted = runicorn(t, ['-b', '127.0.0.1:0', example(`proxy/${app}`)], { env: { FORWARDED_ALLOW_IPS: '' } });
    const viaProxy = JSON.parse((await get(await trusted.port(), '/', FORGED)).body) as {
      protocol: string;
      ip: string;
    };
    assert.equal(viaProxy.protocol, 'https');
    assert.equal(viaProxy.ip, '203.0.113.7');

    const direct = runicorn(t, ['-b', '127.0.0.1:0', '--forwarded-allow-ips', '10.0.0.1', example(`proxy/${app}`)]);
    const forged = JSON.parse((await get(await direct.port(), '/', FORGED)).body) as { protocol: string; ip: string };
    assert.equal(forged.protocol, 'http');
    assert.equal(forged.ip, '127.0.0.1');
  });

test('with the PROXY protocol, trust is decided by the proxy (the TCP peer), not by the client it names', async (t) => {
  const request =
    'PROXY TCP4 203.0.113.9 127.0.0.1 40000 8000\r\n'
    + 'GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n';
  const seen = async (allow: string) => {
    const r = runicorn(t, [
      '-b',
      '127.0.0.1:0',
      '--proxy-protocol',
      'v1',
      '--forwarded-allow-ips',
      allow,
      fixture('echo.mjs'),
    ]);
    const result = await exchange(await r.port(), request);
    const echo = JSON.parse(result.responses[0]?.body ?? '{}') as Echo & { remote: string };
    assert.equal(echo.remote, '203.0.113.9');
    return names(echo);
  };
  assert.ok((await seen('127.0.0.1')).includes('x-forwarded-proto'), 'the proxy on 127.0.0.1 is trusted');
  assert.ok(
    !(await seen('203.0.113.9')).includes('x-forwarded-proto'),
    'the client named in the header is not the peer',
  );
});
