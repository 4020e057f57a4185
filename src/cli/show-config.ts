/**
 * Settings shown to people and to workers: `--print-config`'s `name = value` lines, and the
 * JSON-safe snapshot hooks in workers see as `config` (functions become their names).
 *
 * @example
 * printConfig(config) // 'backlog = 2048\nbind = ["127.0.0.1:8000"]\n…'
 */
import { allSettings, type Config } from './settings/index';
import type { Setting } from './settings/setting';

const fnName = (fn: unknown) => `<${(fn as { name?: string }).name || 'anonymous'}()>`;

/** One value as `--print-config` shows it. */
export function showValue(s: Setting<unknown>, value: unknown): string {
  if (typeof value === 'function') return fnName(value);
  if (value === undefined) return 'null';
  if (s.show) return s.show(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'function' ? fnName(v) : v));
}

/** Every resolved setting, `name = value`, sorted by name. */
export function printConfig(config: Config): string {
  const lines = allSettings()
    .map(([key, s]) => `${s.name} = ${showValue(s, (config as unknown as Record<string, unknown>)[key])}`)
    .sort((a, b) => a.localeCompare(b));
  return `${lines.join('\n')}\n`;
}

/** Every resolved setting, `  name: value`, sorted by name (the debug log's "Current configuration"). */
export function currentConfiguration(config: Config): string {
  return printConfig(config)
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line.replace(' = ', ': ')}`)
    .join('\n');
}

/** The configuration as JSON-safe values, for worker processes. */
export function configSnapshot(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of allSettings()) {
    const value = (config as unknown as Record<string, unknown>)[key];
    // null stays null: a `show` that formats a value would turn it into the text 'null'.
    out[s.name] = typeof value === 'function' ? fnName(value) : s.show && value !== null ? s.show(value) : value;
  }
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}
