// Apps load as users write them, through the real CLI: a tsc-compiled CommonJS app serves;
// --check-config, --print-config and --preload load the app in a node given the same
// --node-arg's as the workers; --print-config names the config file it read; `stages` from a
// config file run in every worker, and a bad `stages` is one line at boot.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { get, ROOT, runicorn, until } from '../support/cli';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A project directory whose node_modules are the repo's, with `runicorn` installed as itself. */
function project(t: TestContext, files: Readonly<Record<string, string>>): string {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'node_modules'));
  for (const name of ['express', '@types', 'typescript', 'rxjs'])
    symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  symlinkSync(ROOT, join(dir, 'node_modules', 'runicorn'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

async function output(r: ReturnType<typeof runicorn>) {
  let stdout = '';
  r.proc.stdout?.setEncoding('utf8');
  r.proc.stdout?.on('data', (c: string) => (stdout += c));
  const exit = await r.exited;
  return { code: exit.code, stdout, stderr: r.lines.join('\n') };
}

test('a tsc-compiled CommonJS app (exports.default, __esModule) serves through the CLI', async (t) => {
  const dir = project(t, {
    'package.json': '{ "type": "commonjs" }\n',
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        module: 'commonjs',
        target: 'ES2022',
        esModuleInterop: true,
        strict: true,
        outDir: 'dist',
        skipLibCheck: true,
      },
      include: ['app.ts'],
    }),
    'app.ts': [
      "import express from 'express';",
      'const app = express();',
      "app.get('/', (_req, res) => { res.send(`compiled ${process.pid}`); });",
      'export default app;',
    ].join('\n'),
  });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
    cwd: dir,
    stdio: 'pipe',
  });

  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', 'dist/app.js'], { cwd: dir });
  const port = await r.port();
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.match(reply.body, /^compiled \d+$/);
  assert.ok(r.workerPids().includes(Number(reply.body.split(' ')[1])), 'answered by a worker');
});

/** An app that only loads when the loader given to node ran first (as tsx must for a .ts app). */
const needsLoader = {
  'loader.mjs': 'globalThis.runicornLoaderRan = true;\n',
  'app.mjs': [
    "if (!globalThis.runicornLoaderRan) throw new Error('run me with --import=./loader.mjs');",
    "export default (req, res) => res.end('loaded with the loader');",
  ].join('\n'),
};

test('--check-config and --print-config load the app with the --node-arg the workers get', async (t) => {
  const dir = project(t, needsLoader);
  const loader = `--node-arg=--import=${join(dir, 'loader.mjs')}`;

  const without = await output(runicorn(t, ['--check-config', 'app.mjs'], { cwd: dir }));
  assert.equal(without.code, 1);
  assert.match(
    without.stderr,
    /^runicorn: cannot load app "app\.mjs": importing \.\/app\.mjs failed: Error: run me with --import/m,
  );

  const checked = await output(runicorn(t, ['--check-config', loader, 'app.mjs'], { cwd: dir }));
  assert.equal(checked.code, 0, checked.stderr);
  assert.equal(checked.stderr, '');

  const printed = await output(runicorn(t, ['--print-config', loader, 'app.mjs'], { cwd: dir }));
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^nodeArg = \["--import=.*loader\.mjs"\]$/m);
});

test('--preload loads the app with the --node-arg the workers get, then serves', async (t) => {
  const dir = project(t, needsLoader);
  const failing = runicorn(t, ['--preload', '-b', '127.0.0.1:0', 'app.mjs'], { cwd: dir });
  assert.equal((await failing.exited).code, 4);

  const r = runicorn(
    t,
    ['--preload', `--node-arg=--import=${join(dir, 'loader.mjs')}`, '-b', '127.0.0.1:0', 'app.mjs'],
    { cwd: dir },
  );
  const port = await r.port();
  assert.equal((await until(port, '/', (rep) => rep.status === 200)).body, 'loaded with the loader');
});

test('--print-config names the config file found by its default name', async (t) => {
  const dir = project(t, {
    'runicorn.conf.mjs': 'export default { workers: 2 };\n',
    'app.mjs': 'export default (q, s) => s.end();\n',
  });
  const printed = await output(runicorn(t, ['--print-config', 'app.mjs'], { cwd: dir }));
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^config = ".*\/runicorn\.conf\.mjs"$/m);
  assert.match(printed.stdout, /^workers = 2$/m);
});

test('--check-config warns about a factory named without parentheses', async (t) => {
  const dir = project(t, { 'app.mjs': 'export function create() { return (req, res) => res.end(); }\n' });
  const checked = await output(runicorn(t, ['--check-config', 'app.mjs:create'], { cwd: dir }));
  assert.equal(checked.code, 0);
  assert.match(
    checked.stderr,
    /^runicorn: warning: "create" of \.\/app\.mjs takes no arguments, .* call it: module:create\(\)$/m,
  );
});

const stagesConfig = (stages: string) =>
  [
    "import { map } from 'rxjs';",
    "import { respond, stage } from 'runicorn';",
    "const tag = map((ex) => { ex.res.setHeader('x-staged', String(process.pid)); return ex; });",
    "const guard = stage(function guard(ex) { if (ex.req.url !== '/private') return ex; respond(ex, 403, 'no\\n'); return undefined; });",
    `export default { stages: ${stages} };`,
  ].join('\n');

test('stages from the config file run in every worker before the app', async (t) => {
  const dir = project(t, {
    'runicorn.conf.mjs': stagesConfig('[tag, guard]'),
    'app.mjs': "export default (q, s) => s.end('app');\n",
  });
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', 'app.mjs'], { cwd: dir });
  const port = await r.port();
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.equal(reply.body, 'app');
  assert.ok(r.workerPids().includes(Number(reply.headers['x-staged'])), 'tagged by the stage in a worker');
  const denied = await get(port, '/private');
  assert.equal(denied.status, 403);
  assert.equal(denied.body, 'no\n');
});

test('stages given as a function of the worker are built in each worker', async (t) => {
  const conf = stagesConfig('(worker) => { worker.log.info(`stages for worker ${worker.pid}`); return [tag, guard]; }');
  const dir = project(t, { 'runicorn.conf.mjs': conf, 'app.mjs': "export default (q, s) => s.end('app');\n" });
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', 'app.mjs'], { cwd: dir });
  const port = await r.port();
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.equal((await r.waitFor(/stages for worker (\d+)/))[1], reply.headers['x-staged']);
  assert.equal((await get(port, '/private')).status, 403);
});

test('a bad `stages` stops the boot with one line naming the setting and the file, exit 1', async (t) => {
  const cases: ReadonlyArray<readonly [string, RegExp]> = [
    ['5', /^runicorn: stages \(from runicorn\.conf\.mjs\) must be an array of stages .*, got "5"$/],
    [
      "[tag, 'guard']",
      /^runicorn: stages \(from runicorn\.conf\.mjs\) must be an array of stages .*, got "<function .*> guard" \(item 2 is string, not a stage\)$/,
    ],
  ];
  for (const [stages, expected] of cases) {
    const dir = project(t, {
      'runicorn.conf.mjs': stagesConfig(stages),
      'app.mjs': 'export default (q, s) => s.end();\n',
    });
    const r = runicorn(t, ['-b', '127.0.0.1:0', 'app.mjs'], { cwd: dir });
    assert.equal((await r.exited).code, 1);
    assert.equal(r.lines.filter((l) => l !== '').length, 1, r.lines.join('\n'));
    assert.match(r.lines[0] as string, expected);
  }
});

test('a plain rxjs map stage that throws on one path: 500 there, the same worker serves 200 everywhere after', async (t) => {
  const conf = [
    "import { map } from 'rxjs';",
    "const picky = map(function picky(ex) { if (ex.req.url === '/boom') throw new Error('picky cannot take /boom'); return ex; });",
    'export default { stages: [picky] };',
  ].join('\n');
  const dir = project(t, {
    'runicorn.conf.mjs': conf,
    'app.mjs': 'export default (q, s) => s.end(String(process.pid));\n',
  });
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', 'app.mjs'], { cwd: dir });
  const port = await r.port();
  const first = await until(port, '/', (rep) => rep.status === 200);
  const boom = await get(port, '/boom');
  assert.equal(boom.status, 500);
  // A plain operator has no name of its own: it is named by its place in `stages`.
  await r.waitFor(/Stage stage #1 failed on GET \/boom: Error: picky cannot take \/boom/);
  for (let i = 0; i < 5; i++) {
    const after = await get(port, `/after/${i}`);
    assert.equal(after.status, 200);
    assert.equal(after.body, first.body, 'served by the same worker: it was never replaced');
  }
  assert.equal((await get(port, '/boom')).status, 500, 'the stage runs again for later requests');
  assert.deepEqual(r.workerPids(), [Number(first.body)]);
});
