// One segment condition compiled to a closure, with Flagsmith's Python engine's semantics
// (flag_engine/segments/evaluator.py): the property's value goes through the context mapper's coercion, the
// condition string is cast to the value's Python type, and where Python would raise inside a condition the answer
// is "no match" (README.md, Known gaps, lists each).
import { hashedPercentageOfPrefixed, prepareHashPrefix } from './hashed-percentage.js';
import { compileFullPath, findFirst, type PathStep, parseSimplePath, resolveSteps } from './json-path.js';
import { parseInValues } from './parse-in-values.js';
import {
  type CastResult,
  compareNumbers,
  pythonFloatCast,
  pythonFloatOfString,
  pythonIntCast,
} from './python-casts.js';
import { compilePythonRegex } from './python-regex.js';
import { compareSemver, parseSemver, type Semver } from './python-semver.js';
import {
  isPythonInt,
  member,
  PythonFloat,
  type PythonScalar,
  pythonStr,
  toContextValue,
  toScalar,
} from './python-value.js';

/** What a condition can see of the identity being evaluated (all null for an environment-only evaluation). */
export interface IdentityState {
  /** The identity context as given (traits in map form), or null when there is no identity. */
  readonly raw: unknown;
  /** The hashing key: the identity's `key`, or Flagsmith's `"{environment key}_{identifier}"`; null without one. */
  readonly key: string | null;
  /** Traits after the context mapper's coercion; null-valued traits are absent. */
  readonly traits: ReadonlyMap<string, PythonScalar>;
  /** `$.identity.identifier` and `$.identity.key` as context values (coerced; null when not set). */
  readonly identifierValue: PythonScalar;
  readonly keyValue: PythonScalar;
}

export type IdentityMatcher = (identity: IdentityState) => boolean;
/** A property's context value; null is "not set". */
type ValueReader = (identity: IdentityState) => PythonScalar;

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

function readTrait(identity: IdentityState, name: string): PythonScalar {
  return identity.traits.get(name) ?? null;
}

/** A JSONPath value becomes a context value only if it is a scalar; objects and arrays are "not set". */
function pathValue(value: unknown): PythonScalar {
  return toScalar(value) === undefined ? null : toContextValue(value);
}

/** The identity as JSONPath sees it: Flagsmith's engine fills in `key` before evaluating. */
function resolveIdentityPath(identity: IdentityState, steps: readonly PathStep[]): unknown {
  if (identity.raw === null) return undefined;
  if (steps.length === 1) return identity.raw;
  if (steps[1] === 'key') return steps.length === 2 ? identity.key : undefined;
  return resolveSteps(member(identity.raw, steps[1] as string), steps, 2);
}

/**
 * How a property is read. A "$." property is first a trait of that literal name (unless its value is null), then a
 * JSONPath over the context; a "$." property that is not valid JSONPath is a trait only.
 */
export function compileReader(property: unknown, context: unknown): ValueReader {
  // Python raises on a missing or non-string property (`None.startswith`); Vexil reads such a property as not set.
  if (typeof property !== 'string') return () => null;
  if (!property.startsWith('$.')) return (identity) => readTrait(identity, property);
  const steps = parseSimplePath(property);
  if (steps !== undefined) {
    if (steps[0] === 'identity') {
      // The two identity paths segments use most, read from the identity state without walking the path.
      if (steps.length === 2 && steps[1] === 'identifier')
        return (identity) => readTrait(identity, property) ?? identity.identifierValue;
      if (steps.length === 2 && steps[1] === 'key')
        return (identity) => readTrait(identity, property) ?? identity.keyValue;
      return (identity) => readTrait(identity, property) ?? pathValue(resolveIdentityPath(identity, steps));
    }
    const resolved = pathValue(resolveSteps(context, steps));
    return (identity) => readTrait(identity, property) ?? resolved;
  }
  const query = compileFullPath(property);
  if (query === undefined) return (identity) => readTrait(identity, property);
  return (identity) => {
    const trait = readTrait(identity, property);
    if (trait !== null) return trait;
    return pathValue(findFirst(query, contextWithIdentity(context, identity)));
  };
}

/** The context as Flagsmith's engine queries it: the identity in its place, with `key` filled in. */
function contextWithIdentity(context: unknown, identity: IdentityState): unknown {
  const entries = new Map(context instanceof Map ? context : Object.entries(context as object));
  if (identity.raw !== null) {
    const raw = new Map(
      identity.raw instanceof Map ? identity.raw : Object.entries(identity.raw as Record<string, unknown>),
    );
    // A dict keeps a replaced key's position.
    raw.set('key', identity.key);
    entries.set('identity', raw);
  } else entries.delete('identity');
  return entries;
}

// Operators as small integers: one plain switch (no per-condition closure call) decides an order.
const OPERATOR_CODES: Record<string, number> = {
  EQUAL: 0,
  NOT_EQUAL: 1,
  GREATER_THAN: 2,
  GREATER_THAN_INCLUSIVE: 3,
  LESS_THAN: 4,
  LESS_THAN_INCLUSIVE: 5,
};

function holds(code: number, order: number): boolean {
  switch (code) {
    case 0:
      return order === 0;
    case 1:
      return order !== 0;
    case 2:
      return order > 0;
    case 3:
      return order >= 0;
    case 4:
      return order < 0;
    case 5:
      return order <= 0;
    default:
      return false;
  }
}

/** Python's str ordering: by code point, which differs from UTF-16 order only around astral characters. */
export function compareCodePoints(left: string, right: string): number {
  if (left === right) return 0;
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) {
    let a = left.charCodeAt(i);
    let b = right.charCodeAt(i);
    if (a === b) continue;
    // Surrogates (astral code points) sort after U+E000–U+FFFF.
    if (a >= 0xd800 && b >= 0xd800) {
      a = a >= 0xe000 ? a - 0x800 : a + 0x2000;
      b = b >= 0xe000 ? b - 0x800 : b + 0x2000;
    }
    return a < b ? -1 : 1;
  }
  return left.length < right.length ? -1 : 1;
}

function castValue<T>(cast: CastResult<T>): T | undefined {
  return 'value' in cast ? cast.value : undefined;
}

/**
 * EQUAL … LESS_THAN_INCLUSIVE and CONTAINS (`_context_value_typed`): the condition is cast to the type of the
 * context value with Python's int()/float()/str()/bool rule, and a failed cast never matches (not even NOT_EQUAL).
 * A ":semver" condition parses a str context value as a version first.
 */
function compileTypedComparison(operator: string, conditionValue: unknown): (value: PythonScalar) => boolean {
  const contains = operator === 'CONTAINS';
  const code = OPERATOR_CODES[operator] ?? -1;
  const asInt = castValue(pythonIntCast(conditionValue));
  const asFloat = castValue(pythonFloatCast(conditionValue));
  const asStr = pythonStr(conditionValue);
  const asBool = conditionValue !== 'False' && conditionValue !== 'false';
  // is_semver(value) is `value[-7:] == ":semver"`: a TypeError (no match) for numbers, booleans and dicts.
  const conditionScalar = toScalar(conditionValue);
  const semverCheckFails =
    conditionScalar !== undefined
      ? conditionScalar !== null && typeof conditionScalar !== 'string'
      : !Array.isArray(conditionValue);
  const isSemver = typeof conditionValue === 'string' && conditionValue.endsWith(SEMVER_SUFFIX);
  const semverText = isSemver ? conditionValue.slice(0, -SEMVER_SUFFIX.length) : '';
  const semver: Semver | undefined = isSemver ? parseSemver(semverText) : undefined;
  const asIntNumber = typeof asInt === 'number' ? asInt : undefined;
  const nativeOrderHolds = !/[\ud800-\uffff]/.test(asStr);
  const asBoolInt = asBool ? 1 : 0;
  // Hot path: local comparisons only (no calls into other modules per value).
  return (value) => {
    if (typeof value === 'string') {
      if (semverCheckFails) return false;
      if (isSemver) {
        const parsed = parseSemver(value);
        if (parsed === undefined) return false;
        // `"beta" in Version` iterates (major, minor, patch, prerelease, build): only the last two are strs.
        if (contains) return semverText === parsed.prereleaseText || semverText === parsed.build;
        return semver !== undefined && holds(code, compareSemver(parsed, semver));
      }
      if (contains) return value.includes(asStr);
      if (code <= 1) return (value === asStr) === (code === 0);
      if (value === asStr) return holds(code, 0);
      // UTF-16 order is code point order unless both strings have a unit ≥ U+D800 where they first differ.
      return holds(code, nativeOrderHolds ? (value < asStr ? -1 : 1) : compareCodePoints(value, asStr));
    }
    // No other type supports `in`.
    if (contains) return false;
    if (typeof value === 'number') {
      if (Number.isInteger(value)) {
        // A Python int: the condition is cast with int().
        if (asIntNumber !== undefined)
          return holds(code, value === asIntNumber ? 0 : value < asIntNumber ? -1 : 1);
        return asInt !== undefined && holds(code, compareNumbers(value, asInt));
      }
      return asFloat !== undefined && compareFloats(value, asFloat, code);
    }
    // Python's bool is an int subclass: True > False.
    if (typeof value === 'boolean') return holds(code, (value ? 1 : 0) - asBoolInt);
    if (typeof value === 'bigint') return asInt !== undefined && holds(code, compareNumbers(value, asInt));
    return asFloat !== undefined && compareFloats((value as PythonFloat).value, asFloat, code);
  };
}

function compareFloats(left: number, right: number, code: number): boolean {
  // NaN: every comparison is false except !=.
  if (Number.isNaN(left) || Number.isNaN(right)) return code === 1;
  return holds(code, left === right ? 0 : left < right ? -1 : 1);
}

/** Python's float `%`: the result takes the divisor's sign (`math.fmod`, then adjusted). */
function floorMod(dividend: number, divisor: number): number {
  const remainder = dividend % divisor;
  if (remainder === 0) return divisor < 0 ? -0 : 0;
  return remainder < 0 !== divisor < 0 ? remainder + divisor : remainder;
}

function compileModulo(conditionValue: unknown): (value: PythonScalar) => boolean {
  // `if not segment_value` first; a non-str value then raises on .split (Vexil: no match).
  if (typeof conditionValue !== 'string' || conditionValue === '') return () => false;
  const parts = conditionValue.split('|');
  if (parts.length !== 2) return () => false;
  const divisor = pythonFloatOfString(parts[0] as string);
  const remainder = pythonFloatOfString(parts[1] as string);
  // Python raises ZeroDivisionError on a zero divisor; Vexil: no match.
  if (divisor === undefined || remainder === undefined || divisor === 0) return () => false;
  return (value) => {
    let dividend: number;
    if (typeof value === 'boolean') dividend = value ? 1 : 0;
    else if (typeof value === 'bigint') {
      dividend = Number(value);
      // int → float overflows past the largest double (OverflowError; Vexil: no match).
      if (!Number.isFinite(dividend)) return false;
    } else if (typeof value === 'number') dividend = value;
    else if (value instanceof PythonFloat) dividend = value.value;
    else return false;
    return floorMod(dividend, divisor) === remainder;
  };
}

function compileValueTest(
  condition: Record<string, unknown>,
  operator: string,
): (value: PythonScalar) => boolean {
  const conditionValue = condition.value;
  if (COMPARISON_OPERATORS.includes(operator) || operator === 'CONTAINS')
    return compileTypedComparison(operator, conditionValue);
  switch (operator) {
    case 'NOT_CONTAINS': {
      const text = pythonStr(conditionValue);
      return (value) => typeof value === 'string' && !value.includes(text);
    }
    case 'REGEX': {
      const test = compilePythonRegex(pythonStr(conditionValue));
      // Python raises re.error on a pattern it cannot compile; Vexil: no match.
      if (test === undefined) return () => false;
      return (value) => test(typeof value === 'string' ? value : pythonStr(value));
    }
    case 'MODULO':
      return compileModulo(conditionValue);
    default:
      return () => false;
  }
}

/** Compiles one condition of the segment whose key is `segmentKey` (the PERCENTAGE_SPLIT salt). */
export function compileCondition(
  condition: Record<string, unknown>,
  segmentKey: string,
  context: unknown,
): IdentityMatcher {
  const property = condition.property;
  const operator = condition.operator;
  if (operator === 'PERCENTAGE_SPLIT') {
    // float(value): a str or number; Python raises TypeError on None or a list (Vexil: no match).
    const threshold = castValue(pythonFloatCast(condition.value));
    if (threshold === undefined || Array.isArray(condition.value)) return () => false;
    const prefix = prepareHashPrefix(`${segmentKey},`);
    // A blank property splits on the identity key (legacy segments).
    if (!property)
      return (identity) =>
        identity.key !== null && hashedPercentageOfPrefixed(prefix, identity.key) <= threshold;
    const read = compileReader(property, context);
    return (identity) => {
      const value = read(identity);
      return (
        value !== null &&
        hashedPercentageOfPrefixed(prefix, typeof value === 'string' ? value : pythonStr(value)) <= threshold
      );
    };
  }
  const read = compileReader(property, context);
  if (operator === 'IS_SET') return (identity) => read(identity) !== null;
  if (operator === 'IS_NOT_SET') return (identity) => read(identity) === null;
  if (operator === 'IN') {
    const values = parseInValues(condition.value);
    if (values === undefined) return () => false;
    // Only strs and ints take part: str(int) is looked up; floats, booleans and None never match.
    return (identity) => {
      const value = read(identity);
      if (typeof value === 'string') return values.has(value);
      return value !== null && typeof value !== 'boolean' && isPythonInt(value) && values.has(String(value));
    };
  }
  const test = compileValueTest(condition, typeof operator === 'string' ? operator : '');
  return (identity) => {
    const value = read(identity);
    return value !== null && test(value);
  };
}
