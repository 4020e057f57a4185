// The SSL settings as a worker serves with them: a half pair refused, --cert-reqs as Node's options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from 'fp-ts/Either';
import { clientCertOptions, tlsSettingsOf, type SslConfig } from '../../src/streams/tls-settings';

const none: SslConfig = {
  keyfile: null,
  certfile: null,
  caCerts: null,
  certReqs: 0,
  ciphers: null,
  tlsMinVersion: 'TLSv1.2',
};

test('plain HTTP without files; HTTPS with both; a half pair or a lone sslContext is one line', () => {
  assert.deepEqual(tlsSettingsOf(none), E.right(undefined));
  const both = tlsSettingsOf({ ...none, keyfile: 'k.pem', certfile: 'c.pem', certReqs: 2, tlsMinVersion: 'TLSv1.3' });
  assert.deepEqual(
    both,
    E.right({ keyfile: 'k.pem', certfile: 'c.pem', caCerts: null, certReqs: 2, ciphers: null, minVersion: 'TLSv1.3' }),
  );
  const rows: Array<[Partial<SslConfig>, string]> = [
    [{ keyfile: 'k.pem' }, '--keyfile needs --certfile'],
    [{ certfile: 'c.pem' }, '--certfile needs --keyfile'],
    [{ sslContext: () => ({}) }, 'sslContext needs --keyfile and --certfile'],
  ];
  for (const [given, start] of rows) {
    const got = tlsSettingsOf({ ...none, ...given });
    assert.ok(E.isLeft(got), start);
    assert.equal(got.left.code, 'RUNICORN_TLS');
    assert.ok(got.left.message.startsWith(start), got.left.message);
  }
});

test('--cert-reqs as requestCert and rejectUnauthorized', () => {
  assert.deepEqual(clientCertOptions(0), { requestCert: false, rejectUnauthorized: false });
  assert.deepEqual(clientCertOptions(1), { requestCert: true, rejectUnauthorized: false });
  assert.deepEqual(clientCertOptions(2), { requestCert: true, rejectUnauthorized: true });
});
