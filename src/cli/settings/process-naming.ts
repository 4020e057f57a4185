/**
 * Process Naming settings: the titles `ps` and `top` show.
 *
 * @example
 * processNaming.procName.flags // ['-n', '--name']
 */
import { NonEmptyString, OrNull } from '../../streams/codecs';
import { constant, setting, supported } from './setting';

export const processNaming = {
  procName: setting({
    name: 'procName',
    gunicorn: 'proc_name',
    flags: ['-n', '--name'],
    metavar: 'STRING',
    arity: 'value',
    codec: OrNull(NonEmptyString),
    default: constant(null),
    section: 'Process Naming',
    support: supported,
    doc:
      'A name for the process titles: runicorn: master [NAME] and runicorn: worker [NAME].\n\n'
      + 'Without it, the titles use defaultProcName.',
  }),
  defaultProcName: setting({
    name: 'defaultProcName',
    gunicorn: 'default_proc_name',
    flags: [],
    arity: 'value',
    codec: OrNull(NonEmptyString),
    default: constant(null),
    section: 'Process Naming',
    support: supported,
    doc:
      'The name in process titles when --name is not given (config file only); null means the APP.\n\n'
      + 'Gunicorn\'s default is "gunicorn", which it replaces with the app at startup; null says the same directly.',
  }),
};
