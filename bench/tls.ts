/**
 * TLS helpers for the HTTPS and HTTP/2 benchmark modes (`bench/run.ts`): a throwaway key and
 * certificate made with `openssl` in a temp dir, and the ALPN protocol a server negotiates.
 *
 * Why ECDSA P-256: it is what certbot issues by default, and both servers and the load tool use
 * the same key, so the choice moves both sides of the ratio alike (an RSA key makes handshakes,
 * and so the close mode, slower for both).
 *
 * Why an ALPN probe: the h2 mode must measure HTTP/2. A runicorn that does not offer h2 (one
 * built before HTTP/2 landed logs that `--http-protocols` is not supported yet and serves
 * HTTP/1.1) still answers over TLS; only the negotiated protocol tells the two apart.
 *
 * @example
 * const files = makeCertificates();            // { dir, keyfile, certfile, ca }
 * await negotiatedProtocol(port, files.ca);    // 'h2', 'http/1.1' or false
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/** A key and a self-signed certificate for 127.0.0.1, in a temp dir of their own. */
export interface Certificates {
  readonly dir: string;
  readonly keyfile: string;
  readonly certfile: string;
  /** The certificate itself, to trust it in the readiness check. */
  readonly ca: Buffer;
}

/** Make a key and a certificate for 127.0.0.1 with `openssl`; throws one line if it cannot. */
export function makeCertificates(): Certificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runicorn-bench-tls-'));
  const keyfile = path.join(dir, 'key.pem');
  const certfile = path.join(dir, 'cert.pem');
  const r = spawnSync(
    'openssl',
    [
      ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2'.split(' '),
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyfile, '-out', certfile],
    ],
    { encoding: 'utf8', timeout: 15_000 },
  );
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').pop();
    throw new Error(`cannot make a TLS certificate with openssl: ${why}`);
  }
  return { dir, keyfile, certfile, ca: readFileSync(certfile) };
}

/** The protocol a TLS server on 127.0.0.1:`port` picks when offered h2 and http/1.1 (ALPN). */
export function negotiatedProtocol(port: number, ca: Buffer): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: ['h2', 'http/1.1'], timeout: 2_000 });
    socket.once('secureConnect', () => {
      const chosen = socket.alpnProtocol ?? false;
      socket.destroy();
      resolve(chosen);
    });
    socket.once('timeout', () => socket.destroy(new Error('TLS handshake timed out')));
    socket.once('error', reject);
  });
}
