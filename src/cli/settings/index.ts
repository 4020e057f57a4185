/**
 * The settings registry: every setting, declared once, by section.
 *
 * The order here is the order of `--help`: what most people set first. The reference in
 * docs/settings.md follows Gunicorn's section order instead.
 *
 * @example
 * for (const s of Object.values(settings)) console.log(s.name, s.flags.join(', '));
 */
import { configFile } from './config-file';
import { control } from './control';
import { debugging } from './debugging';
import { dirtyArbiters } from './dirty-arbiters';
import { http2 } from './http2';
import { logging } from './logging';
import { metrics } from './metrics';
import { node } from './node';
import { processNaming } from './process-naming';
import { security } from './security';
import { serverHooks } from './server-hooks';
import { serverMechanics } from './server-mechanics';
import { serverSocket } from './server-socket';
import type { Setting } from './setting';
import { ssl } from './ssl';
import { workerProcesses } from './worker-processes';

export const settings = {
  ...configFile,
  ...serverSocket,
  ...workerProcesses,
  ...node,
  ...serverMechanics,
  ...processNaming,
  ...logging,
  ...metrics,
  ...debugging,
  ...serverHooks,
  ...security,
  ...ssl,
  ...http2,
  ...control,
  ...dirtyArbiters,
};

export type Settings = typeof settings;
export type SettingName = keyof Settings;
type ValueOf<S> = S extends Setting<infer A> ? A : never;

/** The validated configuration: one typed value per setting. */
export type Config = { readonly [K in SettingName]: ValueOf<Settings[K]> };

/** Every setting with its key, in declaration order. */
export const allSettings = (): ReadonlyArray<readonly [SettingName, Setting<unknown>]> =>
  Object.entries(settings) as unknown as ReadonlyArray<readonly [SettingName, Setting<unknown>]>;

export { flagOf, type Section, type Setting } from './setting';
