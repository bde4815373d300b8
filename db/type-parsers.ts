/**
 * Both engines must hand stores the same JavaScript types. Measured: for `int8` (bigint ids, `count()`,
 * `sum()` of integers) the pg driver returns strings, while PGlite returns numbers — and a BigInt once the
 * value leaves the safe range. Both now return numbers, and a value a number cannot hold exactly is an error
 * rather than a silently rounded id: cast it to text in the query to read it.
 *
 * `numeric` is already a string on both engines and stays one: it is arbitrary precision, and turning it
 * into a float would round money-like values without saying so. No column uses it today.
 *
 * `date` and `interval` are strings on both, as PostgreSQL writes them ('2026-01-02', '1 day'). Measured:
 * the pg driver makes a date a Date at local midnight and PGlite one at UTC midnight, so on a server outside
 * UTC the same row read as different days; pg makes an interval an object and PGlite a string.
 */

/** PostgreSQL type OIDs (pg_type.oid), stable across versions. */
const pgTypeOid = {
  int8: 20,
  int8Array: 1016,
  textArray: 1009,
  date: 1082,
  dateArray: 1182,
  interval: 1186,
  intervalArray: 1187,
} as const;

const asText = (value: string): string => value;

/** Parses an `int8` as a number; throws a RangeError when the value is beyond Number.MAX_SAFE_INTEGER. */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(
      `int8 value ${text} is beyond Number.MAX_SAFE_INTEGER and cannot be read as a number without losing precision; select it as text (::text) instead`,
    );
  }
  return value;
}

type NestedArray<T> = (T | null | NestedArray<T>)[];

function mapNested(values: NestedArray<string>): NestedArray<number> {
  return values.map((value) =>
    value === null ? null : Array.isArray(value) ? mapNested(value) : parseInt8(value),
  );
}

/** What pg's `types` client option expects: a parser per type OID and wire format. */
export interface PgTypeParsers {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown;
}

/**
 * Type parsers for one pg connection: passed as the client's `types` option, so that the process-wide
 * `pg.types` registry (shared with any other library using pg) is left alone.
 */
export function postgresTypeParsers(base: PgTypeParsers): PgTypeParsers {
  const parseInt8ArrayBase = base.getTypeParser(pgTypeOid.int8Array, 'text');
  const parseTextArray = base.getTypeParser(pgTypeOid.textArray, 'text');
  return {
    getTypeParser(oid, format = 'text') {
      if (format !== 'text') return base.getTypeParser(oid, format);
      switch (oid) {
        case pgTypeOid.int8:
          return parseInt8;
        case pgTypeOid.int8Array:
          return (value) => mapNested(parseInt8ArrayBase(value) as NestedArray<string>);
        case pgTypeOid.date:
        case pgTypeOid.interval:
          return asText;
        case pgTypeOid.dateArray:
        case pgTypeOid.intervalArray:
          return parseTextArray;
        default:
          return base.getTypeParser(oid, format);
      }
    },
  };
}

/**
 * PGlite's parser overrides, merged into the instance's own table. PGlite builds array parsers that look up
 * the element parser on every call, so overriding `int8` covers `int8[]` too (and so on).
 */
export const pgliteTypeParsers: Readonly<Record<number, (value: string) => unknown>> = {
  [pgTypeOid.int8]: parseInt8,
  [pgTypeOid.date]: asText,
  [pgTypeOid.interval]: asText,
};
