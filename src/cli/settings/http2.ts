/**
 * HTTP/2 settings: which protocols to offer, and the HTTP/2 SETTINGS frame values.
 *
 * @example
 * http2.httpProtocols.codec.decode('h2,h1') // right(['h2', 'h1'])
 */
import { HttpProtocols, IntRange, NonNegativeInt, OneOfAliased, PositiveInt } from '../../streams/codecs';
import { constant, setting, supported } from './setting';

export const http2 = {
  httpProtocols: setting({
    name: 'httpProtocols',
    gunicorn: 'http_protocols',
    flags: ['--http-protocols'],
    metavar: 'STRING',
    arity: 'value',
    codec: HttpProtocols,
    default: constant(['h1']),
    section: 'HTTP/2',
    support: supported,
    doc:
      'The HTTP protocols to offer, in order of preference: h1, h2, h3, comma-separated.\n\n'
      + 'h2 is negotiated with ALPN over TLS (HTTP/1.1 on the same port while h1 is listed), or in cleartext with '
      + '--http2-cleartext; h3 is accepted and does nothing, as in Gunicorn (with a warning). Express and apps that export their '
      + 'own server are refused with h2 (see docs/tls.md).',
  }),
  http2Cleartext: setting({
    name: 'http2Cleartext',
    gunicorn: 'http2_cleartext',
    flags: ['--http2-cleartext'],
    metavar: 'STRING',
    arity: 'value',
    codec: OneOfAliased(['off', 'prior-knowledge', 'upgrade', 'both'] as const, {
      true: 'prior-knowledge',
      false: 'off',
    }),
    default: constant('off'),
    section: 'HTTP/2',
    support: supported,
    doc:
      'HTTP/2 without TLS (h2c): off, prior-knowledge, upgrade or both (true means prior-knowledge).\n\n'
      + 'Only for peers in --forwarded-allow-ips, only without TLS, and only with h2 in --http-protocols. Each '
      + 'connection is sniffed for the h2 preface, so HTTP/1.1 keeps working on the same port; upgrade is not '
      + 'implemented (as in Gunicorn).',
  }),
  http2MaxConcurrentStreams: setting({
    name: 'http2MaxConcurrentStreams',
    gunicorn: 'http2_max_concurrent_streams',
    flags: ['--http2-max-concurrent-streams'],
    metavar: 'INT',
    arity: 'value',
    codec: PositiveInt,
    default: constant(100),
    section: 'HTTP/2',
    support: supported,
    doc: 'The most streams a client may have open on one connection (SETTINGS_MAX_CONCURRENT_STREAMS).',
  }),
  http2InitialWindowSize: setting({
    name: 'http2InitialWindowSize',
    gunicorn: 'http2_initial_window_size',
    flags: ['--http2-initial-window-size'],
    metavar: 'INT',
    arity: 'value',
    codec: IntRange(0, 2 ** 31 - 1),
    default: constant(65535),
    section: 'HTTP/2',
    support: supported,
    doc: 'The initial flow-control window, in bytes (SETTINGS_INITIAL_WINDOW_SIZE).',
  }),
  http2MaxFrameSize: setting({
    name: 'http2MaxFrameSize',
    gunicorn: 'http2_max_frame_size',
    flags: ['--http2-max-frame-size'],
    metavar: 'INT',
    arity: 'value',
    codec: IntRange(16384, 16777215),
    default: constant(16384),
    section: 'HTTP/2',
    support: supported,
    doc: 'The largest frame payload accepted, in bytes (SETTINGS_MAX_FRAME_SIZE, 16384 to 16777215).',
  }),
  http2MaxHeaderListSize: setting({
    name: 'http2MaxHeaderListSize',
    gunicorn: 'http2_max_header_list_size',
    flags: ['--http2-max-header-list-size'],
    metavar: 'INT',
    arity: 'value',
    codec: NonNegativeInt,
    default: constant(65536),
    section: 'HTTP/2',
    support: supported,
    doc: 'The largest header list accepted, in bytes (SETTINGS_MAX_HEADER_LIST_SIZE); 0 means unlimited.',
  }),
};
