/**
 * Server Socket settings: where runicorn listens.
 *
 * @example
 * serverSocket.bind.flags // ['-b', '--bind']
 */
import { describeBind, type BindAddress } from '../../streams/bind-address';
import { BindList, PositiveInt } from '../../streams/codecs';
import { constant, setting, supported } from './setting';

export const serverSocket = {
  bind: setting<readonly BindAddress[]>({
    name: 'bind',
    gunicorn: 'bind',
    flags: ['-b', '--bind'],
    metavar: 'ADDRESS',
    arity: 'list',
    codec: BindList,
    show: (binds) => JSON.stringify(binds.map((b) => describeBind(b).replace(/^http:\/\//, ''))),
    default: (env) => (env.PORT ? { value: [`0.0.0.0:${env.PORT}`], env: 'PORT' } : { value: ['127.0.0.1:8000'] }),
    section: 'Server Socket',
    support: supported,
    doc: 'The socket to bind: HOST, HOST:PORT, [IPv6]:PORT, unix:PATH or fd://N; repeat for several.',
  }),
  backlog: setting({
    name: 'backlog',
    gunicorn: 'backlog',
    flags: ['--backlog'],
    metavar: 'INT',
    arity: 'value',
    codec: PositiveInt,
    default: constant(2048),
    section: 'Server Socket',
    support: supported,
    doc: 'The maximum number of pending connections (the listen() backlog).',
  }),
};
