// Hand-listed corners for the Python-engine oracle, crossed exhaustively (no randomness): Python regex patterns
// against texts around `.`, `$`, line terminators, Unicode classes and case-insensitivity; int()/float() casts of
// condition values (Unicode digits and spaces, underscores, digit limits) against ints, floats and big ints; and
// RFC 9535 queries (wildcards, descendants, slices, filters, functions) over traits of every shape.
//   npx tsx test/python-oracle/generate-targeted-cases.ts > cases-in.json
import { PythonFloat } from '../../core/evaluation/python-value.js';

const f = (value: number) => new PythonFloat(value);

// Left out, because Vexil cannot give Python's answer (core/evaluation/README.md, Known gaps): conditional groups
// `(?(1)…)` and named characters `\N{…}`.
const PATTERNS: readonly string[] = [
  '(?i:[a-z])',
  '(a)*+b',
  '(?>(a))b',
  '(?<=a+)b',
  '(?i)σας',
  '(?i)ΣΑΣ',
  '(?i)ff',
  '(?i)FF',
  '[^\\W\\d]',
  '\\w\\b',
  '(?x)[#]a',
  'a{3,2}',
  'a{0}b',
  '(?m)^$',
  '$',
  'a$',
  '(?i)İ',
  '(?i)i',
  '(?i)ß',
  '(?i)ẞ',
  '(?i)k',
  '(?i)[k]',
  '(?i)[^k]',
  '(?i)\\u212a',
  '[\\u212a]',
  '(?i)[a-z]',
  '(?i:a)',
  '(?-i:a)',
  '(?i)(?-i:a)',
  '\\d',
  '[\\d]',
  '\\s',
  '[\\s]',
  '\\S',
  '\\W',
  '.',
  '(?s).',
  '^.$',
  '(?u)a',
  '(?a)\\s',
  '(?a)[\\S]',
  '(?i)\\w',
  'ǅ',
  '(?i)ǆ',
  '(?i)Ǆ',
  '[[]',
  '[a[]',
  '[a&&b]',
  '[a--b]',
  '[a||b]',
  '\\ca',
  '\\e',
  '\\g<1>',
  '(?P<a>x)(?P=a)',
  '(?P<a>x)\\g<a>',
  '(?:a|)',
  '(?#x',
  'a(?#x)b',
  '(?<!a+)b',
  '(?=a+)',
  '\\1',
  '(a)\\2',
  '(?P<1a>x)',
  'a{1,}+',
  'a?+',
  'a++',
  '(?:ab)++c',
  '[\\x00-\\x7f]',
  '\\x7f',
  '\\0101',
  '\\400',
  '\\08',
  '[\\08]',
  '\\11',
  '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10',
  '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\11',
];
const TEXTS: readonly string[] = [
  'a',
  'A',
  'b',
  'ab',
  'ba',
  'aab',
  'σας',
  'ΣΑΣ',
  'ς',
  'ff',
  'FF',
  'ﬀ',
  'é',
  '1',
  '١',
  ' ',
  '\u00a0',
  '\u0085',
  '\n',
  'a\n',
  'a\n\n',
  '',
  'İ',
  'i',
  'ı',
  'ß',
  'ẞ',
  'ss',
  'K',
  'k',
  '\u212a',
  'ǅ',
  'ǆ',
  'Ǆ',
  '[',
  '&',
  '-',
  '|',
  '\x01',
  '\x1b',
  'aa',
  'abc',
  'x',
  '\x7f',
  'A1',
  '\x00',
  '\x08',
  '\t',
  'abcdefghijj',
  'abcdefghija1',
  '😀',
  'a😀',
];
const CONDITION_VALUES: readonly string[] = [
  '٣',
  ' ٣ ',
  '\u20037',
  '1_0.5',
  '١e٣',
  '𝟙',
  '７',
  '\u00b2',
  '½',
  '1\u00a0',
  '\u2028 1',
  '1__0',
  '0x10',
  '1e',
  '+.5',
  '-.5e-3',
  'Infinity',
  '+inf',
  'iNfInItY',
  '-nan',
  '1.5e+308',
  '1e309',
  '0001',
  '00',
  '-0',
  '+0',
  '١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠',
  '9'.repeat(4301),
  '9'.repeat(4300),
  `1.${'0'.repeat(400)}`,
  '\t\n\v\f\r 5 \x1c\x1d\x1e\x1f',
];
const CONTEXT_VALUES: readonly unknown[] = [
  3,
  10.5,
  f(3),
  1.5,
  12345678901234567890123n,
  true,
  false,
  'x',
  0,
  f(0),
  f(-0),
  -0.0,
];
const PATHS: readonly string[] = [
  '$.identity.traits.*',
  '$..*',
  '$..a',
  '$..[0]',
  '$..[1]',
  '$.identity.traits[*][0]',
  '$.identity.traits[?@.x]',
  '$.identity.traits[?@.x == 1]',
  '$.identity.traits[?@.x > 0]',
  '$.identity.traits[?@ == "b"]',
  '$.identity.traits[?@ == 1]',
  '$.identity.traits[?@ == true]',
  '$.identity.traits[?@ == 1.0]',
  '$.identity.traits[?@ != 1]',
  '$.identity.traits[?@ < 3]',
  '$.identity.traits[?@ >= 1]',
  '$.identity.traits[?@ <= "😀"]',
  '$.identity.traits[?@ > "a"]',
  '$.identity.traits[?!@.x]',
  '$.identity.traits[?@.x && @.y]',
  '$.identity.traits[?@.x || @.y]',
  '$.identity.traits[?(@.x == 1)]',
  '$.identity.traits[?length(@) == 2]',
  '$.identity.traits[?length(@) > 1]',
  '$.identity.traits[?count(@.*) == 2]',
  '$.identity.traits[?match(@, "b")]',
  '$.identity.traits[?search(@, "b")]',
  '$.identity.traits[?match(@, "[a-z]+")]',
  '$.identity.traits[?value(@.x) == 1]',
  '$.identity.traits.l[0:2]',
  '$.identity.traits.l[-1:]',
  '$.identity.traits.l[::2]',
  '$.identity.traits.l[::-1]',
  '$.identity.traits.l[5:0:-2]',
  '$.identity.traits.l[-2]',
  '$.identity.traits.l[0,1]',
  "$.identity.traits['a','b']",
  '$.identity.traits.o.*',
  '$.identity.traits.o[*]',
  '$.identity.traits[?@ == null]',
  '$.identity.traits[?@ == @]',
  '$.identity.traits[?@.x == @.y]',
  '$[?@.identifier]',
  '$[*].identifier',
  '$.*.identifier',
  '$.identity[?@ == "u"]',
  '$.identity.traits[?@ == -0]',
  '$.identity.traits[?@ == 1e0]',
  '$.identity.traits[?@ == 0.1]',
  '$.identity.traits[?@>1]',
  '$.identity.traits[?@ in [1]]',
  '$.identity.traits[?@ =~ /a/]',
  '$.identity.traits[ ?@ == 1 ]',
  "$['identity']['traits']['a']",
  "$.identity.traits['\\u0061']",
  "$.identity.traits['\\ud83d\\ude00']",
  "$.identity.traits['\\'']",
  '$.identity.traits."a"',
  '$.identity.traits.a.b.c',
  '$.identity.traits[0:1:0]',
  '$.identity.traits.l[9007199254740991]',
  '$.identity.traits.l[-9007199254740991]',
  '$.identity.traits.l[1:9007199254740993]',
  '$.identity.traits[?length(@.*) == 1]',
  '$.identity.traits[?count(@) == 1]',
  '$.identity.traits[?match(@.x)]',
  '$.identity.traits[?@.x == @.*]',
  '$.identity.traits[?true]',
  '$.identity.traits[?1 == 1]',
  '$.identity.traits[?"a" == "a"]',
  '$.identity.traits[?@ == "\\u00e9"]',
  '$.identity.traits[?match(@, "\\\\p{L}+")]',
  '$.identity.traits[?match(@, ".")]',
  '$.identity.traits[?match(@, "a|")]',
];
const TRAIT_SETS: readonly Record<string, unknown>[] = [
  { a: 1, b: 'b', l: [1, 2, 3, 'x'], o: { x: 1, y: 2 } },
  { b: [1, 2], a: { x: 1, y: 'b' }, '2': 'two', '1': 1, l: [] },
  { a: true, b: new PythonFloat(1), c: 'é', d: '😀', e: 'ab', o: { x: 0 }, l: [null, 'b'] },
  { a: null, b: 'aa', l: [[1], { x: 1 }], o: {} },
  { a: 3, b: 2.5, c: 'c1', l: ['a', 'b', 'c', 'd', 'e', 'f'], o: { y: 1, x: 1 } },
];
const CANDIDATES = [
  '1',
  '2',
  '3',
  'b',
  'x',
  'two',
  'é',
  '😀',
  'ab',
  'aa',
  'c1',
  'a',
  'd',
  'f',
  'e',
  'c',
  'u',
  'True',
  '0',
];

interface Case {
  id: string;
  topic: string;
  context: unknown;
}

/** One context per row: trait `t<i>` holds the i-th value and segment `s<i>` tests it, so each segment is a case. */
function row(conditions: readonly Record<string, unknown>[], values: readonly unknown[]): unknown {
  const segments = new Map<string, unknown>();
  const traits: Record<string, unknown> = {};
  values.forEach((value, index) => {
    traits[`t${index}`] = value;
    const condition = { ...(conditions[index] ?? conditions[0]), property: `t${index}` };
    segments.set(`s${index}`, {
      key: `s${index}`,
      name: `s${index}`,
      rules: [{ type: 'ALL', conditions: [condition] }],
    });
  });
  return {
    environment: { key: 'e', name: 'n' },
    identity: { identifier: 'u', traits },
    segments,
    features: {},
  };
}

export function generateTargetedCases(): Case[] {
  const cases: Case[] = [];
  const add = (topic: string, context: unknown) => {
    cases.push({ id: `targeted-${topic}-${cases.length}`, topic, context });
  };
  // A pattern Python cannot compile raises for its whole context: one context per pattern, one segment per text.
  for (const pattern of PATTERNS) add('REGEX', row([{ operator: 'REGEX', value: pattern }], TEXTS));
  for (const operator of ['EQUAL', 'GREATER_THAN', 'LESS_THAN_INCLUSIVE', 'NOT_EQUAL']) {
    for (const value of CONDITION_VALUES) add(operator, row([{ operator, value }], CONTEXT_VALUES));
  }
  for (const property of PATHS) {
    for (const traits of TRAIT_SETS) {
      // Whether the query finds a value, and which (an int or str among the candidates, a float, a str).
      const segments = new Map<string, unknown>();
      const conditions = [
        { property, operator: 'IS_SET', value: '' },
        { property, operator: 'IN', value: CANDIDATES },
        { property, operator: 'EQUAL', value: '1.0' },
        { property, operator: 'REGEX', value: '.*[a-zé😀]' },
      ];
      conditions.forEach((condition, index) => {
        segments.set(`s${index}`, {
          key: `s${index}`,
          name: `s${index}`,
          rules: [{ type: 'ALL', conditions: [condition] }],
        });
      });
      add('JSONPath', {
        environment: { key: 'e', name: 'n' },
        identity: { identifier: 'u', traits },
        segments,
        features: {},
      });
    }
  }
  return cases;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { stringifyJson } = await import('../../core/evaluation/python-json.js');
  process.stdout.write(stringifyJson({ seed: 0, cases: generateTargetedCases() }));
}
