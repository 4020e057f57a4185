/**
 * HTTPS in the workers: the key, certificate and CA files read and checked, the options a
 * worker's `https.Server` is made with, and the `sslContext` hook that may change them.
 *
 * Why the files are read twice: the arbiter checks them (`checkTls`) before any worker starts
 * and before a HUP replaces its workers, so a missing file, a key that does not match its
 * certificate or a broken renewed certificate is one line (exit 1 at boot, a refused reload on
 * HUP, with the old workers still serving); each worker then reads them again as it starts
 * (`secureServerOptions`), so workers started by a HUP serve the renewed certificate. The
 * `sslContext` hook is likewise tried once in the arbiter (`trySslContext`) before it runs in each
 * worker (`try-ssl-context.ts`), so a hook that throws is refused the same way.
 *
 * Cost: nothing per request. Per connection, only with `--cert-reqs 1` (a client certificate
 * that does not verify is turned away) or the PROXY protocol (what the header said is copied
 * onto the TLS socket).
 *
 * @example
 * const options = await secureServerOptions(settings, hooks.sslContext, config);
 * workerServers(fds, { ...rest, createServer: httpsServerFactory(options, settings, false) });
 */
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import tls, { type TLSSocket } from 'node:tls';
import * as E from 'fp-ts/Either';
import { isRunicornError, runicornError, type RunicornError } from '../streams/errors';
import { clientCertOptions, tlsSettingsOf, type SslConfig, type TlsSettings } from '../streams/tls-settings';
import { errorLine } from './error-text';
import type { ProxiedSocket } from './proxy-protocol';

/** What the files hold. */
interface TlsFiles {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly ca: Buffer | undefined;
}

const fileError = (setting: string, path: string, reason: string): RunicornError =>
  runicornError('RUNICORN_TLS', { problem: 'file', setting, path, reason });

/** Why a file could not be read, in a few words with the errno. */
function readReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EISDIR':
      return 'a directory, not a file (EISDIR)';
    default:
      return errorLine(err);
  }
}

function read(setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw fileError(setting, path, readReason(err));
  }
}

/** The certificates of a PEM file, each checked; throws with the file named when there is none or one is broken. */
function checkCertificates(setting: string, path: string, pem: Buffer): void {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!blocks) throw fileError(setting, path, 'no PEM certificate in it (-----BEGIN CERTIFICATE-----)');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw fileError(setting, path, `a broken certificate in it (${errorLine(err)})`);
    }
  }
}

function readFiles(settings: TlsSettings): TlsFiles {
  const key = read('--keyfile', settings.keyfile);
  const cert = read('--certfile', settings.certfile);
  const ca = settings.caCerts === null ? undefined : read('--ca-certs', settings.caCerts);
  return { key, cert, ca };
}

/** Node's TLS options for the settings and what their files hold (the default context). */
function defaultOptions(settings: TlsSettings, files: TlsFiles, ticketKeys: Buffer | undefined): https.ServerOptions {
  return {
    key: files.key,
    cert: files.cert,
    ...(files.ca ? { ca: files.ca } : {}),
    ...(settings.ciphers === null ? {} : { ciphers: settings.ciphers }),
    minVersion: settings.minVersion,
    ...clientCertOptions(settings.certReqs),
    ...(ticketKeys ? { ticketKeys } : {}),
  };
}

/**
 * Read and check everything HTTPS needs, as the arbiter does before workers start: each file
 * readable, the key a PEM private key without a passphrase, the certificate and CA files PEM
 * certificates, the key matching the certificate, the cipher list known to OpenSSL.
 *
 * @example
 * const checked = checkTls(settings);
 * if (E.isLeft(checked)) { logger.log('error', checked.left.message); process.exit(1); }
 */
export function checkTls(settings: TlsSettings): E.Either<RunicornError, void> {
  try {
    const files = readFiles(settings);
    try {
      createPrivateKey(files.key);
    } catch (err) {
      const encrypted = (err as { code?: string }).code === 'ERR_MISSING_PASSPHRASE';
      throw fileError(
        '--keyfile',
        settings.keyfile,
        encrypted
          ? 'the key has a passphrase (runicorn reads unencrypted keys; decrypt it or use sslContext)'
          : 'no PEM private key in it',
      );
    }
    checkCertificates('--certfile', settings.certfile, files.cert);
    if (files.ca && settings.caCerts !== null) checkCertificates('--ca-certs', settings.caCerts, files.ca);
    if (settings.ciphers !== null) {
      try {
        tls.createSecureContext({ ciphers: settings.ciphers });
      } catch {
        throw runicornError('RUNICORN_TLS', {
          problem: 'setting',
          setting: '--ciphers',
          value: settings.ciphers,
          reason: 'OpenSSL knows no cipher in this list',
        });
      }
    }
    try {
      tls.createSecureContext(defaultOptions(settings, files, undefined));
    } catch (err) {
      const mismatch = (err as { code?: string }).code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH';
      throw fileError(
        '--keyfile',
        settings.keyfile,
        mismatch ? `the key does not match the certificate in '${settings.certfile}'` : errorLine(err),
      );
    }
    return E.right(undefined);
  } catch (err) {
    return E.left(isRunicornError(err) ? err : fileError('--keyfile', settings.keyfile, errorLine(err)));
  }
}

/**
 * The SSL settings of a configuration checked, as the arbiter does at boot and on HUP: a half
 * pair (`--keyfile` without `--certfile`), then `checkTls`. Plain HTTP passes.
 *
 * @example
 * const checked = checkTlsConfig(config); // left: cannot serve HTTPS: --keyfile 'k.pem': no such file (ENOENT)
 */
export const checkTlsConfig = (config: SslConfig): E.Either<RunicornError, void> => {
  const settings = tlsSettingsOf(config);
  if (E.isLeft(settings)) return settings;
  return settings.right === undefined ? E.right(undefined) : checkTls(settings.right);
};

/** The `sslContext` hook as a config file defines it. */
export type SslContextHook = (
  config: Readonly<Record<string, unknown>>,
  defaultContextFactory: () => https.ServerOptions,
) => unknown;

/**
 * The `sslContext` hook failed: one line naming the hook and what it did.
 *
 * @example
 * throw sslContextError('threw: no such secret'); // cannot serve HTTPS: the sslContext hook threw: no such secret
 */
export const sslContextError = (reason: string): RunicornError =>
  runicornError('RUNICORN_TLS', { problem: 'hook', reason });

/** What the hook made, as `https.createServer` options; throws when it is neither options nor a SecureContext. */
function hookOptions(made: unknown, settings: TlsSettings): https.ServerOptions {
  if (isSecureContext(made)) return { secureContext: made, ...clientCertOptions(settings.certReqs) };
  if (made !== null && typeof made === 'object' && !Array.isArray(made)) return made as https.ServerOptions;
  const got = made === null ? 'null' : Array.isArray(made) ? 'an array' : typeof made;
  throw sslContextError(`returned ${got}, not https.createServer options or a tls.SecureContext`);
}

/**
 * The options a worker's `https.Server`s are made with: the files read now (so a worker started
 * by a HUP reads renewed ones), then the `sslContext` hook, when there is one.
 *
 * The hook's contract: `sslContext(config, defaultContextFactory)` is called once per worker, as
 * it starts; `defaultContextFactory()` returns a fresh object of runicorn's TLS options for
 * `https.createServer` (key, cert, ca, ciphers, minVersion, requestCert, rejectUnauthorized, and
 * the session ticket keys all workers share, when `ticketKeys` is given). The
 * hook returns (or resolves to) either such an options object, used as it is, or a
 * `tls.SecureContext`, served with `--cert-reqs`'s requestCert and rejectUnauthorized. Anything
 * else, or a hook that throws, is a `RUNICORN_TLS` error naming the hook. The arbiter tries the
 * hook the same way before workers start (`trySslContext`, in try-ssl-context.ts), so in a worker this fails only when
 * the hook answers differently there.
 *
 * @example
 * const options = await secureServerOptions(settings, (config, make) => ({ ...make(), minVersion: 'TLSv1.3' }), {});
 */
export async function secureServerOptions(
  settings: TlsSettings,
  hook: unknown,
  config: Readonly<Record<string, unknown>>,
  ticketKeys?: string,
): Promise<https.ServerOptions> {
  const files = readFiles(settings);
  const keys = ticketKeys === undefined ? undefined : Buffer.from(ticketKeys, 'base64');
  const make = () => defaultOptions(settings, files, keys);
  if (typeof hook !== 'function') return make();
  let made: unknown;
  try {
    made = await (hook as SslContextHook)(config, make);
  } catch (err) {
    throw sslContextError(`threw: ${errorLine(err)}`);
  }
  return hookOptions(made, settings);
}

/** What `tls.createSecureContext()` returns (Node exports no class to test with `instanceof`). */
const isSecureContext = (u: unknown): u is tls.SecureContext =>
  u !== null
  && typeof u === 'object'
  && u.constructor?.name === 'SecureContext'
  && typeof (u as { context?: unknown }).context === 'object';

/** `--cert-reqs 1`: a client may send no certificate, but one it sends must verify (Python's CERT_OPTIONAL). */
function refuseUnverified(socket: TLSSocket): void {
  if (!socket.authorized && socket.getPeerX509Certificate() !== undefined) socket.destroy();
}

/** After a PROXY header, the TLS socket names the client the header named, as the raw socket does. */
function carryProxyHeader(socket: TLSSocket): void {
  const raw = (socket as TLSSocket & { _parent?: ProxiedSocket | null })._parent;
  const info = raw?.proxyProtocol;
  if (!raw || !info) return;
  const own = { enumerable: true };
  Object.defineProperties(socket, {
    proxyProtocol: { value: info, ...own },
    remoteAddress: { value: raw.remoteAddress, ...own },
    remotePort: { value: raw.remotePort, ...own },
    remoteFamily: { value: raw.remoteFamily, ...own },
  });
}

/**
 * The `createServer` of `workerServers` for HTTPS: an `https.Server` with the TLS options and
 * the HTTP layer's options. `proxied`: the PROXY protocol is on.
 *
 * @example
 * workerServers(fds, { keepAliveMs, backlog, createServer: httpsServerFactory(options, settings, false) });
 */
export function httpsServerFactory(
  options: https.ServerOptions,
  settings: Pick<TlsSettings, 'certReqs'>,
  proxied: boolean,
): (serverOptions: http.ServerOptions) => http.Server {
  return (serverOptions) => {
    // The HTTP layer's options win, except a handshake time the sslContext hook chose itself.
    const own = options.handshakeTimeout;
    const server = https.createServer({
      ...options,
      ...serverOptions,
      ...(own === undefined ? {} : { handshakeTimeout: own }),
    });
    secureServerChecks(server, options, settings, proxied);
    return server as unknown as http.Server;
  };
}

/**
 * What every TLS server of a worker does on each new TLS connection (an `https.Server` or an
 * HTTP/2 one): the PROXY header's client carried onto the TLS socket, and `--cert-reqs 1`'s
 * unverified certificates turned away.
 *
 * @example
 * secureServerChecks(http2.createSecureServer(options), options, settings, false);
 */
export function secureServerChecks(
  server: tls.Server,
  options: tls.TlsOptions,
  settings: Pick<TlsSettings, 'certReqs'>,
  proxied: boolean,
): void {
  if (proxied) server.prependListener('secureConnection', carryProxyHeader);
  if (settings.certReqs === 1 && options.rejectUnauthorized === false)
    server.prependListener('secureConnection', refuseUnverified);
}
