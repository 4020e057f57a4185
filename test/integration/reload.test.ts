/**
 * HUP through the real CLI: the configuration and the app are read again, new workers take over
 * once they have all booted, and no request is lost; a configuration or an app that does not
 * load leaves the running workers serving.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { get, isAlive, runicorn, until } from '../support/cli';
import { steadyLoad } from '../support/load';

const BOUND = { timeout: 60_000 };

function project(t: TestContext, files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-reload-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const app = (version: string) => `export default (req, res) => res.end('${version} ' + process.pid);\n`;
const conf = (workers: number) => `export default { app: 'app.mjs', workers: ${workers} };\n`;

test(
  'HUP with new app code and a new worker count, under keep-alive load: new workers take over, no request lost',
  BOUND,
  async (t) => {
    const dir = project(t, { 'runicorn.conf.mjs': conf(2), 'app.mjs': app('v1') });
    const r = runicorn(t, ['-b', '127.0.0.1:0'], { cwd: dir });
    const port = await r.port();
    await until(port, '/', (x) => x.status === 200 && x.body.startsWith('v1'));
    const oldPids = r.workerPids();
    const load = steadyLoad(port, 8);
    writeFileSync(join(dir, 'app.mjs'), app('v2'));
    writeFileSync(
      join(dir, 'runicorn.conf.mjs'),
      "export default { app: 'app.mjs', workers: 3, onReload(arbiter) { arbiter.log.info('onReload from the new file'); } };\n",
    );
    const mark = r.lines.length;
    r.kill('SIGHUP');
    await r.waitFor(/Reloaded the configuration: 3 new worker\(s\) take over once booted/, { from: mark });
    await r.waitFor(/onReload from the new file/, { from: mark });
    for (const pid of oldPids) await r.waitFor(new RegExp(`Worker exiting \\(pid: ${pid}\\)`), { from: mark });
    await load.stop();
    assert.deepEqual(load.failed, [], 'no request lost during the reload');
    assert.ok(load.bodies.some((b) => b.startsWith('v1')) && load.bodies.some((b) => b.startsWith('v2')));
    const after = new Set<string>();
    for (let i = 0; i < 30; i++) after.add((await get(port, '/')).body);
    assert.ok(
      [...after].every((b) => b.startsWith('v2')),
      'only the new code serves now',
    );
    assert.ok(
      oldPids.every((pid) => !isAlive(pid)),
      'the old workers are gone',
    );
    assert.equal(r.workerPids().filter(isAlive).length, 3, 'three workers, as the reloaded file says');
  },
);

test('HUP with a config file that does not load: one line, and the running workers serve on', BOUND, async (t) => {
  const dir = project(t, { 'runicorn.conf.mjs': conf(1), 'app.mjs': app('v1') });
  const r = runicorn(t, ['-b', '127.0.0.1:0'], { cwd: dir });
  const port = await r.port();
  const before = (await until(port, '/', (x) => x.status === 200)).body;
  writeFileSync(join(dir, 'runicorn.conf.mjs'), 'export default { workers: ;\n');
  r.kill('SIGHUP');
  await r.waitFor(
    /Reload failed: cannot load config file .*runicorn\.conf\.mjs: .*; keeping the running configuration$/,
  );
  assert.equal((await get(port, '/')).body, before, 'the same worker serves');
});

test(
  'HUP with an app that no longer loads: the reload is abandoned, the old workers serve on, the arbiter stays',
  BOUND,
  async (t) => {
    const dir = project(t, { 'runicorn.conf.mjs': conf(2), 'app.mjs': app('v1') });
    const r = runicorn(t, ['-b', '127.0.0.1:0'], { cwd: dir });
    const port = await r.port();
    // Both old workers serve (a worker still booting at the HUP would be stopped: it serves nothing yet).
    await r.waitFor(/Booting worker with pid/, { nth: 2 });
    const serving = new Set<string>();
    await until(port, '/', (x) => serving.add(x.body.split(' ')[1] ?? '').size === 2 && x.status === 200);
    const oldPids = r.workerPids();
    writeFileSync(join(dir, 'app.mjs'), "throw new Error('the new build is broken');\n");
    r.kill('SIGHUP');
    await r.waitFor(
      /Reload failed: .*the new build is broken.*; the workers of the previous configuration keep serving$/,
    );
    for (let i = 0; i < 10; i++) {
      const reply = await get(port, '/');
      assert.equal(reply.status, 200);
      assert.ok(reply.body.startsWith('v1 '));
    }
    assert.ok(oldPids.every(isAlive), 'the old workers still run');
    assert.ok(isAlive(r.pid), 'the arbiter did not halt');
  },
);

test(
  'HUP whose new workers crash-loop: an old worker killed meanwhile is replaced with the old configuration, which serves',
  BOUND,
  async (t) => {
    // The new configuration names an app that exits at once (a crash loop, not an app-load error).
    const dir = project(t, { 'runicorn.conf.mjs': conf(2), 'app.mjs': app('v1'), 'broken.mjs': 'process.exit(1);\n' });
    const r = runicorn(t, ['-b', '127.0.0.1:0'], { cwd: dir });
    const port = await r.port();
    await r.waitFor(/Booting worker with pid/, { nth: 2 });
    const serving = new Set<string>();
    await until(port, '/', (x) => serving.add(x.body.split(' ')[1] ?? '').size === 2 && x.status === 200);
    const [lost, kept] = r.workerPids() as [number, number];
    writeFileSync(join(dir, 'runicorn.conf.mjs'), "export default { app: 'broken.mjs', workers: 2 };\n");
    const mark = r.lines.length;
    r.kill('SIGHUP');
    await r.waitFor(/failed to boot; retrying in/, { from: mark });
    process.kill(lost, 'SIGKILL');
    await r.waitFor(new RegExp(`Replacing worker \\(pid:${lost}\\) with the previous configuration`), { from: mark });
    // The replacement runs app.mjs (generation 0), not broken.mjs: it boots (polled: a new process
    // takes a moment) and answers.
    const fresh = (x: { status: number; body: string }) =>
      x.status === 200 && ![`${lost}`, `${kept}`].includes(x.body.split(' ')[1] ?? '');
    const reply = await until(port, '/', fresh, 5000);
    assert.ok(reply.body.startsWith('v1 '), reply.body);
    assert.ok(isAlive(kept), 'the other old worker serves on');
    assert.ok(isAlive(r.pid), 'the arbiter runs on');
  },
);
