/**
 * A command line (the real one, or `RUNICORN_CMD_ARGS` split like a shell would), parsed against
 * the settings registry into raw values by setting name.
 *
 * Nothing is decoded here: values keep the form they were given in, so that precedence can pick
 * the winning source first and the error can then name that source. Unknown flags are errors.
 *
 * @example
 * parseArgs(['-w', '2', 'app.mjs'], '') // right({ values: { workers: '2' }, app: 'app.mjs' })
 */
import { Command, CommanderError, Option } from 'commander';
import * as E from 'fp-ts/Either';
import { runicornError, type RunicornError } from '../streams/errors';
import { allSettings, type SettingName } from './settings/index';
import type { Setting } from './settings/setting';
import { VERSION } from './version';

export interface ArgsLayer {
  readonly values: Partial<Record<SettingName, unknown>>;
  readonly app: string | undefined;
}

/** What the CLI should do instead of serving: print help or the version and exit 0. */
export class EarlyExit extends Error {
  constructor(readonly output: string) {
    super(output);
  }
}

const collect = (value: string, previous: unknown) => [...(Array.isArray(previous) ? previous : []), value];

/** Commander allows one short and one long flag per option; further spellings become hidden aliases. */
function optionsFor(key: SettingName, s: Setting<unknown>): Option[] {
  if (s.flags.length === 0) return []; // config-file only (hooks, dictionaries)
  const short = s.flags.filter((f) => /^-[^-]/.test(f));
  const long = s.flags.filter((f) => f.startsWith('--'));
  const spellings = [[...short.slice(0, 1), long[0]].filter(Boolean).join(', '), ...long.slice(1)];
  return spellings.map((flags, i) => {
    const value =
      s.arity === 'switch' ? '' : s.arity === 'optional' ? ` [${s.metavar ?? 'VALUE'}]` : ` <${s.metavar ?? 'VALUE'}>`;
    // A lone `--no-x` is a switch of its own here, not commander's negation of `--x`.
    const option = new Option(`${flags}${value}`, s.doc.split('\n')[0]);
    if (s.arity === 'list') option.argParser(collect);
    if (i > 0) option.hideHelp();
    // Each spelling stores under its own name: `--control-socket` and `--no-control-socket` would
    // otherwise share commander's attribute `controlSocket`.
    const attribute = `${key}$${i}`;
    option.attributeName = () => attribute;
    return option;
  });
}

function buildProgram(): { program: Command; owner: Map<string, SettingName> } {
  const owner = new Map<string, SettingName>();
  const program = new Command('runicorn')
    .usage('[OPTIONS] [APP]')
    .description('Serve a Node web app from pre-forked worker processes.')
    .argument('[APP]', 'module[:export] or module:factory(args…), e.g. app.mjs:app')
    .version(VERSION, '-v, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help and exit')
    .exitOverride();
  for (const [key, s] of allSettings()) {
    for (const option of optionsFor(key, s)) {
      owner.set(option.attributeName(), key);
      program.addOption(option);
    }
  }
  return { program, owner };
}

/**
 * Commander's error as a runicorn one: `RUNICORN_UNKNOWN_FLAG` (with its did-you-mean) or
 * `RUNICORN_BAD_USAGE`, on one line, naming the source when it is not the command line.
 */
function usageError(err: CommanderError, source: string): RunicornError {
  const detail = err.message
    .replace(/^error: /, '')
    .trim()
    .replace(/\s*\n\s*/g, ' ');
  const unknown =
    err.code === 'commander.unknownOption' ? /^unknown option '(.*)'(?: \(Did you mean (.+)\?\))?$/.exec(detail) : null;
  if (unknown)
    return runicornError('RUNICORN_UNKNOWN_FLAG', { flag: unknown[1] ?? '', suggestion: unknown[2], source });
  return runicornError('RUNICORN_BAD_USAGE', { detail, source });
}

/** Parse `argv` (without `node` and the script); `source` names it in errors ('' for the real command line). */
export function parseArgs(argv: readonly string[], source: string): E.Either<RunicornError | EarlyExit, ArgsLayer> {
  const { program, owner } = buildProgram();
  let output = '';
  program.configureOutput({ writeOut: (s) => (output += s), writeErr: () => {} });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.exitCode === 0) return E.left(new EarlyExit(output));
    return E.left(usageError(err, source));
  }
  const opts = program.opts<Record<string, unknown>>();
  const values: Partial<Record<SettingName, unknown>> = {};
  const settingsByKey = new Map(allSettings());
  for (const [attribute, key] of owner) {
    if (program.getOptionValueSource(attribute) !== 'cli') continue;
    const s = settingsByKey.get(key) as Setting<unknown>;
    const raw = opts[attribute];
    const value =
      (s.arity === 'switch' || s.arity === 'optional') && (raw === true || raw === false)
        ? (s.switchValue ?? true)
        : raw;
    values[key] =
      s.arity === 'list' && Array.isArray(values[key])
        ? [...(values[key] as unknown[]), ...(value as unknown[])]
        : value;
  }
  return E.right({ values, app: program.args[0] });
}
