import { strict as assert } from 'node:assert';
import { pythonFloat, pythonInt } from './python-casts.js';
import { compilePythonRegex } from './python-regex.js';
import { compareSemver, parseSemver } from './python-semver.js';
import { pythonStr } from './python-value.js';
import { DECIMAL_CLASS, WORD_CLASS } from './unicode-14-tables.js';

describe('Python casts', () => {
  it('int() and float() accept what Python accepts', () => {
    assert.equal(pythonInt('007'), 7);
    assert.equal(pythonInt(' -3 '), -3);
    assert.equal(pythonInt('+4'), 4);
    assert.equal(pythonInt('1_000'), 1000);
    assert.equal(pythonInt('4.0'), undefined);
    assert.equal(pythonInt(''), undefined);
    assert.equal(pythonInt('1__0'), undefined);
    assert.equal(pythonFloat('4.'), 4);
    assert.equal(pythonFloat('.5'), 0.5);
    assert.equal(pythonFloat('1e3'), 1000);
    assert.equal(pythonFloat('-Infinity'), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(pythonFloat('NaN')));
    assert.equal(pythonFloat('0x10'), undefined);
    assert.equal(pythonFloat('abc'), undefined);
  });
  it('str() prints like Python', () => {
    assert.equal(pythonStr(true), 'True');
    assert.equal(pythonStr(null), 'None');
    assert.equal(pythonStr(5), '5');
    assert.equal(pythonStr(1.5), '1.5');
    assert.equal(pythonStr(1e-5), '1e-05');
    assert.equal(pythonStr(1.25e-7), '1.25e-07');
    assert.equal(pythonStr(1e21), '1000000000000000000000');
  });
});

describe('Python regex', () => {
  it('returns undefined for patterns Python rejects', () => {
    assert.equal(compilePythonRegex('\\q'), undefined);
    assert.equal(compilePythonRegex('[a'), undefined);
    assert.equal(compilePythonRegex('(?L)a'), undefined);
    assert.equal(compilePythonRegex('a(?i)b'), undefined);
    assert.equal(compilePythonRegex('\\1(a)'), undefined);
  });
  it('reads Python semantics: `.`, `$`, (?m) and Unicode classes', () => {
    const matches = (pattern: string, text: string) => compilePythonRegex(pattern)?.(text);
    assert.equal(matches('a.b', 'a\rb'), true);
    assert.equal(matches('a.b', 'a\u2028b'), true);
    assert.equal(matches('a.b', 'a\nb'), false);
    assert.equal(matches('a$', 'a\n'), true);
    assert.equal(matches('a$', 'a\r'), false);
    assert.equal(matches('(?m)a$', 'a\u2028'), false);
    assert.equal(matches('(?m)a$\nb', 'a\nb'), true);
    assert.equal(matches('\\d+$', '١٢'), true);
    assert.equal(matches('\\w+$', 'é日本'), true);
    assert.equal(matches('\\s', '\u0085'), true);
    assert.equal(matches('\\s', '\ufeff'), false);
    assert.equal(matches('é\\b', 'é'), true);
    assert.equal(matches('(?a)\\w', 'é'), false);
    assert.equal(matches('(?x) a b # c', 'ab'), true);
    assert.equal(matches('[^\\W]', 'é'), true);
    assert.equal(matches('(?>a+)a', 'aaa'), false);
    assert.equal(matches('a*+a', 'aaa'), false);
    assert.equal(matches('(?s:.)b', '\nb'), true);
  });
  it('ignores case as Python does, not as JavaScript folds', () => {
    const matches = (pattern: string, text: string) => compilePythonRegex(pattern)?.(text);
    // Python: lower("İ") is "i", and re._casefix makes "i" and "ı" equivalent; JavaScript's `i` flag does neither.
    assert.equal(matches('(?i)i', 'İ'), true);
    assert.equal(matches('(?i)i', 'ı'), true);
    assert.equal(matches('(?i)[a-z]', 'ı'), true);
    assert.equal(matches('(?i)[^k]', '\u212a'), false);
    assert.equal(matches('(?i)σ', 'ς'), true);
    assert.equal(matches('(?i)ff', 'ﬀ'), false);
    assert.equal(matches('(?i:[a-z])b', 'Ab'), true);
    assert.equal(matches('(?i:[a-z])b', 'AB'), false);
    assert.equal(matches('(?i)(?-i:a)', 'A'), false);
    assert.equal(matches('(?i)(a)\\1', 'aA'), true);
    assert.equal(matches('(?:ab)++c', 'ababc'), true);
    assert.equal(matches('(a)*+a', 'aa'), false);
    assert.equal(matches('(a)(?>(b))\\2', 'abb'), true);
  });
  it('runs conditional groups and backreferences as Python (the backtracking matcher)', () => {
    const matches = (pattern: string, text: string) => compilePythonRegex(pattern)?.(text);
    assert.equal(matches('(a)?(?(1)b|c)', 'ab'), true);
    assert.equal(matches('(a)?(?(1)b|c)', 'c'), true);
    assert.equal(matches('(a)?(?(1)b|c)', 'b'), false);
    assert.equal(matches('(?P<x><)?a(?(x)>)$', '<a>'), true);
    assert.equal(matches('(?P<x><)?a(?(x)>)$', '<a'), false);
    // A group keeps its capture from an earlier iteration; a reference to a group that did not take part fails.
    assert.equal(matches('(?:(a)|b)*(?(1)x|y)', 'bax'), true);
    assert.equal(matches('(?:(a)|b)*(?(1)x|y)', 'bay'), false);
    assert.equal(matches('(a)?\\1', 'b'), false);
    // Case-insensitive references compare by simple lowercase, scoped flags included.
    assert.equal(matches('(?i)(ſ)\\1', 'ſs'), false);
    assert.equal(matches('(?i)(k)\\1', 'k\u212a'), true);
    assert.equal(matches('(?i)(a)(?-i:\\1)', 'aA'), false);
    assert.equal(matches('(?i)(?-i:(a))\\1', 'aA'), true);
    assert.equal(compilePythonRegex('(?(1)a|b|c)(x)'), undefined);
    assert.equal(compilePythonRegex('(?(2)a)(b)'), undefined);
    assert.equal(compilePythonRegex('(?<=a|bc)d'), undefined);
  });
  it('answers no match, without throwing, when a backtracking match exceeds its step bound', () => {
    const test = compilePythonRegex('(a*)*\\1b');
    assert.ok(test);
    assert.equal(test('a'.repeat(40)), false);
    assert.equal(test('aab'), true);
  });
  it('repeats a single character as a loop on the backtracking path, so long texts do not exhaust the stack', () => {
    const text = `aa${'x'.repeat(50_000)}`;
    assert.equal(compilePythonRegex('(a)\\1.*$')?.(text), true);
    assert.equal(compilePythonRegex('(a)\\1x*?$')?.(text), true);
    assert.equal(compilePythonRegex('(a)\\1x*+x')?.(text), false);
    assert.equal(compilePythonRegex('(a)\\1[x]{2,5}y')?.(text), false);
  });
  it("agrees with V8's property classes on Latin-1, where the fast twin of a \\w pattern runs", () => {
    const word = new RegExp(`^[${WORD_CLASS}]$`, 'u');
    const decimal = new RegExp(`^[${DECIMAL_CLASS}]$`, 'u');
    for (let codePoint = 0; codePoint <= 0xff; codePoint++) {
      const char = String.fromCodePoint(codePoint);
      assert.equal(word.test(char), /^[\p{L}\p{N}_]$/u.test(char), `\\w ${codePoint}`);
      assert.equal(decimal.test(char), /^\p{Nd}$/u.test(char), `\\d ${codePoint}`);
    }
    // Beyond Latin-1 the exact tables decide: U+1E4F1 is a digit to Node, not to Python 3.11.
    assert.equal(compilePythonRegex('a\\d')?.('a\u{1e4f1}'), false);
    assert.equal(compilePythonRegex('\\w+$')?.('ñandú_²'), true);
  });
  it('reads named characters and Unicode 14 tables as Python 3.11', () => {
    const matches = (pattern: string, text: string) => compilePythonRegex(pattern)?.(text);
    assert.equal(matches('\\N{latin small letter a}', 'a'), true);
    assert.equal(matches('[\\N{LATIN SMALL LETTER A}-\\N{LATIN SMALL LETTER C}]', 'b'), true);
    assert.equal(matches('\\N{HANGUL SYLLABLE GAGG}', '\uac02'), true);
    assert.equal(matches('\\N{CJK UNIFIED IDEOGRAPH-4E00}', '\u4e00'), true);
    assert.equal(compilePythonRegex('\\N{cjk unified ideograph-4E00}'), undefined);
    assert.equal(compilePythonRegex('\\N{NO SUCH NAME}'), undefined);
    // Assigned after Unicode 14: a Nag Mundari digit (Unicode 15) and a Cyrillic capital letter (Unicode 16).
    assert.equal(matches('\\d', '\u{1e4f1}'), false);
    assert.equal(matches('\\w', '\u1c89'), false);
    assert.equal(matches('(?i)\u1c89', '\u1c8a'), false);
    assert.equal(pythonInt('\u{1e4f1}'), undefined);
    assert.equal(pythonInt('\u0661'), 1);
  });
  it('is reusable: the sticky index is reset on every test', () => {
    const test = compilePythonRegex('a+');
    assert.ok(test);
    assert.equal(test('aaa'), true);
    assert.equal(test('aaa'), true);
    assert.equal(test('baa'), false);
  });
});

describe('python-semver', () => {
  it('parses strict versions only', () => {
    assert.deepEqual(parseSemver('1.2.3-beta.1+b.2'), {
      major: 1,
      minor: 2,
      patch: 3,
      prerelease: ['beta', 1],
      prereleaseText: 'beta.1',
      build: 'b.2',
    });
    // Python's `\d` is Unicode: python-semver reads Arabic-Indic digits.
    assert.equal(parseSemver('1.2٠.3')?.minor, 20);
    assert.equal(parseSemver('1.12345678901234567890.0')?.minor, 12345678901234567890n);
    assert.equal(parseSemver('١.2.3'), undefined);
    for (const bad of ['1.2', 'v1.2.3', '1.2.3-', '1.2.3-01', ' 1.2.3', '1.2.3.4']) {
      assert.equal(parseSemver(bad), undefined, bad);
    }
  });
  it('orders releases and pre-releases as semver 2', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.1.0',
      '2.0.0',
    ];
    for (let i = 1; i < ordered.length; i++) {
      const lower = parseSemver(ordered[i - 1] as string);
      const higher = parseSemver(ordered[i] as string);
      assert.ok(lower && higher);
      assert.equal(compareSemver(lower, higher), -1, `${ordered[i - 1]} < ${ordered[i]}`);
      assert.equal(compareSemver(higher, lower), 1);
    }
  });
});
