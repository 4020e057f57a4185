/**
 * Runs the real runicorn CLI for integration tests: real processes, real sockets, real signals.
 *
 * Tests wait on log lines and process exits (events), never on sleeps; the timeouts here are
 * upper bounds that turn a hang into a failure. Every process a test starts is stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
export const fixture = (name: string) => join(ROOT, 'test', 'fixtures', name);
export const example = (name: string) => join(ROOT, 'examples', name);

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Running {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Every stderr line so far. */
  readonly lines: string[];
  /** Every stdout line so far. */
  readonly out: string[];
  readonly exited: Promise<Exit>;
  /** Resolves once stderr is closed: every process that held it (workers, a USR2 successor) is gone. */
  readonly closed: Promise<void>;
  /** Resolves with the first line (from the start) matching `re` after `from` lines. */
  waitFor(re: RegExp, options?: { from?: number; timeoutMs?: number; nth?: number }): Promise<RegExpMatchArray>;
  /** The port of the first "Listening at" line. */
  port(): Promise<number>;
  /** Pids of workers that logged "Booting worker with pid". */
  workerPids(): number[];
  kill(signal: NodeJS.Signals): void;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Start `runicorn ...args`; the test context stops the arbiter and its workers, by pid. */
export function runicorn(
  t: TestContext,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Running {
  const proc = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of [...waiters]) w();
  });
  const out: string[] = [];
  let outBuffered = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    outBuffered += chunk;
    const parts = outBuffered.split('\n');
    outBuffered = parts.pop() ?? '';
    out.push(...parts);
  });
  const exited = new Promise<Exit>((res) => proc.once('exit', (code, signal) => res({ code, signal })));
  // No line can come any more once stderr is closed, which is after the exit, and later still
  // when another process holds it (a new arbiter started by USR2 inherits it).
  let done = false;
  proc.once('close', () => {
    done = true;
    for (const w of [...waiters]) w();
  });

  const workerPids = () =>
    lines
      .map((l) => /Booting worker with pid: (\d+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]));

  const running: Running = {
    proc,
    pid: proc.pid as number,
    lines,
    out,
    exited,
    closed: new Promise<void>((res) => proc.once('close', () => res())),
    workerPids,
    kill: (signal) => process.kill(proc.pid as number, signal),
    waitFor(re, { from = 0, timeoutMs = 10_000, nth = 1 } = {}) {
      return new Promise((res, rej) => {
        const check = () => {
          let seen = 0;
          for (let i = from; i < lines.length; i++) {
            const m = re.exec(lines[i] as string);
            if (m && ++seen === nth) return finish(() => res(m));
          }
          if (done) finish(() => rej(new Error(`exited before ${re}; log:\n${lines.join('\n')}`)));
        };
        const timer = setTimeout(
          () =>
            finish(() => rej(new Error(`no line matching ${re} within ${timeoutMs} ms; log:\n${lines.join('\n')}`))),
          timeoutMs,
        );
        const finish = (f: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    async port() {
      const m = await running.waitFor(/Listening at: https?:\/\/[^ ]*:(\d+) /);
      return Number(m[1]);
    },
  };
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      process.kill(running.pid, 'SIGKILL');
      await exited;
    }
    for (const pid of workerPids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  return running;
}

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** One HTTP request on its own connection (`Connection: close`), so each may reach another worker. */
export function get(port: number, path = '/', headers: http.OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (c: string) => (body += c));
      response.on('end', () => res({ status: response.statusCode ?? 0, body, headers: response.headers }));
      response.on('error', rej);
    });
    req.on('error', rej);
    req.end();
  });
}

/** Keep asking until `predicate(reply)` holds, at most `attempts` times (no sleeps: each try is a real request). */
export async function until(
  port: number,
  path: string,
  predicate: (r: Reply) => boolean,
  attempts = 200,
): Promise<Reply> {
  let last: Reply | undefined;
  for (let i = 0; i < attempts; i++) {
    try {
      last = await get(port, path);
      if (predicate(last)) return last;
    } catch {
      // connection refused while workers come up: try again
    }
  }
  throw new Error(`condition not met after ${attempts} requests; last: ${JSON.stringify(last)}`);
}
