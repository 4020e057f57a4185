/**
 * `-u/--user` and `-g/--group` through the real CLI: the arbiter binds as root, the workers run
 * as the user and serve. (The tests run as root, as CI does; elsewhere they are skipped with the
 * reason.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fixture, get, runicorn, until } from '../support/cli';

const root = process.getuid?.() === 0;
const nobody = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
const skip = root ? false : 'switching users needs root (CI runs as root)';

const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

test('-u nobody: the workers run as nobody and serve; the arbiter keeps its own user', { skip }, async (t) => {
  const r = runicorn(t, ['-u', 'nobody', '-w', '2', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  const seen = new Set<number>();
  await until(
    port,
    '/',
    (reply) => {
      if (reply.status === 200) seen.add(Number(reply.body));
      return seen.size === 2;
    },
    5000,
  );
  for (const pid of seen) assert.equal(uidOf(pid), nobody, `worker ${pid} runs as nobody`);
  assert.equal(uidOf(r.pid), 0, 'the arbiter stays root (it bound the sockets, it writes the pid file)');
  assert.equal((await get(port, '/')).status, 200);
});
