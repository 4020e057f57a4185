/**
 * runicorn's version, read once from package.json.
 *
 * @example
 * log.info(`Starting runicorn ${VERSION}`);
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;
