/**
 * `-D/--daemon` through the real CLI: the launcher returns once the daemon serves, the daemon is
 * a session leader of its own (its parent gone), it writes the pid file and stops on TERM; a
 * daemon that cannot bind makes the launcher print the one line and exit 1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CLI, fixture, get, isAlive } from '../support/cli';

const BOUND = { timeout: 30_000 };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Wait until `pid` is gone: it is not our child, so there is no exit event to wait on. */
async function gone(pid: number, attempts = 200): Promise<boolean> {
  for (let i = 0; i < attempts && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-daemon-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('-D: the launcher exits 0 once the daemon serves; pid file, its own session, TERM stops it', BOUND, async (t) => {
  const dir = tempDir(t);
  const pidfile = join(dir, 'runicorn.pid');
  const port = await freePort();
  const launcher = spawnSync(
    process.execPath,
    [CLI, '-D', '-p', pidfile, '-w', '2', '-b', `127.0.0.1:${port}`, fixture('app.mjs')],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  assert.equal(launcher.status, 0, launcher.stderr);
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  assert.notEqual(pid, launcher.pid, 'the daemon is another process');
  assert.ok(isAlive(pid));
  const ps = spawnSync('ps', ['-o', 'ppid=,sid=', '-p', String(pid)], { encoding: 'utf8' })
    .stdout.trim()
    .split(/\s+/);
  assert.equal(Number(ps[1]), pid, 'the daemon leads its own session (detached from the terminal)');
  assert.equal((await get(port, '/')).status, 200, 'it serves as soon as the launcher has returned');
  process.kill(pid, 'SIGTERM');
  assert.ok(await gone(pid), 'TERM stops the daemon');
  assert.equal(existsSync(pidfile), false, 'and its pid file goes with it');
});

test("-D with a port in use: the launcher prints the daemon's one line and exits 1", BOUND, async (t) => {
  const busy = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => busy.once('listening', r));
  t.after(() => busy.close());
  const { port } = busy.address() as net.AddressInfo;
  const launcher = spawnSync(process.execPath, [CLI, '-D', '-b', `127.0.0.1:${port}`, fixture('app.mjs')], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(launcher.status, 1);
  assert.equal(
    launcher.stderr.trim(),
    `runicorn: cannot listen at 127.0.0.1:${port}: the address is already in use (EADDRINUSE)`,
  );
});
