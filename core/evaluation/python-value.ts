// Values as Flagsmith's Python engine sees them. Python tells int from float (`2` and `2.0` differ under IN, REGEX,
// hashing and typed comparison) and has unbounded ints; a JavaScript number says neither. Vexil's convention:
// an integral `number` is a Python int, a non-integral one (NaN, ±Infinity included) a float, a `bigint` an int,
// and a `PythonFloat` a float whose value happens to be integral (`2.0`, `-0.0`, `1e20`). `parseJson` reads JSON
// text into exactly these, so a document or context read with it evaluates as Python would read it.
import { NOT_PRINTABLE_CLASS } from './unicode-14-tables.js';

/** A Python float that a plain JavaScript number would pass off as an int: `2.0`, `-0.0`, `1e300`. */
export class PythonFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

/** The scalar context values Flagsmith's engine compares: None, bool, int, float, str. */
export type PythonScalar = null | boolean | string | number | bigint | PythonFloat;

/** lossless-json's LosslessNumber (and anything shaped like it): a number kept as its JSON lexeme. */
interface NumberLexeme {
  readonly isLosslessNumber: true;
  readonly value: string;
}

function isNumberLexeme(value: unknown): value is NumberLexeme {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isLosslessNumber?: unknown }).isLosslessNumber === true &&
    typeof (value as { value?: unknown }).value === 'string'
  );
}

/** A Python int in its canonical form: a safe-integer number, else a bigint. */
export function canonicalInt(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/** A Python float in its canonical form: a plain number unless integral (then wrapped). */
export function canonicalFloat(value: number): number | PythonFloat {
  return Number.isInteger(value) ? new PythonFloat(value) : value;
}

/** The scalar in canonical form, or undefined for containers (lists, dicts) and other objects. */
export function toScalar(value: unknown): PythonScalar | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isInteger(value) && !Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'bigint':
      return canonicalInt(value);
    case 'undefined':
      return null;
    case 'object':
      if (value === null) return null;
      if (value instanceof PythonFloat) return Number.isInteger(value.value) ? value : value.value;
      if (isNumberLexeme(value)) {
        return /[.eE]/.test(value.value)
          ? canonicalFloat(Number(value.value))
          : canonicalInt(BigInt(value.value));
      }
      return undefined;
    default:
      return undefined;
  }
}

export function isPythonInt(value: PythonScalar): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

export function isPythonFloat(value: PythonScalar): value is number | PythonFloat {
  return value instanceof PythonFloat || (typeof value === 'number' && !Number.isInteger(value));
}

/** The float's value (for a PythonFloat or a plain non-integral number). */
export function floatValue(value: number | PythonFloat): number {
  return typeof value === 'number' ? value : value.value;
}

/** Python's repr of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function floatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Object.is(value, -0)) return '-0.0';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e16)) {
    const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  const text = String(value);
  return text.includes('.') ? text : `${text}.0`;
}

// str.isprintable(): every code point outside Other (Cc, Cf, Cs, Co, Cn) and Separator (Zl, Zp, Zs but ' '), in
// Python 3.11's Unicode 14 (a character assigned since is still Cn there).
const NOT_PRINTABLE = new RegExp(`[${NOT_PRINTABLE_CLASS}]`, 'u');

function hex(codePoint: number, width: number): string {
  return codePoint.toString(16).padStart(width, '0');
}

/** Python's repr of a str: single quotes unless only double quotes avoid escaping, non-printables escaped. */
export function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const codePoint = char.codePointAt(0) as number;
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (codePoint < 0x20 || codePoint === 0x7f) out += `\\x${hex(codePoint, 2)}`;
    else if (codePoint < 0x7f || (codePoint !== 0x20 && !NOT_PRINTABLE.test(char))) out += char;
    else if (codePoint <= 0xff) out += `\\x${hex(codePoint, 2)}`;
    else if (codePoint <= 0xffff) out += `\\u${hex(codePoint, 4)}`;
    else out += `\\U${hex(codePoint, 8)}`;
  }
  return out + quote;
}

/** The key order of a JSON object read by `parseJson` where JavaScript would list integer-like keys first. */
export const KEY_ORDER: unique symbol = Symbol('vexil.keyOrder');

/** An object's entries in the order Python's dict keeps them (JSON text order, for objects read by parseJson). */
export function orderedEntries(container: object): [string, unknown][] {
  if (container instanceof Map) return [...(container as Map<string, unknown>).entries()];
  const order = (container as { [KEY_ORDER]?: readonly string[] })[KEY_ORDER];
  if (order) return order.map((key) => [key, (container as Record<string, unknown>)[key]]);
  return Object.entries(container);
}

export function orderedValues<T>(container: Readonly<Record<string, T>> | ReadonlyMap<string, T>): T[] {
  if (container instanceof Map) return [...container.values()];
  const order = (container as { [KEY_ORDER]?: readonly string[] })[KEY_ORDER];
  if (order) return order.map((key) => (container as Record<string, T>)[key] as T);
  return Object.values(container);
}

/** A member of a plain object or Map, or undefined. */
export function member(container: unknown, key: string): unknown {
  if (container instanceof Map) return container.get(key);
  if (typeof container !== 'object' || container === null || Array.isArray(container)) return undefined;
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

function isDict(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python's repr (strings quoted; containers as Python prints them). */
export function pythonRepr(value: unknown): string {
  return typeof value === 'string' ? stringRepr(value) : pythonStr(value);
}

/** Python's str() of a JSON-like value: scalars, lists (`[1, 'a']`) and dicts (`{'a': 1.0}`). */
export function pythonStr(value: unknown): string {
  const scalar = toScalar(value);
  if (scalar === undefined) {
    if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
    if (isDict(value)) {
      const items = orderedEntries(value).map(([key, item]) => `${stringRepr(key)}: ${pythonRepr(item)}`);
      return `{${items.join(', ')}}`;
    }
    return String(value);
  }
  if (typeof scalar === 'string') return scalar;
  if (typeof scalar === 'boolean') return scalar ? 'True' : 'False';
  if (scalar === null) return 'None';
  if (typeof scalar === 'bigint') return scalar.toString();
  if (scalar instanceof PythonFloat) return floatRepr(scalar.value);
  return Number.isInteger(scalar) ? String(scalar) : floatRepr(scalar);
}

// Python's int() refuses strings of more than 4,300 digits (sys.int_info.default_max_str_digits).
const MAX_INT_DIGITS = 4300;
const INTEGER_STRING = /^-?[0-9]+$/;
const DECIMAL_STRING = /^-?[0-9]+\.[0-9]+$/;

/**
 * Flagsmith's `map_any_value_to_context_value`, applied to every trait and JSONPath value the engine reads: ASCII
 * numeric strings become ints ("007" → 7) or floats ("2.0" → 2.0), other scalars stay, and anything else (a list,
 * a dict) becomes its Python str(). Undefined means "not set".
 */
export function toContextValue(value: unknown): PythonScalar {
  if (typeof value === 'string') {
    // Cheap reject before the regexes: most trait strings do not start with a digit or "-".
    const first = value.charCodeAt(0);
    if (first !== 45 && (first < 48 || first > 57)) return value;
  }
  const scalar = toScalar(value);
  if (scalar === undefined) return pythonStr(value);
  if (typeof scalar !== 'string') return scalar;
  const length = scalar.length;
  if (length === 0 || length > MAX_INT_DIGITS + 1) return scalar;
  const first = scalar.charCodeAt(0);
  // Cheap reject before the regexes: most trait strings do not start with a digit or "-".
  if (first !== 45 && (first < 48 || first > 57)) return scalar;
  if (INTEGER_STRING.test(scalar)) {
    // Past the digit limit Python's int() raises; Vexil keeps such a string a string.
    if (length - (first === 45 ? 1 : 0) > MAX_INT_DIGITS) return scalar;
    return length <= 15 ? Number(scalar) || 0 : canonicalInt(BigInt(scalar));
  }
  if (DECIMAL_STRING.test(scalar)) return canonicalFloat(Number(scalar));
  return scalar;
}
