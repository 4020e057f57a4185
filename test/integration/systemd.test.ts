/**
 * systemd socket activation through the real CLI, with `systemd-socket-activate` (Debian's
 * `systemd` package): runicorn takes the listening socket it is handed (`LISTEN_FDS`) instead of
 * binding `--bind`, the connection that woke it is served, and its workers share the socket.
 * Skipped, with the reason, where the tool is not installed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CLI, fixture, get, isAlive, runicorn } from '../support/cli';

const activator = spawnSync('sh', ['-c', 'command -v systemd-socket-activate'], { encoding: 'utf8' }).stdout.trim();
const skip = activator ? false : 'systemd-socket-activate is not installed (apt-get install systemd)';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

test('LISTEN_FDS: the socket systemd hands over is served by the workers; --bind is not used', {
  skip,
  timeout: 30_000,
}, async (t) => {
  const port = await freePort();
  // --bind names a port nobody connects to: it must not be bound at all.
  const child = spawn(
    activator,
    ['-l', `127.0.0.1:${port}`, process.execPath, CLI, '-w', '2', '-b', '127.0.0.1:1', fixture('app.mjs')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // The activator says when it listens, and starts runicorn on the first connection, which it serves.
  await new Promise<void>((resolve) => {
    const check = () => (/Listening on /.test(stderr) ? resolve() : child.stderr.once('data', check));
    check();
  });
  const first = await get(port, '/');
  assert.equal(first.status, 200);
  const pids = new Set<string>([first.body]);
  for (let i = 0; i < 300 && pids.size < 2; i++) pids.add((await get(port, '/')).body);
  assert.equal(pids.size, 2, 'both workers accept on the socket systemd passed');
  assert.match(stderr, /Using 1 socket\(s\) from systemd \(LISTEN_FDS\); --bind is not used/);
  assert.match(stderr, /Listening at: fd:\/\/3 /);
  assert.doesNotMatch(stderr, /Listening at: http:\/\/127\.0\.0\.1:1 /, '--bind was ignored');
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  for (const pid of pids) assert.ok(!isAlive(Number(pid)));
});

const python = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim();
const notifier = spawnSync('sh', ['-c', 'command -v systemd-notify'], { encoding: 'utf8' }).stdout.trim();
const skipNotify = !notifier
  ? 'systemd-notify is not installed (apt-get install systemd)'
  : !python
    ? 'python3 is needed for the AF_UNIX datagram receiver standing in for systemd'
    : false;

/** A stand-in for systemd's notify socket: every datagram as one line (newlines as spaces). */
async function notifyReceiver(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-notify-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socketPath = join(dir, 'notify.sock');
  // Node's dgram has no AF_UNIX: a few lines of Python receive what systemd would.
  const receiver = spawn(
    python,
    [
      '-u',
      '-c',
      [
        'import socket, sys',
        's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
        `s.bind(${JSON.stringify(socketPath)})`,
        'print("bound", flush=True)',
        'while True: print(s.recv(4096).decode().replace("\\n", " "), flush=True)',
      ].join('\n'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => receiver.kill('SIGKILL'));
  const messages: string[] = [];
  const waiters: Array<() => void> = [];
  receiver.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    messages.push(...chunk.split('\n').filter(Boolean));
    for (const w of waiters.splice(0)) w();
  });
  const heard = (re: RegExp, nth = 1) =>
    new Promise<void>((resolve) => {
      const check = () => (messages.filter((m) => re.test(m)).length >= nth ? resolve() : waiters.push(check));
      check();
    });
  await heard(/^bound$/);
  // systemd-notify follows each message with BARRIER=1 (it waits for systemd to have read it).
  const said = () => messages.filter((m) => m !== 'bound' && m !== 'BARRIER=1');
  return { socketPath, heard, said };
}

test('NOTIFY_SOCKET: READY=1 once the workers serve, RELOADING=1 then READY=1 on HUP, STOPPING=1 on TERM, each with MAINPID', {
  skip: skipNotify,
  timeout: 30_000,
}, async (t) => {
  const { socketPath, heard, said } = await notifyReceiver(t);
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', fixture('app.mjs')], { env: { NOTIFY_SOCKET: socketPath } });
  const port = await r.port();
  await heard(/ READY=1$/);
  assert.equal((await get(port, '/')).status, 200);
  r.kill('SIGHUP');
  await heard(/ RELOADING=1$/);
  await heard(/ READY=1$/, 2);
  r.kill('SIGTERM');
  await heard(/ STOPPING=1$/);
  assert.equal((await r.exited).code, 0);
  const main = `MAINPID=${r.pid}`;
  assert.deepEqual(said(), [`${main} READY=1`, `${main} RELOADING=1`, `${main} READY=1`, `${main} STOPPING=1`]);
});

test('NOTIFY_SOCKET across USR2: the new arbiter says MAINPID=<its pid> READY=1 once it serves; the old one then says nothing more', {
  skip: skipNotify,
  timeout: 30_000,
}, async (t) => {
  const { socketPath, heard, said } = await notifyReceiver(t);
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', fixture('app.mjs')], { env: { NOTIFY_SOCKET: socketPath } });
  await r.port();
  await heard(/ READY=1$/);
  r.kill('SIGUSR2');
  const next = Number((await r.waitFor(/New arbiter running as pid (\d+)/))[1]);
  t.after(() => {
    if (isAlive(next)) process.kill(next, 'SIGKILL');
  });
  await r.waitFor(/New arbiter \(pid \d+\) serves/);
  await heard(new RegExp(`^MAINPID=${next} READY=1$`));
  r.kill('SIGTERM');
  await r.waitFor(/this arbiter is promoted/);
  process.kill(next, 'SIGTERM');
  await heard(new RegExp(`^MAINPID=${next} STOPPING=1$`));
  await r.closed;
  assert.deepEqual(said(), [`MAINPID=${r.pid} READY=1`, `MAINPID=${next} READY=1`, `MAINPID=${next} STOPPING=1`]);
});
