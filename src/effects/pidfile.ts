/**
 * The master's pid file, as Gunicorn keeps it: refuse to start over a live pid that is not ours,
 * write atomically (temp file + rename), and remove it at exit only if it still holds our pid.
 *
 * @example
 * createPidfile('/run/app.pid', process.pid); … removePidfile('/run/app.pid', process.pid);
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { runicornError } from '../streams/errors';
import { errorLine } from './error-text';
import type { Logger } from './logger';

const readPid = (path: string): number | undefined => {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

/** Whether process `pid` exists (EPERM: it does, as another user's). */
export const processExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Write `pid` to `path`; throws a `RunicornError` (`RUNICORN_PIDFILE`) when another live process owns it or it cannot be written. */
export function createPidfile(path: string, pid: number): void {
  const old = readPid(path);
  if (old !== undefined && old !== pid && processExists(old)) {
    throw runicornError('RUNICORN_PIDFILE', { problem: 'running', path, pid: old });
  }
  const tmp = join(dirname(path), `.${basename(path)}.${pid}.tmp`);
  try {
    writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    throw runicornError('RUNICORN_PIDFILE', { problem: 'write', path, reason: (err as Error).message });
  }
}

/** Remove `path` if it still holds `pid` (a successor may have replaced it). */
export function removePidfile(path: string, pid: number): void {
  if (readPid(path) !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * The pid file this arbiter owns: `<pidfile>`, or `<pidfile>.2` while the old arbiter of a USR2
 * runs; promotion moves it to `<pidfile>` (Gunicorn's rename).
 */
export interface PidfileOwner {
  readonly path: () => string | undefined;
  readonly remove: () => void;
  readonly promote: (logger: Logger) => void;
}

export function pidfileOwner(configured: string | null | undefined, parent: number | undefined): PidfileOwner {
  const pidfile = configured ?? undefined;
  let path = pidfile !== undefined && parent !== undefined ? `${pidfile}.2` : pidfile;
  return {
    path: () => path,
    remove: () => (path ? removePidfile(path, process.pid) : undefined),
    promote(logger) {
      if (pidfile === undefined || path === pidfile) return;
      try {
        createPidfile(pidfile, process.pid);
        if (path) removePidfile(path, process.pid);
        path = pidfile;
      } catch (err) {
        logger.log('warning', `cannot take over the pid file: ${errorLine(err)}`);
      }
    },
  };
}
