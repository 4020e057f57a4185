// The README's commands are real: its first command starts the arbiter itself (the pid a shell
// sees, so TERM stops everything); its config-file example loads with no warning,
// --print-config shows its values, and its hooks run when the server boots and serves.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { split } from 'shlex';
import { CLI, isAlive, ROOT, runicorn, until } from '../support/cli';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const example = /```js\n(\/\/ runicorn\.conf\.mjs\n[\s\S]*?)```/.exec(readme)?.[1];

const quickStart = /## Quick start\n\n```sh\n(.*)\ncurl (\S+)/.exec(readme);

test("the README's first command serves, and TERM to its pid stops the arbiter and its workers", async (t) => {
  assert.ok(quickStart, 'README.md has a Quick start ```sh block: a command, then a curl line');
  const [, command = '', url = ''] = quickStart;
  // One command on a fresh clone: npm ci (which builds dist/, as `npm test` has already done
  // here), then node running the CLI directly, so the pid is the arbiter's.
  const [install, run = ''] = command.split(' && ');
  assert.equal(install, 'npm ci');
  const [node, script, ...args] = split(run);
  assert.equal(node, 'node');
  assert.equal(join(ROOT, script ?? ''), CLI);
  // Serve on a free port instead of the README's fixed one; everything else is the README's text.
  const r = runicorn(
    t,
    args.map((a) => a.replace('127.0.0.1:8000', '127.0.0.1:0')),
  );
  const port = await r.port();
  const reply = await until(port, new URL(url).pathname, (rep) => rep.status === 200);
  assert.equal(reply.body, 'Hello, World!\n');
  await r.waitFor(/Booting worker/, { nth: 2 });
  const workers = r.workerPids();
  r.kill('SIGTERM');
  assert.deepEqual(await r.exited, { code: 0, signal: null });
  assert.deepEqual(workers.filter(isAlive), [], 'no worker outlives the arbiter');
});

test('the README config example loads, prints and serves as it says', async (t) => {
  assert.ok(example, 'README.md has a ```js block starting with // runicorn.conf.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-readme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Serve on a free port instead of the example's fixed one; everything else is the README's text.
  writeFileSync(join(dir, 'runicorn.conf.mjs'), example.replace("bind: ['0.0.0.0:8000']", "bind: ['127.0.0.1:0']"));
  writeFileSync(join(dir, 'server.mjs'), 'export const app = (req, res) => res.end(process.env.NODE_ENV);\n');

  const check = runicorn(t, ['--print-config'], { cwd: dir });
  let stdout = '';
  check.proc.stdout?.setEncoding('utf8');
  check.proc.stdout?.on('data', (c: string) => (stdout += c));
  assert.equal((await check.exited).code, 0, check.lines.join('\n'));
  assert.deepEqual(
    check.lines.filter((l) => /warning/.test(l)),
    [],
    'no warning about the example',
  );
  assert.match(stdout, /^workers = 4$/m);
  assert.match(stdout, /^timeout = 60$/m);
  assert.match(stdout, /^app = "server\.mjs:app"$/m);

  const r = runicorn(t, [], { cwd: dir });
  const port = await r.port();
  await r.waitFor(new RegExp(`arbiter ${r.pid} listening, starting workers`));
  await r.waitFor(/worker \d+ loaded the app/, { nth: 4 });
  assert.equal((await until(port, '/', (rep) => rep.status === 200)).body, 'production');
});
