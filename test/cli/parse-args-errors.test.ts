// Command-line mistakes come back from parseArgs as runicorn errors with their stable codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from 'fp-ts/Either';
import { parseArgs } from '../../src/cli/parse-args';
import { type ErrorCode, isRunicornError } from '../../src/streams/errors';
import { ExitCode } from '../../src/streams/exit-codes';

test('command-line mistakes come back from parseArgs with their codes', () => {
  const cases: ReadonlyArray<readonly [readonly string[], string, ErrorCode, string]> = [
    [['--wrokers', '2'], '', 'RUNICORN_UNKNOWN_FLAG', "unknown option '--wrokers' (Did you mean --workers?)"],
    [
      ['--zzzzzzzzzz'],
      'RUNICORN_CMD_ARGS',
      'RUNICORN_UNKNOWN_FLAG',
      "unknown option '--zzzzzzzzzz' (in RUNICORN_CMD_ARGS)",
    ],
    [['-w'], '', 'RUNICORN_BAD_USAGE', "option '-w, --workers <INT>' argument missing"],
    [['a.mjs', 'b.mjs'], '', 'RUNICORN_BAD_USAGE', 'too many arguments. Expected 1 argument but got 2.'],
  ];
  for (const [argv, source, code, message] of cases) {
    const result = parseArgs(argv, source);
    assert.ok(E.isLeft(result), argv.join(' '));
    assert.ok(isRunicornError(result.left, code), `${argv.join(' ')}: ${String(result.left)}`);
    assert.equal(result.left.message, message);
    assert.equal(result.left.exitCode, ExitCode.Config);
  }
});
