/**
 * HTTPS through the real CLI, with certificates made here by `openssl`: plain and Fetch apps,
 * client certificates (none, optional, required), the minimum TLS version and the sslContext
 * hook, the arbiter's refusals (one line, exit 1), the PROXY protocol before the handshake, and
 * HUP picking up renewed certificate files with no failed request.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import WebSocket from 'ws';
import { serverPair } from '../support/certs';
import { example, runicorn } from '../support/cli';

const BOUND = { timeout: 60_000 };
let dir = '';
const at = (name: string) => join(dir, name);
const pem = (name: string) => readFileSync(at(name));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'runicorn-tls-'));
  serverPair(dir, 'one');
  serverPair(dir, 'two');
  // A CA, a client certificate it signed, and a self-signed client certificate it did not.
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=test-ca',
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=client');
  openssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    'client.crt',
  );
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-keyout',
    'rogue.key',
    '-out',
    'rogue.crt',
    '-subj',
    '/CN=rogue',
  );
  writeFileSync(
    at('app.mjs'),
    `export default (req, res) => {
  const s = req.socket;
  const peer = s.getPeerCertificate ? s.getPeerCertificate() : undefined;
  res.end(JSON.stringify({
    encrypted: s.encrypted === true,
    authorized: s.authorized ?? null,
    peer: peer && peer.subject ? peer.subject.CN : null,
    remote: s.remoteAddress,
    pid: process.pid,
  }));
};\n`,
  );
  writeFileSync(at('fetch-url.mjs'), 'export default { fetch: (request) => new Response(request.url) };\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Answer {
  readonly status: number;
  readonly body: string;
  /** SHA-256 fingerprint of the certificate the server showed. */
  readonly fingerprint: string;
  readonly protocol: string | null;
}

/** One HTTPS GET on a new connection, trusting both server certificates. */
function fetchTls(port: number, path = '/', extra: https.RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path,
        agent: false,
        ca: [pem('one.crt'), pem('two.crt')],
        ...extra,
      },
      (res) => {
        const socket = res.socket as tls.TLSSocket;
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        const protocol = socket.getProtocol();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint, protocol }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

const fingerprintOf = (file: string) => new X509Certificate(pem(file)).fingerprint256;

const serve = (t: Parameters<typeof runicorn>[0], args: readonly string[], app = at('app.mjs')) =>
  runicorn(t, ['-b', '127.0.0.1:0', '--keyfile', at('one.key'), '--certfile', at('one.crt'), ...args, app]);

test('HTTPS with a plain handler: the listener says https, the app sees an encrypted socket', BOUND, async (t) => {
  const r = serve(t, ['--access-logfile', '-', '--access-logformat', 'scheme=%({wsgi.url_scheme}e)s %(r)s']);
  await r.waitFor(/Listening at: https:\/\/127\.0\.0\.1:\d+ /);
  const port = await r.port();
  const answer = await fetchTls(port);
  assert.equal(answer.status, 200);
  assert.equal(answer.fingerprint, fingerprintOf('one.crt'));
  const body = JSON.parse(answer.body) as { encrypted: boolean; peer: string | null };
  assert.equal(body.encrypted, true);
  assert.equal(body.peer, null, 'no client certificate asked for');
  // Node's default floor and OpenSSL's best: TLS 1.3.
  assert.equal(answer.protocol, 'TLSv1.3');
  // The access log's scheme atom says https.
  while (!r.out.some((l) => l.includes('GET /'))) await fetchTls(port);
  assert.ok(
    r.out.filter((l) => l.includes('GET /')).every((l) => l.startsWith('scheme=https ')),
    r.out.join('\n'),
  );
});

test('HTTPS with Fetch apps: examples/fetch.mjs answers, and request.url is https://', BOUND, async (t) => {
  const r = serve(t, [], example('fetch.mjs'));
  const port = await r.port();
  const hello = await fetchTls(port, '/hi?name=Ada');
  assert.equal(hello.body, 'Hello, Ada! You asked for /hi\n');
  const u = serve(t, [], at('fetch-url.mjs'));
  const uport = await u.port();
  const url = await fetchTls(uport, '/where?x=1', { headers: { host: `localhost:${uport}` } });
  assert.equal(url.body, `https://localhost:${uport}/where?x=1`);
});

test('--cert-reqs 2 (required): no client certificate is refused, a CA-signed one is served', BOUND, async (t) => {
  const r = serve(t, ['--cert-reqs', '2', '--ca-certs', at('ca.crt')]);
  const port = await r.port();
  await assert.rejects(fetchTls(port), 'a client without a certificate gets no answer');
  await assert.rejects(
    fetchTls(port, '/', { key: pem('rogue.key'), cert: pem('rogue.crt') }),
    'nor one the CA did not sign',
  );
  const ok = await fetchTls(port, '/', { key: pem('client.key'), cert: pem('client.crt') });
  assert.equal(ok.status, 200);
  const body = JSON.parse(ok.body) as { authorized: boolean; peer: string };
  assert.equal(body.peer, 'client');
  assert.equal(body.authorized, true);
});

test(
  '--cert-reqs optional: served with or without a certificate; the app sees it; a bad one is refused',
  BOUND,
  async (t) => {
    const r = serve(t, ['--cert-reqs', 'optional', '--ca-certs', at('ca.crt')]);
    const port = await r.port();
    const without = JSON.parse((await fetchTls(port)).body) as { authorized: boolean; peer: string | null };
    assert.equal(without.peer, null);
    assert.equal(without.authorized, false);
    const withCert = JSON.parse(
      (await fetchTls(port, '/', { key: pem('client.key'), cert: pem('client.crt') })).body,
    ) as {
      authorized: boolean;
      peer: string | null;
    };
    assert.equal(withCert.peer, 'client');
    assert.equal(withCert.authorized, true);
    await assert.rejects(
      fetchTls(port, '/', { key: pem('rogue.key'), cert: pem('rogue.crt') }),
      'a certificate that does not verify',
    );
    assert.equal((await fetchTls(port)).status, 200, 'the worker serves on');
  },
);

test(
  '--tls-min-version TLSv1.3 turns a TLS 1.2 client away; sslContext can do the same from the config file',
  BOUND,
  async (t) => {
    const r = serve(t, ['--tls-min-version', 'TLSv1.3']);
    const port = await r.port();
    await assert.rejects(fetchTls(port, '/', { maxVersion: 'TLSv1.2' }));
    assert.equal((await fetchTls(port)).status, 200);

    const conf = at('ssl-context.conf.mjs');
    writeFileSync(
      conf,
      `export const sslContext = (config, defaultContextFactory) => {
  const options = defaultContextFactory();
  if (!options.key || !options.cert || options.minVersion !== 'TLSv1.2') throw new Error('unexpected defaults');
  return { ...options, minVersion: 'TLSv1.3' };
};\n`,
    );
    const h = serve(t, ['-c', conf]);
    const hport = await h.port();
    await assert.rejects(fetchTls(hport, '/', { maxVersion: 'TLSv1.2' }));
    assert.equal((await fetchTls(hport)).status, 200);
  },
);

test('a bad key path, a key that does not match, or a key alone: one line and exit 1, no worker', BOUND, async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [
      ['--keyfile', at('missing.key'), '--certfile', at('one.crt')],
      /cannot serve HTTPS: --keyfile '.*missing\.key': no such file \(ENOENT\)$/,
    ],
    [
      ['--keyfile', at('one.key'), '--certfile', at('two.crt')],
      /cannot serve HTTPS: --keyfile '.*one\.key': the key does not match the certificate in '.*two\.crt'$/,
    ],
    [
      ['--keyfile', at('one.key'), '--certfile', at('app.mjs')],
      /cannot serve HTTPS: --certfile '.*app\.mjs': no PEM certificate in it/,
    ],
    [['--keyfile', at('one.key')], /--keyfile needs --certfile/],
  ];
  for (const [args, line] of cases) {
    const r = runicorn(t, ['-b', '127.0.0.1:0', ...args, at('app.mjs')]);
    const exit = await r.exited;
    assert.equal(exit.code, 1, args.join(' '));
    const errors = r.lines.filter((l) => /\[ERROR\]|^runicorn:/.test(l));
    assert.equal(errors.length, 1, r.lines.join('\n'));
    assert.match(errors[0] as string, line);
    assert.deepEqual(r.workerPids(), []);
    assert.ok(!r.lines.some((l) => /at .*\.js:\d+/.test(l)), 'no stack trace');
  }
});

test('the PROXY protocol is read before the TLS handshake; the app sees the client it names', BOUND, async (t) => {
  const r = serve(t, ['--proxy-protocol', '--proxy-allow-from', '127.0.0.1']);
  const port = await r.port();
  const body = await new Promise<string>((resolve, reject) => {
    const raw = net.connect(port, '127.0.0.1', () => {
      raw.write('PROXY TCP4 203.0.113.7 127.0.0.1 51000 443\r\n');
      const secure = tls.connect({ socket: raw, servername: 'localhost', ca: pem('one.crt') }, () => {
        secure.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      let text = '';
      secure.setEncoding('utf8');
      secure.on('data', (c: string) => (text += c));
      secure.on('close', () => resolve(text));
      secure.on('error', reject);
    });
    raw.on('error', reject);
  });
  assert.match(body, /^HTTP\/1\.1 200 /);
  const json = JSON.parse(body.slice(body.indexOf('\r\n\r\n') + 4)) as { remote: string; encrypted: boolean };
  assert.equal(json.remote, '203.0.113.7');
  assert.equal(json.encrypted, true);
});

/** One GET on a new TLS connection, resuming `session` when given: who answered, and the ticket it sent. */
function resumeOnce(
  port: number,
  session?: Buffer,
): Promise<{ pid: number; reused: boolean; ticket: Buffer | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: [pem('one.crt')], session });
    let ticket: Buffer | undefined;
    let data = '';
    socket.once('session', (s: Buffer) => (ticket = s));
    socket.setEncoding('utf8');
    socket.once('secureConnect', () => socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    socket.on('data', (c: string) => (data += c));
    socket.once('end', () => {
      const body = JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4)) as { pid: number };
      resolve({ pid: body.pid, reused: socket.isSessionReused(), ticket });
    });
    socket.once('error', reject);
  });
}

test('a TLS session resumes on every worker: the workers share their session ticket keys', BOUND, async (t) => {
  const r = serve(t, ['-w', '2']);
  const port = await r.port();
  await r.waitFor(/Booting worker with pid/, { nth: 2 });
  const first = await resumeOnce(port);
  assert.ok(first.ticket, 'the server sent a session ticket');
  // Sequential connections land on either worker; go on until the other one has answered a few.
  const answers: { pid: number; reused: boolean }[] = [];
  for (let i = 0; i < 100 && answers.filter((a) => a.pid !== first.pid).length < 3; i++)
    answers.push(await resumeOnce(port, first.ticket));
  const other = answers.filter((a) => a.pid !== first.pid);
  assert.ok(other.length > 0, `every connection reached worker ${first.pid}; cannot tell`);
  assert.deepEqual(
    answers.filter((a) => !a.reused),
    [],
    `worker ${first.pid} issued the ticket; every worker resumes it`,
  );
});

test(
  'HUP after the certificate files are renewed: new connections get the new certificate, no request fails; a broken renewal is refused',
  BOUND,
  async (t) => {
    copyFileSync(at('one.key'), at('live.key'));
    copyFileSync(at('one.crt'), at('live.crt'));
    const r = runicorn(t, [
      '-b',
      '127.0.0.1:0',
      '-w',
      '2',
      '--keyfile',
      at('live.key'),
      '--certfile',
      at('live.crt'),
      at('app.mjs'),
    ]);
    const port = await r.port();
    assert.equal((await fetchTls(port)).fingerprint, fingerprintOf('one.crt'));
    const oldPids = r.workerPids();

    // Four clients, each request on a new connection (a new handshake), through the reload.
    const seen: string[] = [];
    const failed: string[] = [];
    let running = true;
    const loops = Array.from({ length: 4 }, async () => {
      while (running) {
        try {
          const a = await fetchTls(port);
          if (a.status === 200) seen.push(a.fingerprint);
          else failed.push(`status ${a.status}`);
        } catch (err) {
          failed.push((err as Error).message);
        }
      }
    });
    // certbot replaces both files; then HUP.
    copyFileSync(at('two.key'), at('live.key'));
    copyFileSync(at('two.crt'), at('live.crt'));
    const mark = r.lines.length;
    r.kill('SIGHUP');
    for (const pid of oldPids)
      await r.waitFor(new RegExp(`Worker exiting \\(pid: ${pid}\\)`), { from: mark, timeoutMs: 30_000 });
    const after = seen.length;
    while (seen.length < after + 20 && failed.length === 0) await fetchTls(port).then((a) => seen.push(a.fingerprint));
    running = false;
    await Promise.all(loops);
    assert.deepEqual(failed, [], 'no request failed during the reload');
    assert.ok(seen.includes(fingerprintOf('one.crt')), 'the old certificate served before');
    assert.ok(
      seen.slice(after).every((f) => f === fingerprintOf('two.crt')),
      'only the renewed certificate after',
    );

    // A renewal that is broken (the key of another certificate): the reload is refused, the workers serve on.
    copyFileSync(at('one.key'), at('live.key'));
    const pids = r.workerPids().filter((p) => !oldPids.includes(p));
    const mark2 = r.lines.length;
    r.kill('SIGHUP');
    await r.waitFor(
      /Reload failed: cannot serve HTTPS: --keyfile '.*live\.key': the key does not match the certificate in '.*live\.crt'/,
      {
        from: mark2,
      },
    );
    const still = await fetchTls(port);
    assert.equal(still.fingerprint, fingerprintOf('two.crt'));
    assert.ok(pids.includes((JSON.parse(still.body) as { pid: number }).pid), 'the same workers serve');
  },
);

test(
  'an app that exports its own server is served over HTTPS: requests with keep-alive, wss, and the header timeout',
  BOUND,
  async (t) => {
    const r = serve(t, ['--header-timeout', '1', '--access-logfile', '-'], example('websocket/express-ws.mjs'));
    const port = await r.port();
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: pem('one.crt'), servername: 'localhost' });
    t.after(() => agent.destroy());
    const sockets = new Set<unknown>();
    const one = () =>
      new Promise<{ status?: number; connection?: string; encrypted: boolean }>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/pid', agent }, (res) => {
            sockets.add(res.socket);
            const encrypted = (res.socket as tls.TLSSocket).encrypted === true;
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection, encrypted }));
          })
          .on('error', reject);
      });
    const first = await one();
    await one();
    assert.deepEqual(first, { status: 200, connection: 'keep-alive', encrypted: true });
    assert.equal(sockets.size, 1, 'both requests on one TLS connection');

    const ws = new WebSocket(`wss://localhost:${port}/echo`, { ca: pem('one.crt') });
    t.after(() => ws.terminate());
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('over tls'));
      ws.on('message', (m) => resolve(String(m)));
      ws.on('error', reject);
    });
    assert.equal(echoed, 'over tls');

    // A client that never finishes its head is cut at --header-timeout, as on runicorn's own servers.
    const slow = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pem('one.crt') });
    t.after(() => slow.destroy());
    let answer = '';
    slow.setEncoding('latin1');
    slow.on('data', (d: string) => (answer += d));
    slow.on('error', () => undefined);
    slow.once('secureConnect', () => slow.write('GET /pid HTTP/1.1\r\nHost: a\r\n'));
    await new Promise((done) => slow.on('close', done));
    assert.match(answer, /^HTTP\/1\.1 408 /);
  },
);

test(
  'an exported https.Server with its own certificate and --certfile too is refused with one line',
  BOUND,
  async (t) => {
    const app = at('own-https.mjs');
    writeFileSync(
      app,
      `import https from 'node:https';\nimport fs from 'node:fs';\n`
        + `export default https.createServer({ key: fs.readFileSync(${JSON.stringify(at('one.key'))}), `
        + `cert: fs.readFileSync(${JSON.stringify(at('one.crt'))}) }, (req, res) => res.end('own'));\n`,
    );
    const r = serve(t, [], app);
    const exit = await r.exited;
    assert.notEqual(exit.code, 0);
    assert.ok(
      r.lines.some((l) =>
        /exports an https\.Server with its own certificate, so --keyfile\/--certfile would be ignored/.test(l),
      ),
      r.lines.join('\n'),
    );
  },
);
