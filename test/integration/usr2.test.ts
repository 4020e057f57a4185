/**
 * USR2, the binary upgrade, through the real CLI with real signals: a new arbiter starts on the
 * same TCP and unix sockets, serves new code beside the old one, takes over the pid file when the
 * old arbiter leaves (USR2 → WINCH → TERM), and no request is lost on the way. A new arbiter
 * that cannot boot leaves the old one serving; a hasty TERM waits for the new arbiter; a rollback
 * (TERM to the new arbiter) leaves the old one able to serve again (HUP).
 *
 * The new arbiter is not a child of the test: it is stopped by its pid (from the log line that
 * names it), and its workers by theirs (`runicorn()` stops every worker that logged its boot).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { get, isAlive, runicorn, until, type Running } from '../support/cli';
import { steadyLoad } from '../support/load';

const BOUND = { timeout: 60_000 };

function project(t: TestContext, files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-usr2-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const app = (version: string) => `export default (req, res) => res.end('${version} ' + process.pid);\n`;

/** GET / over a unix socket. */
function getUnix(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: path, path: '/', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** USR2, and the new arbiter's pid from the old one's log; the test stops it by that pid. */
async function upgrade(t: TestContext, r: Running): Promise<number> {
  const mark = r.lines.length;
  r.kill('SIGUSR2');
  const pid = Number((await r.waitFor(/New arbiter running as pid (\d+)/, { from: mark }))[1]);
  t.after(() => {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  return pid;
}

/** Alive and not a zombie (an orphan's exit is reaped by init, in its own time). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const readPid = (path: string) => Number(readFileSync(path, 'utf8').trim());

test(
  'USR2 → WINCH → TERM under keep-alive load: new code serves on the same TCP and unix sockets, the pid file moves, no request lost',
  BOUND,
  async (t) => {
    const dir = project(t, { 'app.mjs': app('v1') });
    const sock = join(dir, 'app.sock');
    const pidfile = join(dir, 'app.pid');
    const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', '-b', `unix:${sock}`, '-p', pidfile, 'app.mjs'], {
      cwd: dir,
    });
    const port = await r.port();
    await until(port, '/', (x) => x.status === 200);
    const oldWorkers = r.workerPids();
    const load = steadyLoad(port, 8);
    await load.more(200);
    writeFileSync(join(dir, 'app.mjs'), app('v2'));

    const next = await upgrade(t, r);
    const mark = r.lines.length;
    await r.waitFor(new RegExp(`New arbiter \\(pid ${next}\\) serves`), { from: mark });
    assert.equal(readPid(`${pidfile}.2`), next, 'the new arbiter writes <pidfile>.2');
    assert.equal(readPid(pidfile), r.pid, 'the old arbiter keeps <pidfile>');
    // Both generations accept on the same sockets until the old workers are drained.
    await until(port, '/', (x) => x.body.startsWith('v2'));

    r.kill('SIGWINCH');
    for (const pid of oldWorkers) await r.waitFor(new RegExp(`Worker exiting \\(pid: ${pid}\\)`), { from: mark });
    await load.more(200);
    r.kill('SIGTERM');
    assert.deepEqual(await r.exited, { code: 0, signal: null });
    await r.waitFor(/this arbiter is promoted/, { from: mark });
    await load.more(200);
    await load.stop();

    assert.deepEqual(load.failed, [], 'no request lost across USR2, WINCH and TERM');
    assert.ok(load.bodies.some((b) => b.startsWith('v1')) && load.bodies.some((b) => b.startsWith('v2')));
    assert.equal(readPid(pidfile), next, '<pidfile> now names the new arbiter');
    assert.ok(!existsSync(`${pidfile}.2`), '<pidfile>.2 is gone');
    assert.ok(existsSync(sock), 'the old arbiter left the unix socket file to the new one');
    assert.match(await getUnix(sock), /^v2 /);
    assert.match((await get(port, '/')).body, /^v2 /);

    // The new arbiter is now the only one: its TERM is a final stop, which removes the files.
    const end = r.lines.length;
    process.kill(next, 'SIGTERM');
    await r.waitFor(/Shutting down: Master/, { from: end });
    await r.closed;
    assert.ok(!running(next), 'the new arbiter has exited');
    assert.ok(!existsSync(sock), 'the socket file is removed at the final stop');
    assert.ok(!existsSync(pidfile), 'the pid file is removed at the final stop');
  },
);

test(
  'a new arbiter that cannot load the app exits; the old one says so and serves on, and a fixed USR2 succeeds',
  BOUND,
  async (t) => {
    const dir = project(t, { 'app.mjs': app('v1') });
    const pidfile = join(dir, 'app.pid');
    const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', '-p', pidfile, 'app.mjs'], { cwd: dir });
    const port = await r.port();
    await until(port, '/', (x) => x.status === 200);
    writeFileSync(join(dir, 'app.mjs'), "throw new Error('broken release');\n");

    const broken = await upgrade(t, r);
    const mark = r.lines.length;
    await r.waitFor(
      new RegExp(
        `Binary upgrade failed: the new arbiter \\(pid ${broken}\\) exited with code 4 before it was ready; this arbiter keeps serving`,
      ),
      { from: mark },
    );
    assert.match((await get(port, '/')).body, /^v1 /);
    assert.equal(readPid(pidfile), r.pid);
    assert.ok(!existsSync(`${pidfile}.2`), 'the failed arbiter removed its <pidfile>.2');

    writeFileSync(join(dir, 'app.mjs'), app('v2'));
    const fixed = await upgrade(t, r);
    await r.waitFor(new RegExp(`New arbiter \\(pid ${fixed}\\) serves`), { from: mark });
    await until(port, '/', (x) => x.body.startsWith('v2'));
  },
);

test('TERM right after USR2 waits until the new arbiter serves, then drains: no request lost', BOUND, async (t) => {
  const dir = project(t, { 'app.mjs': app('v1') });
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', 'app.mjs'], { cwd: dir });
  const port = await r.port();
  await until(port, '/', (x) => x.status === 200);
  const load = steadyLoad(port, 8);
  await load.more(100);
  writeFileSync(join(dir, 'app.mjs'), app('v2'));
  const next = await upgrade(t, r);
  const mark = r.lines.length;
  r.kill('SIGTERM');
  await r.waitFor(/Graceful stop: waiting until the new arbiter \(pid \d+\) is ready/, { from: mark });
  await r.waitFor(new RegExp(`New arbiter \\(pid ${next}\\) serves`), { from: mark });
  assert.deepEqual(await r.exited, { code: 0, signal: null });
  await load.more(200);
  await load.stop();
  assert.deepEqual(load.failed, []);
  assert.match((await get(port, '/')).body, /^v2 /);
  process.kill(next, 'SIGTERM');
  await r.closed;
});

test(
  'rollback: after WINCH, TERM to the new arbiter; the old one says it is alone, and HUP starts its workers again',
  BOUND,
  async (t) => {
    const dir = project(t, { 'app.mjs': app('v1') });
    const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', 'app.mjs'], { cwd: dir });
    const port = await r.port();
    await until(port, '/', (x) => x.status === 200);
    const next = await upgrade(t, r);
    const mark = r.lines.length;
    await r.waitFor(new RegExp(`New arbiter \\(pid ${next}\\) serves`), { from: mark });
    r.kill('SIGWINCH');
    await r.waitFor(/Worker exiting/, { from: mark });
    process.kill(next, 'SIGTERM');
    await r.waitFor(
      new RegExp(
        `The new arbiter \\(pid ${next}\\) exited with code 0; this arbiter is the only one \\(no worker: TTIN or HUP starts them again\\)`,
      ),
      { from: mark },
    );
    r.kill('SIGHUP');
    await until(port, '/', (x) => x.status === 200 && x.body.startsWith('v1'));
  },
);
