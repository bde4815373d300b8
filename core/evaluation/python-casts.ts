// Python's int(), float() and str() as Flagsmith's engine applies them to condition values and trait values.

// int() accepts surrounding whitespace, a sign and underscores between digits; "4.0" is an error.
const PYTHON_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
// float() also accepts a fraction, an exponent, inf/infinity and nan in any case.
const PYTHON_FLOAT =
  /^\s*[+-]?(?:(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?|inf(?:inity)?|nan)\s*$/i;

/** Python `int(text)`, or undefined where Python raises ValueError. */
export function pythonInt(text: string): number | undefined {
  if (!PYTHON_INT.test(text)) return undefined;
  return Number(text.trim().replaceAll('_', ''));
}

/** Python `float(text)`, or undefined where Python raises ValueError. */
export function pythonFloat(text: string): number | undefined {
  if (!PYTHON_FLOAT.test(text)) return undefined;
  const clean = text.trim().replaceAll('_', '').toLowerCase();
  const unsigned = clean.replace(/^[+-]/, '');
  if (unsigned === 'nan') return Number.NaN;
  if (unsigned === 'inf' || unsigned === 'infinity') return clean.startsWith('-') ? -Infinity : Infinity;
  return Number(clean);
}

/** Python's repr of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e16)) {
    const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  const text = String(value);
  return text.includes('.') || text.includes('e') ? text : `${text}.0`;
}

/**
 * Python `str()` of a context value. JSON numbers do not say whether they were ints or floats; integral numbers are
 * treated as ints, as they almost always are in trait data.
 */
export function pythonStr(value: string | number | boolean | null): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null) return 'None';
  if (!Number.isInteger(value)) return pythonFloatRepr(value);
  return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
}
