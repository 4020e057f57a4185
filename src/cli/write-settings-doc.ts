/**
 * Writes docs/settings.md from the registry: `npm run docs`.
 *
 * @example
 * // npm run docs
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSettingsDoc } from './settings-doc';

/** docs/settings.md, from dist/src/cli where this file runs. */
export const SETTINGS_DOC = join(__dirname, '..', '..', '..', 'docs', 'settings.md');

if (require.main === module) {
  writeFileSync(SETTINGS_DOC, renderSettingsDoc());
  process.stdout.write(`wrote ${SETTINGS_DOC}\n`);
}
