/**
 * Each worker class through the real CLI, one worker each, over real sockets: how many requests
 * it runs at once and whether it keeps connections alive; then a user's own worker class
 * (`-k ./module.mjs`): its checkConfig refusing, its init seen by the app, its base and its own
 * concurrency applied.
 *
 * Concurrency is proven by events, not by time: the app holds each `/hold?id=X` request until the
 * test releases it over a unix socket, and prints `start X inflight=N` and `end X`. A request
 * that must wait is seen arriving first (the `--log-level debug` line a worker prints as each
 * request comes in, before it may run; for sync, in the kernel's accept queue, since a busy sync
 * worker does not accept), and only then is anything released; so a worker that ran it at once
 * would print its start before any end, with one more in flight than the class allows.
 * Keep-alive is proven by a second request answered on the same connection.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { runicorn, type Running } from '../support/cli';

const BOUND = { timeout: 45_000 };

/** The app: /hold?id=X waits for its release on the control socket; / answers what init marked. */
const APP = `
import net from 'node:net';
const MARK = Symbol.for('test.worker-class.mark');
const held = new Map();
const released = new Set();
let inFlight = 0;
function release(id) {
  const finish = held.get(id);
  if (finish) { held.delete(id); finish(); } else released.add(id);
}
net.createServer((socket) => {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\\n');
    buffered = lines.pop();
    for (const id of lines) release(id);
  });
}).listen(process.env.CTL_SOCKET, () => process.stderr.write('control socket ready in ' + process.pid + '\\n'));

export default function app(req, res) {
  const url = new URL(req.url, 'http://x');
  const id = url.searchParams.get('id');
  if (url.pathname === '/hold') {
    inFlight += 1;
    process.stderr.write('start ' + id + ' inflight=' + inFlight + '\\n');
    const finish = () => {
      inFlight -= 1;
      process.stderr.write('end ' + id + '\\n');
      res.end('done ' + id);
    };
    if (released.delete(id)) finish();
    else held.set(id, finish);
    return;
  }
  res.end('mark=' + String(req.socket[MARK] ?? 'none'));
}
`;

interface Setup {
  readonly dir: string;
  readonly app: string;
  readonly env: NodeJS.ProcessEnv;
  readonly ctl: string;
}

function setup(t: TestContext, classes: Readonly<Record<string, string>> = {}): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-wclass-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = join(dir, 'app.mjs');
  writeFileSync(app, APP);
  for (const [name, text] of Object.entries(classes)) writeFileSync(join(dir, name), text);
  const ctl = join(dir, 'ctl.sock');
  return { dir, app, ctl, env: { CTL_SOCKET: ctl } };
}

/** Start runicorn with one worker; resolves once the app's control socket listens. */
async function start(
  t: TestContext,
  s: Setup,
  args: readonly string[],
): Promise<{ r: Running; port: number; release: (id: string) => void }> {
  const r = runicorn(t, ['-w', '1', '--log-level', 'debug', '-b', '127.0.0.1:0', ...args, s.app], {
    env: s.env,
    cwd: s.dir,
  });
  const port = await r.port();
  await r.waitFor(/control socket ready/);
  const control = net.connect(s.ctl);
  await new Promise<void>((resolve, reject) => control.once('connect', resolve).once('error', reject));
  t.after(() => control.destroy());
  return { r, port, release: (id) => control.write(`${id}\n`) };
}

interface Raw {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Reads HTTP/1.1 responses with a Content-Length off a socket, one `next()` at a time. */
function responses(socket: net.Socket) {
  let buffered = '';
  let ended = false;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    wake();
  });
  socket.on('end', () => {
    ended = true;
    wake();
  });
  socket.on('error', () => {
    ended = true;
    wake();
  });
  const parse = (): Raw | undefined => {
    const split = buffered.indexOf('\r\n\r\n');
    if (split < 0) return undefined;
    const [status = '', ...lines] = buffered.slice(0, split).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (buffered.length < split + 4 + length) return undefined;
    const body = buffered.slice(split + 4, split + 4 + length);
    buffered = buffered.slice(split + 4 + length);
    return { status: Number(status.split(' ')[1]), headers, body };
  };
  return {
    /** The next response, or `undefined` when the server closed the connection first. */
    next: (): Promise<Raw | undefined> =>
      new Promise((resolve) => {
        const check = () => {
          const r = parse();
          if (r || ended) resolve(r);
          else waiters.push(check);
        };
        check();
      }),
    /** Resolves once the server has closed its side. */
    closed: (): Promise<void> =>
      new Promise((resolve) => {
        const check = () => (ended ? resolve() : waiters.push(check));
        check();
      }),
  };
}

const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`;

/** One request as a browser sends it (HTTP/1.1, no `Connection` header): the server decides. */
async function fetchRaw(t: TestContext, port: number, path: string): Promise<Raw> {
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  const reader = responses(socket);
  socket.write(request(path));
  const reply = await reader.next();
  socket.destroy();
  assert.ok(reply, `an answer to ${path}`);
  return reply;
}

/**
 * Two requests, the second sent once the first is answered, on one connection: both answers when
 * the server keeps it alive; the first and `closed` when the server closes it after one.
 */
async function twoOnOneConnection(t: TestContext, port: number): Promise<{ replies: Raw[]; closed: boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  const reader = responses(socket);
  socket.write(request('/'));
  const first = await reader.next();
  assert.ok(first, 'the first request is answered');
  if (!socket.destroyed && socket.writable) socket.write(request('/'));
  const second = await reader.next();
  const closed = second === undefined;
  if (closed) await reader.closed();
  socket.destroy();
  return { replies: second ? [first, second] : [first], closed };
}

/** The accept queue of a listening IPv4 socket on 127.0.0.1 (Linux, `/proc/net/tcp`). */
function acceptQueue(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A') return Number.parseInt(f[4]?.split(':')[1] ?? '0', 16);
  }
  return -1;
}

/** Wait until a condition holds, looking again on each turn of the event loop (bounded). */
async function eventually(what: string, condition: () => boolean, turns = 5000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`never: ${what}`);
}

const lineIndex = (r: Running, re: RegExp) => r.lines.findIndex((l) => re.test(l));
const inflights = (r: Running) =>
  r.lines.map((l) => /start \S+ inflight=(\d+)/.exec(l)).flatMap((m) => (m ? [Number(m[1])] : []));

/**
 * `limit + 1` requests at once: `limit` start together; the last, seen arriving in the worker,
 * starts only once one of them ends. Returns the replies, all released.
 */
async function limitedTo(
  t: TestContext,
  started: Awaited<ReturnType<typeof start>>,
  limit: number,
  tag: string,
): Promise<void> {
  const { r, port, release } = started;
  const from = r.lines.length;
  const ids = Array.from({ length: limit + 1 }, (_, i) => `${tag}${i}`);
  const replies = ids.map((id) => fetchRaw(t, port, `/hold?id=${id}`));
  await r.waitFor(/start \S+ inflight=/, { from, nth: limit });
  // Every request has reached the worker (printed as it arrives, before it may run).
  await r.waitFor(/GET \/hold\?id=/, { from, nth: limit + 1 });
  const startedIds = () =>
    r.lines
      .slice(from)
      .map((l) => /start (\S+) inflight=/.exec(l)?.[1])
      .filter((id) => id !== undefined);
  const first = startedIds()[0] as string;
  const waiting = ids.find((id) => !startedIds().includes(id)) as string;
  assert.ok(waiting, `one of ${ids.join(', ')} waits (started: ${startedIds().join(', ')})`);
  release(first);
  await r.waitFor(new RegExp(`start ${waiting} inflight=`), { from });
  assert.ok(
    lineIndex(r, new RegExp(`^end ${first}$`)) < lineIndex(r, new RegExp(`start ${waiting} inflight=`)),
    `${waiting} started only after ${first} ended`,
  );
  for (const id of ids) release(id);
  for (const reply of await Promise.all(replies)) assert.equal(reply.status, 200);
  assert.equal(Math.max(...inflights(r)), limit, `never more than ${limit} in flight`);
}

test('-k sync: one request at a time (the next waits in the accept queue), every response closes', BOUND, async (t) => {
  const s = setup(t);
  // --keep-alive 30 is ignored: sync never keeps a connection alive.
  const started = await start(t, s, ['-k', 'sync', '--keep-alive', '30']);
  const { r, port, release } = started;
  await r.waitFor(/Using worker: sync$/);
  const a = fetchRaw(t, port, '/hold?id=a');
  await r.waitFor(/start a inflight=1/);
  const b = fetchRaw(t, port, '/hold?id=b');
  // The busy sync worker does not accept: b waits in the kernel, where another worker could take it.
  await eventually('b waits in the accept queue', () => acceptQueue(port) === 1);
  assert.equal(lineIndex(r, /start b/), -1, 'b has not started');
  release('a');
  release('b');
  const [ra, rb] = await Promise.all([a, b]);
  // The worker's stderr can reach us after its responses: wait for the lines before comparing them.
  await r.waitFor(/start b inflight=1/);
  await r.waitFor(/^end a$/);
  assert.ok(lineIndex(r, /^end a$/) < lineIndex(r, /start b inflight=1/), 'b started after a ended');
  for (const reply of [ra, rb]) assert.equal(reply.headers.connection, 'close');
  const two = await twoOnOneConnection(t, port);
  assert.equal(two.replies[0]?.headers.connection, 'close');
  assert.ok(two.closed, 'the server closed the connection after one response');
});

test('-k gthread --threads 2: two at a time, the third waits; keep-alive kept', BOUND, async (t) => {
  const started = await start(t, setup(t), ['-k', 'gthread', '--threads', '2']);
  await started.r.waitFor(/Using worker: gthread$/);
  await limitedTo(t, started, 2, 'g');
  const two = await twoOnOneConnection(t, started.port);
  assert.equal(two.closed, false);
  assert.deepEqual(
    two.replies.map((reply) => reply.headers.connection),
    ['keep-alive', 'keep-alive'],
  );
});

test('-k async: five slow requests run at once; keep-alive kept', BOUND, async (t) => {
  const { r, port, release } = await start(t, setup(t), ['-k', 'async']);
  await r.waitFor(/Using worker: async$/);
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const replies = ids.map((id) => fetchRaw(t, port, `/hold?id=${id}`));
  // All five in flight together before any is released.
  await r.waitFor(/start \S+ inflight=5/);
  for (const id of ids) release(id);
  for (const reply of await Promise.all(replies)) assert.equal(reply.status, 200);
  const two = await twoOnOneConnection(t, port);
  assert.equal(two.closed, false);
  assert.equal(two.replies[1]?.headers.connection, 'keep-alive');
});

test('--keep-alive 0: every response says Connection: close and the connection closes', BOUND, async (t) => {
  const { port } = await start(t, setup(t), ['--keep-alive', '0']);
  const two = await twoOnOneConnection(t, port);
  assert.equal(two.replies[0]?.headers.connection, 'close');
  assert.ok(two.closed);
});

test('-k sync --threads 3 is gthread (Gunicorn): three at a time, keep-alive kept', BOUND, async (t) => {
  const started = await start(t, setup(t), ['-k', 'sync', '--threads', '3']);
  await started.r.waitFor(/Using worker: gthread$/);
  await limitedTo(t, started, 3, 's');
  const two = await twoOnOneConnection(t, started.port);
  assert.equal(two.closed, false);
});

/** A user's class on sync whose init marks every connection; the app answers the mark. */
const MARKING = `
const MARK = Symbol.for('test.worker-class.mark');
export const Marking = {
  base: 'sync',
  checkConfig(config, log) {
    if (config.threads > 1) throw new Error('one thread only, got ' + config.threads);
    log.info('Marking: configuration accepted');
  },
  init({ servers, log, age }) {
    for (const server of servers) {
      if (server.listening) throw new Error('init must run before the servers listen');
      server.on('connection', (socket) => { socket[MARK] = 'marked by worker ' + age; });
    }
    log.info('Marking: init in worker ' + age);
  },
};
`;

test(
  "a user's class: checkConfig accepts, init marks the connections the app sees, its sync base closes each",
  BOUND,
  async (t) => {
    const s = setup(t, { 'marking.mjs': MARKING });
    const { r, port } = await start(t, s, ['-k', 'marking.mjs:Marking']);
    await r.waitFor(/Marking: configuration accepted/);
    await r.waitFor(/Using worker: marking\.mjs:Marking \(base sync\)$/);
    await r.waitFor(/Marking: init in worker 1/);
    const two = await twoOnOneConnection(t, port);
    assert.equal(two.replies[0]?.body, 'mark=marked by worker 1');
    assert.equal(two.replies[0]?.headers.connection, 'close');
    assert.ok(two.closed, 'closed after one response, as sync does');
  },
);

test("a user's class: its checkConfig refuses, one line and exit 1 before any worker starts", BOUND, async (t) => {
  const s = setup(t, { 'marking.mjs': MARKING });
  const r = runicorn(t, ['--threads', '4', '-k', 'marking.mjs:Marking', '-b', '127.0.0.1:0', s.app], {
    env: s.env,
    cwd: s.dir,
  });
  assert.equal((await r.exited).code, 1);
  await r.closed;
  const errors = r.lines.filter((l) => /ERROR/.test(l));
  assert.deepEqual(
    errors.map((l) => l.replace(/^.*\[ERROR\] /, '')),
    ['--worker-class marking.mjs:Marking cannot be used: its checkConfig refused: one thread only, got 4'],
  );
  assert.ok(!r.lines.some((l) => /Listening at|Booting worker/.test(l)), r.lines.join('\n'));
});

test("a user's class: its own concurrency on gthread (threads + 1 at a time) and keep-alive", BOUND, async (t) => {
  const s = setup(t, {
    'wider.cjs': `module.exports = { base: 'gthread', concurrency: (config) => config.threads + 1 };`,
  });
  const started = await start(t, s, ['-k', './wider.cjs', '--threads', '1']);
  await started.r.waitFor(/Using worker: \.\/wider\.cjs \(base gthread\)$/);
  await limitedTo(t, started, 2, 'w');
  const two = await twoOnOneConnection(t, started.port);
  assert.equal(two.closed, false);
});

test('-k with a module that does not exist: one line naming --worker-class, exit 1, no worker', BOUND, async (t) => {
  const s = setup(t);
  const r = runicorn(t, ['-k', './nope.mjs', '-b', '127.0.0.1:0', s.app], { cwd: s.dir });
  assert.equal((await r.exited).code, 1);
  await r.closed;
  assert.match(r.lines.join('\n'), /\[ERROR\] --worker-class \.\/nope\.mjs cannot be used: no such file \.\/nope\.mjs/);
  assert.ok(!r.lines.some((l) => /Booting worker|at .*\.js:\d+/.test(l)), r.lines.join('\n'));
});

test("a user's class whose init throws: the worker fails to boot (exit 3), said in one line", BOUND, async (t) => {
  const s = setup(t, { 'broken.mjs': `export default { base: 'async', init() { throw new Error('no /dev/shm'); } };` });
  const r = runicorn(t, ['-w', '1', '-k', './broken.mjs', '-b', '127.0.0.1:0', s.app], { env: s.env, cwd: s.dir });
  await r.waitFor(/--worker-class \.\/broken\.mjs cannot be used: its init\(\) failed: no \/dev\/shm/);
  assert.equal((await r.exited).code, 3);
});

test('examples/worker-class runs as its docs say: connections numbered by the class, kept alive', BOUND, async (t) => {
  const r = runicorn(t, [
    '-w',
    '1',
    '--threads',
    '2',
    '-k',
    'examples/worker-class/counting-worker.mjs',
    '-b',
    '127.0.0.1:0',
    'examples/worker-class/app.mjs',
  ]);
  const port = await r.port();
  await r.waitFor(/counting worker: up to 4 requests at once per worker/);
  await r.waitFor(/Using worker: examples\/worker-class\/counting-worker\.mjs \(base gthread\)$/);
  const two = await twoOnOneConnection(t, port);
  assert.deepEqual(
    two.replies.map((reply) => reply.body.replace(/ of worker \d+\n$/, '')),
    ['connection 1', 'connection 1'],
  );
  assert.match((await fetchRaw(t, port, '/')).body, /^connection 2 of worker \d+\n$/);
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
});

test('examples/worker-class refuses --threads 1, as its checkConfig says', BOUND, async (t) => {
  const r = runicorn(t, [
    '-k',
    'examples/worker-class/counting-worker.mjs',
    '-b',
    '127.0.0.1:0',
    'examples/worker-class/app.mjs',
  ]);
  assert.equal((await r.exited).code, 1);
  await r.closed;
  assert.match(r.lines.join('\n'), /its checkConfig refused: needs --threads 2 or more, got 1$/);
});

test("HUP runs the class's checkConfig on the new settings: refused, the running worker goes on", BOUND, async (t) => {
  const s = setup(t, { 'marking.mjs': MARKING });
  const conf = join(s.dir, 'conf.mjs');
  writeFileSync(conf, 'export default { threads: 1 };');
  const { r, port } = await start(t, s, ['-c', conf, '-k', 'marking.mjs:Marking']);
  const pid = r.workerPids()[0];
  writeFileSync(conf, 'export default { threads: 2 };');
  const mark = r.lines.length;
  r.kill('SIGHUP');
  await r.waitFor(
    /Reload failed: --worker-class marking\.mjs:Marking cannot be used: its checkConfig refused: one thread only, got 2/,
    {
      from: mark,
    },
  );
  assert.equal((await fetchRaw(t, port, '/')).body, 'mark=marked by worker 1');
  assert.deepEqual(r.workerPids(), [pid], 'no new worker');
});
