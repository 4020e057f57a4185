// The package's public entry points resolve as a user imports them (`runicorn`,
// `runicorn/testing`, through package.json "exports"), from ESM and CommonJS alike, and
// `runicorn/testing` loads no command line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as runicorn from 'runicorn';
import * as testing from 'runicorn/testing';

const ROOT = join(__dirname, '..', '..', '..');

test('runicorn and runicorn/testing resolve through "exports" to the built entry points', () => {
  assert.equal(require.resolve('runicorn'), join(ROOT, 'dist', 'src', 'index.js'));
  assert.equal(require.resolve('runicorn/testing'), join(ROOT, 'dist', 'src', 'testing.js'));
  assert.equal(typeof runicorn.serve, 'function');
  assert.equal(typeof runicorn.stage, 'function');
  for (const name of [
    'inject',
    'fakePorts',
    'interpretArbiter',
    'step',
    'arbiter',
    'timers',
    'feedback',
    'workerLifecycle',
  ] as const) {
    // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the test walks the public names
    assert.equal(typeof testing[name], 'function', name);
  }
  assert.equal(testing.timerKey.heartbeat(7), 'heartbeat:7');
});

test('in a project that installed runicorn, ESM import and require both work, and deep imports are closed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-user-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'runicorn'));
  const esm = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      [
        "import { serve, stage } from 'runicorn';",
        "import { inject } from 'runicorn/testing';",
        'console.log(typeof serve, typeof stage, typeof inject);',
      ].join('\n'),
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(esm.trim(), 'function function function');
  const cjs = execFileSync(
    process.execPath,
    [
      '-e',
      [
        "const { inject } = require('runicorn/testing');",
        'const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/]commander|[\\\\/]src[\\\\/]cli[\\\\/]/.test(f));',
        'console.log(typeof inject, JSON.stringify(loaded));',
        "try { require('runicorn/dist/src/cli/boot.js'); } catch (err) { console.log(err.code); }",
      ].join('\n'),
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(cjs.trim(), 'function []\nERR_PACKAGE_PATH_NOT_EXPORTED');
});
