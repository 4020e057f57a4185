// How the HTTP/2 settings come to a worker's options, as a table: TLS or not, prior knowledge, warnings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { http2PlanOf, type Http2Config, UNLIMITED_HEADER_LIST } from '../../src/streams/http2-settings';

const base: Http2Config = {
  httpProtocols: ['h1'],
  http2Cleartext: 'off',
  http2MaxConcurrentStreams: 100,
  http2InitialWindowSize: 65535,
  http2MaxFrameSize: 16384,
  http2MaxHeaderListSize: 65536,
};
const settings = { maxConcurrentStreams: 100, initialWindowSize: 65535, maxFrameSize: 16384, maxHeaderListSize: 65536 };

test('which protocols and cleartext mode each configuration serves, and what it warns about', () => {
  const rows: ReadonlyArray<[Partial<Http2Config>, boolean, unknown, RegExp[]]> = [
    [{}, false, undefined, []],
    [{}, true, undefined, []],
    [{ httpProtocols: ['h2', 'h1'] }, true, { protocols: ['h2', 'h1'], cleartext: false, settings }, []],
    [
      { httpProtocols: ['h1', 'h2', 'h3'] },
      true,
      { protocols: ['h1', 'h2'], cleartext: false, settings },
      [/h3 \(HTTP\/3 over QUIC\) is not supported; ignored$/],
    ],
    [{ httpProtocols: ['h3'] }, true, undefined, [/h3 .* not supported; ignored, serving HTTP\/1\.1$/]],
    [{ httpProtocols: ['h2'] }, true, { protocols: ['h2'], cleartext: false, settings }, []],
    [{ httpProtocols: ['h2', 'h1'] }, false, undefined, [/needs TLS .* serving HTTP\/1\.1 only/]],
    [
      { httpProtocols: ['h2', 'h1'], http2Cleartext: 'prior-knowledge' },
      false,
      { protocols: ['h2', 'h1'], cleartext: true, settings },
      [],
    ],
    [{ httpProtocols: ['h2'], http2Cleartext: 'both' }, false, { protocols: ['h2'], cleartext: true, settings }, []],
    [{ httpProtocols: ['h2'], http2Cleartext: 'upgrade' }, false, undefined, [/upgrade .* not implemented/]],
    [
      { httpProtocols: ['h2', 'h1'], http2Cleartext: 'prior-knowledge' },
      true,
      { protocols: ['h2', 'h1'], cleartext: false, settings },
      [/only without TLS; ignored/],
    ],
    [{ http2Cleartext: 'prior-knowledge' }, false, undefined, [/needs h2 in --http-protocols; ignored/]],
  ];
  for (const [config, tls, options, warnings] of rows) {
    const plan = http2PlanOf({ ...base, ...config }, tls);
    const row = JSON.stringify([config, tls]);
    assert.deepEqual(plan.options, options, row);
    assert.equal(plan.warnings.length, warnings.length, `${row}: ${plan.warnings.join(' | ')}`);
    for (const [i, re] of warnings.entries()) assert.match(plan.warnings[i] ?? '', re, row);
  }
});

test('the SETTINGS values; a header list size of 0 means unlimited', () => {
  const plan = http2PlanOf(
    {
      ...base,
      httpProtocols: ['h2'],
      http2MaxConcurrentStreams: 7,
      http2InitialWindowSize: 1,
      http2MaxFrameSize: 20000,
      http2MaxHeaderListSize: 0,
    },
    true,
  );
  assert.deepEqual(plan.options?.settings, {
    maxConcurrentStreams: 7,
    initialWindowSize: 1,
    maxFrameSize: 20000,
    maxHeaderListSize: UNLIMITED_HEADER_LIST,
  });
});
