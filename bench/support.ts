/**
 * Small process helpers shared by the benchmark scripts (`run.ts`, `zero-loss.ts`): finding a
 * tool, checking and signalling pids the script started, bounded waits, and stopping every server
 * on Ctrl-C or exit.
 *
 * @example
 * if (!onPath('wrk')) console.error('wrk is not installed');
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Whether `cmd` is an executable name found on PATH. */
export function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, cmd)));
}

/** Whether `pid` is still a process. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Send `sig` to `pid` if it is still there. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** `unref`: a timer that only bounds a wait must not keep the process alive after it. */
export function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}

/**
 * On Ctrl-C (or TERM, HUP): run `cleanup` once, then exit 130; a second signal exits at once.
 * On exit with servers still up (a crash in a callback): SIGKILL every pid `pids()` names.
 */
export function stopServersOnExit(cleanup: () => Promise<void>, pids: () => Iterable<number>): void {
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      console.error(`\n${sig}: stopping servers…`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  process.on('exit', () => {
    for (const pid of pids()) signal(pid, 'SIGKILL');
  });
}
