// docs/settings.md is generated from the registry; this fails when the checked-in file drifts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderSettingsDoc } from '../../src/cli/settings-doc';
import { allSettings } from '../../src/cli/settings/index';
import { ROOT } from '../support/cli';

const DOC = join(ROOT, 'docs', 'settings.md');

test('docs/settings.md matches the registry (run `npm run docs` to regenerate it)', () => {
  const rendered = renderSettingsDoc();
  const onDisk = readFileSync(DOC, 'utf8');
  if (onDisk === rendered) return;
  const a = onDisk.split('\n');
  const b = rendered.split('\n');
  const line = a.findIndex((l, i) => l !== b[i]);
  const at = line < 0 ? b.length : line;
  assert.fail(
    `docs/settings.md is out of date: run \`npm run docs\` and commit the result.\n`
      + `First difference at line ${at + 1}:\n  file:      ${JSON.stringify(a[at])}\n  generated: ${JSON.stringify(b[at])}`,
  );
});

test('the reference has an entry per setting, with its Gunicorn name, flags, default and status', () => {
  const doc = renderSettingsDoc();
  for (const [key, s] of allSettings()) {
    const start = doc.indexOf(`\n### ${key}\n`);
    assert.ok(start >= 0, `${key} has an entry`);
    const end = doc.indexOf('\n### ', start + 1);
    const body = doc.slice(start, end < 0 ? undefined : end);
    if (s.gunicorn) assert.ok(body.includes(`(Gunicorn: \`${s.gunicorn}\`)`), `${key}: Gunicorn name`);
    for (const f of s.flags) assert.ok(body.includes(`\`${f}`), `${key}: flag ${f}`);
    if (s.flags.length === 0) assert.ok(body.includes('config file only'), `${key}: config file only`);
    assert.match(body, /- \*\*Default:\*\* `/, `${key}: default`);
    const status =
      s.support.state === 'supported'
        ? '- **Status:** supported'
        : s.support.state === 'planned'
          ? `- **Status:** planned (${s.support.area})`
          : '- **Status:** not applicable: ';
    assert.ok(body.includes(status), `${key}: status`);
  }
});

test('defaults that read the environment say which variable, with the value it gives', () => {
  const doc = renderSettingsDoc();
  assert.ok(doc.includes('`["127.0.0.1:8000"]`, or `["0.0.0.0:$PORT"]` when `$PORT` is set'));
  assert.ok(doc.includes('`1`, or the value of `$WEB_CONCURRENCY` when it is set'));
  assert.ok(doc.includes('`["127.0.0.1","::1"]`, or the value of `$FORWARDED_ALLOW_IPS` when it is set'));
});

test('rendering does not depend on the environment of the process', () => {
  const saved = { PORT: process.env.PORT, WEB_CONCURRENCY: process.env.WEB_CONCURRENCY };
  const before = renderSettingsDoc();
  process.env.PORT = '1234';
  process.env.WEB_CONCURRENCY = '7';
  try {
    assert.equal(renderSettingsDoc(), before);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
