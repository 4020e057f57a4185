/**
 * Config File settings: which file to read, and the app it may name.
 *
 * @example
 * configFile.config.flags // ['-c', '--config']
 */
import { AppUri, ConfigPath, OrNull } from '../../streams/codecs';
import { constant, setting, supported } from './setting';

export const configFile = {
  config: setting({
    name: 'config',
    gunicorn: 'config',
    flags: ['-c', '--config'],
    metavar: 'CONFIG',
    arity: 'value',
    codec: OrNull(ConfigPath),
    default: constant(null),
    section: 'Config File',
    support: supported,
    doc:
      'The config file to read: PATH or file:PATH.\n\n'
      + 'When none is named, runicorn reads ./runicorn.conf.js, ./runicorn.conf.mjs or ./runicorn.conf.cjs if one '
      + 'exists (Gunicorn: ./gunicorn.conf.py). The file exports an object, or a function (maybe async) returning one; '
      + "its keys are setting names, in camelCase or Gunicorn's snake_case. Only the command line and "
      + 'RUNICORN_CMD_ARGS can name it; the command line wins.',
  }),
  app: setting({
    name: 'app',
    gunicorn: 'wsgi_app',
    flags: [],
    arity: 'value',
    codec: OrNull(AppUri),
    default: constant(null),
    section: 'Config File',
    support: supported,
    doc: "The app to serve when no APP argument is given, e.g. 'server.mjs:app' (config file only).",
  }),
};
