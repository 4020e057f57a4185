/**
 * The worker process entry point, spawned by the arbiter with the listening fds at 3, 4, … and
 * its options in `RUNICORN_WORKER`.
 *
 * Hooks and stages cannot cross a process boundary, so a worker imports the config file itself
 * to find postFork, postWorkerInit, preRequest, postRequest, workerInt, workerAbort, workerExit
 * and `stages` (see `worker-process.ts`).
 *
 * @example
 * // not run by hand: the arbiter spawns `node dist/src/cli/worker.js`
 */
import { startWorkerProcess } from './worker-process';

void startWorkerProcess();
