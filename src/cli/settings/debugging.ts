/**
 * Debugging settings: code reloading, configuration checks.
 *
 * @example
 * debugging.printConfig.arity // 'switch'
 */
import { Bool, OneOf, StringArray } from '../../streams/codecs';
import { constant, notApplicable, planned, setting, supported } from './setting';

const reload = planned('reload');

export const debugging = {
  reload: setting({
    name: 'reload',
    gunicorn: 'reload',
    flags: ['--reload'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'Debugging',
    support: reload,
    doc:
      "Restart workers when the app's code changes; for development.\n\n"
      + 'Each worker watches the modules it loaded and the --reload-extra-file files, and exits to be replaced when '
      + 'one changes. Does not combine with --preload.',
  }),
  reloadEngine: setting({
    name: 'reloadEngine',
    gunicorn: 'reload_engine',
    flags: ['--reload-engine'],
    metavar: 'STRING',
    arity: 'value',
    codec: OneOf(['auto', 'poll', 'inotify'] as const),
    default: constant('auto'),
    section: 'Debugging',
    support: reload,
    doc: 'How --reload notices changes: auto, poll (stat the files), or inotify (file-system events).',
  }),
  reloadExtraFiles: setting({
    name: 'reloadExtraFiles',
    gunicorn: 'reload_extra_files',
    flags: ['--reload-extra-file'],
    metavar: 'FILES',
    arity: 'list',
    codec: StringArray,
    default: constant([]),
    section: 'Debugging',
    support: reload,
    doc: 'A further file for --reload to watch, repeatable; globs (*, ?, [..], **) are expanded at every check.',
  }),
  spew: setting({
    name: 'spew',
    gunicorn: 'spew',
    flags: ['--spew'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'Debugging',
    support: notApplicable(
      'it installs a Python line-by-line trace function; in Node use --node-arg=--inspect or --cpu-prof',
    ),
    doc: 'Trace every line the server executes.',
  }),
  checkConfig: setting({
    name: 'checkConfig',
    gunicorn: 'check_config',
    flags: ['--check-config'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'Debugging',
    support: supported,
    doc:
      'Check the configuration and load the app, then exit: 0 when both are fine, 1 with the reason otherwise.\n\n'
      + 'It checks what a start checks before any worker: a --worker-class module, and for HTTPS the key, '
      + 'certificate and CA files and the sslContext hook (tried once, as at start), with the same one line.',
  }),
  printConfig: setting({
    name: 'printConfig',
    gunicorn: 'print_config',
    flags: ['--print-config'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'Debugging',
    support: supported,
    doc: 'Print every resolved setting (name = value, sorted), then check like --check-config.',
  }),
};
