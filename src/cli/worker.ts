/**
 * The worker process entry point, spawned by the arbiter with the listening fds at 3, 4, … and
 * its options in `RUNICORN_WORKER`.
 *
 * @example
 * // not run by hand: the arbiter spawns `node dist/src/cli/worker.js`
 */
import { ExitCode } from '../streams/exit-codes';
import { decodeWorkerOptions, WORKER_ENV } from '../effects/worker-options';
import { runWorker } from '../effects/worker-runtime';

const options = decodeWorkerOptions(process.env[WORKER_ENV]);
delete process.env[WORKER_ENV];
process.title = 'runicorn: worker';
runWorker(options).catch((err: unknown) => {
  process.stderr.write(`runicorn worker ${process.pid}: boot failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(ExitCode.WorkerBootError);
});
