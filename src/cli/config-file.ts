/**
 * The config file: `-c PATH` (or `file:PATH`), else `./runicorn.conf.js`, `.mjs` or `.cjs` when
 * present. It is a JavaScript module exporting an object, or a function (maybe async) returning
 * one; named exports work too. Keys are setting names in camelCase or Gunicorn's snake_case.
 *
 * Unknown keys are warnings with a did-you-mean, not errors: a config file shared with a newer
 * runicorn should still start.
 *
 * @example
 * // runicorn.conf.mjs
 * export default { workers: 4, bind: ['0.0.0.0:8000'], app: 'server.mjs:app' };
 */
import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { closest, distance } from 'fastest-levenshtein';
import { allSettings, type SettingName } from './settings/index';
import type { Layer } from './resolve-config';
import { errorLine } from '../effects/error-text';
import { runicornError } from '../streams/errors';

export const DEFAULT_CONFIG_FILES = ['runicorn.conf.js', 'runicorn.conf.mjs', 'runicorn.conf.cjs'] as const;

/** The config file to load: the one named (a `file:` prefix is allowed), else a default one in `cwd`. */
export function findConfigFile(named: string | undefined, cwd: string): string | undefined {
  if (named !== undefined) {
    const path = named.startsWith('file:') ? named.slice(5) : named;
    return isAbsolute(path) ? path : resolve(cwd, path);
  }
  const found = DEFAULT_CONFIG_FILES.find((f) => existsSync(join(cwd, f)));
  return found ? join(cwd, found) : undefined;
}

const keyIndex = (): Map<string, SettingName> => {
  const index = new Map<string, SettingName>();
  for (const [key, s] of allSettings()) {
    index.set(s.name, key);
    if (s.gunicorn) index.set(s.gunicorn, key);
  }
  return index;
};

/** How many times a config file was imported in this process. */
let imports = 0;

/**
 * The URL to import `path` with: as is the first time, and with a query after that, so that a
 * HUP reads the file as it is now (modules are cached by URL; a CommonJS file also by path).
 */
function freshUrl(path: string): string {
  imports += 1;
  const url = pathToFileURL(path).href;
  if (imports === 1) return url;
  delete require.cache[path];
  return `${url}?reload=${imports}`;
}

/**
 * Import the file and turn its exports into a layer; warnings list the unknown keys.
 *
 * Throws a `RunicornError` with code `RUNICORN_CONFIG_FILE` when the file is missing, fails to
 * import, its function throws, or it exports no object.
 *
 * @example
 * const { layer, warnings } = await loadConfigFile('/srv/app/runicorn.conf.mjs');
 */
export async function loadConfigFile(
  path: string,
): Promise<{ readonly layer: Layer; readonly warnings: readonly string[] }> {
  const source = basename(path);
  if (!existsSync(path)) throw runicornError('RUNICORN_CONFIG_FILE', { problem: 'missing', path });
  let ns: Record<string, unknown>;
  try {
    ns = (await import(freshUrl(path))) as Record<string, unknown>;
  } catch (err) {
    throw runicornError('RUNICORN_CONFIG_FILE', { problem: 'import', path, reason: errorLine(err) });
  }
  let exported: unknown = 'default' in ns ? ns.default : ns;
  try {
    if (typeof exported === 'function') exported = await (exported as () => unknown)();
  } catch (err) {
    throw runicornError('RUNICORN_CONFIG_FILE', { problem: 'function', file: source, reason: errorLine(err) });
  }
  if (exported === null || typeof exported !== 'object' || Array.isArray(exported)) {
    throw runicornError('RUNICORN_CONFIG_FILE', { problem: 'shape', file: source });
  }
  const index = keyIndex();
  const values: Partial<Record<SettingName, unknown>> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(exported)) {
    if (key === '__esModule' || key === 'module.exports') continue;
    const setting = index.get(key);
    if (setting) {
      values[setting] = value;
      continue;
    }
    const guess = closest(key, [...index.keys()]);
    const near =
      guess !== undefined
      && distance(key.toLowerCase(), guess.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3));
    warnings.push(`unknown setting "${key}" in ${source}; ignored${near ? ` (did you mean "${guess}"?)` : ''}`);
  }
  return { layer: { source, style: 'key', values }, warnings };
}
