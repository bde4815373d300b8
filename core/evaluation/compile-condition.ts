import type { ContextValue, SegmentCondition } from './evaluation-context.js';
import { hashedPercentageOfJoined } from './hashed-percentage.js';
import { parseJsonPath, resolveJsonPath } from './json-path.js';
import { pythonFloat, pythonInt, pythonStr } from './python-casts.js';
import { compilePythonRegex } from './python-regex.js';
import { compareSemver, parseSemver, type Semver } from './python-semver.js';

/** What a condition can see of the identity being evaluated. */
export interface IdentityState {
  readonly identifier: string;
  /** The hashing key: the context's `identity.key`, or Flagsmith's `"{environment key}_{identifier}"`. */
  readonly key: string;
  readonly traits: Readonly<Record<string, ContextValue>>;
}

export type IdentityMatcher = (identity: IdentityState) => boolean;
type ValueReader = (identity: IdentityState) => unknown;

const SEMVER_SUFFIX = ':semver';

/** The operators that cast the condition to the context value's type and compare. */
export const COMPARISON_OPERATORS: readonly string[] = [
  'EQUAL',
  'NOT_EQUAL',
  'GREATER_THAN',
  'GREATER_THAN_INCLUSIVE',
  'LESS_THAN',
  'LESS_THAN_INCLUSIVE',
];

/** Every segment condition operator Flagsmith defines. */
export const CONDITION_OPERATORS: readonly string[] = [
  ...COMPARISON_OPERATORS,
  'CONTAINS',
  'NOT_CONTAINS',
  'REGEX',
  'MODULO',
  'IN',
  'IS_SET',
  'IS_NOT_SET',
  'PERCENTAGE_SPLIT',
];

function readTrait(identity: IdentityState, name: string): unknown {
  return Object.hasOwn(identity.traits, name) ? identity.traits[name] : undefined;
}

/**
 * How a property is read. A "$." property is first a trait of that literal name, then a JSONPath over the context.
 * Paths outside `$.identity` see only the compiled environment, so they are resolved once here.
 */
function compileReader(property: string, staticRoot: unknown): ValueReader {
  if (!property.startsWith('$.')) return (identity) => readTrait(identity, property);
  const path = parseJsonPath(property);
  if (path === undefined) return (identity) => readTrait(identity, property);
  if (path[0] === 'identity') {
    const rest = path.slice(1);
    return (identity) => {
      if (Object.hasOwn(identity.traits, property)) return identity.traits[property];
      return resolveJsonPath(identity, rest);
    };
  }
  const resolved = resolveJsonPath(staticRoot, path);
  return (identity) => (Object.hasOwn(identity.traits, property) ? identity.traits[property] : resolved);
}

/** Flagsmith treats missing values, nulls and paths to objects or arrays all as "not set". */
function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function compare(order: number, operator: string): boolean {
  switch (operator) {
    case 'EQUAL':
      return order === 0;
    case 'NOT_EQUAL':
      return order !== 0;
    case 'GREATER_THAN':
      return order > 0;
    case 'GREATER_THAN_INCLUSIVE':
      return order >= 0;
    case 'LESS_THAN':
      return order < 0;
    case 'LESS_THAN_INCLUSIVE':
      return order <= 0;
    default:
      return false;
  }
}

function compareNumbers(left: number, right: number, operator: string): boolean {
  // Not via an order: NaN compares false with everything, and != is true, as in Python.
  switch (operator) {
    case 'EQUAL':
      return left === right;
    case 'NOT_EQUAL':
      return left !== right;
    case 'GREATER_THAN':
      return left > right;
    case 'GREATER_THAN_INCLUSIVE':
      return left >= right;
    case 'LESS_THAN':
      return left < right;
    case 'LESS_THAN_INCLUSIVE':
      return left <= right;
    default:
      return false;
  }
}

function compareStrings(left: string, right: string, operator: string): boolean {
  return compare(left === right ? 0 : left < right ? -1 : 1, operator);
}

/**
 * EQUAL … LESS_THAN_INCLUSIVE: the condition string is cast to the type of the context value with Python's
 * int()/float()/str()/bool rule, and a failed cast never matches (not even NOT_EQUAL).
 */
function compileTypedComparison(
  operator: string,
  text: string,
): (value: string | number | boolean) => boolean {
  const asInt = pythonInt(text);
  const asFloat = pythonFloat(text);
  const asBool = text !== 'False' && text !== 'false';
  let semver: Semver | undefined;
  const isSemver = text.endsWith(SEMVER_SUFFIX);
  if (isSemver) semver = parseSemver(text.slice(0, -SEMVER_SUFFIX.length));
  return (value) => {
    if (typeof value === 'string') {
      if (isSemver) {
        if (semver === undefined) return false;
        const parsed = parseSemver(value);
        return parsed !== undefined && compare(compareSemver(parsed, semver), operator);
      }
      return compareStrings(value, text, operator);
    }
    // Python's bool is an int subclass: True > False, and comparisons happen on 1/0.
    if (typeof value === 'boolean') return compareNumbers(value ? 1 : 0, asBool ? 1 : 0, operator);
    // JSON does not keep 2.0 apart from 2, so an integral number is Python's int when the condition is an int
    // literal and Python's float otherwise (engine-test-data compares a trait of 2.0 with "2.1").
    if (Number.isInteger(value) && asInt !== undefined) return compareNumbers(value, asInt, operator);
    return asFloat !== undefined && compareNumbers(value, asFloat, operator);
  };
}

/** IN values: a list, a JSON array string (items str()-ed), or else a comma list whose items are never trimmed. */
function parseInValues(value: string | string[] | null): Set<string> {
  if (Array.isArray(value))
    return new Set(value.map((item) => (typeof item === 'string' ? item : pythonStr(item))));
  if (!value) return new Set();
  // Python tries json.loads (which skips leading whitespace) and keeps the result only if it is a list.
  if (value.trimStart().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) {
        return new Set(
          parsed.map((item) => (isPrimitive(item) || item === null ? pythonStr(item) : JSON.stringify(item))),
        );
      }
    } catch {
      // Not JSON: Flagsmith falls back to the comma list.
    }
  }
  return new Set(value.split(','));
}

/** Python's float `%`: the result takes the divisor's sign. */
function floorMod(dividend: number, divisor: number): number {
  const remainder = dividend % divisor;
  return remainder !== 0 && remainder < 0 !== divisor < 0 ? remainder + divisor : remainder;
}

function compileValueTest(condition: SegmentCondition): (value: string | number | boolean) => boolean {
  const raw = condition.value;
  const text = Array.isArray(raw) ? JSON.stringify(raw) : pythonStr(raw);
  if (COMPARISON_OPERATORS.includes(condition.operator))
    return compileTypedComparison(condition.operator, text);
  switch (condition.operator) {
    case 'CONTAINS': {
      // Python `cond in ctx`: a substring test for strings; a TypeError (no match) for numbers, booleans and
      // versions (a ":semver" condition turns the context into a Version first).
      if (text.endsWith(SEMVER_SUFFIX)) return () => false;
      return (value) => typeof value === 'string' && value.includes(text);
    }
    case 'NOT_CONTAINS':
      return (value) => typeof value === 'string' && !value.includes(text);
    case 'REGEX': {
      const test = compilePythonRegex(text);
      if (test === undefined) return () => false;
      return (value) => test(pythonStr(value));
    }
    case 'MODULO': {
      const parts = text.split('|');
      if (raw === null || parts.length !== 2) return () => false;
      const divisor = pythonFloat(parts[0] as string);
      const remainder = pythonFloat(parts[1] as string);
      // Python raises on a zero divisor; Flagsmith must not crash, so it is no match.
      if (divisor === undefined || remainder === undefined || divisor === 0) return () => false;
      return (value) => {
        if (typeof value === 'string') return false;
        return floorMod(typeof value === 'boolean' ? (value ? 1 : 0) : value, divisor) === remainder;
      };
    }
    case 'IN': {
      const values = parseInValues(raw);
      // Only strings and ints take part: str(int) is looked up, floats and booleans never match.
      return (value) => {
        if (typeof value === 'string') return values.has(value);
        return typeof value === 'number' && Number.isInteger(value) && values.has(pythonStr(value));
      };
    }
    default:
      return () => false;
  }
}

/** Compiles one condition of the segment whose key is `segmentKey` (the PERCENTAGE_SPLIT salt). */
export function compileCondition(
  condition: SegmentCondition,
  segmentKey: string,
  staticRoot: unknown,
): IdentityMatcher {
  const property = condition.property ?? '';
  if (condition.operator === 'PERCENTAGE_SPLIT') {
    const threshold = pythonFloat(pythonStr(Array.isArray(condition.value) ? null : condition.value));
    if (threshold === undefined) return () => false;
    const prefix = `${segmentKey},`;
    if (property === '') return (identity) => hashedPercentageOfJoined(prefix + identity.key) <= threshold;
    const read = compileReader(property, staticRoot);
    return (identity) => {
      const value = read(identity);
      return isPrimitive(value) && hashedPercentageOfJoined(prefix + pythonStr(value)) <= threshold;
    };
  }
  const read = compileReader(property, staticRoot);
  if (condition.operator === 'IS_SET') return (identity) => isPrimitive(read(identity));
  if (condition.operator === 'IS_NOT_SET') return (identity) => !isPrimitive(read(identity));
  const test = compileValueTest(condition);
  return (identity) => {
    const value = read(identity);
    return isPrimitive(value) && test(value);
  };
}
