// src/streams is the pure layer: no Node modules, no process, no clock, no randomness, no console,
// no timers of its own. This test reads the sources and fails on the first impure line.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/cli';

const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/from ['"]node:|require\(['"]node:/, 'imports a node: module'],
  [/from ['"](fs|net|http|https|http2|child_process|os|path|dgram|tls|dns|url|util|events|stream|worker_threads|cluster)['"]/, 'imports a Node built-in'],
  [/\bprocess\./, 'touches process'],
  [/Date\.now\(|new Date\(|performance\.now\(/, 'reads the clock'],
  [/Math\.random\(/, 'draws random numbers'],
  [/\bconsole\./, 'writes to the console'],
  [/\b(setTimeout|setInterval|setImmediate)\(/, 'starts its own timer (use a scheduler)'],
  [/\bBuffer\./, 'uses Node\'s Buffer'],
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

test('every file in src/streams is pure', () => {
  const files = sources(join(ROOT, 'src', 'streams'));
  assert.ok(files.length > 10, 'the pure layer was found');
  const found: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
      for (const [re, why] of FORBIDDEN) if (re.test(code)) found.push(`${relative(ROOT, file)}:${i + 1} ${why}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('the purity check catches an impure line', () => {
  const impure = ["import fs from 'node:fs';", 'const t = Date.now();', 'process.exit(1);'];
  for (const line of impure) assert.ok(FORBIDDEN.some(([re]) => re.test(line)), line);
});
