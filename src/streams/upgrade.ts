/**
 * USR2, the binary upgrade: a new arbiter, running the executable and arguments as they are now
 * on disk, starts on this arbiter's listeners, and the two serve side by side until the operator
 * drains the old workers (WINCH) and stops the old arbiter (TERM).
 *
 * The rules, on the old arbiter:
 *
 * - USR2 while running starts the new arbiter (after `preExec`); a second USR2 while it runs, or
 *   a USR2 to a new arbiter whose old one still runs, or one during a stop, is logged and ignored.
 * - USR2 during a HUP goes ahead: the new arbiter reads the configuration as it is on disk, which
 *   is what the HUP read; the reload runs on in the old arbiter.
 * - The new arbiter says when every one of its workers serves; the old one logs it (and stops
 *   speaking to systemd, since the new one has told it `MAINPID`).
 * - If the new arbiter cannot start, or exits before it was ready, the old one keeps serving and
 *   says so. If it exits later (a rollback), the old one is the only one again (`READY=1` with
 *   its own `MAINPID`).
 * - TERM before the new arbiter is ready waits for it: the graceful stop begins once the new
 *   arbiter is ready, or once it is gone (ready or not: TERM was asked for). INT and QUIT do not
 *   wait. While another arbiter shares the listeners, a stop leaves them open and their unix
 *   socket files in place.
 *
 * On the new arbiter: it starts with the old one's pid (`Started.parent`), writes `<pidfile>.2`,
 * and is promoted (`Promote`: the pid file becomes `<pidfile>`) when the old one exits.
 *
 * @example
 * const [s1, cmds] = onUsr2(s0); // [log(…), preExec hook, spawnArbiter()]
 */
import type { ArbiterState, Upgrade } from './arbiter-state';
import { log, promote, spawnArbiter, type Command } from './commands';
import { hook } from './hooks';
import { tell } from './readiness';
import { beginStop } from './shutdown';
import { chain, type StepResult } from './step-result';

const withUpgrade = (state: ArbiterState, upgrade: Upgrade | undefined): ArbiterState => ({ ...state, upgrade });

/** USR2: start a new arbiter, unless one runs, this one is itself new, or it is stopping. */
export function onUsr2(state: ArbiterState): StepResult {
  if (state.phase !== 'running') return [state, [log('info', 'USR2 ignored: the arbiter is stopping')]];
  if (state.upgrade) {
    const who = state.upgrade.pid === undefined ? '' : ` (pid ${state.upgrade.pid})`;
    return [state, [log('warning', `USR2 ignored: a new arbiter${who} is already running`)]];
  }
  if (state.parent !== undefined) {
    const why = `this arbiter is the new one of an upgrade, and the old one (pid ${state.parent}) still runs`;
    return [state, [log('warning', `USR2 ignored: ${why}`)]];
  }
  const next = withUpgrade(state, { pid: undefined, ready: false, pendingStop: false });
  return [
    next,
    [
      log('info', 'Binary upgrade: starting a new arbiter on the same listeners'),
      ...hook(state, 'preExec'),
      spawnArbiter(),
    ],
  ];
}

export function onNewArbiterSpawned(state: ArbiterState, pid: number): StepResult {
  if (!state.upgrade) return [state, []];
  return [
    withUpgrade(state, { ...state.upgrade, pid }),
    [log('info', `New arbiter running as pid ${pid}; it serves once its workers have booted`)],
  ];
}

export const onNewArbiterSpawnFailed = (state: ArbiterState, reason: string): StepResult =>
  state.upgrade ? upgradeFailed(state, reason) : [state, []];

export function onNewArbiterReady(state: ArbiterState, pid: number): StepResult {
  const { upgrade } = state;
  if (!upgrade || upgrade.pid !== pid || upgrade.ready) return [state, []];
  const said: StepResult = [
    withUpgrade(state, { ...upgrade, ready: true }),
    [
      log(
        'info',
        `New arbiter (pid ${pid}) serves. Next: WINCH to this arbiter drains its workers, then TERM stops it; `
          + 'to roll back, TERM the new arbiter instead',
      ),
    ],
  ];
  return upgrade.pendingStop ? chain(said, stopAsAsked) : said;
}

export function onNewArbiterExited(
  state: ArbiterState,
  pid: number,
  code: number | null,
  signal: string | null,
): StepResult {
  const { upgrade } = state;
  if (!upgrade || upgrade.pid !== pid) return [state, []];
  const how = signal ? `was killed by SIG${signal}` : `exited with code ${code}`;
  const next = withUpgrade(state, undefined);
  if (!upgrade.ready) return upgradeFailed(state, `the new arbiter (pid ${pid}) ${how} before it was ready`);
  const idle = next.phase === 'running' && next.target === 0 ? ' (no worker: TTIN or HUP starts them again)' : '';
  const commands: Command[] = [
    log('warning', `The new arbiter (pid ${pid}) ${how}; this arbiter is the only one${idle}`),
  ];
  // It had told systemd MAINPID=<its pid>: take the service back.
  if (next.phase === 'running') commands.push(...tell(next, 'READY=1'));
  return [next, commands];
}

/** In a new arbiter: the old one has exited, so this one is the arbiter now. */
export function onOldArbiterExited(state: ArbiterState): StepResult {
  if (state.parent === undefined) return [state, []];
  return [
    { ...state, parent: undefined },
    [log('info', `The old arbiter (pid ${state.parent}) has exited: this arbiter is promoted`), promote()],
  ];
}

/**
 * TERM while an upgrade runs: at once if the new arbiter is ready (its workers serve), otherwise
 * once it is ready or gone, so a hasty `kill -USR2; kill -TERM` loses no capacity.
 */
export function stopGracefully(state: ArbiterState): StepResult {
  const { upgrade } = state;
  if (!upgrade || upgrade.ready) return beginStop(state, { graceful: true, code: 0 });
  if (upgrade.pendingStop) return [state, []];
  const who = upgrade.pid === undefined ? '' : ` (pid ${upgrade.pid})`;
  return [
    withUpgrade(state, { ...upgrade, pendingStop: true }),
    [log('info', `Graceful stop: waiting until the new arbiter${who} is ready (INT stops at once)`)],
  ];
}

/** The new arbiter is gone before it served: this one serves on, or begins the stop TERM asked for. */
function upgradeFailed(state: ArbiterState, reason: string): StepResult {
  const said: StepResult = [
    withUpgrade(state, undefined),
    [log('error', `Binary upgrade failed: ${reason}; this arbiter keeps serving`)],
  ];
  return state.upgrade?.pendingStop ? chain(said, stopAsAsked) : said;
}

function stopAsAsked(state: ArbiterState): StepResult {
  if (state.phase !== 'running') return [state, []];
  const upgrade = state.upgrade && { ...state.upgrade, pendingStop: false };
  return beginStop(withUpgrade(state, upgrade), { graceful: true, code: 0 });
}
