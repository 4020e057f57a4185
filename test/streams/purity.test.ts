// The layering rules are enforced by real tools, run by `npm test` before the build:
// dependency-cruiser (.dependency-cruiser.cjs: what each layer may import, no cycles) and Biome
// (biome.json: no process, clock, randomness, console or timers in src/streams). These tests prove
// that those checks look at the real tree and that each rule fails on a violation, so a broken
// config cannot make them pass silently.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from '../support/cli';

const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const BIOME = join(ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');

interface Cruise {
  readonly summary: {
    readonly error: number;
    readonly totalCruised: number;
    readonly violations: ReadonlyArray<{
      readonly rule: { readonly name: string; readonly severity: string };
      readonly from: string;
      readonly to: string;
    }>;
  };
}

/** Run depcruise with the project's config in `cwd`; the JSON report, whatever the exit code. */
function cruise(cwd: string): Cruise {
  const run = spawnSync(
    process.execPath,
    [DEPCRUISE, 'src', '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'],
    {
      cwd,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    },
  );
  assert.ok(run.stdout, `depcruise printed a report (stderr: ${run.stderr})`);
  return JSON.parse(run.stdout) as Cruise;
}

const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway project: the given files, plus the real package.json and node_modules to resolve against. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-rules-'));
  temps.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  copyFileSync(join(ROOT, 'biome.json'), join(dir, 'biome.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

test('the dependency rules hold on src, and dependency-cruiser really looked at it', () => {
  const report = cruise(ROOT);
  const errors = report.summary.violations.filter((v) => v.rule.severity === 'error');
  assert.deepEqual(
    errors.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`),
    [],
  );
  assert.ok(report.summary.totalCruised > 50, `cruised ${report.summary.totalCruised} modules`);
});

test('each dependency rule fails on a violation, and what is allowed passes', () => {
  const dir = project({
    // Allowed: the three packages, and the pure layer itself.
    'src/streams/ok.ts':
      "import { of } from 'rxjs';\nimport * as E from 'fp-ts/Either';\nimport * as t from 'io-ts';\nimport { b } from './ok-too';\nexport const a = [of, E, t, b];\n",
    'src/streams/ok-too.ts': 'export const b = 1;\n',
    'src/streams/node.ts': "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n",
    'src/streams/builtin.ts': "import { EventEmitter } from 'events';\nexport const a = EventEmitter;\n",
    'src/streams/package.ts': "import { closest } from 'fastest-levenshtein';\nexport const a = closest;\n",
    // Type-only imports count: a regex on `from '../effects` would see this one, but not a re-export.
    'src/streams/effects.ts': "import type { L } from '../effects/logger';\nexport type A = L;\n",
    'src/streams/cli.ts': "export { v } from '../cli/version';\n",
    'src/effects/logger.ts': 'export type L = number;\n',
    'src/effects/boot.ts': "import { v } from '../cli/version';\nexport const a = v;\n",
    'src/cli/version.ts': 'export const v = 1;\n',
    'src/cli/public.ts': "import { x } from '../index';\nexport const a = x;\n",
    'src/cli/cycle-a.ts': "import { b } from './cycle-b';\nexport const a = () => b;\n",
    'src/cli/cycle-b.ts': "import { a } from './cycle-a';\nexport const b = () => a;\n",
    'src/cli/dev.ts': "import express from 'express';\nexport const a = express;\n",
    'src/cli/typo.ts': "import { a } from './nope';\nexport const b = a;\n",
    // The entry points may import any layer.
    'src/index.ts':
      "export { a } from './streams/ok';\nexport { a as x } from './effects/boot';\nexport { v } from './cli/version';\n",
    'src/testing.ts': "export { a } from './effects/boot';\nexport { v } from './cli/version';\n",
  });
  const found = cruise(dir)
    .summary.violations.filter((v) => v.rule.severity === 'error')
    // A cycle is reported once, from whichever of its modules dependency-cruiser met first.
    .map((v) => `${v.rule.name}: ${v.from.replace(/cycle-[ab]/, 'cycle-*')}`)
    .sort();
  assert.deepEqual(
    [...new Set(found)],
    [
      'effects-never-import-cli: src/effects/boot.ts',
      'no-circular: src/cli/cycle-*.ts',
      'no-dev-dependencies-in-src: src/cli/dev.ts',
      'no-unresolvable: src/cli/typo.ts',
      'only-entry-points-import-entry-points: src/cli/public.ts',
      'streams-are-pure: src/streams/builtin.ts',
      'streams-are-pure: src/streams/cli.ts',
      'streams-are-pure: src/streams/effects.ts',
      'streams-are-pure: src/streams/node.ts',
      'streams-are-pure: src/streams/package.ts',
    ],
  );
});

test('Biome rejects process, clock, randomness, console and timers in src/streams, and only there', () => {
  const impure = [
    'export const a = process.pid;',
    'export const b = Date.now();',
    'export const c = new Date();',
    'export const d = performance.now();',
    'export const e = Math.random();',
    "console.log('hi');",
    'setTimeout(() => undefined, 1);',
    'setInterval(() => undefined, 1);',
    'setImmediate(() => undefined);',
    'export const f = Buffer.from([]);',
    'export const g = globalThis.process;',
  ];
  const pure = 'export const h = Math.max(1, 2);\n';
  const text = `${impure.join('\n')}\n${pure}`;
  const dir = project({ 'src/streams/impure.ts': text, 'src/effects/impure.ts': text });
  const run = spawnSync(BIOME, ['lint', '--vcs-enabled=false', '--reporter=github', '--max-diagnostics=100', 'src'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const flagged = [
    ...run.stdout.matchAll(
      /^::error title=lint\/[\w/]+\/(noRestrictedGlobals|noJsRestrictedProperties),file=([^,]+),line=(\d+)/gm,
    ),
  ].map((m) => `${(m[2] ?? '').slice(dir.length + 1)}:${m[3]}`);
  assert.deepEqual(
    [...new Set(flagged)].sort(),
    impure.map((_, i) => `src/streams/impure.ts:${i + 1}`).sort(),
    run.stdout + run.stderr,
  );
  assert.notEqual(run.status, 0, 'the lint fails');
});

test('the real tree passes Biome (what `npm run check:code` runs)', () => {
  execFileSync(BIOME, ['lint', '--error-on-warnings', '--max-diagnostics=20'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
});
