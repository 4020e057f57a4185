/**
 * The settings reference, docs/settings.md, rendered from the registry so it cannot drift:
 * a test compares the checked-in file with `renderSettingsDoc()`.
 *
 * Pure apart from reading the registry: the same registry gives the same bytes on every machine,
 * which is why defaults are rendered for an empty environment and environment variables are
 * found by probing, not by reading `process.env`.
 *
 * @example
 * writeFileSync('docs/settings.md', renderSettingsDoc());
 */
import * as E from 'fp-ts/Either';
import { allSettings, flagOf, type Section, type Setting } from './settings/index';
import { showValue } from './show-config';

/** Gunicorn's reference order (alphabetical), then runicorn's own. */
const SECTION_ORDER: readonly Section[] = [
  'Config File',
  'Control',
  'Debugging',
  'Dirty Arbiter Hooks',
  'Dirty Arbiters',
  'HTTP/2',
  'Logging',
  'Process Naming',
  'SSL',
  'Security',
  'Server Hooks',
  'Server Mechanics',
  'Server Socket',
  'Worker Processes',
  'Node',
];

/** An environment where every variable is set to `$NAME`, to see which one a default reads. */
const PROBE_ENV: NodeJS.ProcessEnv = new Proxy(
  {},
  {
    get: (_target, key) => (typeof key === 'string' ? `$${key}` : undefined),
    has: () => true,
  },
);

/** GitHub's heading anchor. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

/** Markdown would read `*` and `**` in prose as emphasis. */
const prose = (text: string) => text.replace(/\*/g, '\\*');

function flagsOf(s: Setting<unknown>): string {
  if (s.flags.length === 0) return 'none (config file only)';
  const value =
    s.arity === 'switch' ? '' : s.arity === 'optional' ? ` [${s.metavar ?? 'VALUE'}]` : ` ${s.metavar ?? 'VALUE'}`;
  const spelled = s.flags.map((f) => code(`${f}${value}`)).join(', ');
  if (s.arity === 'list') return `${spelled} (repeatable)`;
  if (s.arity === 'switch' && s.switchValue !== undefined && s.switchValue !== true)
    return `${spelled} (sets ${code(JSON.stringify(s.switchValue))})`;
  if (s.arity === 'optional') return `${spelled} (alone: ${code(JSON.stringify(s.switchValue))})`;
  return spelled;
}

function defaultOf(s: Setting<unknown>): string {
  const { value } = s.default({});
  const decoded = s.codec.decode(value);
  const shown = E.isRight(decoded) ? showValue(s, decoded.right) : JSON.stringify(value);
  const probed = s.default(PROBE_ENV);
  if (probed.env === undefined) return code(shown);
  const raw = typeof probed.value === 'string' ? probed.value : JSON.stringify(probed.value);
  const variable = `$${probed.env}`;
  return raw === variable
    ? `${code(shown)}, or the value of ${code(variable)} when it is set`
    : `${code(shown)}, or ${code(raw)} when ${code(variable)} is set`;
}

function statusOf(s: Setting<unknown>): string {
  switch (s.support.state) {
    case 'supported':
      return 'supported';
    case 'planned':
      return s.support.risk
        ? `planned (${s.support.area}): refuses to start until it lands, since ${s.support.risk}`
        : `planned (${s.support.area}): validated now, no effect yet`;
    case 'not-applicable':
      return `not applicable: ${prose(s.support.why)}`;
  }
}

function entry(s: Setting<unknown>): string {
  const names = s.gunicorn ? `${code(s.name)} (Gunicorn: ${code(s.gunicorn)})` : `${code(s.name)} (runicorn only)`;
  return [
    `### ${s.name}`,
    '',
    `- **Config key:** ${names}`,
    `- **Flags:** ${flagsOf(s)}`,
    `- **Default:** ${defaultOf(s)}`,
    `- **Status:** ${statusOf(s)}`,
    '',
    prose(s.doc),
    '',
  ].join('\n');
}

/** docs/settings.md, from the registry. */
export function renderSettingsDoc(): string {
  const all = allSettings().map(([, s]) => s);
  const count = (state: Setting<unknown>['support']['state']) => all.filter((s) => s.support.state === state).length;
  const areas = [...new Set(all.flatMap((s) => (s.support.state === 'planned' ? [s.support.area] : [])))].sort((a, b) =>
    a.localeCompare(b),
  );
  const refusing = all.filter((s) => s.support.state === 'planned' && s.support.risk !== undefined).map(flagOf);
  const sections = SECTION_ORDER.map((section) => [section, all.filter((s) => s.section === section)] as const).filter(
    ([, members]) => members.length > 0,
  );
  const lines = [
    '# Settings',
    '',
    '<!-- Generated from src/cli/settings/ by `npm run docs`. Do not edit: a test fails when this file drifts. -->',
    '',
    "runicorn takes Gunicorn's settings, with Gunicorn's flag spellings and defaults, plus a few of its own for Node.",
    '',
    'Each setting can come from, lowest precedence first: its default (a few read an environment variable, as in',
    'Gunicorn: `PORT`, `WEB_CONCURRENCY`, `FORWARDED_ALLOW_IPS`), the config file (`-c PATH`, or',
    '`./runicorn.conf.js`, `.mjs` or `.cjs`), `RUNICORN_CMD_ARGS` (the same flags, split like a shell command line),',
    "and the command line. In a config file, a setting's key is its name below, or Gunicorn's snake_case name.",
    'Every value, from any source, is validated once; a bad one stops runicorn with a line naming the setting,',
    'the source, the value and what was expected.',
    '',
    'Status:',
    '',
    '- **supported**: runicorn does what the setting says.',
    '- **planned**: registered and validated now; until its area is done, setting it logs that it is not supported yet,',
    '  except a setting with a security meaning (TLS, privileges, request limits, proxy trust): setting one of those',
    '  refuses to start with one line (`RUNICORN_NOT_SUPPORTED`), since runicorn never accepts and ignores it.',
    refusing.length === 0
      ? '  No planned setting has a security meaning today.'
      : `  Today these do: ${refusing.join(', ')}.`,
    '- **not applicable**: means nothing in Node; accepted with a warning and ignored, for the reason given.',
    '',
    `${all.length} settings: ${count('supported')} supported, ${count('planned')} planned, `
      + `${count('not-applicable')} not applicable. Planned areas: ${areas.join(', ')}.`,
    '',
    '## Contents',
    '',
    ...sections.map(([section, members]) => `- [${section}](#${anchor(section)}) (${members.length})`),
    '',
  ];
  for (const [section, members] of sections) {
    lines.push(`## ${section}`, '', ...members.map(entry));
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}
