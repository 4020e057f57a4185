/**
 * runicorn's own settings, for what Node needs and Gunicorn has no word for.
 *
 * @example
 * node.appKind.default({}) // { value: 'auto' }
 */
import { OneOf, StringArray } from '../../streams/codecs';
import { constant, setting, supported } from './setting';

export const node = {
  appKind: setting({
    name: 'appKind', flags: ['--app-kind'], metavar: 'KIND', arity: 'value', codec: OneOf(['auto', 'node', 'fetch'] as const),
    default: constant('auto'), section: 'Node', support: supported,
    doc: 'How to call the app: auto-detect, a Node (req, res) listener, or a Fetch handler (request) => Response.',
  }),
  nodeArg: setting({
    name: 'nodeArg', flags: ['--node-arg'], metavar: 'ARG', arity: 'list', codec: StringArray, default: constant([]),
    section: 'Node', support: supported,
    doc: 'An argument for the node that runs each worker, repeatable: e.g. --node-arg=--import=tsx for TypeScript apps.\n\n'
      + 'Each flag passes exactly one argument, so write --node-arg=--import=tsx or --node-arg --import --node-arg tsx.',
  }),
};
