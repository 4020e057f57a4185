/**
 * Worker Processes settings: how many workers, of what kind, and their time limits.
 *
 * @example
 * workerProcesses.workers.default({ WEB_CONCURRENCY: '4' }) // { value: '4', env: 'WEB_CONCURRENCY' }
 */
import { NonNegativeInt, OneOf, PositiveInt, Seconds, WorkerClassSpec } from '../../streams/codecs';
import { constant, fromEnv, notApplicable, setting, supported } from './setting';

export const workerProcesses = {
  workers: setting({
    name: 'workers',
    gunicorn: 'workers',
    flags: ['-w', '--workers'],
    metavar: 'INT',
    arity: 'value',
    codec: PositiveInt,
    default: fromEnv('WEB_CONCURRENCY', 1),
    section: 'Worker Processes',
    support: supported,
    doc: 'The number of worker processes.',
  }),
  workerClass: setting({
    name: 'workerClass',
    gunicorn: 'worker_class',
    flags: ['-k', '--worker-class'],
    metavar: 'STRING',
    arity: 'value',
    codec: WorkerClassSpec,
    default: constant('async'),
    section: 'Worker Processes',
    support: supported,
    doc:
      'The worker type: sync, gthread, async, or your own worker class (MODULE or MODULE:EXPORT).\n\n'
      + 'sync runs one request at a time and closes every connection (Connection: close); gthread runs up to '
      + '--threads at a time; async runs up to --worker-connections at a time; gthread and async keep '
      + "connections alive. sync with --threads above 1 is gthread, as in Gunicorn. Gunicorn's default is sync; "
      + "runicorn's is async, the way Node serves. A module names the built-in class it extends (its base) and may "
      + "check the configuration in the arbiter, set up each worker's servers before they listen, and set its own "
      + 'concurrency and keep-alive: see docs/worker-classes.md. '
      + "Gunicorn's gevent, eventlet, tornado and asgi classes have no Node meaning.",
  }),
  threads: setting({
    name: 'threads',
    gunicorn: 'threads',
    flags: ['--threads'],
    metavar: 'INT',
    arity: 'value',
    codec: PositiveInt,
    default: constant(1),
    section: 'Worker Processes',
    support: supported,
    doc: 'With -k gthread, the most requests a worker runs at once.',
  }),
  workerConnections: setting({
    name: 'workerConnections',
    gunicorn: 'worker_connections',
    flags: ['--worker-connections'],
    metavar: 'INT',
    arity: 'value',
    codec: PositiveInt,
    default: constant(1000),
    section: 'Worker Processes',
    support: supported,
    doc: 'With -k async, the most requests a worker runs at once; more wait their turn.',
  }),
  maxRequests: setting({
    name: 'maxRequests',
    gunicorn: 'max_requests',
    flags: ['--max-requests'],
    metavar: 'INT',
    arity: 'value',
    codec: NonNegativeInt,
    default: constant(0),
    section: 'Worker Processes',
    support: supported,
    doc: 'Restart a worker after it has served this many requests, to contain memory leaks; 0 never restarts.',
  }),
  maxRequestsJitter: setting({
    name: 'maxRequestsJitter',
    gunicorn: 'max_requests_jitter',
    flags: ['--max-requests-jitter'],
    metavar: 'INT',
    arity: 'value',
    codec: NonNegativeInt,
    default: constant(0),
    section: 'Worker Processes',
    support: supported,
    doc: "Add a random 0 to this many requests to each worker's --max-requests, so workers do not all restart at once.",
  }),
  timeout: setting({
    name: 'timeout',
    gunicorn: 'timeout',
    flags: ['-t', '--timeout'],
    metavar: 'INT',
    arity: 'value',
    codec: Seconds,
    default: constant(30),
    section: 'Worker Processes',
    support: supported,
    doc: 'Workers silent (event loop blocked) for more than this many seconds are killed and restarted; 0 disables.',
  }),
  gracefulTimeout: setting({
    name: 'gracefulTimeout',
    gunicorn: 'graceful_timeout',
    flags: ['--graceful-timeout'],
    metavar: 'INT',
    arity: 'value',
    codec: Seconds,
    default: constant(30),
    section: 'Worker Processes',
    support: supported,
    doc:
      'Seconds workers get to finish in-flight requests after TERM, before SIGKILL.\n\n'
      + 'At this deadline a worker closes the connections it still has and exits on its own; the arbiter sends '
      + 'SIGKILL to any worker still there 0.5 s later (Gunicorn kills at the deadline itself), so a worker that '
      + 'leaves cleanly at its deadline is not killed in the same instant. A reload (HUP) or --max-requests '
      + 'drains the old workers with the same deadline, which they keep themselves.',
  }),
  keepalive: setting({
    name: 'keepalive',
    gunicorn: 'keepalive',
    flags: ['--keep-alive'],
    metavar: 'INT',
    arity: 'value',
    codec: NonNegativeInt,
    default: constant(2),
    section: 'Worker Processes',
    support: supported,
    doc:
      'Seconds to wait for the next request on a keep-alive connection; 0 disables keep-alive (sync never keeps alive).\n\n'
      + 'An HTTP/2 session with no stream open this long gets a GOAWAY (with 0, --header-timeout is its idle limit).',
  }),
  asgiLoop: setting({
    name: 'asgiLoop',
    gunicorn: 'asgi_loop',
    flags: ['--asgi-loop'],
    metavar: 'STRING',
    arity: 'value',
    codec: OneOf(['auto', 'asyncio', 'uvloop'] as const),
    default: constant('auto'),
    section: 'Worker Processes',
    support: notApplicable("it picks a Python asyncio event loop; Node has exactly one, libuv's"),
    doc: 'The event loop of the asgi worker: auto, asyncio or uvloop.',
  }),
  asgiLifespan: setting({
    name: 'asgiLifespan',
    gunicorn: 'asgi_lifespan',
    flags: ['--asgi-lifespan'],
    metavar: 'STRING',
    arity: 'value',
    codec: OneOf(['auto', 'on', 'off'] as const),
    default: constant('auto'),
    section: 'Worker Processes',
    support: notApplicable(
      "it runs ASGI's startup/shutdown protocol; Node apps set up as their module loads, and can use "
        + 'the postWorkerInit and workerExit hooks',
    ),
    doc: 'Whether the asgi worker runs the ASGI lifespan protocol: auto, on or off.',
  }),
  asgiDisconnectGracePeriod: setting({
    name: 'asgiDisconnectGracePeriod',
    gunicorn: 'asgi_disconnect_grace_period',
    flags: ['--asgi-disconnect-grace-period'],
    metavar: 'INT',
    arity: 'value',
    codec: Seconds,
    default: constant(3),
    section: 'Worker Processes',
    support: notApplicable(
      "it cancels an ASGI task after the client leaves; a Node app sees the request's close event",
    ),
    doc: 'Seconds after a client disconnects before its request task is cancelled.',
  }),
  httpParser: setting({
    name: 'httpParser',
    gunicorn: 'http_parser',
    flags: ['--http-parser'],
    metavar: 'STRING',
    arity: 'value',
    codec: OneOf(['auto', 'fast', 'python'] as const),
    default: constant('auto'),
    section: 'Worker Processes',
    support: notApplicable('Node always parses HTTP with its built-in llhttp'),
    doc: 'Which HTTP parser to use: auto, fast (C) or python.',
  }),
};
