/**
 * `livePorts` and configuration generations: a configuration read on HUP is kept aside until the
 * step says `UseConfig`, and each worker is spawned with the configuration its `SpawnWorker`
 * names (an old worker's replacement during a reload runs the old one). The entry scripts are tiny
 * stand-ins for a worker that say which configuration started them and exit.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { lastValueFrom, toArray } from 'rxjs';
import { livePorts, type LiveConfig } from '../../src/effects/live-ports';
import type { SpawnOptions } from '../../src/effects/spawn-worker';
import { defaultSettings } from '../../src/streams/arbiter-state';
import { callHook, type Command } from '../../src/streams/commands';
import type { ArbiterEvent } from '../../src/streams/events';

/** A live configuration named `name`: its workers print `name` and exit 1; its hook records it. */
function configNamed(dir: string, name: string, seen: string[]): LiveConfig {
  const entry = path.join(dir, `${name}.cjs`);
  fs.writeFileSync(entry, `process.stderr.write('config ${name}\\n', () => process.exit(1));`);
  const spawn = {
    entry,
    nodeArgs: [],
    fds: [],
    maxRequests: 0,
    maxRequestsJitter: 0,
    env: process.env,
    stderr: new PassThrough(),
    worker: {},
  } as unknown as SpawnOptions;
  const whenReady = (arbiter: { config: unknown }) => void seen.push(`${name} hook, config ${arbiter.config}`);
  return { spawn, hooks: { whenReady }, config: name };
}

/** What the worker spawned by `ports.spawn(…)` printed before it exited. */
async function printed(life: ReturnType<ReturnType<typeof livePorts>['spawn']>): Promise<string> {
  const events = await lastValueFrom(life.pipe(toArray()));
  const exited = events.at(-1) as Extract<ArbiterEvent, { type: 'WorkerExited' }>;
  assert.equal(exited.type, 'WorkerExited');
  return exited.output;
}

test('a reloaded configuration is kept aside until UseConfig; spawns use the generation they name', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runicorn-live-ports-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const seen: string[] = [];
  const a = configNamed(dir, 'A', seen);
  const b = configNamed(dir, 'B', seen);
  const ports = livePorts({
    ...a,
    logger: { log: () => {} },
    listeners: [],
    reload: async () => ({ ...b, settings: { ...defaultSettings, workers: 3 } }),
  });
  const hook = callHook('whenReady', []) as Extract<Command, { type: 'CallHook' }>;

  const settings = await ports.reload?.(1);
  assert.equal(settings?.workers, 3);
  // Loaded, not in use: the step has not accepted it (it may be stopping, or a newer one won).
  ports.callHook(hook);
  assert.deepEqual(seen, ['A hook, config A']);
  assert.equal(await printed(ports.spawn(1, false, 0)), 'config A\n');

  ports.useConfig?.(1);
  ports.callHook(hook);
  assert.deepEqual(seen, ['A hook, config A', 'B hook, config B']);
  assert.equal(await printed(ports.spawn(2, false, 1)), 'config B\n');
  // During the reload an old worker's replacement is spawned with generation 0, whatever is in use.
  assert.equal(await printed(ports.spawn(3, false, 0)), 'config A\n');

  // The reload is abandoned: generation 0 is in use again.
  ports.useConfig?.(0);
  ports.callHook(hook);
  assert.deepEqual(seen.at(-1), 'A hook, config A');
});
