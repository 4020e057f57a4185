// --umask (default 0, as Gunicorn): the arbiter sets it before binding, so a unix socket gets
// mode 0777 & ~umask. With the default, a client running as another user (nobody, as nginx
// would) connects and gets 200; with --umask 0o077 the socket is 0700 and that client gets EACCES.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, runicorn } from '../support/cli';

const NOT_ROOT = process.getuid?.() !== 0 && 'switching to the user nobody needs root';

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
}

/** GET / on the unix socket `path` from a node process running as nobody: "200" or the error code. */
function getAsNobody(path: string, cwd: string): Promise<string> {
  const script =
    `require('http').get({socketPath:${JSON.stringify(path)},path:'/',agent:false},`
    + `(r)=>{r.resume();process.stdout.write(String(r.statusCode))}).on('error',(e)=>process.stdout.write(e.code))`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      uid: idOf('-u'),
      gid: idOf('-g'),
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}

/** A temp dir nobody can traverse (mkdtemp makes it 0700), so only the socket's own mode decides. */
function socketDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-umask-'));
  chmodSync(dir, 0o755);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('default umask 0: the unix socket is 0777 and a client running as nobody gets 200', {
  skip: NOT_ROOT,
}, async (t) => {
  const dir = socketDir(t);
  const sock = join(dir, 'app.sock');
  const r = runicorn(t, ['-b', `unix:${sock}`, fixture('app.mjs')]);
  await r.waitFor(/Booting worker with pid/);
  assert.equal(statSync(sock).mode & 0o777, 0o777);
  let reply = '';
  // The worker may still be loading the app: its connection waits in the backlog, and is served.
  for (let i = 0; i < 50 && reply !== '200'; i++) reply = await getAsNobody(sock, dir);
  assert.equal(reply, '200');
});

test('--umask 0o077: the unix socket is 0700 and a client running as nobody gets EACCES', {
  skip: NOT_ROOT,
}, async (t) => {
  const dir = socketDir(t);
  const sock = join(dir, 'app.sock');
  const r = runicorn(t, ['--umask', '0o077', '-b', `unix:${sock}`, fixture('app.mjs')]);
  await r.waitFor(/Booting worker with pid/);
  assert.equal(statSync(sock).mode & 0o777, 0o700);
  assert.equal(await getAsNobody(sock, dir), 'EACCES');
});

test('-m 007 (leading 0 is octal): the unix socket is 0770', async (t) => {
  const dir = socketDir(t);
  const sock = join(dir, 'app.sock');
  const r = runicorn(t, ['-m', '007', '-b', `unix:${sock}`, fixture('app.mjs')]);
  await r.waitFor(/Listening at: unix:/);
  assert.equal(statSync(sock).mode & 0o777, 0o770);
});

test("-u nobody -g nobody's group with --umask 0o077: the socket file belongs to them, so that user connects and gets 200", {
  skip: NOT_ROOT,
}, async (t) => {
  const dir = socketDir(t);
  const sock = join(dir, 'app.sock');
  const r = runicorn(t, [
    '-u',
    'nobody',
    '-g',
    String(idOf('-g')),
    '--umask',
    '0o077',
    '-b',
    `unix:${sock}`,
    fixture('app.mjs'),
  ]);
  await r.waitFor(/Booting worker with pid/);
  const stat = statSync(sock);
  assert.equal(stat.mode & 0o777, 0o700);
  assert.deepEqual([stat.uid, stat.gid], [idOf('-u'), idOf('-g')], 'chowned to -u/-g, as Gunicorn does');
  let reply = '';
  for (let i = 0; i < 50 && reply !== '200'; i++) reply = await getAsNobody(sock, dir);
  assert.equal(reply, '200');
});
