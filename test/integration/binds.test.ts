// Every bind form the arbiter accepts, with real sockets: IPv4, IPv6, unix, fd://N, several at
// once, and the PORT default.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, fixture, isAlive, runicorn, until } from '../support/cli';

function getUnix(path: string): Promise<string> {
  return new Promise((res, rej) => {
    http
      .get({ socketPath: path, path: '/', agent: false }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (body += c));
        r.on('end', () => res(body));
      })
      .on('error', rej);
  });
}

function getV6(port: number): Promise<string> {
  return new Promise((res, rej) => {
    http
      .get({ host: '::1', port, path: '/', agent: false }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (body += c));
        r.on('end', () => res(body));
      })
      .on('error', rej);
  });
}

test('several -b at once: IPv4, IPv6 and a unix socket are all served; the socket file is removed at exit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'app.sock');
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', '-b', '[::1]:0', '-b', `unix:${sock}`, fixture('app.mjs')]);
  const v4 = await r.port();
  const v6 = Number((await r.waitFor(/Listening at: http:\/\/\[::1\]:(\d+) /))[1]);
  await r.waitFor(new RegExp(`Listening at: unix:${sock.replace(/[.]/g, '\\.')} `));
  const fromV4 = await until(v4, '/', (rep) => rep.status === 200);
  assert.ok(r.workerPids().includes(Number(fromV4.body)));
  assert.ok(r.workerPids().includes(Number(await getV6(v6))));
  assert.ok(r.workerPids().includes(Number(await getUnix(sock))));
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
  assert.equal(existsSync(sock), false, 'the unix socket file is gone');
});

test('a stale unix socket file is replaced', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'stale.sock');
  // A server that was kill -9'ed leaves its socket file behind.
  const crashed = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((res) => crashed.stdout?.once('data', () => res()));
  const gone = new Promise<void>((res) => crashed.once('exit', () => res()));
  process.kill(crashed.pid as number, 'SIGKILL');
  await gone;
  assert.ok(existsSync(sock), 'the stale socket file is there');
  const r = runicorn(t, ['-b', `unix:${sock}`, fixture('app.mjs')]);
  await r.waitFor(/Booting worker/);
  assert.match(await getUnix(sock), /^\d+$/);
});

test('PORT sets the default bind to 0.0.0.0:$PORT', async (t) => {
  const probe = net.createServer();
  await new Promise<void>((res) => probe.listen(0, '0.0.0.0', () => res()));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((res) => probe.close(() => res()));
  const r = runicorn(t, [fixture('app.mjs')], { env: { PORT: String(port) } });
  await r.waitFor(new RegExp(`Listening at: http://0\\.0\\.0\\.0:${port} `));
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.ok(r.workerPids().includes(Number(reply.body)));
});

test('fd://N serves a socket the arbiter inherited', async (t) => {
  // A parent binds a socket and passes it as fd 3, the way systemd or a supervisor would.
  const server = net.createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const { port } = server.address() as net.AddressInfo;
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  const child = spawn(process.execPath, [CLI, '-b', 'fd://3', fixture('app.mjs')], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
  });
  let log = '';
  child.stderr?.setEncoding('utf8');
  const booted = new Promise<void>((res) =>
    child.stderr?.on('data', (c: string) => {
      log += c;
      if (/Booting worker/.test(log)) res();
    }),
  );
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  t.after(async () => {
    if (isAlive(child.pid as number)) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  // The parent must stop accepting on its copy, or it would compete with the workers.
  server.close();
  await booted;
  assert.match(log, /Listening at: fd:\/\/3 /);
  const reply = await until(port, '/', (rep) => rep.status === 200);
  const workers = [...log.matchAll(/Booting worker with pid: (\d+)/g)].map((m) => Number(m[1]));
  assert.ok(workers.includes(Number(reply.body)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('fd://N that is not an open socket: one line, exit 1', async (t) => {
  const r = runicorn(t, ['-b', 'fd://97', fixture('app.mjs')]);
  assert.equal((await r.exited).code, 1);
  assert.match(r.lines.find((l) => /ERROR/.test(l)) ?? '', /cannot listen at fd:\/\/97: no such file descriptor/);
});
