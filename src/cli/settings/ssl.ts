/**
 * SSL settings: serving HTTPS, terminated in the workers (see docs/tls.md).
 *
 * Some of Gunicorn's are arguments of Python's `ssl.wrap_socket` with no Node counterpart; they
 * are registered so configs written for Gunicorn still validate, and documented as such.
 * `--tls-min-version` is runicorn's, in place of Gunicorn's obsolete `--ssl-version`.
 *
 * @example
 * ssl.certReqs.codec.decode('2') // right(2)
 */
import { Bool, CertReqs, FilePath, NonEmptyString, OneOf, OrNull } from '../../streams/codecs';
import { constant, notApplicable, setting, supported } from './setting';

const tls = supported;

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
    support: notApplicable('Gunicorn itself ignores it (deprecated since 21.0); use --tls-min-version'),
    doc: 'The SSL/TLS protocol version (deprecated).',
  }),
  tlsMinVersion: setting({
    name: 'tlsMinVersion',
    flags: ['--tls-min-version'],
    metavar: 'VERSION',
    arity: 'value',
    codec: OneOf(['TLSv1.2', 'TLSv1.3'] as const),
    default: constant('TLSv1.2'),
    section: 'SSL',
    support: supported,
    doc:
      'The oldest TLS version a client may use: TLSv1.2 (the default, as Node) or TLSv1.3.\n\n'
      + "A runicorn setting, in place of Gunicorn's --ssl-version (which Gunicorn ignores since 21.0). "
      + 'Older versions are not offered: OpenSSL 3 refuses them at its default security level.',
  }),
  certReqs: setting({
    name: 'certReqs',
    gunicorn: 'cert_reqs',
    flags: ['--cert-reqs'],
    metavar: 'MODE',
    arity: 'value',
    codec: CertReqs,
    default: constant(0),
    section: 'SSL',
    support: tls,
    doc:
      'Client certificates: 0 (none) not asked for, 1 (optional) asked for and checked if sent, 2 (required).\n\n'
      + "Certificates are checked against --ca-certs (Node's bundled CAs without it). With 1, a client that sends "
      + "a certificate that does not verify is disconnected, as with Python's CERT_OPTIONAL.",
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
    support: notApplicable(
      "Node's TLS sockets always take a close without close_notify as the end of the data (Gunicorn's default, true)",
    ),
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
    support: notApplicable(
      "Node's TLS server always completes the handshake before HTTP reads a byte, in the worker, without blocking it",
    ),
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
