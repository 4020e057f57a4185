/**
 * USR2, the binary upgrade, as effects: the old arbiter starts a new one on its listeners; the
 * new one adopts them, reports when its workers serve, and notices when the old one is gone.
 *
 * Node cannot `exec` and keep sockets (`process.execve` keeps only stdio), so, as in Unicorn and
 * Gunicorn, the old arbiter spawns the new one: the current `node` with the arguments it was
 * started with, from the directory it was started in, with the environment it was started with.
 * The listening sockets go in `stdio` at fds 3, 4, … and are named in `RUNICORN_FD` (`3,4`), with
 * what they were bound to in `RUNICORN_FD_BINDS` (JSON) and the old arbiter's pid in
 * `RUNICORN_PID`. An IPC channel after the sockets carries one message, `{ t: 'ready' }`, once
 * every worker of the new arbiter serves; when it closes, the old arbiter has exited (a poll of
 * the old arbiter's pid backs this up).
 *
 * @example
 * const inherited = takeUpgradeEnv(process.env); // in the new arbiter, before binding anything
 * spawnArbiter({ execArgv, argv, cwd, env, listeners }).subscribe(step); // in the old one, on USR2
 */
import { spawn } from 'node:child_process';
import { filter, fromEvent, interval, map, merge, Observable, take } from 'rxjs';
import type { BindAddress } from '../streams/bind-address';
import { runicornError } from '../streams/errors';
import {
  newArbiterExited,
  newArbiterReady,
  newArbiterSpawned,
  newArbiterSpawnFailed,
  oldArbiterExited,
  type ArbiterEvent,
} from '../streams/events';
import { DAEMON_ENV } from './daemon';
import { adoptFd, type Listener } from './listeners';
import { processExists } from './pidfile';
import { forgetSystemdEnv } from './systemd';

/** The variables a USR2 sets for the new arbiter; it removes them at once, so its workers never see them. */
export const UPGRADE_ENV = { fds: 'RUNICORN_FD', binds: 'RUNICORN_FD_BINDS', parent: 'RUNICORN_PID' } as const;

/** What the new arbiter tells the old one over their IPC channel. */
export type UpgradeMessage = { readonly t: 'ready' };

/** The listeners a USR2 passed to this process, and the old arbiter that passed them. */
export interface Inherited {
  readonly listeners: readonly Listener[];
  /** The old arbiter, if it still runs (it is this process's parent); undefined once it has gone. */
  readonly parent: number | undefined;
}

interface Described {
  readonly label: string;
  readonly address: BindAddress;
}

function describedAt(raw: string | undefined, count: number): readonly (Described | undefined)[] {
  try {
    const parsed: unknown = JSON.parse(raw ?? '[]');
    return Array.isArray(parsed) && parsed.length === count ? (parsed as Described[]) : [];
  } catch {
    return [];
  }
}

/** Fd `fd`, as what it was bound to in the old arbiter when that is known. */
function adopt(fd: number, described: Described | undefined): Listener {
  const listener = adoptFd({ kind: 'fd', fd });
  if (!described) return listener;
  return { ...listener, kind: described.address.kind === 'unix' ? 'unix' : 'tcp', ...described };
}

/**
 * The listeners and old arbiter a USR2 handed to this process, or undefined when it was not
 * started by one; the variables are removed from `env` either way. Throws a `RunicornError`
 * (`RUNICORN_BIND`) when a named fd is not a socket.
 */
export function takeUpgradeEnv(env: NodeJS.ProcessEnv, ppid: number): Inherited | undefined {
  const raw = env[UPGRADE_ENV.fds];
  const binds = env[UPGRADE_ENV.binds];
  const parent = Number(env[UPGRADE_ENV.parent]);
  for (const name of Object.values(UPGRADE_ENV)) delete env[name];
  if (raw === undefined || raw === '') return undefined;
  const fds = raw.split(',').map((s) => Number(s.trim()));
  if (fds.some((fd) => !Number.isInteger(fd) || fd < 0))
    throw runicornError('RUNICORN_BIND', {
      address: undefined,
      reason: `${UPGRADE_ENV.fds}="${raw}" is not a list of fds`,
    });
  const described = describedAt(binds, fds.length);
  return {
    listeners: fds.map((fd, i) => adopt(fd, described[i])),
    // An old arbiter that has already exited is not waited for: this one starts promoted.
    parent: Number.isInteger(parent) && parent === ppid ? parent : undefined,
  };
}

export interface SpawnArbiterOptions {
  readonly execArgv: readonly string[];
  /** The script and its arguments, as the old arbiter was started (`process.argv.slice(1)`). */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The environment the old arbiter was started with. */
  readonly env: NodeJS.ProcessEnv;
  readonly listeners: readonly Listener[];
}

/** The start environment, less what only meant something to the old arbiter, plus the hand-over. */
function upgradeEnv(options: SpawnArbiterOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...options.env };
  forgetSystemdEnv(env);
  for (const name of [DAEMON_ENV, ...Object.values(UPGRADE_ENV)]) delete env[name];
  const described: Described[] = options.listeners.map((l) => ({ label: l.label, address: l.address }));
  env[UPGRADE_ENV.fds] = options.listeners.map((_, i) => 3 + i).join(',');
  env[UPGRADE_ENV.binds] = JSON.stringify(described);
  env[UPGRADE_ENV.parent] = String(process.pid);
  return env;
}

/**
 * Start the new arbiter; the stream reports `NewArbiterSpawned`, `NewArbiterReady` and
 * `NewArbiterExited` (or `NewArbiterSpawnFailed`) and completes when it exits. Unsubscribing
 * does not stop it: it is an arbiter in its own right.
 */
export function spawnArbiter(options: SpawnArbiterOptions): Observable<ArbiterEvent> {
  return new Observable<ArbiterEvent>((subscriber) => {
    const child = spawn(process.execPath, [...options.execArgv, ...options.argv], {
      cwd: options.cwd,
      env: upgradeEnv(options),
      stdio: ['ignore', 'inherit', 'inherit', ...options.listeners.map((l) => l.fd), 'ipc'],
    });
    child.once('error', (err) => {
      subscriber.next(newArbiterSpawnFailed(err.message));
      subscriber.complete();
    });
    child.once('spawn', () => subscriber.next(newArbiterSpawned(child.pid as number)));
    child.on('message', (m: UpgradeMessage) => {
      if (m?.t === 'ready') subscriber.next(newArbiterReady(child.pid as number));
    });
    child.once('exit', (code, signal) => {
      subscriber.next(newArbiterExited(child.pid as number, code, signal?.replace(/^SIG/, '') ?? null));
      subscriber.complete();
    });
    return () => child.removeAllListeners();
  });
}

/** In the new arbiter: tell the old one that every worker serves (best effort). */
export function reportReady(): void {
  if (!process.send || !process.connected) return;
  const message: UpgradeMessage = { t: 'ready' };
  process.send(message, undefined, {}, () => undefined);
}

/** In the new arbiter: `OldArbiterExited` once the old arbiter (`parent`) is gone. */
export function watchOldArbiter(parent: number, pollMs = 1000): Observable<ArbiterEvent> {
  const disconnected$ = process.send ? fromEvent(process, 'disconnect') : new Observable<never>();
  // process.ppid is read once at startup, so the poll asks whether the old arbiter still exists.
  const orphaned$ = interval(pollMs).pipe(filter(() => !processExists(parent)));
  return merge(disconnected$, orphaned$).pipe(
    take(1),
    map(() => oldArbiterExited()),
  );
}
