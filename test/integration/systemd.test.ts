/**
 * systemd socket activation through the real CLI, with `systemd-socket-activate` (Debian's
 * `systemd` package): runicorn takes the listening socket it is handed (`LISTEN_FDS`) instead of
 * binding `--bind`, the connection that woke it is served, and its workers share the socket.
 * Skipped, with the reason, where the tool is not installed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { CLI, fixture, get, isAlive } from '../support/cli';

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
