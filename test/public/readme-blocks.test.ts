// The README's stage and marble test are these real test files, word for word: each ```ts block
// in README.md that imports runicorn is one of the files in test/public/, and both files are there.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const QUOTED = ['readme-stage.test.ts', 'readme-marble.test.ts'];
const source = (name: string) => readFileSync(join(ROOT, 'test', 'public', name), 'utf8');

test('README.md quotes test/public/readme-*.test.ts exactly', () => {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  for (const name of QUOTED)
    assert.ok(blocks.includes(source(name)), `README.md has ${name} as a \`\`\`ts block, unchanged`);
  const importing = blocks.filter((b) => /from 'runicorn/.test(b));
  assert.deepEqual(
    importing.filter((b) => !QUOTED.map(source).includes(b)),
    [],
    'every README block that imports runicorn is a tested file',
  );
});

test('the quoted tests import only the public entry points', () => {
  for (const name of QUOTED) {
    const imports = [...source(name).matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual(
      imports.filter((i) => i?.startsWith('.') || i?.includes('/src/')),
      [],
      name,
    );
    assert.ok(
      imports.some((i) => i === 'runicorn' || i === 'runicorn/testing'),
      name,
    );
  }
});
