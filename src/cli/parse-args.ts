/**
 * The command line, generated from the settings registry, decoded into a typed `Config`.
 *
 * Every value, whether from a flag or from a default read from the environment, goes through its
 * setting's codec; the first bad one becomes one line naming the flag, the source and the value.
 *
 * @example
 * parseArgs(['-w', '2', 'app.mjs'], process.env) // right({ config, app: 'app.mjs' })
 */
import { Command, CommanderError, Option } from 'commander';
import * as E from 'fp-ts/Either';
import { firstReason } from '../streams/codecs';
import { ExitCode } from '../streams/exit-codes';
import { BootError } from './config-error';
import { flagOf, settings, type Config, type Setting, type SettingName } from './settings';
import { VERSION } from './version';

export interface ParsedArgs {
  readonly config: Config;
  readonly app: string | undefined;
}

/** What the CLI should do instead of serving: print help or the version and exit 0. */
export class EarlyExit extends Error {
  constructor(readonly output: string) {
    super(output);
  }
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** The program, and the name commander stores each setting's value under. */
function buildProgram(): { program: Command; attribute: Map<SettingName, string> } {
  const attribute = new Map<SettingName, string>();
  const program = new Command('runicorn')
    .usage('[OPTIONS] APP')
    .description('Serve a Node web app from pre-forked worker processes.')
    .argument('[APP]', 'module[:export], module:factory(args…), e.g. app.mjs:app')
    .version(VERSION, '-v, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help and exit')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  for (const [key, s] of Object.entries(settings) as [SettingName, Setting<unknown>][]) {
    const option = new Option(`${s.flags.join(', ')} <${s.metavar ?? 'VALUE'}>`, s.doc);
    if (s.repeatable) option.argParser(collect);
    attribute.set(key, option.attributeName());
    program.addOption(option);
  }
  return { program, attribute };
}

function decode<A>(s: Setting<A>, raw: unknown, source: string): E.Either<BootError, A> {
  const result = s.codec.decode(raw);
  if (E.isRight(result)) return E.right(result.right);
  const shown = Array.isArray(raw) ? raw.join(' ') : String(raw);
  const why = firstReason(result.left);
  const detail = why ? ` (${why})` : '';
  return E.left(new BootError(`${flagOf(s)}${source} must be ${s.codec.expected}, got "${shown}"${detail}`));
}

/** Parse `argv` (without `node` and the script) against the registry. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): E.Either<BootError | EarlyExit, ParsedArgs> {
  const { program, attribute } = buildProgram();
  let output = '';
  program.configureOutput({ writeOut: (s) => (output += s), writeErr: () => {} });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return E.left(new EarlyExit(output));
      return E.left(new BootError(err.message.replace(/^error: /, ''), ExitCode.Config));
    }
    throw err;
  }
  const opts = program.opts<Record<string, unknown>>();
  const given: Partial<Record<SettingName, unknown>> = {};
  for (const [key, attr] of attribute) if (opts[attr] !== undefined) given[key] = opts[attr];
  return E.map((config: Config) => ({ config, app: program.args[0] }))(decodeConfig(given, env, ''));
}

/**
 * Decode given values (by setting name) over the defaults; `source` is said after the flag in
 * errors, e.g. `' (from serve())'`.
 */
export function decodeConfig(
  given: Partial<Record<SettingName, unknown>>, env: NodeJS.ProcessEnv, source: string,
): E.Either<BootError, Config> {
  const values: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(settings) as [SettingName, Setting<unknown>][]) {
    const fallback = s.default(env);
    const result = given[key] !== undefined
      ? decode(s, given[key], source)
      : decode(s, fallback.value, fallback.env ? ` (from ${fallback.env})` : ' (default)');
    if (E.isLeft(result)) return result;
    values[key] = result.right;
  }
  return E.right(values as Config);
}
