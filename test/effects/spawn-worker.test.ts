/**
 * `spawnWorker` against real child processes: a worker's stderr is held until it boots and
 * reported in `WorkerExited` if it dies first (a capped tail); once booted, it is forwarded as it
 * comes. The entry scripts are tiny stand-ins for a worker, written to a temp dir.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { lastValueFrom, toArray } from 'rxjs';
import { BOOT_OUTPUT_LIMIT, spawnWorker, type SpawnOptions } from '../../src/effects/spawn-worker';
import type { ArbiterEvent } from '../../src/streams/events';

function options(t: { after: (f: () => void) => void }, script: string, stderr: PassThrough): SpawnOptions {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runicorn-spawn-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const entry = path.join(dir, 'entry.cjs');
  fs.writeFileSync(entry, script);
  return {
    entry,
    nodeArgs: [],
    fds: [],
    maxRequests: 0,
    maxRequestsJitter: 0,
    env: process.env,
    stderr,
    worker: {
      app: 'x',
      appKind: 'auto',
      cwd: dir,
      backlog: 1,
      keepAliveMs: 0,
      workerConnections: 1,
      gracefulTimeoutMs: 1000,
      heartbeatMs: 0,
      logging: {
        errorlog: '-',
        accesslog: null,
        accessLogFormat: '%(h)s',
        logLevel: 'info',
        logFormat: 'text',
        loggerClass: 'simple',
        cwd: process.cwd(),
        syslog: null,
      },
      procName: 'test',
      configFile: undefined,
      config: {},
    } as SpawnOptions['worker'],
  };
}

const collected = (stream: PassThrough) => {
  let text = '';
  stream.setEncoding('utf8').on('data', (c: string) => (text += c));
  return () => text;
};

test('in a crash loop, a worker that dies before booting: its stderr is held, and its last 64 KiB come in WorkerExited', async (t) => {
  const target = new PassThrough();
  const written = collected(target);
  // 2000 numbered lines of 60 bytes: 120 KB, more than the limit.
  const script = `for (let i = 0; i < 2000; i++) process.stderr.write('line ' + String(i).padStart(5, '0') + ' ' + 'x'.repeat(48) + '\\n');
process.stderr.write('the end\\n', () => process.exit(1));`;
  const events = await lastValueFrom(spawnWorker(1, options(t, script, target), true).pipe(toArray()));
  const exited = events.at(-1) as Extract<ArbiterEvent, { type: 'WorkerExited' }>;
  assert.equal(exited.type, 'WorkerExited');
  assert.equal(exited.code, 1);
  assert.ok(exited.output.startsWith('[earlier output dropped]\n'), exited.output.slice(0, 80));
  assert.ok(exited.output.endsWith('line 01999 ' + 'x'.repeat(48) + '\nthe end\n'));
  assert.ok(Buffer.byteLength(exited.output) <= BOOT_OUTPUT_LIMIT + 64);
  assert.ok(!exited.output.includes('line 00000'), 'the head was dropped, not the tail');
  assert.equal(written(), '', 'nothing was printed: the step decides');
});

test('a worker that boots: what it wrote before is forwarded then, and the rest as it comes', async (t) => {
  const target = new PassThrough();
  const written = collected(target);
  const script = `process.stderr.write('before boot\\n', () => {
  process.send({ t: 'booted' }, () => process.stderr.write('after boot\\n', () => process.exit(0)));
});`;
  const events = await lastValueFrom(spawnWorker(1, options(t, script, target)).pipe(toArray()));
  assert.deepEqual(
    events.map((e) => e.type),
    ['WorkerSpawned', 'WorkerBooted', 'WorkerExited'],
  );
  const exited = events.at(-1) as Extract<ArbiterEvent, { type: 'WorkerExited' }>;
  assert.equal(exited.output, '', 'a booted worker has nothing held');
  // The pipe may deliver the last chunk just after 'exit'.
  if (!written().includes('after boot')) await new Promise((res) => target.once('data', res));
  assert.equal(written(), 'before boot\nafter boot\n');
});

test("outside a crash loop, a booting worker's stderr is written as it comes, and still reported (as shown) if it dies", async (t) => {
  const target = new PassThrough();
  const written = collected(target);
  const script = `process.stderr.write('DATABASE_URL is not set\\n', () => process.exit(1));`;
  const events = await lastValueFrom(spawnWorker(1, options(t, script, target)).pipe(toArray()));
  const exited = events.at(-1) as Extract<ArbiterEvent, { type: 'WorkerExited' }>;
  assert.equal(exited.output, 'DATABASE_URL is not set\n');
  assert.equal(exited.outputShown, true, 'the step must not show it again');
  assert.equal(written(), 'DATABASE_URL is not set\n');
});
