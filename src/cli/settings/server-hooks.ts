/**
 * Server Hooks: functions in the config file that runicorn calls at fixed moments.
 *
 * Each is config-file only (`flags: []`), defaults to none (null), and is called with objects
 * that expose what Gunicorn's do: the arbiter (pid, config, workers, log), a worker (pid, age,
 * booted, log), and the request and response for the request hooks. A hook that throws or
 * rejects is logged with its name and changes nothing else.
 *
 * @example
 * // runicorn.conf.mjs
 * export const whenReady = (arbiter) => arbiter.log.info('ready');
 */
import { HookFn } from '../../streams/codecs';
import { constant, setting, supported, type Support } from './setting';

const hook = (name: string, gunicorn: string, doc: string, support: Support = supported) =>
  setting({
    name,
    gunicorn,
    flags: [],
    arity: 'value',
    codec: HookFn,
    default: constant(null),
    section: 'Server Hooks',
    support,
    doc,
  });

export const serverHooks = {
  onStarting: hook(
    'onStarting',
    'on_starting',
    'onStarting(arbiter): in the arbiter, before the listeners are bound; awaited.',
  ),
  onReload: hook(
    'onReload',
    'on_reload',
    'onReload(arbiter): in the arbiter on HUP, after the configuration is re-read and before new workers start.',
  ),
  whenReady: hook(
    'whenReady',
    'when_ready',
    'whenReady(arbiter): in the arbiter, once the listeners are bound and before the first worker starts.',
  ),
  preFork: hook(
    'preFork',
    'pre_fork',
    'preFork(arbiter, worker): in the arbiter, just before a worker process is started.',
  ),
  postFork: hook(
    'postFork',
    'post_fork',
    'postFork(arbiter, worker): in the new worker, as it starts, before it loads the app.',
  ),
  postWorkerInit: hook(
    'postWorkerInit',
    'post_worker_init',
    'postWorkerInit(worker): in the worker, after the app is loaded and before it serves requests.',
  ),
  workerInt: hook('workerInt', 'worker_int', 'workerInt(worker): in the worker, when it gets SIGINT or SIGQUIT.'),
  workerAbort: hook(
    'workerAbort',
    'worker_abort',
    'workerAbort(worker): in the worker, when the arbiter aborts it for exceeding --timeout.',
  ),
  preExec: hook(
    'preExec',
    'pre_exec',
    'preExec(arbiter): in the arbiter, just before a new arbiter is executed on USR2.',
  ),
  preRequest: hook(
    'preRequest',
    'pre_request',
    'preRequest(worker, req): in the worker, before each request is handed to the app.',
  ),
  postRequest: hook(
    'postRequest',
    'post_request',
    'postRequest(worker, req, res): in the worker, after each response is finished.',
  ),
  childExit: hook(
    'childExit',
    'child_exit',
    'childExit(arbiter, worker): in the arbiter, after a worker process has exited.',
  ),
  workerExit: hook('workerExit', 'worker_exit', 'workerExit(arbiter, worker): in the worker, as it exits.'),
  nworkersChanged: hook(
    'nworkersChanged',
    'nworkers_changed',
    'nworkersChanged(arbiter, newValue, oldValue): in the arbiter, whenever the worker count changes '
      + '(oldValue is null the first time).',
  ),
  onExit: hook(
    'onExit',
    'on_exit',
    'onExit(arbiter): in the arbiter, after the workers have stopped, just before runicorn exits.',
  ),
  sslContext: hook(
    'sslContext',
    'ssl_context',
    'sslContext(config, defaultContextFactory): in each worker; returns the TLS options (or SecureContext) to serve with.\n\n'
      + "defaultContextFactory() gives runicorn's https.createServer options from the SSL settings (key, cert, ca, "
      + 'ciphers, minVersion, requestCert, rejectUnauthorized). Return that object changed, a new one, or a '
      + 'tls.SecureContext (then --cert-reqs still decides about client certificates); may be async.\n\n'
      + 'The arbiter also calls it once at start, at each HUP and under --check-config, as a dry run before any '
      + 'worker starts: what it returns is checked as https.createServer would and dropped. A hook that throws, '
      + 'returns anything else or does not settle within --timeout is one line: exit 1 at start, a refused reload '
      + 'on HUP (the old workers serve on). So the hook should only build the context: it runs in the arbiter '
      + 'process too (as its user, before --user applies to workers), and a timer, connection or global it leaves '
      + 'behind stays there. See docs/tls.md.',
  ),
};
