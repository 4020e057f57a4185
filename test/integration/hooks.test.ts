/**
 * Server hooks through the real CLI: a config file defines the hooks, each appends
 * `NAME ROLE PID EXTRA` to a record file and echoes it on stderr (`hook: …`), and the test reads
 * the record once the arbiter has exited.
 *
 * ROLE is what the hook concludes from its own arguments (`process.pid === arbiter.pid`, or
 * `=== worker.pid`); the test checks it *and* checks PID against the pids it knows (the arbiter
 * it started, the workers that logged "Booting worker"), so a hook run in the wrong process, or
 * given the wrong object, fails either way.
 *
 * The test waits for the stderr echo of a hook before its next step, so every line of the record
 * has a causal place and the whole record can be compared as one transcript.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fixture, get, runicorn } from '../support/cli';

const BOUND = { timeout: 45_000 };

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-hooks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A config file whose hooks record themselves. `hooks` maps a hook name (as written in the file,
 * camelCase or snake_case) to [its parameter list, the role check, the EXTRA expression].
 */
function recordingConfig(
  dir: string,
  hooks: Readonly<Record<string, readonly [string, string, string]>>,
): { conf: string; record: string } {
  const record = join(dir, 'record.txt');
  const conf = join(dir, 'hooks.conf.mjs');
  const body = Object.entries(hooks).map(
    ([name, [params, role, extra]]) => `  ${name}(${params}) { rec(${JSON.stringify(name)}, ${role}, ${extra}); },`,
  );
  writeFileSync(
    conf,
    [
      "import { appendFileSync } from 'node:fs';",
      `const RECORD = ${JSON.stringify(record)};`,
      'const rec = (name, role, extra) => {',
      "  const line = [name, role, process.pid, extra].filter((x) => x !== '').join(' ');",
      "  appendFileSync(RECORD, line + '\\n');",
      "  process.stderr.write('hook: ' + line + '\\n');",
      '};',
      "const arbiterRole = (arbiter) => (process.pid === arbiter.pid ? 'arbiter' : 'worker');",
      "const workerRole = (worker) => (process.pid === worker.pid ? 'worker' : 'arbiter');",
      'export default {',
      ...body,
      '};',
      '',
    ].join('\n'),
  );
  return { conf, record };
}

const A = 'arbiterRole(arbiter)';
const W = 'workerRole(worker)';
/** Every hook Gunicorn has that means something here, recording what a user would look at. */
const EVERY_HOOK = {
  onStarting: ['arbiter', A, '`workers=${arbiter.workers.length} config.workers=${arbiter.config.workers}`'],
  whenReady: ['arbiter', A, '`workers=${arbiter.workers.length}`'],
  nworkersChanged: ['arbiter, now, before', A, '`${now} ${before}`'],
  preFork: ['arbiter, worker', A, '`age=${worker.age}`'],
  postFork: ['server, worker', W, '`age=${worker.age} ppid=${worker.ppid} server=${server.pid}`'],
  postWorkerInit: ['worker', W, '`age=${worker.age}`'],
  preRequest: ['worker, req', W, '`${req.method} ${req.url}`'],
  postRequest: ['worker, req, res', W, '`${req.method} ${req.url} ${res.statusCode} nr=${worker.nr}`'],
  childExit: ['arbiter, worker', A, '`pid=${worker.pid} age=${worker.age} workers=${arbiter.workers.length}`'],
  workerExit: ['server, worker', W, '`server=${server.pid}`'],
  workerInt: ['worker', W, "''"],
  workerAbort: ['worker', W, "''"],
  onExit: ['arbiter', A, '`workers=${arbiter.workers.length}`'],
} as const;

const readRecord = (record: string): string[] =>
  readFileSync(record, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const hookLine = (line: string) => new RegExp(`^hook: ${line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);

test(
  'every hook is called once, in the right process and order: boot, a request, TTIN, TTOU, TERM',
  BOUND,
  async (t) => {
    const dir = tempDir(t);
    const { conf, record } = recordingConfig(dir, EVERY_HOOK);
    const r = runicorn(t, ['-w', '1', '-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')], { cwd: dir });
    const port = await r.port();
    const a = r.pid;

    const first = Number((await r.waitFor(/^hook: postWorkerInit worker (\d+) age=1$/))[1]);
    const reply = await get(port, '/?n=1');
    assert.equal(reply.status, 200);
    assert.equal(Number(reply.body), first);
    await r.waitFor(hookLine(`postRequest worker ${first} GET /?n=1 200 nr=1`));

    let mark = r.lines.length;
    r.kill('SIGTTIN');
    const second = Number((await r.waitFor(/^hook: postWorkerInit worker (\d+) age=2$/, { from: mark }))[1]);

    mark = r.lines.length;
    r.kill('SIGTTOU');
    await r.waitFor(hookLine(`childExit arbiter ${a} pid=${first} age=1 workers=1`), { from: mark });

    r.kill('SIGTERM');
    const exit = await r.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, r.lines.join('\n'));

    assert.deepEqual(r.workerPids(), [first, second]);
    assert.deepEqual(readRecord(record), [
      // Boot: onStarting before the sockets, then Gunicorn's start(): the count, whenReady, the fork.
      `onStarting arbiter ${a} workers=0 config.workers=1`,
      `nworkersChanged arbiter ${a} 1 null`,
      `whenReady arbiter ${a} workers=0`,
      `preFork arbiter ${a} age=1`,
      `postFork worker ${first} age=1 ppid=${a} server=${a}`,
      `postWorkerInit worker ${first} age=1`,
      // One request.
      `preRequest worker ${first} GET /?n=1`,
      `postRequest worker ${first} GET /?n=1 200 nr=1`,
      // TTIN: the new count, then the fork of the new worker.
      `nworkersChanged arbiter ${a} 2 1`,
      `preFork arbiter ${a} age=2`,
      `postFork worker ${second} age=2 ppid=${a} server=${a}`,
      `postWorkerInit worker ${second} age=2`,
      // TTOU: the new count; the oldest leaves, says so itself, then the arbiter reaps it.
      `nworkersChanged arbiter ${a} 1 2`,
      `workerExit worker ${first} server=${a}`,
      `childExit arbiter ${a} pid=${first} age=1 workers=1`,
      // TERM: every worker's workerExit, then its childExit, and onExit last.
      `workerExit worker ${second} server=${a}`,
      `childExit arbiter ${a} pid=${second} age=2 workers=0`,
      `onExit arbiter ${a} workers=0`,
    ]);
  },
);

test('an async onStarting is awaited: its line comes before "Listening at"', BOUND, async (t) => {
  const dir = tempDir(t);
  const conf = join(dir, 'slow-start.conf.mjs');
  writeFileSync(
    conf,
    [
      'export default {',
      '  async onStarting() {',
      '    await new Promise((resolve) => setTimeout(resolve, 200));',
      "    process.stderr.write('onStarting finished\\n');",
      '  },',
      '};',
      '',
    ].join('\n'),
  );
  const r = runicorn(t, ['-w', '1', '-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')], { cwd: dir });
  const port = await r.port();
  assert.equal((await get(port, '/')).status, 200);
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
  const at = (re: RegExp) => r.lines.findIndex((l) => re.test(l));
  const starting = at(/Starting runicorn/);
  const finished = at(/^onStarting finished$/);
  const listening = at(/Listening at: /);
  assert.ok(starting >= 0 && finished >= 0 && listening >= 0, r.lines.join('\n'));
  assert.ok(
    starting < finished && finished < listening,
    `expected Starting < onStarting finished < Listening at:\n${r.lines.join('\n')}`,
  );
});

test(
  'a throwing whenReady and a rejecting preRequest are logged by name; the server still answers and exits 0',
  BOUND,
  async (t) => {
    const dir = tempDir(t);
    const conf = join(dir, 'broken.conf.mjs');
    writeFileSync(
      conf,
      [
        'export default {',
        "  whenReady() { throw new Error('whenReady broke'); },",
        "  preRequest() { return Promise.reject(new Error('preRequest broke')); },",
        '};',
        '',
      ].join('\n'),
    );
    const r = runicorn(t, ['-w', '1', '-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')], { cwd: dir });
    const port = await r.port();
    await r.waitFor(/\[ERROR\] Hook whenReady failed: Error: whenReady broke/);
    const first = await get(port, '/');
    assert.equal(first.status, 200);
    await r.waitFor(/\[ERROR\] Hook preRequest failed: Error: preRequest broke/);
    const again = await get(port, '/');
    assert.equal(again.status, 200);
    assert.equal(again.body, first.body, 'the same worker serves on');
    await r.waitFor(/\[ERROR\] Hook preRequest failed/, { nth: 2 });
    r.kill('SIGTERM');
    assert.deepEqual(await r.exited, { code: 0, signal: null });
    assert.equal(r.workerPids().length, 1, 'no worker was lost to a failing hook');
  },
);

test(
  'INT: workerInt then workerExit in the worker (INT sent to it, or QUIT from an arbiter told INT)',
  BOUND,
  async (t) => {
    const dir = tempDir(t);
    const { conf, record } = recordingConfig(dir, {
      postWorkerInit: EVERY_HOOK.postWorkerInit,
      workerInt: EVERY_HOOK.workerInt,
      workerExit: EVERY_HOOK.workerExit,
      childExit: EVERY_HOOK.childExit,
      onExit: EVERY_HOOK.onExit,
    });
    const r = runicorn(t, ['-w', '1', '-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')], { cwd: dir });
    await r.port();
    const a = r.pid;
    const first = Number((await r.waitFor(/^hook: postWorkerInit worker (\d+) age=1$/))[1]);
    process.kill(first, 'SIGINT');
    await r.waitFor(hookLine(`childExit arbiter ${a} pid=${first} age=1 workers=0`));
    const second = Number((await r.waitFor(/^hook: postWorkerInit worker (\d+) age=2$/))[1]);
    r.kill('SIGINT');
    assert.deepEqual(await r.exited, { code: 0, signal: null });
    assert.deepEqual(readRecord(record), [
      `postWorkerInit worker ${first} age=1`,
      `workerInt worker ${first}`,
      `workerExit worker ${first} server=${a}`,
      `childExit arbiter ${a} pid=${first} age=1 workers=0`,
      `postWorkerInit worker ${second} age=2`,
      `workerInt worker ${second}`,
      `workerExit worker ${second} server=${a}`,
      `childExit arbiter ${a} pid=${second} age=2 workers=0`,
      `onExit arbiter ${a} workers=0`,
    ]);
  },
);

test(
  'ABRT (what the arbiter sends on a timeout): workerAbort, workerExit, exit 1, then childExit and a replacement',
  BOUND,
  async (t) => {
    const dir = tempDir(t);
    const { conf, record } = recordingConfig(dir, {
      postWorkerInit: EVERY_HOOK.postWorkerInit,
      workerAbort: EVERY_HOOK.workerAbort,
      workerExit: EVERY_HOOK.workerExit,
      childExit: EVERY_HOOK.childExit,
      preFork: EVERY_HOOK.preFork,
    });
    const r = runicorn(t, ['-w', '1', '-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')], { cwd: dir });
    await r.port();
    const a = r.pid;
    const first = Number((await r.waitFor(/^hook: postWorkerInit worker (\d+) age=1$/))[1]);
    process.kill(first, 'SIGABRT');
    await r.waitFor(new RegExp(`Worker \\(pid:${first}\\) exited with code 1\\.`));
    const second = Number((await r.waitFor(/^hook: postWorkerInit worker (\d+) age=2$/))[1]);
    r.kill('SIGTERM');
    assert.deepEqual(await r.exited, { code: 0, signal: null });
    assert.deepEqual(readRecord(record), [
      `preFork arbiter ${a} age=1`,
      `postWorkerInit worker ${first} age=1`,
      `workerAbort worker ${first}`,
      `workerExit worker ${first} server=${a}`,
      `childExit arbiter ${a} pid=${first} age=1 workers=0`,
      `preFork arbiter ${a} age=2`,
      `postWorkerInit worker ${second} age=2`,
      `workerExit worker ${second} server=${a}`,
      `childExit arbiter ${a} pid=${second} age=2 workers=0`,
    ]);
  },
);

test("Gunicorn's snake_case hook names work too, in the arbiter and in workers", BOUND, async (t) => {
  const dir = tempDir(t);
  const { conf, record } = recordingConfig(dir, {
    when_ready: ['arbiter', A, "''"],
    post_worker_init: ['worker', W, "''"],
    worker_exit: ['server, worker', W, "''"],
    on_exit: ['arbiter', A, "''"],
  });
  const r = runicorn(t, ['-w', '1', '-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')], { cwd: dir });
  await r.port();
  const a = r.pid;
  const worker = Number((await r.waitFor(/^hook: post_worker_init worker (\d+)$/))[1]);
  r.kill('SIGTERM');
  assert.deepEqual(await r.exited, { code: 0, signal: null });
  assert.deepEqual(readRecord(record), [
    `when_ready arbiter ${a}`,
    `post_worker_init worker ${worker}`,
    `worker_exit worker ${worker}`,
    `on_exit arbiter ${a}`,
  ]);
  assert.ok(!r.lines.some((l) => /unknown setting/.test(l)), r.lines.join('\n'));
});

test(
  'a worker whose app fails to load still runs workerExit before it exits 4 (Gunicorn: the `finally` of spawn_worker)',
  BOUND,
  async (t) => {
    const dir = tempDir(t);
    const { conf, record } = recordingConfig(dir, { postFork: EVERY_HOOK.postFork, workerExit: EVERY_HOOK.workerExit });
    writeFileSync(join(dir, 'broken-app.mjs'), "throw new Error('cannot start');\n");
    const r = runicorn(t, ['-w', '1', '-c', conf, '-b', '127.0.0.1:0', join(dir, 'broken-app.mjs')], { cwd: dir });
    const exit = await r.exited;
    assert.equal(exit.code, 4, r.lines.join('\n'));
    const [worker] = r.workerPids();
    assert.deepEqual(readRecord(record), [
      `postFork worker ${worker} age=1 ppid=${r.pid} server=${r.pid}`,
      `workerExit worker ${worker} server=${r.pid}`,
    ]);
  },
);

test(
  'ABRT with a workerExit hook but no workerAbort hook still runs workerExit and exits 1 (Gunicorn always handles SIGABRT)',
  BOUND,
  async (t) => {
    const dir = tempDir(t);
    const { conf, record } = recordingConfig(dir, {
      postWorkerInit: EVERY_HOOK.postWorkerInit,
      workerExit: EVERY_HOOK.workerExit,
    });
    const r = runicorn(t, ['-w', '1', '-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')], { cwd: dir });
    await r.port();
    const a = r.pid;
    const first = Number((await r.waitFor(/^hook: postWorkerInit worker (\d+) age=1$/))[1]);
    process.kill(first, 'SIGABRT');
    await r.waitFor(new RegExp(`Worker \\(pid:${first}\\) exited with code 1\\.`));
    const second = Number((await r.waitFor(/^hook: postWorkerInit worker (\d+) age=2$/))[1]);
    r.kill('SIGTERM');
    assert.deepEqual(await r.exited, { code: 0, signal: null });
    assert.deepEqual(readRecord(record), [
      `postWorkerInit worker ${first} age=1`,
      `workerExit worker ${first} server=${a}`,
      `postWorkerInit worker ${second} age=2`,
      `workerExit worker ${second} server=${a}`,
    ]);
  },
);
