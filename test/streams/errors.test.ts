// The errors module: one stable code per failure a user can cause, each documented in
// docs/errors.md with its exit code and an example that is exactly what the module renders.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ERRORS,
  type ErrorCode,
  type ErrorParams,
  isRunicornError,
  RunicornError,
  runicornError,
} from '../../src/streams/errors';
import { ExitCode } from '../../src/streams/exit-codes';
import { ROOT } from '../support/cli';

/** One example per code: the compiler refuses a code without one. Each is a row of the doc. */
const EXAMPLES: { readonly [C in ErrorCode]: ErrorParams<C> } = {
  RUNICORN_BAD_SETTING: {
    setting: '--workers',
    source: 'WEB_CONCURRENCY',
    value: 'many',
    expected: 'a positive integer',
  },
  RUNICORN_UNKNOWN_FLAG: { flag: '--wrokers', suggestion: '--workers', source: '' },
  RUNICORN_BAD_USAGE: { detail: "option '-w, --workers <INT>' argument missing", source: '' },
  RUNICORN_BAD_ENV_ARGS: { variable: 'RUNICORN_CMD_ARGS', reason: 'Got EOF while in a quoted string' },
  RUNICORN_CONFIG_FILE: { problem: 'import', path: '/srv/app/runicorn.conf.mjs', reason: 'kaput' },
  RUNICORN_NO_APP: { hint: 'e.g. runicorn app.mjs:app' },
  RUNICORN_APP_LOAD: { spec: 'app.mjs:nope', reason: './app.mjs has no export "nope" (it exports app)' },
  RUNICORN_STAGES: { problem: 'function', reason: 'no DATABASE_URL' },
  RUNICORN_BIND: { address: '127.0.0.1:8000', reason: 'the address is already in use (EADDRINUSE)' },
  RUNICORN_PIDFILE: { problem: 'running', path: '/run/app.pid', pid: 4242 },
  RUNICORN_TLS: { problem: 'file', setting: '--keyfile', path: '/etc/ssl/app.key', reason: 'no such file (ENOENT)' },
  RUNICORN_LOGGER_CLASS: { spec: './log.mjs', reason: 'it has no export "default" that is a class or a function' },
  RUNICORN_WORKER_CLASS: { spec: './my-worker.mjs', reason: 'its checkConfig refused: needs --threads 2 or more' },
  RUNICORN_LOG_FILE: {
    what: 'access log',
    path: '/var/log/app/access.log',
    reason: "EACCES: permission denied, open '/var/log/app/access.log'",
  },
  RUNICORN_WORKER_BOOT: { during: 'listen', reason: 'EBADF' },
  RUNICORN_NOT_A_WORKER: { variable: 'RUNICORN_WORKER' },
  // What runicorn said before TLS landed; no setting raises this code today.
  RUNICORN_NOT_SUPPORTED: {
    setting: '--certfile',
    source: 'command line',
    area: 'TLS',
    risk: 'it would serve plain HTTP where HTTPS was asked for',
  },
};

interface Row {
  readonly code: string;
  readonly exit: number;
  readonly example: string;
}

/** The rows of the table in docs/errors.md. */
function documented(): Row[] {
  const doc = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  return doc
    .split('\n')
    .filter((line) => line.startsWith('| `RUNICORN_'))
    .map((line) => {
      const m = /^\| `(RUNICORN_\w+)` \| (\d+) \|[^|]*\| `` (.*) `` \|$/.exec(line);
      assert.ok(m, `a row of docs/errors.md is well-formed: ${line}`);
      return { code: m[1] ?? '', exit: Number(m[2]), example: m[3] ?? '' };
    });
}

test('docs/errors.md lists exactly the codes of the errors module, each once, with its exit code', () => {
  const rows = documented();
  assert.deepEqual(rows.map((r) => r.code).sort(), Object.keys(ERRORS).sort());
  for (const row of rows) assert.equal(row.exit, ERRORS[row.code as ErrorCode].exitCode, row.code);
});

test("each documented example is the module's own message for that code", () => {
  for (const row of documented()) {
    const code = row.code as ErrorCode;
    const err = runicornError(code, EXAMPLES[code] as never);
    assert.equal(err.message, row.example, code);
  }
});

test('a runicorn error carries its code, exit code and one-line message', () => {
  const err = runicornError('RUNICORN_APP_LOAD', {
    spec: 'app.mjs',
    reason: 'SyntaxError: Unexpected token\n  at line 3',
  });
  assert.ok(err instanceof Error);
  assert.ok(err instanceof RunicornError);
  assert.equal(err.name, 'RunicornError');
  assert.equal(err.code, 'RUNICORN_APP_LOAD');
  assert.equal(err.exitCode, ExitCode.AppLoadError);
  assert.equal(err.message, 'cannot load app "app.mjs": SyntaxError: Unexpected token at line 3');
  assert.ok(isRunicornError(err));
  assert.ok(isRunicornError(err, 'RUNICORN_APP_LOAD'));
  assert.ok(!isRunicornError(err, 'RUNICORN_BIND'));
  assert.ok(!isRunicornError(new Error('x')));
});

test('every variant of a template renders the wording users see today', () => {
  const table: ReadonlyArray<readonly [RunicornError, string]> = [
    [
      runicornError('RUNICORN_BAD_SETTING', {
        setting: '--workers',
        source: '',
        value: 'abc',
        expected: 'a positive integer',
      }),
      '--workers must be a positive integer, got "abc"',
    ],
    [
      runicornError('RUNICORN_BAD_SETTING', {
        setting: '--chdir',
        source: 'runicorn.conf.mjs',
        value: '/nope',
        expected: 'an existing directory',
      }),
      '--chdir (from runicorn.conf.mjs) must be an existing directory, got "/nope"',
    ],
    [
      runicornError('RUNICORN_BAD_SETTING', {
        setting: '--bind',
        source: '',
        value: 'x:y',
        expected: 'an address',
        why: 'bad port',
      }),
      '--bind must be an address, got "x:y" (bad port)',
    ],
    [
      runicornError('RUNICORN_UNKNOWN_FLAG', { flag: '--nope', source: 'RUNICORN_CMD_ARGS' }),
      "unknown option '--nope' (in RUNICORN_CMD_ARGS)",
    ],
    [
      runicornError('RUNICORN_CONFIG_FILE', { problem: 'missing', path: '/x/missing.mjs' }),
      'config file /x/missing.mjs does not exist (from --config)',
    ],
    [
      runicornError('RUNICORN_CONFIG_FILE', { problem: 'function', file: 'c.mjs', reason: 'boom' }),
      'config file c.mjs: its exported function failed: boom',
    ],
    [
      runicornError('RUNICORN_CONFIG_FILE', { problem: 'shape', file: 'c.mjs' }),
      'config file c.mjs must export an object (or a function returning one)',
    ],
    [runicornError('RUNICORN_BIND', { reason: 'EPERM' }), 'cannot listen: EPERM'],
    [
      runicornError('RUNICORN_NO_APP', { hint: 'or `app` in the config file' }),
      'no application given (usage: runicorn [OPTIONS] APP, or `app` in the config file)',
    ],
    [
      runicornError('RUNICORN_STAGES', { problem: 'not-array', got: 'object' }),
      'stages must be an array of stages (rxjs operators); got object',
    ],
    [
      runicornError('RUNICORN_STAGES', { problem: 'not-operator', index: 1, got: 'string' }),
      'stages must be rxjs operators (functions); item 1 is string',
    ],
    [
      runicornError('RUNICORN_PIDFILE', { problem: 'write', path: '/run/x.pid', reason: 'EACCES: permission denied' }),
      "cannot write pid file '/run/x.pid': EACCES: permission denied",
    ],
    [
      runicornError('RUNICORN_TLS', { problem: 'pair', given: '--keyfile', missing: '--certfile' }),
      '--keyfile needs --certfile: HTTPS takes both a key and a certificate (or neither, for plain HTTP)',
    ],
    [
      runicornError('RUNICORN_TLS', {
        problem: 'setting',
        setting: '--ciphers',
        value: 'NOPE',
        reason: 'OpenSSL knows no cipher in this list',
      }),
      "cannot serve HTTPS: --ciphers 'NOPE': OpenSSL knows no cipher in this list",
    ],
    [
      runicornError('RUNICORN_TLS', { problem: 'hook', reason: 'threw: no such secret' }),
      'cannot serve HTTPS: the sslContext hook threw: no such secret',
    ],
  ];
  for (const [err, message] of table) assert.equal(err.message, message);
});
