// JSON as Python's `json` module reads and writes it, without losing what JSON.parse loses: `2.0` stays a float
// (PythonFloat), integers beyond 2^53 stay exact (bigint), NaN/Infinity are accepted, and an object's key order is
// kept even for integer-like keys (recorded under KEY_ORDER, which `orderedEntries` reads). Flagsmith's engine
// sees exactly these types, so a document or context read with `parseJson` evaluates as Python would.
import {
  canonicalFloat,
  canonicalInt,
  floatRepr,
  KEY_ORDER,
  orderedEntries,
  toScalar,
} from './python-value.js';

export class JsonSyntaxError extends SyntaxError {}

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
// Python's json module recurses; past CPython's recursion limit it raises RecursionError.
const MAX_DEPTH = 980;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Whether JavaScript would enumerate these keys in another order than they were inserted. */
function reordersKeys(keys: readonly string[]): boolean {
  const natural = Object.keys(Object.fromEntries(keys.map((key) => [key, 0])));
  if (natural.length !== keys.length) return true;
  return natural.some((key, index) => key !== keys[index]);
}

class Parser {
  position = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new JsonSyntaxError(`${message} at position ${this.position}`);
  }

  skipWhitespace(): void {
    WHITESPACE.lastIndex = this.position;
    WHITESPACE.exec(this.text);
    this.position = WHITESPACE.lastIndex;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.skipWhitespace();
    const text = this.text;
    const char = text[this.position];
    if (char === '{') return this.object(depth);
    if (char === '[') return this.array(depth);
    if (char === '"') return this.string();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
    ] as const) {
      if (text.startsWith(word, this.position)) {
        this.position += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.position;
    const match = NUMBER.exec(text);
    if (!match) this.fail('expecting value');
    this.position = NUMBER.lastIndex;
    const lexeme = match[0];
    if (match[1] !== undefined || match[2] !== undefined) return canonicalFloat(Number(lexeme));
    if (lexeme.length <= 15) return Number(lexeme) || 0;
    // Python's int() refuses more than 4,300 digits (a ValueError json.loads passes on).
    if (lexeme.replace('-', '').length > 4300) this.fail('integer too long');
    return canonicalInt(BigInt(lexeme));
  }

  string(): string {
    const text = this.text;
    let position = this.position + 1;
    let out = '';
    let chunk = position;
    for (;;) {
      if (position >= text.length) this.fail('unterminated string');
      const code = text.charCodeAt(position);
      if (code === 0x22) break;
      // Python's strict mode refuses raw control characters inside strings.
      if (code < 0x20) {
        this.position = position;
        this.fail('invalid control character');
      }
      if (code === 0x5c) {
        out += text.slice(chunk, position);
        const escaped = text[position + 1] ?? '';
        if (escaped === 'u') {
          const digits = text.slice(position + 2, position + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(digits)) {
            this.position = position;
            this.fail('invalid \\u escape');
          }
          out += String.fromCharCode(Number.parseInt(digits, 16));
          position += 6;
        } else {
          const replacement = ESCAPES[escaped];
          if (replacement === undefined) {
            this.position = position;
            this.fail('invalid escape');
          }
          out += replacement;
          position += 2;
        }
        chunk = position;
        continue;
      }
      position++;
    }
    out += text.slice(chunk, position);
    this.position = position + 1;
    return out;
  }

  array(depth: number): unknown[] {
    this.position++;
    const items: unknown[] = [];
    this.skipWhitespace();
    if (this.text[this.position] === ']') {
      this.position++;
      return items;
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipWhitespace();
      const char = this.text[this.position++];
      if (char === ']') return items;
      if (char !== ',') this.fail("expecting ',' or ']'");
    }
  }

  object(depth: number): Record<string, unknown> {
    this.position++;
    const object: Record<string, unknown> = {};
    const keys: string[] = [];
    this.skipWhitespace();
    if (this.text[this.position] === '}') {
      this.position++;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.position] !== '"') this.fail('expecting property name');
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.position++] !== ':') this.fail("expecting ':'");
      const value = this.value(depth + 1);
      // A repeated key keeps its first position and its last value, as a Python dict does.
      if (!Object.hasOwn(object, key)) keys.push(key);
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWhitespace();
      const char = this.text[this.position++];
      if (char === '}') break;
      if (char !== ',') this.fail("expecting ',' or '}'");
    }
    if (reordersKeys(keys)) Object.defineProperty(object, KEY_ORDER, { value: keys, enumerable: false });
    return object;
  }
}

/** Python's `json.loads(text)` in Vexil's value convention (see python-value.ts). Throws JsonSyntaxError. */
export function parseJson(text: string): unknown {
  const parser = new Parser(text);
  const value = parser.value(0);
  parser.skipWhitespace();
  if (parser.position !== text.length) parser.fail('extra data');
  return value;
}

/** Python's `json.dumps(value)` (compact separators): floats as Python prints them, key order kept. */
export function stringifyJson(value: unknown): string {
  const scalar = toScalar(value);
  if (scalar !== undefined) {
    if (scalar === null) return 'null';
    if (typeof scalar === 'string') return JSON.stringify(scalar);
    if (typeof scalar === 'boolean' || typeof scalar === 'bigint') return String(scalar);
    const number = typeof scalar === 'number' ? scalar : scalar.value;
    if (typeof scalar === 'number' && Number.isInteger(scalar)) return String(scalar);
    if (Number.isNaN(number)) return 'NaN';
    if (!Number.isFinite(number)) return number > 0 ? 'Infinity' : '-Infinity';
    return floatRepr(number);
  }
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = orderedEntries(value).filter(([, item]) => item !== undefined);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stringifyJson(item)}`).join(',')}}`;
  }
  return 'null';
}
