/**
 * `-u/--user`, `-g/--group`, `--initgroups`: workers run as another user, as in Gunicorn.
 *
 * The arbiter (usually root) resolves the names once, before it binds, so a user or group that
 * does not exist is one line and exit 1 instead of every worker failing; it keeps its own
 * privileges (it binds privileged ports, writes the pid file). Each worker drops to the user
 * first thing, before it reads the config file or the app: group (and, with `--initgroups`, all
 * of the user's groups), then user, since after `setuid` it could no longer change its groups.
 * A user without a group given gets the user's primary group, as Gunicorn does.
 *
 * @example
 * const drop = resolvePrivileges({ user: 'nobody', group: null, initgroups: false }); // right({ uid: 65534, gid: 65534 })
 * dropPrivileges(drop); // in the worker
 */
import { spawnSync } from 'node:child_process';
import * as E from 'fp-ts/Either';
import { runicornError, type RunicornError } from '../streams/errors';

/** What a worker becomes: numeric ids, and the user whose groups it takes with `--initgroups`. */
export interface Privileges {
  readonly uid?: number;
  readonly gid?: number;
  readonly groupsOf?: string;
}

/** `id -u NAME` / `id -g NAME`, or undefined when there is no such user. */
function idOf(flag: '-u' | '-g', name: string): number | undefined {
  const out = spawnSync('id', [flag, name], { encoding: 'utf8' });
  const n = Number(out.stdout.trim());
  return out.status === 0 && Number.isInteger(n) ? n : undefined;
}

/** The gid of group `name` (from `getent group`), or undefined. */
function gidOfGroup(name: string): number | undefined {
  const out = spawnSync('getent', ['group', name], { encoding: 'utf8' });
  const n = Number(out.stdout.split(':')[2]);
  return out.status === 0 && Number.isInteger(n) ? n : undefined;
}

export interface PrivilegeSettings {
  readonly user: string | number | null;
  readonly group: string | number | null;
  readonly initgroups: boolean;
}

/** The ids workers drop to; one line naming the setting when a name does not resolve. */
export function resolvePrivileges(s: PrivilegeSettings): E.Either<RunicornError, Privileges> {
  if (s.user === null && s.group === null) return E.right({});
  const bad = (setting: string, value: string | number, expected: string) =>
    E.left(runicornError('RUNICORN_BAD_SETTING', { setting, source: '', value: String(value), expected }));
  let uid: number | undefined;
  let gid: number | undefined;
  if (s.user !== null) {
    uid = typeof s.user === 'number' ? s.user : idOf('-u', s.user);
    if (uid === undefined) return bad('--user', s.user, 'a user on this machine');
  }
  if (s.group !== null) {
    gid = typeof s.group === 'number' ? s.group : gidOfGroup(s.group);
    if (gid === undefined) return bad('--group', s.group, 'a group on this machine');
  } else if (s.user !== null) {
    gid = idOf('-g', String(s.user));
  }
  if (
    process.getuid?.() !== 0
    && ((uid !== undefined && uid !== process.getuid?.()) || (gid !== undefined && gid !== process.getgid?.()))
  ) {
    return E.left(
      runicornError('RUNICORN_BAD_SETTING', {
        setting: s.user !== null ? '--user' : '--group',
        source: '',
        value: String(s.user ?? s.group),
        expected: 'usable: only root can run workers as another user or group',
      }),
    );
  }
  return E.right({
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    ...(s.initgroups && s.user !== null ? { groupsOf: String(s.user) } : {}),
  });
}

/** In the worker, before anything else: become the configured user. Throws with a one-line reason. */
export function dropPrivileges(p: Privileges): void {
  if (p.gid !== undefined) {
    const withGroups = process as unknown as { initgroups?: (user: string, extra: number) => void };
    if (p.groupsOf !== undefined) withGroups.initgroups?.(p.groupsOf, p.gid);
    else process.setgroups?.([p.gid]);
    process.setgid?.(p.gid);
  }
  if (p.uid !== undefined) process.setuid?.(p.uid);
}
