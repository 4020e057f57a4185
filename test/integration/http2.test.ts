/**
 * HTTP/2 through the real CLI: h2 and HTTP/1.1 on one TLS port (Node's clients, and curl when
 * installed) for a plain handler, a Fetch app, Koa and Fastify; Express refused at boot with
 * one line; h2c with prior knowledge and HTTP/1.1 on one cleartext port, for trusted peers
 * only; the SETTINGS frame from the settings; the head rules and the access log on h2 requests;
 * TERM draining an h2 session with a request in flight; an idle session closed with a GOAWAY
 * after --keep-alive, and a session with a slow stream left open.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { example, runicorn } from '../support/cli';
import { serverPair } from '../support/certs';

const BOUND = { timeout: 60_000 };
let dir = '';
const at = (name: string) => join(dir, name);
const ca = () => readFileSync(at('one.crt'));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'runicorn-h2-'));
  serverPair(dir, 'one');
  // Says which protocol it was asked with; /slow says it started, and answers 400 ms later;
  // /wait/N answers N ms later.
  writeFileSync(
    at('app.mjs'),
    `export default (req, res) => {
  if (req.url.startsWith('/wait/')) {
    setTimeout(() => res.end('waited'), Number(req.url.slice(6)));
    return;
  }
  if (req.url === '/slow') {
    console.log('slow started');
    setTimeout(() => res.end('slow done'), 400);
    return;
  }
  res.end(JSON.stringify({ version: req.httpVersion, xff: req.headers['x-forwarded-for'] ?? null }));
};\n`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One request on an h2 session (made here when none is given), trusting the test's certificate. */
function h2Get(
  url: string,
  path = '/',
  headers: http2.OutgoingHttpHeaders = {},
  session?: http2.ClientHttp2Session,
): Promise<Answer> {
  const client = session ?? http2.connect(url, { ca: ca() });
  return new Promise((resolve, reject) => {
    client.on('error', reject);
    const req = client.request({ ':path': path, ...headers });
    let status = 0;
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (!session) client.close();
      resolve({ status, body });
    });
    req.on('error', reject);
  });
}

/** One HTTP/1.1 request over TLS on a new connection. */
function h1Get(port: number, path = '/'): Promise<Answer & { alpn: string | false }> {
  return new Promise((resolve, reject) => {
    // Offering only http/1.1 in ALPN, as curl --http1.1 does.
    const options = {
      host: '127.0.0.1',
      servername: 'localhost',
      port,
      path,
      agent: false,
      ca: ca(),
      ALPNProtocols: ['http/1.1'],
    };
    https
      .get(options as https.RequestOptions, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            alpn: (res.socket as import('node:tls').TLSSocket).alpnProtocol ?? false,
          }),
        );
      })
      .on('error', reject);
  });
}

/** One cleartext HTTP/1.1 request. */
function plainGet(port: number, path = '/'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

const tlsArgs = () => ['--keyfile', at('one.key'), '--certfile', at('one.crt')];
const serveTls = (t: Parameters<typeof runicorn>[0], args: readonly string[], app = at('app.mjs')) =>
  runicorn(t, ['-b', '127.0.0.1:0', ...tlsArgs(), '--http-protocols', 'h2,h1', ...args, app]);

const hasCurl = (() => {
  try {
    return execFileSync('curl', ['--version'], { encoding: 'utf8' }).includes('HTTP2');
  } catch {
    return false;
  }
})();

test(
  'h2 and HTTP/1.1 on one TLS port, a plain handler; the access log says HTTP/2.0 with the peer and https',
  BOUND,
  async (t) => {
    const r = serveTls(t, [
      '--access-logfile',
      '-',
      '--access-logformat',
      '%(h)s %({wsgi.url_scheme}e)s "%(r)s" %(s)s',
    ]);
    const port = await r.port();
    const url = `https://localhost:${port}`;
    const h2 = await h2Get(url, '/two');
    assert.equal(h2.status, 200);
    assert.equal(JSON.parse(h2.body).version, '2.0');
    const h1 = await h1Get(port, '/one');
    assert.equal(JSON.parse(h1.body).version, '1.1');
    assert.equal(h1.alpn, 'http/1.1');
    while (!r.out.some((l) => l.includes('/one'))) await h1Get(port, '/one');
    assert.ok(r.out.includes('127.0.0.1 https "GET /two HTTP/2.0" 200'), r.out.join('\n'));
    assert.ok(r.out.includes('127.0.0.1 https "GET /one HTTP/1.1" 200'), r.out.join('\n'));
    if (hasCurl) {
      const curl = (flag: string) =>
        execFileSync('curl', ['-s', flag, '--cacert', at('one.crt'), '-w', ' %{http_version}', `${url}/c`], {
          encoding: 'utf8',
        });
      assert.match(curl('--http2'), /"version":"2\.0".* 2$/);
      assert.match(curl('--http1.1'), /"version":"1\.1".* 1\.1$/);
    }
  },
);

test('h2 over TLS for the Fetch, Koa and Fastify examples', BOUND, async (t) => {
  const cases: ReadonlyArray<[string, string, RegExp]> = [
    ['fetch.mjs', '/hi?name=Ada', /^Hello, Ada! You asked for \/hi\n$/],
    ['koa.mjs', '/', /^Hello from Koa!\n$/],
    ['fastify.mjs', '/json', /"framework":"fastify"/],
  ];
  for (const [file, path, expected] of cases) {
    const r = serveTls(t, [], example(file));
    const port = await r.port();
    const h2 = await h2Get(`https://localhost:${port}`, path);
    assert.equal(h2.status, 200, file);
    assert.match(h2.body, expected, file);
    const h1 = await h1Get(port, path);
    assert.match(h1.body, expected, file);
    r.kill('SIGTERM');
    assert.equal((await r.exited).code, 0, file);
  }
});

test('Express with h2 is refused at boot with one line; without h2 it is served', BOUND, async (t) => {
  const r = serveTls(t, [], example('express.mjs'));
  const exit = await r.exited;
  assert.equal(exit.code, 4, 'the app cannot be loaded');
  const said = r.lines.filter((l) => l.includes('Express cannot serve HTTP/2'));
  assert.equal(said.length, 1, r.lines.join('\n'));
  assert.match(said[0] ?? '', /Reason: cannot load app ".*express\.mjs": it is an Express app/);
  assert.ok(!r.lines.some((l) => /^\s+at /.test(l)), 'no stack trace');
  const ok = runicorn(t, ['-b', '127.0.0.1:0', ...tlsArgs(), example('express.mjs')]);
  const port = await ok.port();
  assert.equal((await h1Get(port, '/')).body, 'Hello from Express!\n');
});

test('h2c with prior knowledge and HTTP/1.1 on one cleartext port', BOUND, async (t) => {
  const r = runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '--http-protocols',
    'h2,h1',
    '--http2-cleartext',
    'prior-knowledge',
    '--access-logfile',
    '-',
    '--access-logformat',
    '%(h)s "%(r)s"',
    at('app.mjs'),
  ]);
  const port = await r.port();
  const h2 = await h2Get(`http://127.0.0.1:${port}`, '/h2c');
  assert.equal(JSON.parse(h2.body).version, '2.0');
  const h1 = await plainGet(port, '/h1');
  assert.equal(JSON.parse(h1.body).version, '1.1');
  while (!r.out.some((l) => l.includes('/h1'))) await plainGet(port, '/h1');
  assert.ok(r.out.includes('127.0.0.1 "GET /h2c HTTP/2.0"'), r.out.join('\n'));
});

test('h2c only for peers in --forwarded-allow-ips: an untrusted peer gets HTTP/1.1 only', BOUND, async (t) => {
  const r = runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '--http-protocols',
    'h2,h1',
    '--http2-cleartext',
    'prior-knowledge',
    '--forwarded-allow-ips',
    '10.9.9.9',
    at('app.mjs'),
  ]);
  const port = await r.port();
  await assert.rejects(h2Get(`http://127.0.0.1:${port}`, '/h2c'));
  assert.equal(JSON.parse((await plainGet(port)).body).version, '1.1');
});

test('h2 without TLS or prior knowledge: one warning, HTTP/1.1 served', BOUND, async (t) => {
  const r = runicorn(t, ['-b', '127.0.0.1:0', '--http-protocols', 'h2,h1', at('app.mjs')]);
  const port = await r.port();
  await r.waitFor(/WARNING\] --http-protocols h2 needs TLS .* serving HTTP\/1\.1 only/);
  assert.equal(JSON.parse((await plainGet(port)).body).version, '1.1');
});

test('the SETTINGS frame carries the --http2-* settings', BOUND, async (t) => {
  const r = serveTls(t, [
    '--http2-max-concurrent-streams',
    '7',
    '--http2-initial-window-size',
    '100000',
    '--http2-max-frame-size',
    '32768',
    '--http2-max-header-list-size',
    '12345',
  ]);
  const port = await r.port();
  const client = http2.connect(`https://localhost:${port}`, { ca: ca() });
  t.after(() => client.destroy());
  const settings = await new Promise<http2.Settings>((resolve) => client.once('remoteSettings', resolve));
  assert.equal(settings.maxConcurrentStreams, 7);
  assert.equal(settings.initialWindowSize, 100000);
  assert.equal(settings.maxFrameSize, 32768);
  assert.equal(settings.maxHeaderListSize, 12345);
});

test(
  'the head rules see h2 requests: too many fields is 431, untrusted forwarded headers are stripped',
  BOUND,
  async (t) => {
    const r = serveTls(t, ['--limit-request-fields', '5', '--forwarded-allow-ips', '10.9.9.9']);
    const port = await r.port();
    const url = `https://localhost:${port}`;
    const session = http2.connect(url, { ca: ca() });
    t.after(() => session.close());
    const many: http2.OutgoingHttpHeaders = {};
    for (let i = 0; i < 6; i++) many[`x-h${i}`] = 'v';
    const refused = await h2Get(url, '/', many, session);
    assert.equal(refused.status, 431);
    assert.match(refused.body, /Too many header fields \(6 > 5\)/);
    // The same session goes on: a refusal answers one stream only.
    const stripped = await h2Get(url, '/', { 'x-forwarded-for': '1.2.3.4' }, session);
    assert.equal(stripped.status, 200);
    assert.equal(JSON.parse(stripped.body).xff, null);
    await r.waitFor(/Invalid request from ip=127\.0\.0\.1: Too many header fields/);
  },
);

test('TERM drains an h2 session: the request in flight finishes, the worker exits 0', BOUND, async (t) => {
  const r = serveTls(t, []);
  const port = await r.port();
  const session = http2.connect(`https://localhost:${port}`, { ca: ca() });
  t.after(() => session.destroy());
  const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
  const slow = h2Get(`https://localhost:${port}`, '/slow', {}, session);
  while (!r.out.includes('slow started')) await new Promise((resolve) => setImmediate(resolve));
  const termAt = Date.now();
  r.kill('SIGTERM');
  await goaway;
  const answer = await slow;
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'slow done');
  assert.equal((await r.exited).code, 0);
  // Closed by the GOAWAY once its stream ended, not left open to --graceful-timeout's deadline.
  assert.ok(Date.now() - termAt < 10_000, `exited ${Date.now() - termAt} ms after TERM`);
});

test(
  'h2c after a PROXY header: the header is read first, the app and the access log see its client',
  BOUND,
  async (t) => {
    const r = runicorn(t, [
      '-b',
      '127.0.0.1:0',
      '--http-protocols',
      'h2,h1',
      '--http2-cleartext',
      'prior-knowledge',
      '--proxy-protocol',
      'v1',
      '--access-logfile',
      '-',
      '--access-logformat',
      '%(h)s "%(r)s"',
      at('app.mjs'),
    ]);
    const port = await r.port();
    const session = http2.connect(`http://127.0.0.1:${port}`, {
      createConnection: () => {
        const socket = net.connect(port, '127.0.0.1');
        socket.write('PROXY TCP4 192.0.2.1 127.0.0.1 54321 80\r\n');
        return socket;
      },
    });
    t.after(() => session.destroy());
    const answer = await h2Get(`http://127.0.0.1:${port}`, '/proxied', {}, session);
    assert.equal(JSON.parse(answer.body).version, '2.0');
    assert.equal(JSON.parse((await plainGet(port, '/h1')).body).version, '1.1');
    while (!r.out.some((l) => l.includes('/h1'))) await plainGet(port, '/h1');
    assert.ok(r.out.includes('192.0.2.1 "GET /proxied HTTP/2.0"'), r.out.join('\n'));
  },
);

test('an app that exports its own server is refused with h2 (it speaks HTTP/1 only)', BOUND, async (t) => {
  const r = runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '--http-protocols',
    'h2,h1',
    '--http2-cleartext',
    'prior-knowledge',
    example('websocket/express-ws.mjs'),
  ]);
  assert.equal((await r.exited).code, 4);
  assert.ok(
    r.lines.some((l) => /Reason: cannot load app .*it exports its own server, which speaks HTTP\/1 only/.test(l)),
    r.lines.join('\n'),
  );
});

/** When (performance.now()) the session is sent a GOAWAY, or closes; rejects when neither comes within 8 s. */
const goawayAt = (session: http2.ClientHttp2Session): Promise<number> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no GOAWAY within 8 s')), 8000);
    const seen = () => {
      clearTimeout(timer);
      resolve(performance.now());
    };
    session.once('goaway', seen);
    session.once('close', seen);
  });

test(
  'an idle h2 session gets a GOAWAY after --keep-alive (over TLS and h2c), or --header-timeout with keep-alive off',
  BOUND,
  async (t) => {
    const tlsServer = serveTls(t, ['--keep-alive', '1']);
    const noKeepAlive = serveTls(t, ['--keep-alive', '0', '--header-timeout', '1']);
    const h2c = runicorn(t, [
      '-b',
      '127.0.0.1:0',
      '--http-protocols',
      'h2,h1',
      '--http2-cleartext',
      'prior-knowledge',
      '--keep-alive',
      '1',
      at('app.mjs'),
    ]);
    const urls = [
      `https://localhost:${await tlsServer.port()}`,
      `http://127.0.0.1:${await h2c.port()}`,
      `https://localhost:${await noKeepAlive.port()}`,
    ];
    await Promise.all(
      urls.map(async (url) => {
        const session = http2.connect(url, { ca: ca() });
        t.after(() => session.destroy());
        const closed = goawayAt(session);
        assert.equal((await h2Get(url, '/', {}, session)).status, 200);
        const idleFrom = performance.now();
        const idle = (await closed) - idleFrom;
        assert.ok(idle > 800 && idle < 3000, `${url}: GOAWAY ${Math.round(idle)} ms after the last answer`);
      }),
    );
  },
);

test('an h2 session with a stream open longer than --keep-alive is not closed', BOUND, async (t) => {
  const r = serveTls(t, ['--keep-alive', '1']);
  const url = `https://localhost:${await r.port()}`;
  const session = http2.connect(url, { ca: ca() });
  t.after(() => session.destroy());
  let goaway: number | undefined;
  const closed = goawayAt(session).then((at) => (goaway = at));
  // Answered 2.5 s later: the session is silent all that time, but not idle.
  const answer = await h2Get(url, '/wait/2500', {}, session);
  const answeredAt = performance.now();
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'waited');
  assert.equal(goaway, undefined, 'no GOAWAY while the stream was open');
  // The session is still usable, then idle: closed a keep-alive later.
  assert.equal((await h2Get(url, '/', {}, session)).status, 200);
  const idle = (await closed) - answeredAt;
  assert.ok(idle > 800 && idle < 3000, `GOAWAY ${Math.round(idle)} ms after the last answer`);
});
