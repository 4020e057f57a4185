/**
 * The boot edge as one `TaskEither`: process settings → pid file → onStarting → listeners → a
 * running arbiter.
 *
 * Each step either succeeds or yields a `RunicornError` (`RUNICORN_PIDFILE`, `RUNICORN_BIND`)
 * worded as the one line the user sees; it is logged here, and the caller exits with its
 * `exitCode` (`main.ts`) or rejects with it (`serve()`).
 *
 * Why one file of a little over 300 lines: the boot steps and the HUP reloader share the checks
 * a configuration must pass before workers start (worker class, TLS files, logs), and keeping them
 * side by side is what makes a reload refuse exactly what a boot refuses (`--check-config` runs the
 * TLS checks too, through the same `checkHttps`).
 *
 * @example
 * await boot({ config, app: 'app.mjs', configFile: undefined })(); // right(subscription)
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import type { Subscription } from 'rxjs';
import { hookLog, runHook, type Hooks } from '../effects/hook-runner';
import { bindAll, prelisten, type Listener } from '../effects/listeners';
import { livePorts } from '../effects/live-ports';
import type { Logger } from '../effects/logger';
import { createPidfile, pidfileOwner, type PidfileOwner } from '../effects/pidfile';
import { resolvePrivileges, type Privileges } from '../effects/privileges';
import { http2PlanOf } from '../streams/http2-settings';
import { forgetSystemdEnv, socketsFromSystemd } from '../effects/systemd';
import { takeUpgradeEnv, watchOldArbiter, type Inherited, type SpawnArbiterOptions } from '../effects/upgrade';
import { describeBind } from '../streams/bind-address';
import { bufferSignals, runArbiter } from '../effects/run-arbiter';
import { isRunicornError, runicornError, type RunicornError } from '../streams/errors';
import { workerType, type CustomWorkerClass } from '../streams/worker/policy';
import { resolveWorkerClass } from '../effects/worker-class';
import { arbiterInstruments, type ArbiterInstruments } from './arbiter-instruments';
import { openArbiterLogs, type ArbiterLogs } from './arbiter-logs';
import { checkHttps } from './check-tls';
import { applyRawEnv, arbiterSettingsFor, liveConfigFor, procNameOf } from './live-config';
import { hooksOf } from './hooks';
import type { Config } from './settings/index';
import { currentConfiguration } from './show-config';
import { VERSION } from './version';

export interface BootInput {
  readonly config: Config;
  readonly app: string;
  /** Workers load their hooks from it. */
  readonly configFile: string | undefined;
  /** Signal handlers installed at the very start (main), so no signal is lost while booting. */
  readonly signals?: ReturnType<typeof bufferSignals>;
  /** The script workers run; `cli/worker.js` by default (`serve()` re-runs the calling script). */
  readonly workerEntry?: string;
  /** Called with the exit code instead of `process.exit` when the arbiter stops (`serve()`). */
  readonly onExit?: (code: number) => void;
  /**
   * Read every configuration source again, as at boot (HUP); rejects with the one line that
   * says what is wrong. Without it, HUP is refused with a log line.
   */
  readonly reload?: () => Promise<Pick<BootInput, 'config' | 'app' | 'configFile'>>;
  /**
   * How this arbiter was started (command line, directory, environment), so USR2 can start a new
   * one the same way. Without it, USR2 is refused with a log line.
   */
  readonly upgrade?: Omit<SpawnArbiterOptions, 'listeners'>;
  /** What a user's worker class declared; `boot` loads and checks it (none for the built-in classes). */
  readonly workerClass?: CustomWorkerClass | undefined;
}

/** A failure the effects already worded, passed through; anything else as a bind failure. */
const asBindError = (err: unknown): RunicornError =>
  isRunicornError(err) ? err : runicornError('RUNICORN_BIND', { reason: String(err) });

/** After a USR2 the listeners are the old arbiter's, whatever `bind` says now (as Gunicorn). */
function adoptInherited(config: Config, inherited: Inherited, logger: Logger): Listener[] {
  const from = inherited.parent === undefined ? 'the old arbiter' : `the old arbiter (pid ${inherited.parent})`;
  logger.log('info', `Using ${inherited.listeners.length} listener(s) inherited from ${from}; --bind is not used`);
  const labels = new Set(inherited.listeners.map((l) => l.label));
  const moved = config.bind.filter((b) => !(b.kind === 'tcp' && b.port === 0) && !labels.has(describeBind(b)));
  if (moved.length > 0)
    logger.log('warning', `bind changes take effect on a restart; not bound: ${moved.map(describeBind).join(', ')}`);
  return [...inherited.listeners];
}

const bindListeners = (
  config: Config,
  logger: Logger,
  inherited: Inherited | undefined,
  owner: Privileges,
): TE.TaskEither<RunicornError, Listener[]> =>
  TE.tryCatch(
    async () => {
      // Before binding, so unix sockets get 0777 & ~umask; the workers inherit it.
      process.umask(config.umask);
      // Inherited sockets already listen: nothing to bind or pre-listen.
      if (inherited) return adoptInherited(config, inherited, logger);
      const fromSystemd = socketsFromSystemd(process.env, process.pid);
      forgetSystemdEnv(process.env);
      if (fromSystemd)
        logger.log('info', `Using ${fromSystemd.length} socket(s) from systemd (LISTEN_FDS); --bind is not used`);
      const listeners = await bindAll(fromSystemd ?? config.bind, owner);
      prelisten(listeners, config.backlog);
      return listeners;
    },
    (err) => {
      const failure = asBindError(err);
      logger.log('error', failure.message);
      return failure;
    },
  );

/**
 * HUP: every source read again; the new live configuration, or a rejection with one line. What
 * cannot change without new sockets (the bind addresses) is kept, with a warning.
 */
function reloader(
  input: BootInput,
  listeners: readonly Listener[],
  logs: ArbiterLogs,
  instruments: ArbiterInstruments,
) {
  const { reload } = input;
  if (!reload) return undefined;
  return async () => {
    const next = await reload();
    // Renewed certificates (certbot) and the sslContext hook are checked before anything changes:
    // a broken certificate or a failing hook refuses the reload, and the old workers serve on.
    const tls = await checkHttps(next.config);
    if (E.isLeft(tls)) throw tls.left;
    const privileges = resolvePrivileges(next.config);
    if (E.isLeft(privileges)) throw privileges.left;
    // Its log files must open; they replace the running ones only once the step uses it (activate).
    logs.check(next.config);
    const logger = logs.logger;
    if (JSON.stringify(next.config.bind) !== JSON.stringify(input.config.bind)) {
      logger.log('warning', 'bind changes take effect on a restart (or USR2); keeping the current listeners');
    }
    const hooks = hooksOf(next.config as unknown as Record<string, unknown>);
    const workerClass = await resolveWorkerClass(next.config, logger);
    return {
      ...liveConfigFor(
        { ...next, workerEntry: input.workerEntry, workerClass },
        hooks,
        listeners,
        privileges.right,
        logs,
      ),
      activate: () => becomeArbiterConfig(next.config, logs, instruments),
      settings: arbiterSettingsFor(next.config, hooks),
    };
  };
}

/** A configuration the step now uses becomes the arbiter's: its logs, its metrics, its -e entries. */
function becomeArbiterConfig(config: Config, logs: ArbiterLogs, instruments: ArbiterInstruments): void {
  applyRawEnv(config.rawEnv, process.env);
  logs.replace(config);
  instruments.replace(config, logs.logger);
}

/** What `start` needs besides the input: the boot's results so far. */
interface Booted {
  readonly logger: Logger;
  readonly hooks: Hooks;
  readonly listeners: Listener[];
  readonly signal$: ReturnType<typeof bufferSignals>['signal$'];
  readonly logs: ArbiterLogs;
  readonly privileges: Privileges;
  /** The old arbiter, while it runs (this one was started by its USR2). */
  readonly parent: number | undefined;
  readonly pidfile: PidfileOwner;
  readonly instruments: ArbiterInstruments;
}

function start(input: BootInput, booted: Booted): Subscription {
  const { config } = input;
  const { logger, hooks, listeners, parent, pidfile, instruments } = booted;
  // As Gunicorn: an HTTPS listener is named https:// (the label itself stays, USR2 matches on it).
  const shown = (label: string) => (config.certfile !== null ? label.replace(/^http:/, 'https:') : label);
  for (const l of listeners) logger.log('info', `Listening at: ${shown(l.label)} (${process.pid})`);
  const type = workerType(config, input.workerClass);
  logger.log('info', `Using worker: ${type.custom ? `${type.custom} (base ${type.name})` : type.name}`);
  const reload = reloader(input, listeners, booted.logs, instruments);
  const ports = livePorts({
    ...liveConfigFor(input, hooks, listeners, booted.privileges, booted.logs),
    // Back to the boot configuration after an abandoned reload.
    activate: () => becomeArbiterConfig(config, booted.logs, instruments),
    logger,
    listeners,
    beforeExit: () => {
      instruments.close();
      pidfile.remove();
    },
    reopenLogs: booted.logs.reopen,
    metric: instruments.metric,
    promote: () => pidfile.promote(logger),
    ...(input.upgrade ? { upgrade: input.upgrade } : {}),
    ...(input.onExit ? { onExit: input.onExit } : {}),
    ...(reload ? { reload } : {}),
  });
  return runArbiter({
    ports,
    signal$: booted.signal$,
    settings: arbiterSettingsFor(config, hooks),
    ...(parent === undefined ? {} : { parent, events$: watchOldArbiter(parent) }),
  });
}

/**
 * Boot: open the logs (a log file that cannot be opened is one line on stderr), then the rest.
 *
 * The error log follows the configuration: a HUP re-applies every logging setting (as Gunicorn
 * 26.1 does).
 */
export function boot(input: BootInput): TE.TaskEither<RunicornError, Subscription> {
  const privileges = resolvePrivileges(input.config);
  const owner = E.isRight(privileges) ? privileges.right : {};
  // StatsD counts log lines by level; its client starts once the sockets are bound.
  const instruments = arbiterInstruments();
  const onLog = instruments.onLog;
  return pipe(
    TE.tryCatch(
      () => openArbiterLogs(input.config, { owner, onLog, procName: (c) => procNameOf(c, input.app) }),
      (err) => {
        const failure = isRunicornError(err)
          ? err
          : runicornError('RUNICORN_LOG_FILE', { what: 'logs', path: '', reason: String(err) });
        process.stderr.write(`runicorn: ${failure.message}\n`);
        return failure;
      },
    ),
    // A user's worker class is loaded and its checkConfig run before anything starts (Gunicorn's order).
    TE.chain((logs) =>
      pipe(
        TE.tryCatch(
          () => resolveWorkerClass(input.config, logs.logger),
          (err) => {
            const failure = isRunicornError(err)
              ? err
              : runicornError('RUNICORN_WORKER_CLASS', { spec: input.config.workerClass, reason: String(err) });
            logs.logger.log('error', failure.message);
            return failure;
          },
        ),
        TE.chain((workerClass) => bootWith({ ...input, workerClass }, logs, privileges, instruments)),
      ),
    ),
  );
}

function bootWith(
  input: BootInput,
  logs: ArbiterLogs,
  privileges: E.Either<RunicornError, Privileges>,
  instruments: ArbiterInstruments,
): TE.TaskEither<RunicornError, Subscription> {
  const { config, app } = input;
  const log = logs.logger;
  const hooks = hooksOf(config as unknown as Record<string, unknown>);
  log.log('info', `Starting runicorn ${VERSION}`);
  // Gunicorn's debug log starts with the resolved configuration.
  if (config.logLevel === 'debug') log.log('debug', `Current configuration:\n${currentConfiguration(config)}`);
  // h2 asked for where it cannot be served (Gunicorn serves HTTP/1.1 there too): said once, here.
  for (const warning of http2PlanOf(config, config.keyfile !== null && config.certfile !== null).warnings)
    log.log('warning', warning);
  process.title = `runicorn: master [${procNameOf(config, app)}]`;
  applyRawEnv(config.rawEnv, process.env);
  const signals = input.signals ?? bufferSignals();
  // A USR2 hands over listeners; the variables are removed at once, so no worker sees them.
  const inherited = E.tryCatch(() => takeUpgradeEnv(process.env, process.ppid), asBindError);
  const parent = E.isRight(inherited) ? inherited.right?.parent : undefined;
  const pidfile = pidfileOwner(config.pidfile, parent);
  const owner = E.isRight(privileges) ? privileges.right : {};
  return pipe(
    TE.fromEither(privileges),
    // HTTPS files readable and matching, and the sslContext hook tried, before a pid file, a socket or a worker.
    TE.chainFirst(() => () => checkHttps(config)),
    TE.chain(() => TE.fromEither(inherited)),
    TE.orElseFirst((err) => TE.fromIO(() => log.log('error', err.message))),
    TE.chainFirst(() =>
      TE.tryCatch(
        async () => {
          const path = pidfile.path();
          if (path) createPidfile(path, process.pid);
        },
        (err) => {
          const failure = isRunicornError(err)
            ? err
            : runicornError('RUNICORN_PIDFILE', { problem: 'write', path: pidfile.path() ?? '', reason: String(err) });
          log.log('error', failure.message);
          return failure;
        },
      ),
    ),
    // onStarting runs before the sockets are bound, and is awaited (Gunicorn's order).
    TE.chainFirst(() =>
      TE.fromTask(() =>
        runHook(hooks, 'onStarting', log, [{ pid: process.pid, config, workers: [], log: hookLog(log) }]),
      ),
    ),
    TE.chain((handed) => bindListeners(config, log, handed, owner)),
    TE.orElseFirst(() =>
      TE.fromIO(() => {
        signals.release();
        pidfile.remove();
      }),
    ),
    TE.map((listeners) => {
      instruments.start(
        config,
        log,
        listeners.map((l) => l.label),
      );
      return start(input, {
        logger: log,
        hooks,
        listeners,
        signal$: signals.signal$,
        logs,
        privileges: owner,
        parent,
        pidfile,
        instruments,
      });
    }),
  );
}
