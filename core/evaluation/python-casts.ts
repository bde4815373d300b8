// Python's int() and float() as Flagsmith's engine applies them to condition values.
import {
  canonicalInt,
  floatValue,
  isPythonFloat,
  isPythonInt,
  PythonFloat,
  type PythonScalar,
  toScalar,
} from './python-value.js';
import { DECIMAL_CLASS } from './unicode-14-tables.js';

/** str.isspace(): what int() and float() strip, and what `\s` matches in a Python str pattern. */
export const PYTHON_WHITESPACE =
  '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PYTHON_SPACE = new RegExp(`[${PYTHON_WHITESPACE}]`, 'u');
// Python 3.11's decimal digits (Unicode 14), not Node's newer table.
const DECIMAL_DIGIT = new RegExp(`[${DECIMAL_CLASS}]`, 'u');
const NON_ASCII = /[\u0080-\u{10ffff}]/u;
const MAX_INT_DIGITS = 4300;

/** The value (0–9) of a Unicode decimal digit: Nd digits come in contiguous runs of ten starting at zero. */
function decimalDigitValue(codePoint: number): number {
  let start = codePoint;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
  return (codePoint - start) % 10;
}

/**
 * CPython's `_PyUnicode_TransformDecimalAndSpaceToASCII`, which int() and float() run first: Unicode whitespace
 * becomes ' ', Unicode decimal digits their ASCII digit, anything else non-ASCII an invalid '?'.
 */
function toAsciiNumeral(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  let out = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) as number;
    if (codePoint < 0x80) out += char;
    else if (PYTHON_SPACE.test(char)) out += ' ';
    else if (DECIMAL_DIGIT.test(char)) out += String(decimalDigitValue(codePoint));
    else out += '?';
  }
  return out;
}

// After the transform, int() and float() strip ASCII whitespace and accept single underscores between digits.
const PYTHON_INT = /^[ \t\n\v\f\r]*([+-]?)(\d+(?:_\d+)*)[ \t\n\v\f\r]*$/;
const PYTHON_FLOAT =
  /^[ \t\n\v\f\r]*[+-]?(?:(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?|inf(?:inity)?|nan)[ \t\n\v\f\r]*$/i;

/** Python `int(text)` on a str, or undefined where Python raises ValueError. */
export function pythonIntOfString(text: string): number | bigint | undefined {
  const match = PYTHON_INT.exec(toAsciiNumeral(text));
  if (!match) return undefined;
  const digits = (match[2] as string).replaceAll('_', '');
  if (digits.length > MAX_INT_DIGITS) return undefined;
  if (digits.length <= 15) return Number(match[1] === '-' ? `-${digits}` : digits) || 0;
  return canonicalInt(BigInt(`${match[1]}${digits}`));
}

/** Python `float(text)` on a str, or undefined where Python raises ValueError. */
export function pythonFloatOfString(text: string): number | undefined {
  const ascii = toAsciiNumeral(text);
  if (!PYTHON_FLOAT.test(ascii)) return undefined;
  const clean = ascii.trim().replaceAll('_', '').toLowerCase();
  const unsigned = clean.replace(/^[+-]/, '');
  if (unsigned === 'nan') return Number.NaN;
  if (unsigned === 'inf' || unsigned === 'infinity') return clean.startsWith('-') ? -Infinity : Infinity;
  return Number(clean);
}

/** The result of a Python cast: a value, or the exception it raised. */
export type CastResult<T> = { value: T } | { error: 'ValueError' | 'TypeError' | 'OverflowError' };

/** Python `int(value)` of a condition value (usually a str). */
export function pythonIntCast(value: unknown): CastResult<number | bigint> {
  const scalar = toScalar(value);
  if (typeof scalar === 'string') {
    const parsed = pythonIntOfString(scalar);
    return parsed === undefined ? { error: 'ValueError' } : { value: parsed };
  }
  if (typeof scalar === 'boolean') return { value: scalar ? 1 : 0 };
  if (scalar === null || scalar === undefined) return { error: 'TypeError' };
  if (isPythonInt(scalar)) return { value: scalar };
  const number = floatValue(scalar);
  if (Number.isNaN(number)) return { error: 'ValueError' };
  if (!Number.isFinite(number)) return { error: 'OverflowError' };
  return { value: canonicalInt(BigInt(Math.trunc(number))) };
}

/** Python `float(value)` of a condition value (usually a str). */
export function pythonFloatCast(value: unknown): CastResult<number> {
  const scalar = toScalar(value);
  if (typeof scalar === 'string') {
    const parsed = pythonFloatOfString(scalar);
    return parsed === undefined ? { error: 'ValueError' } : { value: parsed };
  }
  if (typeof scalar === 'boolean') return { value: scalar ? 1 : 0 };
  if (scalar === null || scalar === undefined) return { error: 'TypeError' };
  if (isPythonFloat(scalar)) return { value: floatValue(scalar) };
  const number = Number(scalar);
  // int → float overflows past the largest double.
  return Number.isFinite(number) ? { value: number } : { error: 'OverflowError' };
}

/** The order of two Python numbers of one kind (two ints, or two floats), exactly for ints past 2^53. */
export function compareNumbers(left: number | bigint, right: number | bigint): number {
  if (typeof left === 'number' && typeof right === 'number')
    return left === right ? 0 : left < right ? -1 : 1;
  const a = BigInt(left);
  const b = BigInt(right);
  return a === b ? 0 : a < b ? -1 : 1;
}

/** The ASCII digits of a string of Unicode decimal digits (as Python's int() reads them). */
export function asciiDigits(text: string): string {
  return NON_ASCII.test(text) ? toAsciiNumeral(text) : text;
}

/** Python `int(text)` as a number (tests and the nodejs differential), or undefined where Python raises. */
export function pythonInt(text: string): number | undefined {
  const value = pythonIntOfString(text);
  return value === undefined ? undefined : Number(value);
}

export const pythonFloat = pythonFloatOfString;

export type { PythonScalar };
export { PythonFloat };
