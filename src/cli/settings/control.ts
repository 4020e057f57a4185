/**
 * Control settings: the Unix socket a control client talks to (Gunicorn's `gunicornc`).
 *
 * @example
 * control.controlSocketDisable.switchValue // true: `--no-control-socket` disables it
 */
import { Bool, FileMode, FilePath, OrNull } from '../../streams/codecs';
import { constant, planned, setting } from './setting';
import { octal } from './show';

const later = planned('control socket');

export const control = {
  controlSocket: setting({
    name: 'controlSocket',
    gunicorn: 'control_socket',
    flags: ['--control-socket'],
    metavar: 'PATH',
    arity: 'value',
    codec: OrNull(FilePath),
    default: constant(null),
    section: 'Control',
    support: later,
    doc:
      'The Unix socket the control client connects to.\n\n'
      + 'null (the default) means $XDG_RUNTIME_DIR/runicorn.ctl when that directory exists, else '
      + '~/.runicorn/runicorn.ctl (Gunicorn computes the same with gunicorn.ctl). Relative paths are taken from the '
      + 'working directory.',
  }),
  controlSocketMode: setting({
    name: 'controlSocketMode',
    gunicorn: 'control_socket_mode',
    flags: ['--control-socket-mode'],
    metavar: 'INT',
    arity: 'value',
    codec: FileMode,
    show: octal,
    default: constant(0o600),
    section: 'Control',
    support: later,
    doc: 'The permissions of the control socket, e.g. 0o660 or 0660 (octal).',
  }),
  controlSocketDisable: setting({
    name: 'controlSocketDisable',
    gunicorn: 'control_socket_disable',
    flags: ['--no-control-socket'],
    arity: 'switch',
    switchValue: true,
    codec: Bool,
    default: constant(false),
    section: 'Control',
    support: later,
    doc: 'Do not start the control socket.',
  }),
};
