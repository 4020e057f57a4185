/**
 * `npm run bench`: runicorn `-w 2` serving `examples/hello.mjs` against a bare `node:http` server
 * under `node:cluster` SCHED_NONE with 2 workers (`bench/bare-cluster.cjs`), keep-alive and
 * `Connection: close`, in one run; prints the median requests/s of each, the ratio
 * runicorn/bare per mode and a verdict against the goal (≥ 0.95× in both modes). The same
 * runicorn with `--access-logfile` runs in each round too: its ratio to runicorn without an access
 * log is the access log's cost (goal ≥ 0.90×).
 *
 * Why this baseline: runicorn's workers accept straight from the kernel, as cluster SCHED_NONE
 * workers do, so the bare cluster is the ceiling for the same design with nothing on top. (PM2
 * and cluster round-robin put the master in the data path; they are slower and would flatter.)
 *
 * Why rounds and medians: on a 2-core machine the load generator competes with the servers, so a
 * single 5 s figure can move by 20 %. Each run starts the server fresh on a port the OS picks,
 * warms it up, measures, and stops it by pid; the servers alternate (bare, runicorn, bare, …) so
 * slow drift hits both alike; only the ratio of medians taken in one run is compared.
 *
 * Load: `wrk` when on PATH, else autocannon's programmatic API. Close mode sends
 * `Connection: close`; both tools then open one connection per request (checked: the server sees
 * as many connections as requests). autocannon's `reconnectRate` is not used: in 8.0 it drops
 * the response it reconnects after from the count.
 *
 * Each run also prints where the CPU went (from /proc): each worker's and the master's cores,
 * the load tool's, and "other" — busy time nobody here accounts for. Other processes on the
 * machine skew the ratio, so runs where "other" exceeds 0.25 cores are flagged as disturbed.
 *
 * HTTPS and HTTP/2 (opt-in: `--tls`, or `--protocols https,h2`): the same comparison over TLS,
 * against bare `https.createServer` workers (and runicorn `--keyfile/--certfile`), and against bare
 * `http2.createSecureServer({ allowHTTP1: true })` workers (and runicorn `--http-protocols h2,h1`)
 * loaded with h2load, keep-alive only. One key and certificate is made with `openssl` per run. The
 * h2 mode first asks runicorn over ALPN whether it speaks h2, and is skipped with one line when it
 * does not (a tree before HTTP/2 logs that `--http-protocols` is not supported yet). An h2 run
 * where one worker got nearly all of h2load's connections is measured again (`uneven`).
 *
 * Why one file of ~750 lines, over the ~300-line guideline: a script whose parts (settings,
 * servers, load, CPU accounting, report) serve only this run; it reads top to bottom.
 *
 * @example
 * npm run bench                                  # 5 rounds × 2 modes × 2 servers, 5 s each
 * npm run bench -- --duration 10 --rounds 5      # or BENCH_DURATION=10 BENCH_ROUNDS=5
 * BENCH_TOOL=autocannon npm run bench            # force autocannon even when wrk is present
 * npm run bench -- --workers 1                   # server-bound: isolates per-request cost
 * npm run bench -- --protocols https,h2          # only the TLS modes (--tls: http, https and h2)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { alive, onPath, sleep, stopServersOnExit } from './support';
import { type Certificates, makeCertificates, negotiatedProtocol } from './tls';

const ROOT = path.resolve(__dirname, '..', '..');
const HOST = '127.0.0.1';
const GOAL = 0.95;
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
/** Cores busy outside the servers and the load tool above which a run is flagged as disturbed. */
const DISTURBED_CORES = 0.25;
/** An h2 run where one worker did more than this share of the work is measured again (see `uneven`). */
const UNEVEN_SHARE = 0.85;
const UNEVEN_RETRIES = 2;

type Mode = 'keep-alive' | 'close';
/**
 * What the servers speak: `http` (the default run), `https` (TLS in the workers: bare
 * `https.createServer` workers vs runicorn `--keyfile/--certfile`), `h2` (bare
 * `http2.createSecureServer({ allowHTTP1 })` workers vs runicorn `--http-protocols h2,h1`, loaded
 * with h2load, keep-alive only: h2 has no one-request-per-connection mode worth measuring).
 */
type Protocol = 'http' | 'https' | 'h2';
const PROTOCOLS: readonly Protocol[] = ['http', 'https', 'h2'];
/** `runicorn+access`: the same runicorn with `--access-logfile` (a temp file): the access log's cost. */
type ServerName = 'bare' | 'runicorn' | 'runicorn+access';
const ACCESS_GOAL = 0.9;
const ACCESS_LOG = path.join(os.tmpdir(), `runicorn-bench-access-${process.pid}.log`);
type Tool = 'wrk' | 'autocannon';

interface Settings {
  readonly duration: number;
  readonly warmup: number;
  readonly connections: number;
  readonly rounds: number;
  readonly workers: number;
  readonly threads: number;
  readonly tool: Tool;
  readonly modes: readonly Mode[];
  readonly protocols: readonly Protocol[];
  /** Concurrent streams per h2 connection (h2load -m). */
  readonly streams: number;
  /** Exit with 1 when the goal is missed (for CI); otherwise a completed run exits 0. */
  readonly check: boolean;
}

const HELP = `Usage: npm run bench -- [--duration S] [--warmup S] [--connections N] [--rounds N]
                        [--workers N] [--threads N] [--tool wrk|autocannon] [--modes keep-alive,close]
                        [--protocols http,https,h2 | --tls] [--streams N] [--check]
Every flag has an env twin: BENCH_DURATION (5), BENCH_WARMUP (1), BENCH_CONNECTIONS (64),
BENCH_ROUNDS (5), BENCH_WORKERS (2), BENCH_THREADS (1, wrk -t and h2load -t), BENCH_TOOL (wrk if
on PATH), BENCH_MODES (keep-alive,close), BENCH_PROTOCOLS (http), BENCH_STREAMS (10, h2load -m),
BENCH_CHECK (0). --tls means --protocols http,https,h2; --protocols https,h2 runs only the TLS ones.`;

function parseSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Settings {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') {
      console.log(HELP);
      process.exit(0);
    }
    if (arg === '--check') {
      flags.check = '1';
      continue;
    }
    if (arg === '--tls') {
      flags.protocols = PROTOCOLS.join(',');
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument "${arg}"\n${HELP}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    flags[m[1] as string] = value;
  }
  const get = (name: string, fallback: string) => flags[name] ?? env[`BENCH_${name.toUpperCase()}`] ?? fallback;
  const num = (name: string, fallback: number, min: number, max: number) => {
    const n = Number(get(name, String(fallback)));
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in [${min}, ${max}]`);
    return n;
  };
  const tool = get('tool', onPath('wrk') ? 'wrk' : 'autocannon');
  if (tool !== 'wrk' && tool !== 'autocannon') throw new Error('--tool must be wrk or autocannon');
  if (tool === 'wrk' && !onPath('wrk')) throw new Error('--tool wrk: wrk is not on PATH');
  const modes = get('modes', 'keep-alive,close')
    .split(',')
    .map((s) => s.trim());
  for (const m of modes) if (m !== 'keep-alive' && m !== 'close') throw new Error(`unknown mode "${m}"`);
  const protocols = get('protocols', 'http')
    .split(',')
    .map((p) => p.trim());
  for (const p of protocols)
    if (!(PROTOCOLS as readonly string[]).includes(p))
      throw new Error(`unknown protocol "${p}" (--protocols takes ${PROTOCOLS.join(', ')})`);
  if (protocols.includes('https') && tool !== 'wrk')
    throw new Error('--protocols https needs wrk (the autocannon fallback is too slow to load a TLS server)');
  return {
    duration: Math.round(num('duration', 5, 1, 120)),
    warmup: Math.round(num('warmup', 1, 0, 30)),
    connections: Math.round(num('connections', 64, 1, 10_000)),
    rounds: Math.round(num('rounds', 5, 1, 50)),
    workers: Math.round(num('workers', 2, 1, 64)),
    threads: Math.round(num('threads', 1, 1, 64)),
    tool,
    modes: modes as Mode[],
    protocols: PROTOCOLS.filter((p) => protocols.includes(p)),
    streams: Math.round(num('streams', 10, 1, 1000)),
    check: get('check', '0') !== '0',
  };
}

// ---------------------------------------------------------------- machine and process CPU

function readOr(file: string, fallback = ''): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** utime + stime of a process, in seconds; undefined once it is gone (or off Linux). */
function cpuSeconds(pid: number): number | undefined {
  const stat = readOr(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Cumulative machine jiffies from /proc/stat: busy (steal included), steal, total. */
function machineTicks(): { busy: number; steal: number; total: number } {
  const line = readOr('/proc/stat').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), steal: v[7] ?? 0, total };
}

/**
 * CPU seconds of this process plus its reaped children. Across a measurement that is the load
 * generator: wrk is reaped when it ends, the servers only after; autocannon runs in-process.
 */
function loadToolSeconds(): number {
  const stat = readOr('/proc/self/stat');
  if (!stat) return NaN;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK;
}

function describeMachine(tool: Tool): string[] {
  const cpu = /model name\s*:\s*(.*)/.exec(readOr('/proc/cpuinfo'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  let toolVersion: string;
  if (tool === 'wrk') {
    const r = spawnSync('wrk', ['--version'], { encoding: 'utf8', timeout: 5_000 });
    toolVersion = (`${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0] ?? '').replace(/\s+Copyright.*/, '').trim();
  } else {
    const pkg = JSON.parse(readOr(require.resolve('autocannon/package.json'), '{}')) as { version?: string };
    toolVersion = `autocannon ${pkg.version ?? '?'} (programmatic, one thread)`;
  }
  return [
    `machine: ${os.availableParallelism()} cpus (nproc), ${cpu}, ${os.type()} ${os.release()}`,
    `node: ${process.version}   load: ${toolVersion}`,
  ];
}

// ---------------------------------------------------------------- servers

interface Server {
  readonly name: ServerName;
  readonly protocol: Protocol;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly workerPids: number[];
  port: number;
  exited: boolean;
  readonly exit: Promise<void>;
  /** Log lines after the server was ready (worker restarts, errors). */
  readonly after: string[];
  readonly tail: string[];
  ready: boolean;
}

const live = new Set<Server>();
/** The key and certificate of the TLS protocols, made once per run (undefined for plain HTTP). */
let certs: Certificates | undefined;

function tlsFiles(): Certificates {
  if (!certs) throw new Error('internal: TLS protocol without certificates');
  return certs;
}

function serverCommand(name: ServerName, protocol: Protocol, s: Settings): { args: string[]; env: NodeJS.ProcessEnv } {
  if (name === 'bare') {
    return {
      args: [path.join(ROOT, 'bench', 'bare-cluster.cjs'), '0', String(s.workers), protocol],
      env: {
        ...process.env,
        NODE_CLUSTER_SCHED_POLICY: 'none',
        ...(protocol === 'http' ? {} : { KEYFILE: tlsFiles().keyfile, CERTFILE: tlsFiles().certfile }),
      },
    };
  }
  return {
    args: [
      path.join(ROOT, 'dist', 'src', 'cli', 'main.js'),
      '-w',
      String(s.workers),
      '-b',
      `${HOST}:0`,
      ...(name === 'runicorn+access' ? ['--access-logfile', ACCESS_LOG] : []),
      ...(protocol === 'http' ? [] : ['--keyfile', tlsFiles().keyfile, '--certfile', tlsFiles().certfile]),
      ...(protocol === 'h2' ? ['--http-protocols', 'h2,h1'] : []),
      'examples/hello.mjs',
    ],
    env: process.env,
  };
}

/** Start a server on a port the OS picks; resolves once it said so and answered a request. */
async function startServer(name: ServerName, protocol: Protocol, s: Settings): Promise<Server> {
  const { args, env } = serverCommand(name, protocol, s);
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn`);
  let onLine: (line: string) => void = () => {};
  const server: Server = {
    name,
    protocol,
    child,
    pid: child.pid,
    workerPids: [],
    port: 0,
    exited: false,
    after: [],
    tail: [],
    ready: false,
    exit: new Promise((resolve) =>
      child.once('exit', () => {
        server.exited = true;
        live.delete(server);
        resolve();
      }),
    ),
  };
  live.add(server);
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (buffered + chunk).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
  }
  const announced = new Promise<void>((resolve, reject) => {
    onLine = (line) => {
      server.tail.push(line);
      if (server.tail.length > 20) server.tail.shift();
      if (server.ready) {
        server.after.push(line);
        return;
      }
      const listening = /Listening at: https?:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (listening) server.port = Number(listening[1]);
      const booting = /Booting worker with pid: (\d+)/.exec(line);
      if (booting) server.workerPids.push(Number(booting[1]));
      const bare = /^ready https?:\/\/127\.0\.0\.1:(\d+) .*workers=([\d,]+)/.exec(line);
      if (bare) {
        server.port = Number(bare[1]);
        server.workerPids.push(...(bare[2] as string).split(',').map(Number));
      }
      if (server.port > 0 && server.workerPids.length >= s.workers) resolve();
    };
    void server.exit.then(() =>
      reject(new Error(`${name} exited before it was ready:\n  ${server.tail.join('\n  ')}`)),
    );
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    await withTimeout(announced, START_TIMEOUT_MS, `${name}: no ready line within ${START_TIMEOUT_MS} ms`);
    for (;;) {
      if (await getOk(server.port, protocol)) break;
      if (server.exited || Date.now() > deadline)
        throw new Error(`${name}: no successful request on port ${server.port}`);
      await sleep(100);
    }
  } catch (err) {
    await stopServer(server);
    throw err;
  }
  server.ready = true;
  return server;
}

/** One GET / answered with the hello body (over HTTPS with HTTP/1.1 for https and h2). */
function getOk(port: number, protocol: Protocol): Promise<boolean> {
  return new Promise((resolve) => {
    const options = { host: HOST, port, path: '/', agent: false, timeout: 1_000 };
    const get = protocol === 'http' ? http.get : https.get;
    const req = get(protocol === 'http' ? options : { ...options, ca: tlsFiles().ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'Hello, World!\n'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** SIGTERM, then SIGKILL (the master and the workers it had) if it has not exited in time. */
async function stopServer(server: Server): Promise<void> {
  if (!server.exited) {
    try {
      process.kill(server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await Promise.race([server.exit, sleep(STOP_GRACE_MS, true)]);
  }
  const left = [server.exited ? undefined : server.pid, ...server.workerPids].filter(
    (p): p is number => p !== undefined && alive(p),
  );
  if (left.length === 0) return;
  console.error(`  ${server.name}: still running after ${STOP_GRACE_MS} ms; SIGKILL ${left.join(', ')}`);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // raced with its exit
    }
  }
  await Promise.race([server.exit, sleep(2_000, true)]);
}

// ---------------------------------------------------------------- load

interface Load {
  readonly rps: number;
  readonly requests: number;
  /** Connect/read/write errors and timeouts, as the tool counts them. */
  readonly errors: number;
  readonly non2xx: number;
}

let stopLoad: (() => void) | undefined;

function runWrk(url: string, mode: Mode, seconds: number, s: Settings): Promise<Load> {
  const args = [`-t${s.threads}`, `-c${s.connections}`, `-d${seconds}s`, '--timeout', '2s'];
  if (mode === 'close') args.push('-H', 'Connection: close');
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const kill = () => child.pid !== undefined && child.exitCode === null && child.kill('SIGKILL');
    const watchdog = setTimeout(kill, (seconds + 10) * 1000);
    stopLoad = kill;
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(watchdog);
      stopLoad = undefined;
      const rps = /Requests\/sec:\s*([\d.]+)/.exec(out);
      if (code !== 0 || !rps) return reject(new Error(`wrk failed (${code}):\n${out}`));
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      resolve({
        rps: Number(rps[1]),
        requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
        errors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
      });
    });
  });
}

interface AutocannonResult {
  requests: { total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface AutocannonInstance {
  stop(): void;
}
type Autocannon = (opts: object, cb: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

function runAutocannon(url: string, mode: Mode, seconds: number, s: Settings): Promise<Load> {
  const autocannon = require('autocannon') as Autocannon;
  return new Promise((resolve, reject) => {
    const opts = {
      url,
      connections: s.connections,
      duration: seconds,
      timeout: 2,
      // One connection per request: the server closes after each response, autocannon reconnects.
      ...(mode === 'close' ? { headers: { connection: 'close' } } : {}),
    };
    const instance = autocannon(opts, (err, r) => {
      clearTimeout(watchdog);
      stopLoad = undefined;
      if (err) return reject(err);
      resolve({
        rps: r.requests.total / r.duration,
        requests: r.requests.total,
        errors: r.errors + r.timeouts,
        non2xx: r.non2xx,
      });
    });
    const watchdog = setTimeout(() => instance.stop(), (seconds + 10) * 1000);
    stopLoad = () => instance.stop();
  });
}

/**
 * h2load over h2 (ALPN), `-c` connections with `-m` streams each, for `seconds`. Errors are its
 * errored and timed-out requests; non-2xx its 3xx, 4xx and 5xx.
 */
function runH2load(url: string, seconds: number, s: Settings): Promise<Load> {
  const args = [`-t${s.threads}`, `-c${s.connections}`, `-m${s.streams}`, `-D${seconds}`, '--npn-list=h2', url];
  return new Promise((resolve, reject) => {
    const child = spawn('h2load', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const kill = () => child.pid !== undefined && child.exitCode === null && child.kill('SIGKILL');
    const watchdog = setTimeout(kill, (seconds + 10) * 1000);
    stopLoad = kill;
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(watchdog);
      stopLoad = undefined;
      const rps = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
      const req =
        /requests: (\d+) total, \d+ started, (\d+) done, \d+ succeeded, \d+ failed, (\d+) errored, (\d+) timeout/.exec(
          out,
        );
      const status = /status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
      if (code !== 0 || !rps || !req) return reject(new Error(`h2load failed (${code}):\n${out}`));
      resolve({
        rps: Number(rps[1]),
        requests: Number(req[2]),
        errors: Number(req[3]) + Number(req[4]),
        non2xx: status ? Number(status[1]) + Number(status[2]) + Number(status[3]) : 0,
      });
    });
  });
}

const runLoad = (url: string, protocol: Protocol, mode: Mode, seconds: number, s: Settings) =>
  protocol === 'h2' ? runH2load(url, seconds, s) : (s.tool === 'wrk' ? runWrk : runAutocannon)(url, mode, seconds, s);

// ---------------------------------------------------------------- one measurement

interface Sample {
  readonly server: ServerName;
  readonly protocol: Protocol;
  readonly mode: Mode;
  readonly load: Load;
  /** CPU each worker used during the measurement, in cores (cpu-seconds per second). */
  readonly workerCores: number[];
  readonly masterCores: number;
  /** CPU of the load generator, in cores. */
  readonly loadCores: number;
  /** Busy CPU of the machine not accounted for by the servers or the load tool, in cores. */
  readonly otherCores: number;
  /** Share of the machine's time stolen by the hypervisor. */
  readonly steal: number;
  readonly logLines: string[];
}

async function measure(name: ServerName, protocol: Protocol, mode: Mode, s: Settings): Promise<Sample> {
  const server = await startServer(name, protocol, s);
  try {
    const url = `${protocol === 'http' ? 'http' : 'https'}://${HOST}:${server.port}/`;
    if (s.warmup > 0) await runLoad(url, protocol, mode, s.warmup, s);
    const pids = [server.pid, ...server.workerPids];
    const cpu0 = pids.map(cpuSeconds);
    const m0 = machineTicks();
    const l0 = loadToolSeconds();
    const t0 = process.hrtime.bigint();
    const load = await runLoad(url, protocol, mode, s.duration, s);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = pids.map(cpuSeconds);
    const m1 = machineTicks();
    const loadCores = (loadToolSeconds() - l0) / wall;
    const cores = pids.map((_, i) => ((cpu1[i] ?? NaN) - (cpu0[i] ?? NaN)) / wall);
    return {
      server: name,
      protocol,
      mode,
      load,
      masterCores: cores[0] ?? NaN,
      workerCores: cores.slice(1),
      loadCores,
      otherCores:
        (m1.busy - m1.steal - m0.busy + m0.steal) / CLK_TCK / wall
        - loadCores
        - cores.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0),
      steal: (m1.steal - m0.steal) / Math.max(1, m1.total - m0.total),
      logLines: [...server.after],
    };
  } finally {
    await stopServer(server);
  }
}

/**
 * An h2 run whose long-lived connections landed mostly on one worker. h2load opens all its
 * connections in one burst, shorter than a scheduler time slice; on a machine with fewer free
 * cores than workers, the worker that happens to be running accepts the whole burst before the
 * other is scheduled, for bare Node and runicorn alike, and the run then measures one worker.
 * Such a run says nothing about the server's cost per request, so it is measured again (the same
 * rule for both servers; the retries are printed and counted in the report).
 */
function uneven(x: Sample): boolean {
  if (x.protocol !== 'h2' || x.workerCores.length < 2) return false;
  const total = x.workerCores.reduce((a, b) => a + b, 0);
  return total > 0 && Math.max(...x.workerCores) / total > UNEVEN_SHARE;
}

// ---------------------------------------------------------------- report

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '?');
const fmt2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '?');

function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** What a row is called: the mode for plain HTTP (as before), else the protocol and the mode. */
function caseLabel(protocol: Protocol, mode: Mode): string {
  return protocol === 'http' ? mode : protocol === 'h2' ? 'h2' : `${protocol} ${mode}`;
}

function describeSample(x: Sample, round: number, s: Settings): string {
  const cores = x.workerCores.map(fmt2).join('+');
  const total = x.workerCores.reduce((a, b) => a + b, 0);
  const share = x.workerCores.map((c) => `${Math.round((100 * c) / total)}%`).join('/');
  const problems = [
    x.load.errors ? `${x.load.errors} socket errors` : '',
    x.load.non2xx ? `${x.load.non2xx} non-2xx` : '',
    x.logLines.length ? `${x.logLines.length} log lines while loaded` : '',
    x.otherCores > DISTURBED_CORES ? 'disturbed: other processes were busy' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return (
    `  ${caseLabel(x.protocol, x.mode).padEnd(x.protocol === 'http' ? 10 : 16)} round ${round}/${s.rounds}  ${x.server.padEnd(15)} ${fmt(x.load.rps).padStart(8)} req/s`
    + `   workers ${cores} cores (${share}), master ${fmt2(x.masterCores)}, load ${fmt2(x.loadCores)}, other ${fmt2(Math.max(0, x.otherCores))}`
    + (x.steal >= 0.01 ? `, steal ${Math.round(100 * x.steal)}%` : '')
    + (problems ? `   !! ${problems}` : '')
  );
}

/**
 * Whether runicorn speaks h2 with `--http-protocols h2,h1`: started once, asked over ALPN. Returns
 * undefined when it does, else the line that says why the h2 mode is skipped (the tree predates
 * HTTP/2, or runicorn refused the setting or the app).
 */
async function h2Refusal(s: Settings): Promise<string | undefined> {
  let server: Server;
  try {
    server = await startServer('runicorn', 'h2', s);
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 4).join(' | ');
    return `runicorn --http-protocols h2,h1 did not start: ${why}`;
  }
  try {
    const chosen = await negotiatedProtocol(server.port, tlsFiles().ca).catch((err: Error) => `error: ${err.message}`);
    if (chosen === 'h2') return undefined;
    const said = server.tail.find((line) => /http-?protocols|HTTP\/2/i.test(line));
    return `runicorn --http-protocols h2,h1 negotiated ${chosen === false ? 'no protocol' : chosen} over ALPN, not h2${said ? ` (it said: ${said.replace(/^\[[^\]]*\] \[\d+\] /, '')})` : ''}`;
  } finally {
    await stopServer(server);
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const s = parseSettings(process.argv.slice(2), process.env);
  if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli', 'main.js')))
    throw new Error('dist/src/cli/main.js missing: run npm run build');
  console.log(
    `runicorn -w ${s.workers} examples/hello.mjs  vs  node:cluster SCHED_NONE × ${s.workers} (bench/bare-cluster.cjs)`,
  );
  for (const line of describeMachine(s.tool)) console.log(line);
  const how =
    s.tool === 'wrk'
      ? `wrk -t${s.threads} -c${s.connections} -d${s.duration}s [-H 'Connection: close']`
      : `autocannon connections=${s.connections} duration=${s.duration}s [headers connection: close]`;
  console.log(
    `settings: ${how}; warm-up ${s.warmup}s; ${s.rounds} rounds per mode, bare then runicorn; fresh server per run, 127.0.0.1 only`,
  );

  const protocols = [...s.protocols];
  if (protocols.some((p) => p !== 'http')) {
    certs = makeCertificates();
    if (protocols.includes('https'))
      console.log(
        'tls: https = https.createServer workers vs runicorn --keyfile/--certfile; one fresh ECDSA P-256 self-signed key and certificate for both (openssl)',
      );
  }
  if (protocols.includes('h2')) {
    const skip = !onPath('h2load')
      ? 'h2load is not on PATH (Debian: apt-get install nghttp2-client)'
      : await h2Refusal(s);
    if (skip) {
      console.log(`h2: SKIPPED — ${skip}`);
      protocols.splice(protocols.indexOf('h2'), 1);
    } else {
      console.log(
        `h2: http2.createSecureServer({ allowHTTP1: true }) workers vs runicorn --http-protocols h2,h1; h2load -t${s.threads} -c${s.connections} -m${s.streams} -D${s.duration}, keep-alive only`,
      );
    }
  }
  const cases: Array<[Protocol, Mode]> = protocols.flatMap((p) =>
    p === 'h2' ? [[p, 'keep-alive'] as [Protocol, Mode]] : s.modes.map((m) => [p, m] as [Protocol, Mode]),
  );

  if (cases.length === 0) {
    console.log('nothing to measure: every protocol asked for was skipped');
    removeCertificates();
    return;
  }
  const samples: Sample[] = [];
  const retried = new Map<ServerName, number>();
  for (const [protocol, mode] of cases) {
    const servers: readonly ServerName[] =
      protocol === 'http' ? ['bare', 'runicorn', 'runicorn+access'] : ['bare', 'runicorn'];
    for (let round = 1; round <= s.rounds; round++) {
      for (const name of servers) {
        let x = await measure(name, protocol, mode, s);
        for (let retry = 0; retry < UNEVEN_RETRIES && uneven(x); retry++) {
          console.log(`${describeSample(x, round, s)}   (uneven: measured again)`);
          retried.set(name, (retried.get(name) ?? 0) + 1);
          x = await measure(name, protocol, mode, s);
        }
        samples.push(x);
        console.log(describeSample(x, round, s));
        for (const line of x.logLines.slice(0, 5)) console.log(`      ${name} log: ${line}`);
      }
    }
  }

  const width = Math.max(11, ...cases.map(([p, m]) => caseLabel(p, m).length + 1));
  console.log('');
  console.log(
    `${'mode'.padEnd(width)}${'bare median'.padStart(12)}${'runicorn median'.padStart(17)}${'ratio'.padStart(7)}   paired ratios by round`,
  );
  const ratios: Array<[Protocol, string, number]> = [];
  const accessRatios: Array<[Mode, number]> = [];
  const of = (protocol: Protocol, mode: Mode, n: ServerName) =>
    samples.filter((x) => x.protocol === protocol && x.mode === mode && x.server === n).map((x) => x.load.rps);
  for (const [protocol, mode] of cases) {
    const bare = of(protocol, mode, 'bare');
    const runi = of(protocol, mode, 'runicorn');
    const ratio = median(runi) / median(bare);
    const label = caseLabel(protocol, mode);
    ratios.push([protocol, label, ratio]);
    const paired = runi.map((r, i) => fmt2(r / (bare[i] as number))).join(' ');
    console.log(
      `${label.padEnd(width)}${fmt(median(bare)).padStart(12)}${fmt(median(runi)).padStart(17)}${fmt2(ratio).padStart(7)}   ${paired}`,
    );
  }
  const httpModes = protocols.includes('http') ? s.modes : [];
  if (httpModes.length) {
    console.log('');
    console.log(
      `${'mode'.padEnd(11)}${'log off'.padStart(12)}${'--access-logfile'.padStart(17)}${'ratio'.padStart(7)}   paired ratios by round (access log on / off)`,
    );
  }
  for (const mode of httpModes) {
    const off = of('http', mode, 'runicorn');
    const on = of('http', mode, 'runicorn+access');
    const ratio = median(on) / median(off);
    accessRatios.push([mode, ratio]);
    const paired = on.map((r, i) => fmt2(r / (off[i] as number))).join(' ');
    console.log(
      `${mode.padEnd(11)}${fmt(median(off)).padStart(12)}${fmt(median(on)).padStart(17)}${fmt2(ratio).padStart(7)}   ${paired}`,
    );
  }
  const bad = samples.filter((x) => x.load.errors || x.load.non2xx || x.logLines.length);
  if (bad.length)
    console.log(
      `note: ${bad.length} run(s) had socket errors, non-2xx responses or server log lines (marked !! above)`,
    );
  if (retried.size)
    console.log(
      `note: h2 runs measured again because one worker got more than ${Math.round(100 * UNEVEN_SHARE)}% of the connections: ${[...retried].map(([n, k]) => `${n} ${k}`).join(', ')}`,
    );
  const disturbed = samples.filter((x) => x.otherCores > DISTURBED_CORES).length;
  if (disturbed)
    console.log(
      `note: in ${disturbed} of ${samples.length} runs other processes used > ${DISTURBED_CORES} cores; rerun on a quiet machine before trusting the ratios`,
    );
  let pass = true;
  for (const protocol of protocols) {
    const mine = ratios.filter(([p]) => p === protocol);
    const ok = mine.every(([, , r]) => r >= GOAL);
    pass &&= ok;
    const list = mine.map(([, label, r]) => `${label} ${fmt2(r)}`).join(', ');
    const over = protocol === 'http' ? '' : ` over ${protocol === 'h2' ? 'HTTP/2' : 'HTTPS'}`;
    console.log(`VERDICT: ${ok ? 'PASS' : 'FAIL'} — goal runicorn/bare ≥ ${GOAL}${over} in every mode; got ${list}`);
  }
  const accessPass = accessRatios.every(([, r]) => r >= ACCESS_GOAL);
  if (accessRatios.length) {
    const accessList = accessRatios.map(([m, r]) => `${m} ${fmt2(r)}`).join(', ');
    console.log(
      `VERDICT: ${accessPass ? 'PASS' : 'FAIL'} — goal access log on/off ≥ ${ACCESS_GOAL} in every mode; got ${accessList}`,
    );
  }
  rmSync(ACCESS_LOG, { force: true });
  removeCertificates();
  if (s.check && !(pass && accessPass)) process.exitCode = 1;
}

function removeCertificates(): void {
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
  certs = undefined;
}

// ---------------------------------------------------------------- cleanup on Ctrl-C, errors, exit

async function cleanup(): Promise<void> {
  stopLoad?.();
  await Promise.all([...live].map(stopServer));
  removeCertificates();
}

stopServersOnExit(cleanup, () => [...live].flatMap((server) => [server.pid, ...server.workerPids]));

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]).finally(() => clearTimeout(timer));
}

main().catch(async (err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  await cleanup();
  process.exit(1);
});
