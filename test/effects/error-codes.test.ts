// The effects that can fail because of a user's setting say so with a stable code: binding an
// address (RUNICORN_BIND) and writing the pid file (RUNICORN_PIDFILE).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bindAll, closeListeners } from '../../src/effects/listeners';
import { createPidfile, removePidfile } from '../../src/effects/pidfile';
import { isRunicornError } from '../../src/streams/errors';
import { ExitCode } from '../../src/streams/exit-codes';

const rejected = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => assert.fail('expected a failure'),
    (err: unknown) => err,
  );

test('an address in use, a missing fd, a file in the way: RUNICORN_BIND, exit 1, one line', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => blocker.close());
  const { port } = blocker.address() as net.AddressInfo;
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-bind-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'plain-file'), 'not a socket');
  const cases = [
    [
      { kind: 'tcp', host: '127.0.0.1', port },
      `cannot listen at 127.0.0.1:${port}: the address is already in use (EADDRINUSE)`,
    ],
    [{ kind: 'fd', fd: 97 }, 'cannot listen at fd://97: no such file descriptor'],
    [
      { kind: 'unix', path: join(dir, 'plain-file') },
      `cannot listen at unix:${join(dir, 'plain-file')}: a file that is not a socket is in the way`,
    ],
  ] as const;
  for (const [address, message] of cases) {
    const err = await rejected(bindAll([address]));
    assert.ok(isRunicornError(err, 'RUNICORN_BIND'), String(err));
    assert.equal(err.message, message);
    assert.equal(err.exitCode, ExitCode.Config);
  }
  const ok = await bindAll([{ kind: 'tcp', host: '127.0.0.1', port: 0 }]);
  closeListeners(ok);
});

test('a pid file owned by a live process, or one that cannot be written: RUNICORN_PIDFILE, exit 1', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-pid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'app.pid');
  // Our parent (the test runner) is alive and is not us.
  writeFileSync(path, `${process.ppid}\n`);
  assert.throws(
    () => createPidfile(path, process.pid),
    (err: unknown) => {
      assert.ok(isRunicornError(err, 'RUNICORN_PIDFILE'), String(err));
      assert.equal(err.message, `Already running on PID ${process.ppid} (or pid file '${path}' is stale)`);
      assert.equal(err.exitCode, ExitCode.Config);
      return true;
    },
  );
  const unwritable = join(dir, 'no-such-dir', 'app.pid');
  assert.throws(
    () => createPidfile(unwritable, process.pid),
    (err: unknown) => {
      assert.ok(isRunicornError(err, 'RUNICORN_PIDFILE'), String(err));
      assert.match(err.message, new RegExp(`^cannot write pid file '${unwritable}': ENOENT`));
      return true;
    },
  );
  rmSync(path);
  createPidfile(path, process.pid);
  assert.equal(readFileSync(path, 'utf8'), `${process.pid}\n`);
  removePidfile(path, process.pid);
});
