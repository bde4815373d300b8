// Random evaluation contexts for the Python-engine oracle: every condition operator over every value type, plus
// the shapes that decide a result beyond one condition (override priority ties, integer-like segment keys,
// multivariate weights, metadata, environment-only contexts, JSONPath properties). Values are built in Vexil's
// Python-value convention (PythonFloat for `2.0`, bigint past 2^53) and written with stringifyJson, so the Python
// engine reads exactly the types meant.
//
//   npx tsx test/python-oracle/generate-cases.ts SEED COUNT > cases-in.json
//
// The answers come from Flagsmith's Python engine (see README.md beside this file); record-answers.ts stores them.
import { CONDITION_OPERATORS } from '../../core/evaluation/compile-condition.js';
import { PythonFloat } from '../../core/evaluation/python-value.js';
import { type SeededRandom, seededRandom } from '../differential/seeded-random.js';

export interface GeneratedCase {
  id: string;
  /** What the case is about: a condition operator, or a shape such as "priority" or "multivariate". */
  topic: string;
  context: unknown;
}

const f = (value: number) => new PythonFloat(value);

const STRINGS: readonly unknown[] = [
  '',
  'a',
  'abc',
  'Abc',
  'a b',
  '007',
  '7',
  '-3',
  '2',
  '2.0',
  '2.5',
  '-0',
  '0.1',
  '00.5',
  '1_000',
  ' 5',
  '5 ',
  '\t7\n',
  '1e3',
  'inf',
  'nan',
  'True',
  'true',
  'False',
  'None',
  '١٢',
  '٣.٥',
  '𝟙𝟚',
  '1.2.3',
  '1.2.3-beta',
  '1.2.3-beta+build.5',
  '1.2.3-beta.2',
  '2.0.0',
  '10.0.0-rc.1',
  '1.2.3\n',
  '١.٢.٣',
  'line\nbreak',
  'ab\n',
  'a\r',
  'a\rb',
  'x\u2028y',
  'x\u2028',
  'é',
  'É',
  'ß',
  '日本',
  '😀',
  '\uffff',
  'ab_c',
  'a-b',
  '[1, 2]',
  '123456789012345678901234567890',
  '9007199254740993',
  '12abc',
  'a,b',
  '٣',
  '\u00a05',
  'a\r\nb',
  'a\u2029',
  '\u0085',
  '\u3000',
  '\x1c',
  'b',
  'aa',
  'aaa',
  'ba',
  'AB',
  'ǅ',
  'İ',
  'ı',
  'ﬀ',
  '\u212a',
  'straße',
  'STRASSE',
  '٠',
  'a\u0301',
  '1.2.3-rc.1+b',
  '1.2.3-beta+build.5\n',
  '١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠',
  '99999999999999999999.5',
  '-0.0',
];
const INTS: readonly unknown[] = [
  0,
  1,
  -1,
  2,
  7,
  12,
  30,
  100,
  -5,
  9007199254740993n,
  -123456789012345678901n,
];
const FLOATS: readonly unknown[] = [f(2), f(-0), f(7), 2.5, 1.5, 0.1, -2.75, f(1e20), 1e-5, 3.25159, f(100)];
const BOOLS: readonly unknown[] = [true, false];
const OTHERS: readonly unknown[] = [null, [1, 'a'], { a: 1 }];

function traitValue(random: SeededRandom): unknown {
  const pool = random.pick([STRINGS, STRINGS, STRINGS, INTS, FLOATS, BOOLS, OTHERS]);
  return random.pick(pool);
}

const TRAIT_NAMES = [
  'a',
  'b',
  'n',
  '$.a',
  'a b',
  '$.identity.identifier',
  '$.environment.name',
  '7',
  '10',
  '$.identity.traits.a',
  '$[',
];

const COMPARISON_VALUES = [
  '7',
  '007',
  '2',
  '2.0',
  '2.1',
  '2.5',
  '-3',
  '0',
  '1',
  '30',
  '1_000',
  '١٢',
  '٣.٥',
  ' 7 ',
  '\u20037',
  'abc',
  'a',
  '',
  'True',
  'true',
  'false',
  'False',
  'None',
  '1.2.3:semver',
  '1.2.4:semver',
  '1.2.3-beta:semver',
  '1.2.3-alpha:semver',
  '2.0.0:semver',
  'beta:semver',
  'build.5:semver',
  '1.2:semver',
  '١.٢.٣:semver',
  'inf',
  '-inf',
  'nan',
  '1e3',
  '0.1',
  '9007199254740993',
  '9007199254740992',
  '123456789012345678901234567890',
  '😀',
  '\uffff',
  'é',
  'ß',
  '日本',
  '1.5',
  '2.75',
];
const CONTAINS_VALUES = [
  'a',
  '',
  '7',
  'b',
  'beta:semver',
  'build.5:semver',
  '1.2.3:semver',
  'é',
  '\n',
  '2.0',
];
const REGEX_VALUES = [
  '.',
  'a.c',
  'a.b',
  '^a',
  'a$',
  'ab$',
  '(?m)a$',
  '(?m)^b',
  '(?m)x$',
  'x.',
  'x$',
  '(?s).+',
  '.*$',
  '.+b',
  '\\d+',
  '\\d',
  '\\w+',
  '\\w',
  '\\W',
  '\\s',
  '\\S+',
  '\\D',
  '\\bé',
  'a\\b',
  '\\B',
  '[\\d]+',
  '[^\\w]',
  '[\\s\\d]',
  '[\\W]',
  '(?i)ABC',
  '(?i)é',
  '(?a)\\w',
  '(?a)\\d',
  '7',
  '0',
  'True',
  'None',
  '2\\.0',
  '2\\.5',
  '[0-9]+\\.[0-9]+$',
  '-?\\d+$',
  '(?P<x>a)(?P=x)',
  '\\Aa',
  'a\\Z',
  'a{,2}',
  '(?x) a b # c',
  '(?x)a\\ b',
  '[',
  '\\q',
  '(?i:a)b',
  'a*+',
  '(?>a+)b',
  '\\x41',
  '\\u00e9',
  '\\U0001F600',
  '',
  'x|',
  '\\$',
  'a\\-b',
  '\\d{2}',
  'a{',
  'a}',
  ']',
  '(?#c)a',
  '.\\r',
  '[^a]',
  '[]a]',
  '1',
  '9',
  '1\\.2',
  '.*beta',
  'é',
  '😀',
  '.$',
  '\\n',
  '\\r',
  '(?m)^a',
  '(?m).$',
  'a\\r$',
  '.\\u2028',
  '(?s)a.b',
  'a\\s+b',
  // The backtracking path (conditional groups, backreferences) and named characters.
  '(a)?(?(1)b|c)',
  '(?P<q>x)?(?(q)y|\\d)',
  '(.)\\1',
  '(?i)(.)\\1',
  '(?i)(.)(?-i:\\1)',
  '(?:(a)|b)*\\1',
  '\\N{LATIN SMALL LETTER A}',
  '\\N{digit one}',
  '(?<=a|bc)',
  '\\w\\b',
  '\\b\\w+\\b$',
  '[\\w\\s]+$',
  '(?i)straße',
  '(?i)[a-z]+$',
  '[a-z]+$',
  '(?u)\\w',
  '\\Ba',
  'a{2,}',
  'a{,}',
  'a{1,2}?b',
  '\\0',
  '\\07',
  '\\101',
  '(a)\\1',
  '(a)(b)\\2',
  '\\8',
  '[\\b]',
  '[a\\-z]+$',
  '[\\]]',
  '(?<=a)b',
  '.(?<=a)b',
  '(?<!a)b',
  '(?=a)',
  '(?!a).',
  'a|b|',
  '(|a)b',
  '()',
  '^$',
  '$^',
  '\\Z',
  '(?m)$',
  '(?m)a\\Z',
  '(?i)ǆ',
  '(?i)\\u212a',
  '(?i)k',
  '(?P<n>\\d)(?P=n)',
  '(?P<1>a)',
  '(?P<é>a)',
  '[[:alpha:]]',
  '(?:a|b)+$',
  '\\d\\d?$',
  'x{2}{3}',
  'a**',
  '(?x)[ ]',
  '(?x)a#\\nb',
  '(?s)(?m)^.$',
  '(?is)A.',
  '(?a:\\w)',
  '(?i:[a])',
  '[\\S]',
  '[\\D]+$',
  '[^\\s\\d]',
  '[\\W\\d]',
  '\\x',
  '\\u12',
  '\\U0010ffff',
  '\\U00110000',
  '[z-a]',
  '[\\d-z]',
  '\\',
  ')',
  '(?<x>a)',
  '1|2|3',
  '-?\\d+(\\.\\d+)?$',
  '(?i)i',
  '(?i)İ',
  '(?i)ı',
  '(?i)σ',
  '(?i)[^k]',
  '(?i:[a-z])b',
  '(?i)(?-i:a)',
  '(?i)(a)\\1',
  '(?:ab)++c',
  '(a)*+a',
  '(a)(?>(b))\\2',
  '(?i)ß',
  '(?i)[ß]',
];
const MODULO_VALUES = [
  '2|0',
  '2|1',
  '3|1',
  '2.5|0.5',
  '-2|0',
  '2|-0',
  '0|0',
  'a|b',
  '2',
  '2|0|1',
  '1.5|1',
  '١|0',
  'inf|0',
  '2|0.0',
  '3|2',
  '7|0',
  '10|7',
  '2.5|2',
  '',
  '1e1|7',
];
const IN_STRING_VALUES = [
  'a,b',
  '7,8',
  '',
  ',',
  'a, b',
  'abc',
  '["a","b"]',
  '[1,2]',
  '[7]',
  '[1.0,2]',
  '[2.0]',
  '[true,null]',
  '[[1,2],{"a":1}]',
  ' [1,2]',
  '[1,2',
  '["7"]',
  '[]',
  '[NaN]',
  '[1e2]',
  '[100]',
  '2.0,2',
  'True,False',
  '[12345678901234567890]',
  '[-0]',
  '[1.5]',
  '["a" ,"b" ]',
  "['a']",
  '007,7',
  '[0.1]',
  '[1E400]',
  '["é","😀"]',
  '[1,2] ',
  '[1,2]x',
  '-3,2.5',
  'None',
];
const IN_LIST_VALUES: readonly unknown[] = [
  ['a', 'b'],
  ['7', '8'],
  [1, '7'],
  [f(2)],
  [true],
  [null],
  [[1]],
  [],
  ['', 'a'],
  ['007'],
  [2.5],
];
const PERCENTAGE_VALUES = [
  '0',
  '50',
  '100',
  '33.3',
  'abc',
  '',
  ' 50 ',
  '١٠٠',
  'inf',
  'nan',
  '-1',
  '99.99',
  '5',
];

const JSON_PATHS = [
  '$.identity.identifier',
  '$.identity.key',
  '$.identity.traits.a',
  "$.identity.traits['a b']",
  '$.identity.traits["a"]',
  '$.environment.name',
  '$.environment.key',
  '$.a',
  '$.identity.traits.*',
  '$..identifier',
  '$.identity.traits[?@ == 7]',
  '$.identity.traits[?@ > 1]',
  '$.identity.traits[?length(@) > 2]',
  '$.identity.traits[?match(@, "a.*")]',
  '$.identity.traits[0]',
  '$.identity.traits.n[0]',
  '$.identity.traits.n[-1]',
  '$.identity.traits.n[0:1]',
  '$.identity.traits.n[*]',
  "$.identity['identifier']",
  '$.identity.traits.7',
  "$.identity.traits['7']",
  '$[',
  '$.identity.traits.',
  '$.nope',
  '$.identity.traits[01]',
  "$.identity.traits['\\q']",
  '$.features.f0.value',
  '$.features.f0.name',
  '$.segments.*.name',
  '$.environment',
  '$ .identity.identifier',
  '$.identity .identifier',
  '$..a',
  '$..[0]',
  '$.identity.traits[?@.x == 1]',
  '$.identity.traits[?@ == "a"]',
  '$.identity.traits[?@ == 2.0]',
  '$.identity.traits[?@ == true]',
  '$.identity.traits[?search(@, "b")]',
  '$.identity.traits[?count(@.*) > 0]',
  '$.identity.traits[?value(@..x) == 1]',
  '$.identity.traits[*].x',
  '$.identity.traits.n[1:]',
  '$.identity.traits.n[::-1]',
  '$.identity.traits.n[?@ > 0]',
  '$.identity.traits.n.*',
  "$.identity.traits['$.a']",
  '$.identity.traits["\u0061"]',
  "$.identity.traits['a','b']",
  '$.identity.traits[?@ < "b"]',
  '$.identity.traits[?length(@) == 1]',
  '$.identity.traits[?foo(@)]',
  '$.identity.traits[?length(@.*) > 0]',
  '$.identity.traits.n[9007199254740992]',
  '$.segments.*.key',
  '$.features.*.value',
  '$.environment.*',
  '$.identity.identifier.x',
  '$.identity.traits.a[0]',
  '$["identity"]["key"]',
  '$.identity.key[0]',
  '$..[0]',
  '$..[1]',
  '$.identity.traits[?match(@, ".")]',
  '$.identity.traits[?search(@, "b")]',
  '$.identity.traits[?@ == "b"]',
  '$.identity.traits.n[?@ == 1]',
];

function propertyFor(random: SeededRandom): string {
  if (random.chance(0.35)) return random.pick(JSON_PATHS);
  return random.pick(TRAIT_NAMES);
}

function conditionValue(random: SeededRandom, operator: string): unknown {
  // Outside the schema (a str, or a list for IN), which Python answers for some operators and raises for others.
  if (random.chance(0.04)) return random.pick([null, 7, f(2), 2.5, true, ['a', 7], { a: 1 }, '']);
  switch (operator) {
    case 'CONTAINS':
    case 'NOT_CONTAINS':
      return random.chance(0.5) ? random.pick(CONTAINS_VALUES) : random.pick(COMPARISON_VALUES);
    case 'REGEX':
      return random.pick(REGEX_VALUES);
    case 'MODULO':
      return random.pick(MODULO_VALUES);
    case 'IN':
      return random.chance(0.7) ? random.pick(IN_STRING_VALUES) : random.pick(IN_LIST_VALUES);
    case 'PERCENTAGE_SPLIT':
      return random.pick(PERCENTAGE_VALUES);
    case 'IS_SET':
    case 'IS_NOT_SET':
      return random.pick(['', 'x']);
    default:
      return random.pick(COMPARISON_VALUES);
  }
}

function traits(random: SeededRandom): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const count = random.int(5);
  for (let i = 0; i < count; i++) result[random.pick(TRAIT_NAMES)] = traitValue(random);
  if (random.chance(0.3)) result.n = random.pick([[1, 'a', f(2)], { x: 1 }, []]);
  return result;
}

function identity(random: SeededRandom): unknown {
  const identifier = random.pick(['user-1', 'user-2', '007', '42', 'é', 'a b', '2.0', '😀', '', 'True']);
  const result: Record<string, unknown> = { identifier };
  if (random.chance(0.3)) result.key = random.pick(['key-1', '', '7', `env_${identifier}`]);
  if (random.chance(0.9)) result.traits = traits(random);
  return result;
}

function feature(random: SeededRandom, index: number, multivariate: boolean): Record<string, unknown> {
  const name = `f${index}`;
  const result: Record<string, unknown> = {
    key: String(random.pick([index, 100 + index, 'uuid-x'])),
    name,
    enabled: random.chance(0.7),
    value: random.pick([null, 'v', 7, f(2), 2.5, true, '']),
  };
  if (random.chance(0.3)) result.metadata = random.pick([{}, { id: index }]);
  if (multivariate) {
    const variants: Record<string, unknown>[] = [];
    const count = 1 + random.int(3);
    for (let v = 0; v < count; v++) {
      const variant: Record<string, unknown> = {
        value: random.pick([`mv${v}`, v, f(v), null]),
        weight: random.pick([50, f(50), 30, f(33.5), 0, f(0), 100, 25, 12.5, f(10)]),
        priority: random.pick([v, 1, 0, 2, f(1), 9007199254740993n]),
      };
      if (random.chance(0.6)) variant.key = random.pick([`k${v}`, '', 'control']);
      variants.push(variant);
    }
    result.variants = variants;
  }
  return result;
}

function override(
  random: SeededRandom,
  features: readonly Record<string, unknown>[],
): Record<string, unknown> {
  const base = random.pick(features);
  const result: Record<string, unknown> = {
    key: random.pick([base.key, 'ov-key']),
    name: base.name,
    enabled: random.chance(0.5),
    value: random.pick([`ov-${random.int(100)}`, 0, f(1), false]),
  };
  if (random.chance(0.8)) {
    result.priority = random.pick([0, 1, 1, 2, f(1), 1.5, -1, 9007199254740993n, 9007199254740992n]);
  }
  if (random.chance(0.2)) result.metadata = random.pick([{}, { s: 'x' }]);
  if (random.chance(0.2))
    result.variants = [{ value: 'ov-mv', weight: random.pick([100, f(100), 50]), priority: 0 }];
  return result;
}

function rule(random: SeededRandom, operator: string, depth: number): Record<string, unknown> {
  const conditions: Record<string, unknown>[] = [];
  const count = depth === 0 ? 1 + random.int(2) : random.int(3);
  for (let i = 0; i < count; i++) {
    const property =
      operator === 'PERCENTAGE_SPLIT' && random.chance(0.4) ? random.pick(['', '']) : propertyFor(random);
    conditions.push({ property, operator, value: conditionValue(random, operator) });
  }
  const result: Record<string, unknown> = { type: random.pick(['ALL', 'ALL', 'ANY', 'NONE']) };
  if (conditions.length > 0 || random.chance(0.5)) result.conditions = conditions;
  if (depth < 2 && random.chance(0.25)) result.rules = [rule(random, operator, depth + 1)];
  return result;
}

const SHAPES = ['priority', 'multivariate', 'environment-only', 'metadata', 'segment-order'];

function generateCase(random: SeededRandom, index: number): GeneratedCase {
  const topic = random.chance(0.8) ? random.pick(CONDITION_OPERATORS) : random.pick(SHAPES);
  const operatorFor = () => (CONDITION_OPERATORS.includes(topic) ? topic : random.pick(CONDITION_OPERATORS));
  const featureCount = 1 + random.int(3);
  const features = Array.from({ length: featureCount }, (_, i) =>
    feature(random, i, topic === 'multivariate' ? random.chance(0.8) : random.chance(0.15)),
  );
  const segmentKeys =
    topic === 'segment-order' || random.chance(0.2)
      ? random.pick([
          ['10', '2', '1'],
          ['b', '3', 'a'],
          ['2', '10'],
        ])
      : ['s1', 's2', 's3', 's4'].slice(0, 1 + random.int(4));
  const segments: Record<string, unknown> = {};
  const keyOrder: string[] = [];
  for (const key of segmentKeys) {
    const segment: Record<string, unknown> = {
      key,
      name: random.pick([`seg-${key}`, 'same-name', `seg-${key}`]),
      rules: random.chance(0.05) ? [] : [rule(random, operatorFor(), 0)],
    };
    if (topic === 'priority' || topic === 'segment-order' || random.chance(0.5)) {
      segment.overrides = Array.from({ length: 1 + random.int(2) }, () => override(random, features));
    }
    if (topic === 'metadata' || random.chance(0.2))
      segment.metadata = random.pick([{}, { id: 1 }, { a: [] }]);
    segments[key] = segment;
    keyOrder.push(key);
  }
  const context: Record<string, unknown> = {
    environment: {
      key: random.pick(['env', 'api-key', '7']),
      name: random.pick(['Prod', '123', '007', 'é']),
    },
    segments: orderedObject(keyOrder, segments),
    features: Object.fromEntries(features.map((item) => [item.name as string, item])),
  };
  if (topic === 'environment-only') {
    if (random.chance(0.3)) context.identity = null;
  } else if (random.chance(0.93)) context.identity = identity(random);
  return { id: `${topic}-${index}`, topic, context };
}

/** A Map keeps the generated key order (stringifyJson writes it as is; a plain object would hoist "2" and "10"). */
function orderedObject(keys: readonly string[], values: Record<string, unknown>): Map<string, unknown> {
  return new Map(keys.map((key) => [key, values[key]]));
}

export function generateCases(seed: number, count: number): GeneratedCase[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => generateCase(random, index));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { stringifyJson } = await import('../../core/evaluation/python-json.js');
  const seed = Number(process.argv[2] ?? 1);
  const count = Number(process.argv[3] ?? 1000);
  process.stdout.write(stringifyJson({ seed, cases: generateCases(seed, count) }));
}
