/**
 * The one way a store binds a value to a `json`/`jsonb` column or parameter. Measured: the pg driver sends
 * a JavaScript array as a PostgreSQL array literal (`{1,2}`), which jsonb refuses, while PGlite serialises
 * it as JSON; an object works on both, a bare string on neither. Binding JSON text behaves the same on both
 * engines, for every JSON value.
 *
 * `null` (or `undefined`) binds SQL NULL, so that `is null` and NOT NULL constraints mean what they say; a
 * JSON `null` nested inside an array or object is kept. Values JSON cannot represent exactly are refused
 * rather than quietly changed (JSON.stringify would turn NaN into null and drop a function).
 */
export function jsonValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return JSON.stringify(value, (key, nested: unknown) => {
    if (key.includes('\u0000'))
      throw new TypeError(`${describe(key)} has U+0000 in its key, which jsonb cannot store`);
    if (typeof nested === 'number' && !Number.isFinite(nested)) {
      throw new TypeError(`${describe(key)} is ${nested}, which JSON cannot represent`);
    }
    if (typeof nested === 'bigint' || typeof nested === 'function' || typeof nested === 'symbol') {
      throw new TypeError(`${describe(key)} is a ${typeof nested}, which JSON cannot represent`);
    }
    if (typeof nested === 'string' && nested.includes('\u0000')) {
      // PostgreSQL's jsonb refuses \u0000 ("unsupported Unicode escape sequence").
      throw new TypeError(`${describe(key)} contains U+0000, which jsonb cannot store`);
    }
    return nested;
  });
}

function describe(key: string): string {
  return key === '' ? 'the value' : `the value at ${JSON.stringify(key)}`;
}
