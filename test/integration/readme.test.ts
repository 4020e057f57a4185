// The README's config-file example is real: it loads with no warning, --print-config shows its
// values, and its hooks run when the server boots and serves.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, runicorn, until } from '../support/cli';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const example = /```js\n(\/\/ runicorn\.conf\.mjs\n[\s\S]*?)```/.exec(readme)?.[1];

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
  assert.deepEqual(check.lines.filter((l) => /warning/.test(l)), [], 'no warning about the example');
  assert.match(stdout, /^workers = 4$/m);
  assert.match(stdout, /^timeout = 60$/m);
  assert.match(stdout, /^app = "server\.mjs:app"$/m);

  const r = runicorn(t, [], { cwd: dir });
  const port = await r.port();
  await r.waitFor(new RegExp(`arbiter ${r.pid} listening, starting workers`));
  await r.waitFor(/worker \d+ loaded the app/, { nth: 4 });
  assert.equal((await until(port, '/', (rep) => rep.status === 200)).body, 'production');
});
