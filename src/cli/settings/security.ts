/**
 * Security settings: limits on the request head, against oversized or abusive requests.
 *
 * @example
 * security.limitRequestFieldSize.flags // ['--limit-request-field_size', '--limit-request-field-size']
 */
import { NonNegativeInt } from '../../streams/codecs';
import { constant, plannedSecure, setting } from './setting';

const limits = plannedSecure('request limits', 'requests over the limit would reach the app');

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
};
