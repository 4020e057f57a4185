/**
 * Dirty Arbiters settings and their hooks: a separate pool of workers for long, blocking tasks
 * that request workers hand off.
 *
 * @example
 * dirtyArbiters.dirtyWorkers.default({}) // { value: 0 }
 */
import { DirtyAppList, HookFn, NonNegativeInt, PositiveInt, Seconds } from '../../streams/codecs';
import { constant, planned, setting } from './setting';

const later = planned('dirty arbiters');

const hook = (name: string, gunicorn: string, doc: string) =>
  setting({
    name,
    gunicorn,
    flags: [],
    arity: 'value',
    codec: HookFn,
    default: constant(null),
    section: 'Dirty Arbiter Hooks',
    support: later,
    doc,
  });

export const dirtyArbiters = {
  onDirtyStarting: hook(
    'onDirtyStarting',
    'on_dirty_starting',
    'onDirtyStarting(arbiter): in the dirty arbiter, before its signal handlers and loop start.',
  ),
  dirtyPostFork: hook(
    'dirtyPostFork',
    'dirty_post_fork',
    'dirtyPostFork(arbiter, worker): in the dirty arbiter, just after it started a dirty worker.',
  ),
  dirtyWorkerInit: hook(
    'dirtyWorkerInit',
    'dirty_worker_init',
    'dirtyWorkerInit(worker): in a dirty worker, after all its apps have initialised.',
  ),
  dirtyWorkerExit: hook(
    'dirtyWorkerExit',
    'dirty_worker_exit',
    'dirtyWorkerExit(arbiter, worker): in the dirty arbiter, when it cleans up after a dirty worker that ended.',
  ),
  dirtyApps: setting({
    name: 'dirtyApps',
    gunicorn: 'dirty_apps',
    flags: ['--dirty-app'],
    metavar: 'STRING',
    arity: 'list',
    codec: DirtyAppList,
    default: constant([]),
    section: 'Dirty Arbiters',
    support: later,
    doc: 'A dirty app to load, MODULE:EXPORT or MODULE:EXPORT:N (only N dirty workers load it); repeatable.',
  }),
  dirtyWorkers: setting({
    name: 'dirtyWorkers',
    gunicorn: 'dirty_workers',
    flags: ['--dirty-workers'],
    metavar: 'INT',
    arity: 'value',
    codec: NonNegativeInt,
    default: constant(0),
    section: 'Dirty Arbiters',
    support: later,
    doc: 'The number of dirty workers; the dirty arbiter starts only when this and --dirty-app are both given.',
  }),
  dirtyTimeout: setting({
    name: 'dirtyTimeout',
    gunicorn: 'dirty_timeout',
    flags: ['--dirty-timeout'],
    metavar: 'INT',
    arity: 'value',
    codec: Seconds,
    default: constant(300),
    section: 'Dirty Arbiters',
    support: later,
    doc: 'Seconds a dirty task may run, and a dirty worker may stay silent, before it is killed; 0 disables.',
  }),
  dirtyThreads: setting({
    name: 'dirtyThreads',
    gunicorn: 'dirty_threads',
    flags: ['--dirty-threads'],
    metavar: 'INT',
    arity: 'value',
    codec: PositiveInt,
    default: constant(1),
    section: 'Dirty Arbiters',
    support: later,
    doc: 'How many tasks each dirty worker runs at once.',
  }),
  dirtyGracefulTimeout: setting({
    name: 'dirtyGracefulTimeout',
    gunicorn: 'dirty_graceful_timeout',
    flags: ['--dirty-graceful-timeout'],
    metavar: 'INT',
    arity: 'value',
    codec: Seconds,
    default: constant(30),
    section: 'Dirty Arbiters',
    support: later,
    doc: 'Seconds dirty workers get to finish after TERM, before SIGKILL.',
  }),
};
