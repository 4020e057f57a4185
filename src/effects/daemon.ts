/**
 * `-D/--daemon`: run the arbiter in the background, detached from the terminal.
 *
 * Node cannot `fork()` without `exec`, so the launcher starts the same command again as a new
 * session leader (`detached`, so `setsid`), with stdin, stdout and stderr on /dev/null (or kept,
 * with `-R`, when they are files or pipes, as Gunicorn's `--enable-stdio-inheritance` does). The
 * launcher waits, over an IPC channel, until the daemon has bound its sockets: then it exits 0,
 * or, when the daemon could not start (a port in use, a pid file held), it prints the daemon's
 * one line and exits with its code. Gunicorn daemonizes first and leaves such failures to the
 * logs; a launcher that says what went wrong is kinder to a tired operator.
 *
 * @example
 * const outcome = await detach({ args: process.argv.slice(1), execArgv: process.execArgv, cwd, keepStdio: false });
 * process.exit(outcome.code);
 */
import { spawn } from 'node:child_process';

/** Set in the daemon's environment (and removed at once), so it knows not to detach again. */
export const DAEMON_ENV = 'RUNICORN_DAEMON';

/** What the daemon tells its launcher. */
export type DaemonMessage =
  | { readonly t: 'ready' }
  | { readonly t: 'failed'; readonly code: number; readonly message: string };

export interface DetachOptions {
  /** The script and its arguments (`process.argv.slice(1)`). */
  readonly args: readonly string[];
  readonly execArgv: readonly string[];
  readonly cwd: string;
  /** `-R`: keep stdout and stderr when they are not terminals. */
  readonly keepStdio: boolean;
}

/** How the launcher should end: its exit code, and the line to print first if any. */
export interface DetachOutcome {
  readonly code: number;
  readonly message?: string;
}

const kept = (keep: boolean, stream: NodeJS.WriteStream) => (keep && !stream.isTTY ? 'inherit' : 'ignore');

/** Start the daemon and wait until it says it is serving, or why it is not. */
export function detach(options: DetachOptions): Promise<DetachOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...options.execArgv, ...options.args], {
      cwd: options.cwd,
      detached: true,
      env: { ...process.env, [DAEMON_ENV]: '1' },
      stdio: ['ignore', kept(options.keepStdio, process.stdout), kept(options.keepStdio, process.stderr), 'ipc'],
    });
    const done = (outcome: DetachOutcome) => {
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      resolve(outcome);
    };
    child.once('message', (m: DaemonMessage) =>
      done(m.t === 'ready' ? { code: 0 } : { code: m.code, message: m.message }),
    );
    child.once('error', (err) => done({ code: 1, message: `cannot start the daemon: ${err.message}` }));
    child.once('exit', (code) => done({ code: code ?? 1, message: 'the daemon exited before it was serving' }));
  });
}

/** In the daemon: tell the launcher how the start went, then let go of the channel. */
export function tellLauncher(message: DaemonMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => {
      if (process.connected) process.disconnect();
      resolve();
    });
  });
}
