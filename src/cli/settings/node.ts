/**
 * runicorn's own settings, for what Node needs and Gunicorn has no word for.
 *
 * @example
 * node.appKind.default({}) // { value: 'auto' }
 */
import * as t from 'io-ts';
import type { Codec } from '../../streams/codecs';
import { OneOf, StringArray } from '../../streams/codecs';
import type { Stage } from '../../streams/pipeline/stage';
import { constant, setting, supported } from './setting';

/**
 * The worker a `stages` function is given: the same object worker hooks get.
 *
 * @example
 * const stages = (worker: StageWorker) => [logRequests(worker.log)];
 */
export interface StageWorker {
  readonly pid: number;
  /** The arbiter's number for this worker (Gunicorn's `age`). */
  readonly age: number;
  readonly log: Readonly<Record<'debug' | 'info' | 'warning' | 'error' | 'critical', (message: string) => void>>;
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * The `stages` setting's value: stages, or a function (maybe async) of the worker returning them.
 *
 * @example
 * const stages: Stages = (worker) => [requireHost];
 */
export type Stages =
  | ReadonlyArray<Stage>
  | ((worker: StageWorker) => ReadonlyArray<Stage> | Promise<ReadonlyArray<Stage>>);

/**
 * Decodes `stages`. It is written here rather than in streams/codecs.ts because it is the only
 * codec whose values are functions a worker calls, and it names the offending item.
 */
export const StagesCodec: Codec<Stages | null> = Object.assign(
  new t.Type<Stages | null, unknown, unknown>(
    'Stages',
    (u): u is Stages | null =>
      u === null || typeof u === 'function' || (Array.isArray(u) && u.every((s) => typeof s === 'function')),
    (u, c) => {
      if (u === undefined || u === null) return t.success(null);
      if (typeof u === 'function') return t.success(u as Stages);
      if (!Array.isArray(u)) return t.failure(u, c, '');
      const bad = u.findIndex((s) => typeof s !== 'function');
      if (bad < 0) return t.success(u as ReadonlyArray<Stage>);
      const item: unknown = u[bad];
      return t.failure(u, c, `item ${bad + 1} is ${item === null ? 'null' : typeof item}, not a stage`);
    },
    (a) => a,
  ),
  {
    expected: 'an array of stages (rxjs operators, e.g. built with stage()) or a function of the worker returning one',
  },
);

export const node = {
  appKind: setting({
    name: 'appKind',
    flags: ['--app-kind'],
    metavar: 'KIND',
    arity: 'value',
    codec: OneOf(['auto', 'node', 'fetch'] as const),
    default: constant('auto'),
    section: 'Node',
    support: supported,
    doc: 'How to call the app: auto-detect, a Node (req, res) listener, or a Fetch handler (request) => Response.',
  }),
  nodeArg: setting({
    name: 'nodeArg',
    flags: ['--node-arg'],
    metavar: 'ARG',
    arity: 'list',
    codec: StringArray,
    default: constant([]),
    section: 'Node',
    support: supported,
    doc:
      'An argument for the node that runs each worker, repeatable: e.g. --node-arg=--import=tsx for TypeScript apps.\n\n'
      + 'Each flag passes exactly one argument, so write --node-arg=--import=tsx or --node-arg --import --node-arg tsx.',
  }),
  stages: setting({
    name: 'stages',
    flags: [],
    arity: 'value',
    codec: StagesCodec,
    default: constant(null),
    section: 'Node',
    support: supported,
    doc:
      'Request stages each worker runs before the app: rxjs operators over { req, res }, or a function of the worker returning them.\n\n'
      + 'Config file or serve() only; the function may be async. A stage passes an exchange on, enriches it, or answers it and drops it; `stage(fn)` from `runicorn` builds one from '
      + 'a plain function. Each worker imports the config file itself to find them, since functions cannot cross a process '
      + 'boundary. Test them without a socket with `inject()` from `runicorn/testing`.',
  }),
};
