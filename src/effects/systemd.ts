/**
 * systemd socket activation: listeners handed over by systemd (or `systemd-socket-activate`)
 * instead of bound by runicorn.
 *
 * systemd passes already-listening sockets at fds 3, 4, … and says so in `LISTEN_FDS` (how
 * many) and `LISTEN_PID` (for whom: a process that inherited the variables from its parent must
 * not take them). runicorn then uses those sockets and ignores `--bind`, as Gunicorn does, and
 * removes the variables so its workers do not read them as their own. The fds are adopted like
 * `fd://N`, so nothing else differs.
 *
 * @example
 * const fds = socketsFromSystemd(process.env, process.pid); // [{ kind: 'fd', fd: 3 }] under a .socket unit
 */
import type { BindAddress } from '../streams/bind-address';

/** The first fd systemd passes (`SD_LISTEN_FDS_START`). */
const FIRST_FD = 3;

/** The sockets systemd passed to this process, or undefined when it passed none. */
export function socketsFromSystemd(env: NodeJS.ProcessEnv, pid: number): readonly BindAddress[] | undefined {
  const count = Number(env.LISTEN_FDS);
  if (!Number.isInteger(count) || count < 1 || Number(env.LISTEN_PID) !== pid) return undefined;
  return Array.from({ length: count }, (_, i) => ({ kind: 'fd', fd: FIRST_FD + i }) as const);
}

/** Forget systemd's variables, so that no child takes the sockets for its own. */
export function forgetSystemdEnv(env: NodeJS.ProcessEnv): void {
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
}
