/**
 * What a worker serves HTTPS with, out of the SSL settings: the files to read, which client
 * certificates to ask for, the cipher list and the oldest TLS version.
 *
 * Pure: no file is read here (`src/effects/tls.ts` reads and checks them). A key without a
 * certificate, or a certificate without a key, is refused here rather than served as plain HTTP.
 *
 * @example
 * tlsSettingsOf({ keyfile: 'k.pem', certfile: 'c.pem', caCerts: null, certReqs: 0, ciphers: null, tlsMinVersion: 'TLSv1.2' })
 * // right({ keyfile: 'k.pem', certfile: 'c.pem', certReqs: 0, minVersion: 'TLSv1.2', … })
 */
import * as E from 'fp-ts/Either';
import { runicornError, type RunicornError } from './errors';

/** The oldest TLS version a client may use (`--tls-min-version`). */
export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

/** Serve HTTPS with these (both files named: checked by `tlsSettingsOf`). */
export interface TlsSettings {
  readonly keyfile: string;
  readonly certfile: string;
  readonly caCerts: string | null;
  /** `--cert-reqs`: 0 none, 1 optional, 2 required. */
  readonly certReqs: 0 | 1 | 2;
  readonly ciphers: string | null;
  readonly minVersion: TlsMinVersion;
}

/** The SSL settings as configured. */
export interface SslConfig {
  readonly keyfile: string | null;
  readonly certfile: string | null;
  readonly caCerts: string | null;
  readonly certReqs: number;
  readonly ciphers: string | null;
  readonly tlsMinVersion: TlsMinVersion;
  /** The config file's hook: set without the files, it would be ignored and HTTP served. */
  readonly sslContext?: unknown;
}

/**
 * The TLS settings to serve with; `right(undefined)` for plain HTTP (neither file named), `left`
 * when only one of `--keyfile` and `--certfile` is.
 *
 * @example
 * E.isLeft(tlsSettingsOf({ ...ssl, keyfile: 'k.pem', certfile: null })) // true: --keyfile needs --certfile
 */
export function tlsSettingsOf(c: SslConfig): E.Either<RunicornError, TlsSettings | undefined> {
  if (c.keyfile === null && c.certfile === null)
    return typeof c.sslContext === 'function'
      ? E.left(
          runicornError('RUNICORN_TLS', { problem: 'pair', given: 'sslContext', missing: '--keyfile and --certfile' }),
        )
      : E.right(undefined);
  if (c.certfile === null)
    return E.left(runicornError('RUNICORN_TLS', { problem: 'pair', given: '--keyfile', missing: '--certfile' }));
  if (c.keyfile === null)
    return E.left(runicornError('RUNICORN_TLS', { problem: 'pair', given: '--certfile', missing: '--keyfile' }));
  const certReqs = c.certReqs === 1 || c.certReqs === 2 ? c.certReqs : 0;
  return E.right({
    keyfile: c.keyfile,
    certfile: c.certfile,
    caCerts: c.caCerts,
    certReqs,
    ciphers: c.ciphers,
    minVersion: c.tlsMinVersion,
  });
}

/** Node's client-certificate options for `--cert-reqs`. */
export interface ClientCertOptions {
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
}

/**
 * `--cert-reqs` as Node's server options: 0 asks for nothing; 1 asks and lets a client without a
 * certificate in (one that sends a bad certificate is turned away by the worker, after the
 * handshake); 2 asks and refuses the handshake without a valid certificate.
 *
 * @example
 * clientCertOptions(2) // { requestCert: true, rejectUnauthorized: true }
 */
export const clientCertOptions = (certReqs: 0 | 1 | 2): ClientCertOptions => ({
  requestCert: certReqs > 0,
  rejectUnauthorized: certReqs === 2,
});
