/**
 * Certificates for TLS tests, made with `openssl` in the test's temp dir.
 *
 * @example
 * serverPair(dir, 'one'); // dir/one.key and dir/one.crt, valid for localhost and 127.0.0.1
 */
import { execFileSync } from 'node:child_process';

/** A self-signed server certificate (`NAME.crt`) and its key (`NAME.key`) for localhost and 127.0.0.1. */
export function serverPair(dir: string, name: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
}
