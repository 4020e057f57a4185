/**
 * Table tests of `parseAppSpec`: every accepted form with the exact AppSpec it yields, and every
 * rejected form with the words a user would need to fix it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from 'fp-ts/Either';
import { parseAppSpec, type AppSpec } from '../../src/streams/app-spec';

const spec = (module: string, attribute?: string, args?: unknown[]): AppSpec => ({ module, attribute, args });

const valid: ReadonlyArray<readonly [string, AppSpec]> = [
  ['app', spec('app')],
  ['examples/hello.mjs', spec('examples/hello.mjs')],
  ['./dir/app.cjs', spec('./dir/app.cjs')],
  ['@scope/pkg', spec('@scope/pkg')],
  ['  app.mjs:app  ', spec('app.mjs', 'app')],
  ['app.mjs:application', spec('app.mjs', 'application')],
  ['pkg:routers.api.v1', spec('pkg', 'routers.api.v1')],
  ['m:$app_2', spec('m', '$app_2')],
  ['m:café', spec('m', 'café')],
  ['a:b:app', spec('a:b', 'app')],
  ['dir(1)/app.js', spec('dir(1)/app.js')],
  ['dir(1)/app.js:create()', spec('dir(1)/app.js', 'create', [])],
  ['m:create()', spec('m', 'create', [])],
  ['m:create( )', spec('m', 'create', [])],
  ['m:make.app()', spec('m', 'make.app', [])],
  ["m:create('x', 2)", spec('m', 'create', ['x', 2])],
  ['m:create("x", {"a": 1}, [true, null])', spec('m', 'create', ['x', { a: 1 }, [true, null]])],
  ['m:f(-1.5e3, 0, false)', spec('m', 'f', [-1500, 0, false])],
  ['m:f(\'it\\\'s\', "say \\"hi\\"")', spec('m', 'f', ["it's", 'say "hi"'])],
  ['m:f(\'a "quoted" word\')', spec('m', 'f', ['a "quoted" word'])],
  ['m:f("\\u00e9\\n")', spec('m', 'f', ['é\n'])],
  ["m:f(':)', 'a:b(')", spec('m', 'f', [':)', 'a:b('])],
  ["m:f({'k': ['v', {}], \"n\": []})", spec('m', 'f', [{ k: ['v', {}], n: [] }])],
];

for (const [text, expected] of valid) {
  test(`parses ${JSON.stringify(text)}`, () => {
    assert.deepStrictEqual(parseAppSpec(text), E.right(expected));
  });
}

test('a "__proto__" key in an object argument is an own key, as with JSON.parse', () => {
  const parsed = parseAppSpec('m:f({"__proto__": {"polluted": true}})');
  assert.ok(E.isRight(parsed));
  const [arg] = parsed.right.args ?? [];
  assert.deepStrictEqual(Object.keys(arg as object), ['__proto__']);
  assert.equal(Object.getPrototypeOf(arg), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

/** [input, words the one-line reason must contain] */
const invalid: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['', ['empty']],
  ['   ', ['empty']],
  [':app', ['module', 'empty']],
  ['mod:', ['export name', 'empty']],
  ['mod:  ', ['export name', 'empty']],
  ['mod:()', ['export name', 'empty']],
  ['mod:a-b', ['"a-b"', 'not an export name']],
  ['mod:a.', ['"a."', 'not an export name']],
  ['mod:.a', ['".a"', 'not an export name']],
  ['mod:a..b', ['"a..b"', 'not an export name']],
  ['mod:1app', ['"1app"', 'not an export name']],
  ['mod:create(', ['unbalanced', 'missing ")"']],
  ['mod:create((1)', ['unbalanced']],
  ['mod:create)', ['unbalanced', 'column 11']],
  ['mod:create())', ['unbalanced']],
  ['mod:create()x', ['unexpected text after ")"', '"x"']],
  ['mod:create()()', ['unexpected text after ")"']],
  ['app.mjs()', ['factory call needs', 'module:factory']],
  ["mod:f('abc)", ['unterminated string']],
  ['mod:f(x)', ['bad factory arguments', 'unexpected "x"', 'JSON literals']],
  ['mod:f(True)', ['bad factory arguments', 'use true']],
  ['mod:f(None)', ['use null']],
  ['mod:f(debug=true)', ['keyword arguments are not supported']],
  ['mod:f(1,)', ['expected a value']],
  ['mod:f(1 2)', ['expected ","', 'column 9']],
  ['mod:f(,)', ['expected a value']],
  ['mod:f([1, 2)', ['bad factory arguments']],
  ['mod:f({a: 1})', ['expected a quoted key']],
  ['mod:f({"a" 1})', ['expected ":"']],
  ['mod:f(01)', ['expected ","']],
  ['mod:f(-)', ['invalid number']],
  ['mod:f(NaN)', ['unexpected "NaN"']],
  ['mod:f("\\x41")', ['invalid string literal']],
];

for (const [text, words] of invalid) {
  test(`rejects ${JSON.stringify(text)}`, () => {
    const parsed = parseAppSpec(text);
    assert.ok(E.isLeft(parsed), `expected a Left, got ${JSON.stringify(parsed)}`);
    assert.doesNotMatch(parsed.left, /\n/);
    for (const word of words)
      assert.ok(parsed.left.includes(word), `${JSON.stringify(parsed.left)} should mention ${word}`);
  });
}
