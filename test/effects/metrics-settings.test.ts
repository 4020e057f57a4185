// What a worker reads from the settings snapshot it is spawned with: metrics stay off unless asked
// for (a `show` that turned null into the text "null" once made every worker run Prometheus).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from 'fp-ts/Either';
import { loadConfig } from '../../src/cli/load-config';
import { configSnapshot } from '../../src/cli/show-config';
import { metricsSettingsOf } from '../../src/effects/metrics-settings';

async function snapshotOf(argv: string[]) {
  const loaded = await loadConfig(argv, {})();
  assert.ok(E.isRight(loaded));
  return configSnapshot(loaded.right.config);
}

test('no metrics flags: the worker measures nothing; settings that are null stay null in the snapshot', async () => {
  const snap = await snapshotOf(['app.mjs']);
  assert.deepEqual(metricsSettingsOf(snap), {
    statsdHost: null,
    statsdPrefix: '',
    dogstatsdTags: [],
    metricsBind: null,
  });
  for (const [name, value] of Object.entries(snap)) assert.notEqual(value, 'null', name);
});

test('--metrics-bind and --statsd-host reach the worker', async () => {
  const snap = await snapshotOf(['--metrics-bind', '127.0.0.1:9100', '--statsd-host', 'localhost:8125', 'app.mjs']);
  const m = metricsSettingsOf(snap);
  assert.deepEqual(m.metricsBind, { host: '127.0.0.1', port: 9100 });
  assert.equal(m.statsdHost, 'localhost:8125');
});
