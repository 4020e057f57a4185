/**
 * Binds the listening sockets in the arbiter without listening or accepting on them.
 *
 * Workers inherit the fds and call `listen({fd}, backlog)` themselves, so the kernel hands each
 * connection straight to a worker and the arbiter never sits in the data path. Node has no public
 * bind-only call on 20/22, so this uses `net._createServerHandle` (what `cluster` SCHED_NONE uses)
 * and checks `getsockname()` at once, because libuv defers EADDRINUSE until listen. (Node ≥ 26.4
 * has a public `net.BoundSocket`; switching to it where present is a small follow-up.)
 *
 * @example
 * const listeners = await bindAll([{ kind: 'tcp', host: '127.0.0.1', port: 8000 }]);
 */
import { spawnSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { chownSync, closeSync, fstatSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { describeBind, type BindAddress } from '../streams/bind-address';
import { RunicornError, runicornError } from '../streams/errors';

export interface Listener {
  readonly fd: number;
  readonly kind: 'tcp' | 'unix';
  /** As logged in "Listening at:", with the real port when 0 was asked for. */
  readonly label: string;
  readonly address: BindAddress;
  /** Kept so the handle is not garbage-collected (which would close the fd). */
  readonly handle: unknown;
}

const bindError = (address: string | undefined, reason: string): RunicornError =>
  runicornError('RUNICORN_BIND', { address, reason });

interface RawHandle {
  fd: number;
  close(): void;
  getsockname(out: Record<string, unknown>): number;
}
type CreateServerHandle = (
  address: string | null,
  port: number,
  addressType: number,
  fd?: number,
) => RawHandle | number;
const internals = net as unknown as { _createServerHandle: CreateServerHandle };

function explain(errno: number, where: string): RunicornError {
  const name = getSystemErrorName(errno);
  const why: Record<string, string> = {
    EADDRINUSE: 'the address is already in use',
    EADDRNOTAVAIL: 'the address is not available on this machine',
    EACCES: 'permission denied',
    EINVAL: 'invalid address',
  };
  return bindError(where, `${why[name] ?? name.toLowerCase()} (${name})`);
}

async function bindTcp(address: Extract<BindAddress, { kind: 'tcp' }>): Promise<Listener> {
  const where = describeBind(address).replace('http://', '');
  let ip = address.host;
  let family = net.isIP(ip);
  if (family === 0) {
    try {
      const found = await lookup(address.host);
      ip = found.address;
      family = found.family;
    } catch {
      throw bindError(where, `unknown host "${address.host}"`);
    }
  }
  const handle = internals._createServerHandle(ip, address.port, family);
  if (typeof handle === 'number') throw explain(handle, where);
  const out: Record<string, unknown> = {};
  const err = handle.getsockname(out);
  if (err) throw explain(err, where);
  const port = typeof out.port === 'number' ? out.port : address.port;
  const bound = { ...address, port };
  return { fd: handle.fd, kind: 'tcp', label: describeBind(bound), address: bound, handle };
}

/** Who should own unix socket files: the `-u`/`-g` the workers run as (Gunicorn chowns them too). */
export interface SocketOwner {
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * The socket file gets mode `0777 & ~umask` (boot sets `--umask`, default 0, before binding) and
 * the owner `-u`/`-g`, so with `-m 007 -g www-data` nginx in that group can connect and no one
 * else can.
 */
function bindUnix(address: Extract<BindAddress, { kind: 'unix' }>, owner: SocketOwner): Listener {
  try {
    if (lstatSync(address.path).isSocket()) unlinkSync(address.path);
    else throw bindError(`unix:${address.path}`, 'a file that is not a socket is in the way');
  } catch (err) {
    if (err instanceof RunicornError) throw err;
  }
  const handle = internals._createServerHandle(address.path, -1, -1);
  if (typeof handle === 'number') throw explain(handle, `unix:${address.path}`);
  if (owner.uid !== undefined || owner.gid !== undefined) {
    try {
      chownSync(address.path, owner.uid ?? -1, owner.gid ?? -1);
    } catch (err) {
      handle.close();
      throw bindError(
        `unix:${address.path}`,
        `cannot give the socket file to the -u/-g user: ${(err as Error).message}`,
      );
    }
  }
  return { fd: handle.fd, kind: 'unix', label: describeBind(address), address, handle };
}

/** An fd this process was handed (`fd://N`, systemd, USR2), checked to be a socket. */
export function adoptFd(address: Extract<BindAddress, { kind: 'fd' }>): Listener {
  let isSocket = false;
  try {
    isSocket = fstatSync(address.fd).isSocket();
  } catch {
    throw bindError(`fd://${address.fd}`, 'no such file descriptor');
  }
  if (!isSocket) throw bindError(`fd://${address.fd}`, 'not a socket');
  return { fd: address.fd, kind: 'tcp', label: describeBind(address), address, handle: undefined };
}

/**
 * Bind every address; the first failure is thrown as a `RunicornError` (`RUNICORN_BIND`). Unix
 * socket files are given to `owner`.
 */
export async function bindAll(addresses: readonly BindAddress[], owner: SocketOwner = {}): Promise<Listener[]> {
  const out: Listener[] = [];
  for (const address of addresses) {
    if (address.kind === 'tcp') out.push(await bindTcp(address));
    else if (address.kind === 'unix') out.push(bindUnix(address, owner));
    else out.push(adoptFd(address));
  }
  return out;
}

/**
 * Close the arbiter's copies of the listeners (workers keep theirs until they have drained).
 * Closing a bound unix handle also unlinks its path, which is what a final stop wants.
 */
export function closeListeners(listeners: readonly Listener[]): void {
  for (const l of listeners) {
    const handle = l.handle as RawHandle | undefined;
    try {
      if (handle) handle.close();
      else closeSync(l.fd);
    } catch {
      // already closed
    }
  }
}

/** Remove the socket files of unix listeners (a final stop; never on re-exec). */
export function unlinkUnixSockets(listeners: readonly Listener[]): void {
  for (const l of listeners) {
    if (l.address.kind !== 'unix') continue;
    try {
      unlinkSync(l.address.path);
    } catch {
      // already gone
    }
  }
}

/**
 * Put the bound sockets into the listening state without accepting on them in the arbiter.
 *
 * A one-shot `node` child inherits the fds, calls `listen(fd, backlog)` on each and exits before
 * its event loop could accept anything; the sockets stay listening, held by the arbiter. From
 * then on a connection that arrives while no worker is up (at boot, or while every worker is
 * being replaced) waits in the kernel's backlog instead of being refused. Costs one node start
 * (about 40 ms) at boot.
 */
export function prelisten(listeners: readonly Listener[], backlog: number): void {
  if (listeners.length === 0) return;
  const fds = listeners.map((_, i) => 3 + i);
  const script =
    `const net=require('net');let n=${fds.length};`
    + `for(const fd of ${JSON.stringify(fds)})net.createServer().listen({fd},${backlog},()=>{if(--n===0)process.exit(0)});`;
  const result = spawnSync(process.execPath, ['-e', script], {
    stdio: ['ignore', 'ignore', 'pipe', ...listeners.map((l) => l.fd)],
    timeout: 10_000,
  });
  if (result.status !== 0) {
    const why =
      result.error?.message
      ?? String(result.stderr ?? '')
        .trim()
        .split('\n')
        .pop()
      ?? 'unknown error';
    throw bindError(undefined, why);
  }
}
