/**
 * Starts this process as a runicorn worker: its options come from `RUNICORN_WORKER`, its hooks
 * and stages from the config file and, for `serve()`, from the options the script passed.
 *
 * Hooks and stages are functions and cannot cross a process boundary, so a worker finds them
 * itself: `cli/worker.ts` imports the config file; a script that called `serve()` is re-run as the
 * worker (Node's cluster model) and hands over the functions it was given.
 *
 * @example
 * if (isWorkerProcess()) startWorkerProcess({ hooks: {}, stages: [requireHost] });
 */
import type { Hooks } from '../effects/hook-runner';
import { dropPrivileges } from '../effects/privileges';
import { decodeWorkerOptions, WORKER_ENV, type WorkerOptions } from '../effects/worker-options';
import { runWorker, type WorkerStages } from '../effects/worker-runtime';
import { errorLine, errorStack } from '../effects/error-text';
import { isRunicornError } from '../streams/errors';
import { ExitCode } from '../streams/exit-codes';
import { loadConfigFile } from './config-file';
import { hooksOf } from './hooks';
import { decodeSetting } from './resolve-config';
import { settings } from './settings/index';
import type { Stages } from './settings/node';
import * as E from 'fp-ts/Either';

/**
 * What a worker runs besides its app.
 *
 * @example
 * const extras: WorkerExtras = { hooks: { postWorkerInit: (w) => w.log.info('up') }, stages: [requireHost] };
 */
export interface WorkerExtras {
  readonly hooks: Hooks;
  readonly stages: Stages | null;
}

/**
 * True in a process the arbiter started as a worker (it set `RUNICORN_WORKER`).
 *
 * @example
 * if (!isWorkerProcess()) console.log('arbiter');
 */
export const isWorkerProcess = (env: NodeJS.ProcessEnv = process.env): boolean => Boolean(env[WORKER_ENV]);

/** The hooks and stages a config file defines (none without a file). */
export async function configFileExtras(configFile: string | undefined): Promise<WorkerExtras> {
  if (!configFile) return { hooks: {}, stages: null };
  const { layer } = await loadConfigFile(configFile);
  const values = layer.values as Record<string, unknown>;
  const stages = decodeSetting(settings.stages, values.stages, 'stages', layer.source);
  if (E.isLeft(stages)) throw stages.left;
  return { hooks: hooksOf(values), stages: stages.right };
}

/** Not started by an arbiter (`RUNICORN_NOT_A_WORKER`): one line, no stack, exit 3. */
function notAWorker(err: unknown): never {
  if (!isRunicornError(err)) throw err;
  process.stderr.write(`runicorn: ${err.message}\n`);
  process.exit(err.exitCode);
}

/**
 * Run the worker; `given` (from `serve()`) wins over the config file, hook by hook.
 *
 * Never resolves: the worker serves until it exits the process itself. A boot failure a user
 * caused (a config file that no longer loads, bad `stages`) is one line; anything else, a stack.
 */
export function startWorkerProcess(given: Partial<WorkerExtras> = {}): Promise<never> {
  let options: WorkerOptions;
  try {
    options = decodeWorkerOptions(process.env[WORKER_ENV]);
  } catch (err) {
    return notAWorker(err);
  }
  delete process.env[WORKER_ENV];
  process.title = `runicorn: worker [${options.procName}]`;
  try {
    // First of all, before the config file or the app is read.
    if (options.privileges) dropPrivileges(options.privileges);
  } catch (err) {
    process.stderr.write(`runicorn worker ${process.pid}: cannot switch user: ${errorLine(err)}\n`);
    process.exit(ExitCode.WorkerBootError);
  }
  return configFileExtras(options.configFile)
    .then((file) => {
      const stages = given.stages ?? file.stages;
      // Users write stages over the structural `Exchange`; in a worker they see Node's own
      // request and response, which is what the runtime's type says.
      return runWorker(options, {
        hooks: { ...file.hooks, ...given.hooks },
        ...(stages ? { stages: stages as unknown as WorkerStages } : {}),
      });
    })
    .catch((err: unknown) => {
      process.stderr.write(
        `runicorn worker ${process.pid}: boot failed: ${isRunicornError(err) ? err.message : errorStack(err)}\n`,
      );
      process.exit(ExitCode.WorkerBootError);
    })
    .then(() => new Promise<never>(() => undefined));
}
