/**
 * The worker process entry point, spawned by the arbiter with the listening fds at 3, 4, … and
 * its options in `RUNICORN_WORKER`.
 *
 * Hooks cannot cross a process boundary, so a worker imports the config file itself to find
 * postFork, postWorkerInit, preRequest, postRequest, workerInt, workerAbort and workerExit.
 *
 * @example
 * // not run by hand: the arbiter spawns `node dist/src/cli/worker.js`
 */
import type { Hooks } from '../effects/hook-runner';
import { decodeWorkerOptions, WORKER_ENV } from '../effects/worker-options';
import { runWorker } from '../effects/worker-runtime';
import { ExitCode } from '../streams/exit-codes';
import { loadConfigFile } from './config-file';
import { hooksOf } from './hooks';
import { errorStack } from '../effects/error-text';

async function workerHooks(configFile: string | undefined): Promise<Hooks> {
  if (!configFile) return {};
  const { layer } = await loadConfigFile(configFile);
  return hooksOf(layer.values as Record<string, unknown>);
}

const options = decodeWorkerOptions(process.env[WORKER_ENV]);
delete process.env[WORKER_ENV];
process.title = `runicorn: worker [${options.procName}]`;
workerHooks(options.configFile)
  .then((hooks) => runWorker(options, { hooks }))
  .catch((err: unknown) => {
    process.stderr.write(`runicorn worker ${process.pid}: boot failed: ${errorStack(err)}\n`);
    process.exit(ExitCode.WorkerBootError);
  });
