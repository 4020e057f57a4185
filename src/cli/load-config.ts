/**
 * Every configuration source, in order, as one `TaskEither`: the command line and
 * `RUNICORN_CMD_ARGS` are parsed first (they may name `--chdir` and `-c`), then the working
 * directory changes, then the config file loads, then precedence decides and codecs decode.
 *
 * @example
 * const loaded = await loadConfig(process.argv.slice(2), process.env)();
 */
import { statSync } from 'node:fs';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { split } from 'shlex';
import { isRunicornError, runicornError, type RunicornError } from '../streams/errors';
import { errorLine } from '../effects/error-text';
import { findConfigFile, loadConfigFile } from './config-file';
import { type EarlyExit, parseArgs, type ArgsLayer } from './parse-args';
import { resolveConfig, type Layer, type Origins, type Resolved } from './resolve-config';
import { allSettings, type Config } from './settings/index';
import { flagOf } from './settings/setting';

export interface LoadedConfig {
  readonly config: Config;
  readonly origins: Origins;
  /** The APP: from the command line, else RUNICORN_CMD_ARGS, else the config file's `app`. */
  readonly app: string | undefined;
  /** The config file that was read, if any. */
  readonly configFile: string | undefined;
  /** Lines to show before booting (unknown keys, settings not supported yet). */
  readonly warnings: readonly string[];
}

export const CMD_ARGS_ENV = 'RUNICORN_CMD_ARGS';

const empty: ArgsLayer = { values: {}, app: undefined };

function envArgs(env: NodeJS.ProcessEnv): E.Either<RunicornError | EarlyExit, ArgsLayer> {
  const text = env[CMD_ARGS_ENV];
  if (!text || text.trim() === '') return E.right(empty);
  let argv: string[];
  try {
    argv = split(text);
  } catch (err) {
    return E.left(runicornError('RUNICORN_BAD_ENV_ARGS', { variable: CMD_ARGS_ENV, reason: (err as Error).message }));
  }
  return parseArgs(argv, CMD_ARGS_ENV);
}

/** `--chdir` from the command line or RUNICORN_CMD_ARGS applies before the config file is found. */
function changeDirectory(dir: unknown, source: string): E.Either<RunicornError, void> {
  if (typeof dir !== 'string') return E.right(undefined);
  const bad = (expected: string) =>
    E.left(runicornError('RUNICORN_BAD_SETTING', { setting: '--chdir', source, value: dir, expected }));
  try {
    if (!statSync(dir).isDirectory()) return bad('a directory');
    process.chdir(dir);
    return E.right(undefined);
  } catch {
    return bad('an existing directory');
  }
}

/** Settings given a value that runicorn does not act on (yet): say so once each. */
function unsupportedWarnings(origins: Origins): string[] {
  const out: string[] = [];
  for (const [key, s] of allSettings()) {
    if (origins[key] === 'default' || s.support.state === 'supported') continue;
    const name = `${s.flags.length ? flagOf(s) : s.name} (from ${origins[key]})`;
    out.push(
      s.support.state === 'planned'
        ? `${name} is not supported yet (${s.support.area}); ignored`
        : `${name} does not apply to Node (${s.support.why}); ignored`,
    );
  }
  return out;
}

export function loadConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): TE.TaskEither<RunicornError | EarlyExit, LoadedConfig> {
  return pipe(
    TE.fromEither(E.Do),
    TE.bind('cli', () => TE.fromEither(parseArgs(argv, ''))),
    TE.bind('fromEnv', () => TE.fromEither(envArgs(env))),
    TE.tap(({ cli, fromEnv }) =>
      TE.fromEither(
        cli.values.chdir !== undefined
          ? changeDirectory(cli.values.chdir, '')
          : changeDirectory(fromEnv.values.chdir, CMD_ARGS_ENV),
      ),
    ),
    TE.bind('file', ({ cli, fromEnv }) => {
      const named = (cli.values.config ?? fromEnv.values.config) as string | undefined;
      const path = findConfigFile(typeof named === 'string' ? named : undefined, process.cwd());
      if (!path) return TE.right(undefined);
      return TE.tryCatch(
        () => loadConfigFile(path).then((f) => ({ ...f, path })),
        (err): RunicornError | EarlyExit =>
          isRunicornError(err)
            ? err
            : runicornError('RUNICORN_CONFIG_FILE', { problem: 'import', path, reason: errorLine(err) }),
      );
    }),
    TE.bind('resolved', ({ cli, fromEnv, file }) => {
      const layers: Layer[] = [
        ...(file ? [file.layer] : []),
        { source: CMD_ARGS_ENV, style: 'flag', values: fromEnv.values },
        { source: '', style: 'flag', values: cli.values },
      ];
      return TE.fromEither<RunicornError | EarlyExit, Resolved>(resolveConfig(layers, env));
    }),
    // A chdir from the config file applies once the file is read (before the app loads).
    TE.tap(({ file, resolved }) =>
      TE.fromEither(
        file && resolved.origins.chdir === file.layer.source
          ? changeDirectory(resolved.config.chdir, file.layer.source)
          : E.right(undefined),
      ),
    ),
    TE.map(({ cli, fromEnv, file, resolved }) => ({
      // A config file found by its default name is the one in use: --print-config shows it.
      config: file && resolved.config.config === null ? { ...resolved.config, config: file.path } : resolved.config,
      origins: resolved.origins,
      app: cli.app ?? fromEnv.app ?? resolved.config.app ?? undefined,
      configFile: file?.path,
      warnings: [...(file?.warnings ?? []), ...unsupportedWarnings(resolved.origins)],
    })),
  );
}
