/**
 * SSL settings: serving HTTPS.
 *
 * Some of Gunicorn's are arguments of Python's `ssl.wrap_socket` with no Node counterpart; they
 * are registered so configs written for Gunicorn still validate, and documented as such.
 *
 * @example
 * ssl.certReqs.codec.decode('2') // right(2)
 */
import { Bool, FilePath, IntRange, NonEmptyString, OneOf, OrNull } from '../../streams/codecs';
import { constant, notApplicable, plannedSecure, setting } from './setting';

const tls = plannedSecure('TLS', 'it would serve plain HTTP where HTTPS was asked for');

export const ssl = {
  keyfile: setting({
    name: 'keyfile',
    gunicorn: 'keyfile',
    flags: ['--keyfile'],
    metavar: 'FILE',
    arity: 'value',
    codec: OrNull(FilePath),
    default: constant(null),
    section: 'SSL',
    support: tls,
    doc: 'The private key file (PEM); with --certfile, runicorn serves HTTPS.',
  }),
  certfile: setting({
    name: 'certfile',
    gunicorn: 'certfile',
    flags: ['--certfile'],
    metavar: 'FILE',
    arity: 'value',
    codec: OrNull(FilePath),
    default: constant(null),
    section: 'SSL',
    support: tls,
    doc: 'The certificate file (PEM), with its chain.',
  }),
  sslVersion: setting({
    name: 'sslVersion',
    gunicorn: 'ssl_version',
    flags: ['--ssl-version'],
    metavar: 'STRING',
    arity: 'value',
    codec: OneOf(['TLS', 'TLS_SERVER', 'TLS_CLIENT', 'SSLv23', 'TLSv1', 'TLSv1_1', 'TLSv1_2'] as const),
    default: constant('TLS'),
    section: 'SSL',
    support: notApplicable('Gunicorn itself ignores it (deprecated since 21.0); restrict TLS versions in sslContext'),
    doc: 'The SSL/TLS protocol version (deprecated).',
  }),
  certReqs: setting({
    name: 'certReqs',
    gunicorn: 'cert_reqs',
    flags: ['--cert-reqs'],
    metavar: 'INT',
    arity: 'value',
    codec: IntRange(0, 2),
    default: constant(0),
    section: 'SSL',
    support: tls,
    doc: 'Whether to ask for a client certificate: 0 no, 1 optional, 2 required (checked against --ca-certs).',
  }),
  caCerts: setting({
    name: 'caCerts',
    gunicorn: 'ca_certs',
    flags: ['--ca-certs'],
    metavar: 'FILE',
    arity: 'value',
    codec: OrNull(FilePath),
    default: constant(null),
    section: 'SSL',
    support: tls,
    doc: 'The CA certificates (PEM) that client certificates are checked against.',
  }),
  suppressRaggedEofs: setting({
    name: 'suppressRaggedEofs',
    gunicorn: 'suppress_ragged_eofs',
    flags: ['--suppress-ragged-eofs'],
    arity: 'switch',
    codec: Bool,
    default: constant(true),
    section: 'SSL',
    support: notApplicable("an argument of Python's ssl.wrap_socket; Node's TLS sockets have no such switch"),
    doc: 'Treat a TLS connection closed without close_notify as a normal end of data.',
  }),
  doHandshakeOnConnect: setting({
    name: 'doHandshakeOnConnect',
    gunicorn: 'do_handshake_on_connect',
    flags: ['--do-handshake-on-connect'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'SSL',
    support: notApplicable("Node's TLS server always completes the handshake before it hands over a connection"),
    doc: 'Complete the TLS handshake as soon as a connection is accepted.',
  }),
  ciphers: setting({
    name: 'ciphers',
    gunicorn: 'ciphers',
    flags: ['--ciphers'],
    metavar: 'STRING',
    arity: 'value',
    codec: OrNull(NonEmptyString),
    default: constant(null),
    section: 'SSL',
    support: tls,
    doc: "The OpenSSL cipher list, e.g. ECDHE+AESGCM:!aNULL; null keeps Node's default.",
  }),
};
