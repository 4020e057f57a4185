/**
 * Security settings: limits on the request head and on slow clients, against oversized or
 * abusive requests.
 *
 * @example
 * security.limitRequestFieldSize.flags // ['--limit-request-field_size', '--limit-request-field-size']
 */
import { NonNegativeInt, Seconds } from '../../streams/codecs';
import { constant, setting, supported } from './setting';

const limits = supported;

export const security = {
  limitRequestLine: setting({
    name: 'limitRequestLine',
    gunicorn: 'limit_request_line',
    flags: ['--limit-request-line'],
    metavar: 'INT',
    arity: 'value',
    codec: NonNegativeInt,
    default: constant(4094),
    section: 'Security',
    support: limits,
    doc:
      'The longest request line (method, URI, version) accepted, in bytes; 0 means no limit.\n\n'
      + 'As in Gunicorn, values above 8190 count as 8190.',
  }),
  limitRequestFields: setting({
    name: 'limitRequestFields',
    gunicorn: 'limit_request_fields',
    flags: ['--limit-request-fields'],
    metavar: 'INT',
    arity: 'value',
    codec: NonNegativeInt,
    default: constant(100),
    section: 'Security',
    support: limits,
    doc: 'The most header fields a request may have; 0, or more than 32768, means 32768.',
  }),
  limitRequestFieldSize: setting({
    name: 'limitRequestFieldSize',
    gunicorn: 'limit_request_field_size',
    flags: ['--limit-request-field_size', '--limit-request-field-size'],
    metavar: 'INT',
    arity: 'value',
    codec: NonNegativeInt,
    default: constant(8190),
    section: 'Security',
    support: limits,
    doc:
      'The longest header field accepted, in bytes.\n\n'
      + "Gunicorn's docs say 0 means unlimited, but its code treats 0 as 8190; runicorn does as the code does.",
  }),
  headerTimeout: setting({
    name: 'headerTimeout',
    flags: ['--header-timeout'],
    metavar: 'SECONDS',
    arity: 'value',
    codec: Seconds,
    default: constant(10),
    section: 'Security',
    support: supported,
    doc:
      'Seconds a client has to send the whole head of a request (request line and headers); 0 means no limit.\n\n'
      + 'A runicorn setting (Node counts it from the connection or the first byte of the request). A client '
      + 'that is too slow gets 408 and its connection is closed, so slow clients (slowloris) cannot hold a '
      + "worker's connections. Node's own default is 60. Never more than --request-timeout.",
  }),
  requestTimeout: setting({
    name: 'requestTimeout',
    flags: ['--request-timeout'],
    metavar: 'SECONDS',
    arity: 'value',
    codec: Seconds,
    default: constant(60),
    section: 'Security',
    support: supported,
    doc:
      'Seconds a client has to send a whole request, head and body; 0 means no limit.\n\n'
      + "A runicorn setting. Raise it for slow uploads that do not pass through a buffering proxy. Node's own "
      + 'default is 300.',
  }),
};
