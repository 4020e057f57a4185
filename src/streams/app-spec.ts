/**
 * The APP argument, Gunicorn's `module:variable` / `module:factory(...)`, parsed without I/O.
 *
 * Factory arguments are literals only, never code: JSON plus single-quoted strings, the way
 * Gunicorn accepts Python literals through `ast.literal_eval`. Evaluating a JS expression would
 * turn a command-line string into code, which a process manager must not do.
 */
import * as E from 'fp-ts/Either';

/**
 * A parsed APP argument: which module to import and which export to use.
 *
 * `args !== undefined` means "call `attribute` as a factory with these args"; `attribute`
 * may be dotted (`routers.api` walks properties).
 *
 * @example
 * const spec: AppSpec = { module: './app.mjs', attribute: 'create', args: ['prod'] };
 */
export interface AppSpec {
  readonly module: string;
  readonly attribute: string | undefined;
  readonly args: readonly unknown[] | undefined;
}

/**
 * Parses `module`, `module:export`, `module:a.b` or `module:factory(arg, ...)`.
 *
 * The split is on the last colon outside the parentheses, so a string argument may contain
 * colons and parentheses. `Left` carries a one-line reason suitable for the CLI.
 *
 * @example
 * parseAppSpec("app.mjs:create('prod', {\"port\": 1})");
 * // E.right({ module: 'app.mjs', attribute: 'create', args: ['prod', { port: 1 }] })
 */
export function parseAppSpec(text: string): E.Either<string, AppSpec> {
  const spec = text.trim();
  if (spec === '') return E.left('the app spec is empty (expected module or module:export)');
  const split = splitSpec(spec);
  if (E.isLeft(split)) return split;
  const { colon, open, close } = split.right;
  if (colon === -1) {
    if (close === spec.length - 1) return E.left(`a factory call needs a module and a name: write module:factory(...)`);
    return E.right({ module: spec, attribute: undefined, args: undefined });
  }
  const module = spec.slice(0, colon).trim();
  if (module === '') return E.left(`the module before ":" is empty`);
  const callee = spec.slice(colon + 1, open === -1 ? undefined : open).trim();
  if (callee === '') return E.left(`the export name after ":" is empty`);
  if (!IDENTIFIER_PATH.test(callee))
    return E.left(`"${callee}" is not an export name (expected an identifier, or a dotted path like a.b)`);
  if (open === -1) return E.right({ module, attribute: callee, args: undefined });
  if (close !== spec.length - 1)
    return E.left(`unexpected text after ")" at column ${close + 2}: ${JSON.stringify(spec.slice(close + 1))}`);
  const args = parseArgs(spec, open + 1, close);
  return E.isLeft(args) ? args : E.right({ module, attribute: callee, args: args.right });
}

/** One identifier, or several joined by dots; Unicode identifiers as JS allows them. */
const IDENTIFIER_PATH =
  /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*(?:\.[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*)*$/u;

interface Split {
  /** The last colon outside parentheses, or -1. */
  readonly colon: number;
  /** The first "(" after that colon, and its matching ")"; -1 when there is no call. */
  readonly open: number;
  readonly close: number;
}

/** Finds the separator colon and the call parentheses, honouring quotes inside parentheses. */
function splitSpec(spec: string): E.Either<string, Split> {
  let depth = 0;
  let quote = '';
  let colon = -1;
  let open = -1;
  let close = -1;
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i];
    if (quote !== '') {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (depth > 0 && (ch === '"' || ch === "'")) {
      quote = ch;
    } else if (ch === '(') {
      if (depth === 0 && open === -1) open = i;
      depth++;
    } else if (ch === ')') {
      if (depth === 0) return E.left(`unbalanced parentheses: ")" at column ${i + 1} has no "("`);
      depth--;
      if (depth === 0 && close === -1) close = i;
    } else if (ch === ':' && depth === 0) {
      // The last such colon is the separator: parentheses before it belong to the module path.
      colon = i;
      open = -1;
      close = -1;
    }
  }
  if (quote !== '') return E.left(`unterminated string in the factory arguments`);
  if (depth > 0) return E.left(`unbalanced parentheses: missing ")"`);
  return E.right({ colon, open, close });
}

/** Parses the comma-separated literals of `spec.slice(from, to)`. */
function parseArgs(spec: string, from: number, to: number): E.Either<string, readonly unknown[]> {
  const parser = new LiteralParser(spec, from, to);
  try {
    return E.right(parser.argumentList());
  } catch (error) {
    if (error instanceof LiteralError) return E.left(`bad factory arguments: ${error.message}`);
    throw error;
  }
}

class LiteralError extends Error {}

/**
 * A small recursive-descent parser for JSON values plus single-quoted strings.
 * Throws `LiteralError` (caught in `parseArgs`), which keeps each production short.
 */
class LiteralParser {
  private pos: number;

  constructor(
    private readonly text: string,
    from: number,
    private readonly end: number,
  ) {
    this.pos = from;
  }

  argumentList(): unknown[] {
    const args: unknown[] = [];
    this.skipSpace();
    if (this.pos === this.end) return args;
    for (;;) {
      if (/^[\p{ID_Start}$_][\p{ID_Continue}$]*\s*=/u.test(this.text.slice(this.pos, this.end)))
        this.fail('keyword arguments are not supported; pass an object literal instead');
      args.push(this.value());
      this.skipSpace();
      if (this.pos === this.end) return args;
      this.expect(',');
    }
  }

  private value(): unknown {
    this.skipSpace();
    const ch = this.text[this.pos] ?? '';
    if (this.pos >= this.end) this.fail(`expected a value, found ${this.found()}`);
    if (ch === '"' || ch === "'") return this.string();
    if (ch === '[') return this.array();
    if (ch === '{') return this.object();
    if (ch === '-' || (ch >= '0' && ch <= '9')) return this.number();
    return this.word();
  }

  private string(): string {
    const quote = this.text[this.pos];
    const start = this.pos;
    let json = '"';
    for (let i = this.pos + 1; i < this.end; i++) {
      const ch = this.text[i];
      if (ch === quote) {
        this.pos = i + 1;
        try {
          return JSON.parse(json + '"') as string;
        } catch {
          this.pos = start;
          this.fail('invalid string literal');
        }
      }
      if (ch === '\\') {
        const next = this.text[i + 1] ?? '';
        // \' is only meaningful in single quotes; JSON has no such escape.
        json += next === "'" ? "'" : ch + next;
        i++;
      } else {
        json += ch === '"' ? '\\"' : ch;
      }
    }
    this.fail('unterminated string');
  }

  private number(): number {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.end));
    if (match === null) this.fail('invalid number');
    this.pos += match[0].length;
    return Number(match[0]);
  }

  private word(): boolean | null {
    const match = /^[\p{ID_Continue}$]+/u.exec(this.text.slice(this.pos, this.end));
    if (match === null) this.fail(`expected a value, found ${this.found()}`);
    const word = match[0];
    const keyword = KEYWORDS.get(word);
    if (keyword !== undefined) {
      this.pos += word.length;
      return keyword;
    }
    const hint = PYTHONISMS.has(word) ? ` (use ${PYTHONISMS.get(word)})` : '';
    this.fail(`unexpected ${JSON.stringify(word)}${hint}; arguments must be JSON literals or 'strings'`);
  }

  private array(): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    this.skipSpace();
    if (this.eat(']')) return items;
    for (;;) {
      items.push(this.value());
      if (this.eat(']')) return items;
      this.expect(',');
    }
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const result: Record<string, unknown> = {};
    if (this.eat('}')) return result;
    for (;;) {
      this.skipSpace();
      const ch = this.text[this.pos];
      if (this.pos >= this.end || (ch !== '"' && ch !== "'")) this.fail(`expected a quoted key, found ${this.found()}`);
      const key = this.string();
      this.expect(':');
      // As JSON.parse does: "__proto__" becomes an own key, never the prototype.
      Object.defineProperty(result, key, { value: this.value(), writable: true, enumerable: true, configurable: true });
      if (this.eat('}')) return result;
      this.expect(',');
    }
  }

  /** Skips spaces, then consumes `ch` if it is next. */
  private eat(ch: string): boolean {
    this.skipSpace();
    if (this.pos >= this.end || this.text[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  private expect(ch: string): void {
    if (!this.eat(ch)) this.fail(`expected "${ch}", found ${this.found()}`);
  }

  private found(): string {
    return this.pos >= this.end ? 'the closing ")"' : JSON.stringify(this.text[this.pos]);
  }

  private skipSpace(): void {
    while (this.pos < this.end && /\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private fail(reason: string): never {
    throw new LiteralError(`${reason} (column ${this.pos + 1})`);
  }
}

const KEYWORDS: ReadonlyMap<string, boolean | null> = new Map([
  ['true', true],
  ['false', false],
  ['null', null],
]);

/** Python literals people carry over from Gunicorn, and what to write instead. */
const PYTHONISMS: ReadonlyMap<string, string> = new Map([
  ['True', 'true'],
  ['False', 'false'],
  ['None', 'null'],
]);
