/**
 * Loads an app in a node started like a worker's (the same `--node-arg`s), for `--check-config`,
 * `--print-config` and `--preload`, and reports one verdict.
 *
 * Why a separate node: the arbiter's own node has none of the worker's arguments, so a
 * TypeScript app that runs fine with `--node-arg=--import=tsx` would fail to load there. The
 * child takes its request in `RUNICORN_CHECK_APP` and answers once over IPC; the parent is
 * `checkApp()`.
 *
 * @example
 * const verdict = await checkApp({ app: 'app.ts', kind: 'auto', cwd, nodeArgs: ['--import=tsx'] });
 * if (!verdict.ok) fail(runicornError('RUNICORN_APP_LOAD', { spec: 'app.ts', reason: verdict.reason }));
 */
import { spawn } from 'node:child_process';
import * as E from 'fp-ts/Either';
import { loadAppResult, type AppKind } from '../effects/load-app';
import { errorLine } from '../effects/error-text';

const CHECK_ENV = 'RUNICORN_CHECK_APP';

interface CheckRequest {
  readonly app: string;
  readonly kind: AppKind;
  readonly cwd: string;
}

/**
 * What loading the app in a worker-like node said: on failure, the reason, which the caller
 * turns into a `RUNICORN_APP_LOAD` error (only plain data crosses the IPC channel).
 *
 * @example
 * { ok: true, warning: '"create" of ./app.mjs takes no arguments, …' }
 * { ok: false, reason: './app.mjs has no export "nope" (it exports app)' }
 */
export type Verdict =
  | { readonly ok: true; readonly warning?: string }
  | { readonly ok: false; readonly reason: string };

/** Load `app` in `process.execPath [...nodeArgs] check-app.js`; its stdout and stderr go to stderr. */
export function checkApp(request: CheckRequest & { readonly nodeArgs: readonly string[] }): Promise<Verdict> {
  const { nodeArgs, ...wanted } = request;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, __filename], {
      cwd: wanted.cwd,
      env: { ...process.env, [CHECK_ENV]: JSON.stringify(wanted) },
      // The app's own output must not mix with --print-config's on stdout.
      stdio: ['ignore', 2, 'inherit', 'ipc'],
    });
    let verdict: Verdict | undefined;
    child.on('message', (message: Verdict) => (verdict ??= message));
    child.once('error', (err) => resolve({ ok: false, reason: `cannot start node to load it: ${err.message}` }));
    child.once('exit', (code, signal) =>
      resolve(
        verdict ?? {
          ok: false,
          reason:
            `the node loading it exited ${signal ? `on SIG${signal.replace(/^SIG/, '')}` : `with code ${String(code)}`}`
            + `${nodeArgs.length ? ` (node arguments: ${nodeArgs.join(' ')})` : ''} before it could say`,
        },
      ),
    );
  });
}

async function answer(text: string): Promise<void> {
  const request = JSON.parse(text) as CheckRequest;
  let verdict: Verdict;
  try {
    const result = await loadAppResult(request.app, { cwd: request.cwd, kind: request.kind });
    if (E.isLeft(result)) verdict = { ok: false, reason: result.left };
    else verdict = result.right.warning ? { ok: true, warning: result.right.warning } : { ok: true };
  } catch (err) {
    verdict = { ok: false, reason: errorLine(err) };
  }
  // Exit once said: an app may hold the event loop open (a timer, a database pool).
  process.send?.(verdict, undefined, {}, () => process.exit(0));
}

const request = process.env[CHECK_ENV];
if (request !== undefined && require.main === module) {
  delete process.env[CHECK_ENV];
  void answer(request);
}
