#!/usr/bin/env node
/**
 * `runicorn [OPTIONS] APP`: parse, validate, bind, run. The only place that prints a boot error
 * and picks the exit code.
 *
 * @example
 * $ runicorn -w 4 -b :8000 app.mjs:app
 */
import * as E from 'fp-ts/Either';
import { ExitCode } from '../streams/exit-codes';
import { boot } from './boot';
import { BootError } from './config-error';
import { EarlyExit, parseArgs } from './parse-args';

function die(error: BootError): never {
  process.stderr.write(`runicorn: ${error.message}\n`);
  process.exit(error.exitCode);
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2), process.env);
  if (E.isLeft(parsed)) {
    if (parsed.left instanceof EarlyExit) {
      process.stdout.write(parsed.left.output);
      process.exit(ExitCode.Ok);
    }
    die(parsed.left);
  }
  const { config, app } = parsed.right;
  if (!app) die(new BootError('no application given (usage: runicorn [OPTIONS] APP, e.g. runicorn app.mjs:app)'));
  const result = await boot(config, app)();
  // A bind failure is already in the log as one line; just leave with its code.
  if (E.isLeft(result)) process.exit(result.left.exitCode);
}

main().catch((err: unknown) => {
  process.stderr.write(`runicorn: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(ExitCode.Config);
});
