#!/usr/bin/env node
/**
 * `runicorn [OPTIONS] [APP]`: load the configuration from every source, then print it, check it,
 * or serve. The only place that prints a boot error and exits: every failure a user can cause
 * is a `RunicornError` (`streams/errors`), printed as one line and left with its `exitCode`.
 *
 * @example
 * $ runicorn -w 4 -b :8000 app.mjs:app
 */
import * as E from 'fp-ts/Either';
import { isRunicornError, runicornError, type RunicornError } from '../streams/errors';
import { ExitCode } from '../streams/exit-codes';
import { bufferSignals } from '../effects/run-arbiter';
import { DAEMON_ENV, detach, tellLauncher } from '../effects/daemon';
import { UPGRADE_ENV } from '../effects/upgrade';
import { resolveWorkerClass } from '../effects/worker-class';
import { boot } from './boot';
import { checkApp } from './check-app';
import { checkHttps } from './check-tls';
import { loadConfig, type LoadedConfig } from './load-config';
import { EarlyExit } from './parse-args';
import { printConfig } from './show-config';
import { errorStack } from '../effects/error-text';

function die(message: string, code: number): never {
  process.stderr.write(`runicorn: ${message}\n`);
  process.exit(code);
}

function fail(err: RunicornError): never {
  return die(err.message, err.exitCode);
}

/** Load the app in a node started like a worker's (for --check-config, --print-config, --preload). */
async function tryLoadApp(loaded: LoadedConfig, app: string): Promise<RunicornError | undefined> {
  const verdict = await checkApp({
    app,
    kind: loaded.config.appKind,
    cwd: process.cwd(),
    nodeArgs: [...process.execArgv, ...loaded.config.nodeArg],
  });
  if (!verdict.ok) return runicornError('RUNICORN_APP_LOAD', { spec: app, reason: verdict.reason });
  if (verdict.warning) process.stderr.write(`runicorn: warning: ${verdict.warning}\n`);
  return undefined;
}

/** --check-config: a user's worker class loads and its checkConfig accepts the configuration. */
async function tryWorkerClass(config: LoadedConfig['config']): Promise<RunicornError | undefined> {
  const logger = { log: (level: string, message: string) => process.stderr.write(`runicorn: ${level}: ${message}\n`) };
  return resolveWorkerClass(config, logger).then(
    () => undefined,
    (err: unknown) =>
      isRunicornError(err)
        ? err
        : runicornError('RUNICORN_WORKER_CLASS', { spec: config.workerClass, reason: String(err) }),
  );
}

/** --check-config: HTTPS as a start checks it (the files, the key pair, the sslContext hook). */
async function tryHttps(config: LoadedConfig['config']): Promise<RunicornError | undefined> {
  const checked = await checkHttps(config);
  return E.isLeft(checked) ? checked.left : undefined;
}

/**
 * HUP: every source read again, from the directory runicorn was started in (so a relative
 * `--chdir` means what it meant at boot); rejects with the one line that says what is wrong, and
 * then leaves the working directory as it was.
 */
const reloader = (argv: readonly string[], startDir: string) => async () => {
  const before = process.cwd();
  process.chdir(startDir);
  const again = await loadConfig(argv, process.env)();
  if (E.isLeft(again) || !again.right.app) {
    process.chdir(before);
    if (E.isRight(again)) throw new Error('no application given');
    throw new Error(again.left instanceof EarlyExit ? 'a reload cannot print or check' : again.left.message);
  }
  for (const warning of again.right.warnings) process.stderr.write(`runicorn: warning: ${warning}\n`);
  return { config: again.right.config, app: again.right.app, configFile: again.right.configFile };
};

async function main(): Promise<void> {
  // First thing: a TERM that arrives while the config loads stops the server cleanly.
  const signals = bufferSignals();
  const isDaemon = process.env[DAEMON_ENV] !== undefined;
  delete process.env[DAEMON_ENV];
  // USR2 starts the new arbiter as this one was started (Gunicorn keeps `env_orig` the same way).
  const startEnv = { ...process.env };
  const fromUpgrade = process.env[UPGRADE_ENV.fds] !== undefined;
  const startDir = process.cwd();
  const argv = process.argv.slice(2);
  const result = await loadConfig(argv, process.env)();
  if (E.isLeft(result)) {
    if (result.left instanceof EarlyExit) {
      process.stdout.write(result.left.output);
      process.exit(ExitCode.Ok);
    }
    fail(result.left);
  }
  const loaded = result.right;
  for (const warning of loaded.warnings) process.stderr.write(`runicorn: warning: ${warning}\n`);
  const { config, app } = loaded;

  if (config.printConfig) process.stdout.write(printConfig(config));
  if (config.printConfig || config.checkConfig) {
    if (!app) fail(runicornError('RUNICORN_NO_APP', { hint: 'or `app` in the config file' }));
    const failure = (await tryWorkerClass(config)) ?? (await tryHttps(config)) ?? (await tryLoadApp(loaded, app));
    // Checking is not serving: a configuration that does not load is a configuration error.
    if (failure) die(failure.message, ExitCode.Config);
    process.exit(ExitCode.Ok);
  }
  if (!app) fail(runicornError('RUNICORN_NO_APP', { hint: 'e.g. runicorn app.mjs:app' }));
  if (config.preloadApp) {
    const failure = await tryLoadApp(loaded, app);
    if (failure) fail(failure);
  }
  // A new arbiter started by USR2 stays where the old one put it (as Gunicorn skips daemonize).
  if (config.daemon && !isDaemon && !fromUpgrade) {
    // Checked in the foreground; served in the background (see effects/daemon.ts).
    const outcome = await detach({
      args: process.argv.slice(1),
      execArgv: process.execArgv,
      cwd: startDir,
      keepStdio: config.enableStdioInheritance,
    });
    if (outcome.message) process.stderr.write(`runicorn: ${outcome.message}\n`);
    process.exit(outcome.code);
  }
  const reload = reloader(argv, startDir);
  const upgrade = { execArgv: process.execArgv, argv: process.argv.slice(1), cwd: startDir, env: startEnv };
  const running = await boot({ config, app, configFile: loaded.configFile, signals, reload, upgrade })();
  // A bind failure is already in the log as one line; just leave with its code (and tell the
  // launcher of a daemon, whose log may be /dev/null).
  if (E.isLeft(running)) {
    if (isDaemon) await tellLauncher({ t: 'failed', code: running.left.exitCode, message: running.left.message });
    process.exit(running.left.exitCode);
  }
  if (isDaemon) await tellLauncher({ t: 'ready' });
}

main().catch((err: unknown) => {
  process.stderr.write(`runicorn: unexpected error: ${errorStack(err)}\n`);
  process.exit(ExitCode.Config);
});
