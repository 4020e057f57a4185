/**
 * runicorn's public API.
 *
 * - `serve(options)`: run the arbiter from code, as the CLI does.
 * - Request stages: the `Stage` type, `stage(fn)`, `respond()`, and the app stage `serveApp`.
 * - The lifecycle test kit: the pure `step`, the `arbiter` operator, event and command
 *   constructors, `timers` and `feedback`, so lifecycle rules can be checked as marble diagrams.
 *
 * @example
 * import { serve } from 'runicorn';
 * await serve({ app: 'app.mjs:app', workers: 2, bind: ['127.0.0.1:8000'] });
 */
import * as E from 'fp-ts/Either';
import type { Subscription } from 'rxjs';
import { boot } from './cli/boot';
import { resolveConfig } from './cli/resolve-config';
import type { Config, SettingName } from './cli/settings/index';

export type ServeOptions = { readonly app: string } & Partial<Record<SettingName, unknown>>;

/** Start an arbiter in this process (it takes over signals and exits the process when it stops). */
export async function serve(options: ServeOptions): Promise<Subscription> {
  const { app, ...rest } = options;
  const resolved = resolveConfig([{ source: 'serve()', style: 'key', values: rest }], process.env);
  if (E.isLeft(resolved)) throw resolved.left;
  const running = await boot({ config: resolved.right.config, app, configFile: undefined })();
  if (E.isLeft(running)) throw running.left;
  return running.right;
}

export type { Config };
export { BootError } from './cli/config-error';

// Request stages
export type { Exchange, RequestLike, ResponseLike } from './streams/pipeline/exchange';
export { respond } from './streams/pipeline/exchange';
export type { Stage } from './streams/pipeline/stage';
export { stage } from './streams/pipeline/stage';
export { serve as serveApp, type ServeOptions as ServeAppOptions } from './streams/pipeline/serve';

// Lifecycle test kit
export { step } from './streams/step';
export { arbiter } from './streams/arbiter';
export { timers } from './streams/timers';
export { feedback } from './streams/feedback';
export { ofType } from './streams/of-type';
export * from './streams/events';
export * from './streams/commands';
export { initialState, type ArbiterState, type ArbiterSettings, type WorkerRecord } from './streams/arbiter-state';
export type { Signal } from './streams/signals';
export { ExitCode } from './streams/exit-codes';
export * from './streams/worker/worker-lifecycle';
export { workerLifecycle } from './streams/worker/worker-lifecycle-operator';
export { parseBind, type BindAddress } from './streams/bind-address';
