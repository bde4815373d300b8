import { COMPARISON_OPERATORS } from '../../core/evaluation/compile-condition.js';
import type {
  DocumentCondition,
  DocumentRule,
  EnvironmentDocument,
} from '../../core/evaluation/environment-document.js';
import type { ContextValue } from '../../core/evaluation/evaluation-context.js';
import { pythonFloat, pythonInt } from '../../core/evaluation/python-casts.js';

// Where flagsmith-nodejs 8.1.2's engine (flagsmith-engine/segments/{evaluators,models}.ts) disagrees with Flagsmith's
// Python engine, whose behaviour engine-test-data pins and Vexil follows. The differential test skips an identity
// only when one of these (condition, value) pairs occurs for it; each entry names the nodejs code at fault, and
// test/differential/known-nodejs-deviations.test.ts shows Vexil's answer agrees with Python for each.
export type Deviation =
  /** `traitValue.toString().match(regex)`: a search anywhere, not Python's start-anchored re.match. */
  | 'regex-unanchored'
  /** `true.toString()` is "true"; Python's str(True) is "True". */
  | 'regex-boolean'
  /** `parseFloat(traitValue)` accepts strings and JS `%` truncates; Python requires a number and floor-mods. */
  | 'modulo-string-boolean-negative'
  /** `if (!traitValue) return false`: 0 and "" never match IN; in Python "0"/"" can be listed. */
  | 'in-falsy-value'
  /** `traitValue.toString()` lets floats match IN; Python only str()s ints. */
  | 'in-float-value'
  /**
   * `parseFloat(condition)`: "12abc" is 12, "1_000" is 1, NaN != x is true, and an int trait compares with "2.5";
   * Python's int()/float() raise (no match).
   */
  | 'number-cast'
  /** NOT_EQUAL keeps the plain `!=` for ":semver" conditions (string compare, no parse); Python compares versions. */
  | 'semver-not-equal'
  /** CONTAINS keeps the substring test for ":semver" conditions; Python raises TypeError (no match). */
  | 'semver-contains'
  /** semver functions throw on booleans (no match); Python casts the condition to bool and compares. */
  | 'semver-boolean'
  /** `!!otherValue && …`: CONTAINS never matches an empty trait; in Python "" in "" is True. */
  | 'contains-empty-value'
  /** PERCENTAGE_SPLIT reads its property only as JSONPath, so a trait property never matches. */
  | 'percentage-split-trait'
  /**
   * sdk/index.ts getIdentityModel → IdentityModel.updateTraits: for an identity with overrides in the document,
   * `if (!!trait.traitValue)` drops traits whose value is 0, false or "", so they read as not set.
   */
  | 'override-identity-falsy-trait';

const TYPED = new Set(COMPARISON_OPERATORS);

/**
 * A nodejs reason as Flagsmith's Python engine prints it. flagsmith-nodejs formats the SPLIT weight as a JavaScript
 * number (`weight=50`); Python prints the document's percentage_allocation, a float, as `weight=50.0`. Every other
 * reason is the same text.
 */
export function asPythonReason(reason: string | undefined): string | undefined {
  const split = /^SPLIT; weight=(-?\d+)$/.exec(reason ?? '');
  return split ? `${reason}.0` : reason;
}

/** The known nodejs deviation this condition hits for `value` (the resolved property), if any. */
export function nodejsDeviation(
  condition: DocumentCondition,
  value: ContextValue | undefined,
): Deviation | undefined {
  const operator = condition.operator;
  const text = condition.value ?? '';
  const property = condition.property_ ?? '';
  if (operator === 'PERCENTAGE_SPLIT') {
    return property !== '' && !property.startsWith('$.') ? 'percentage-split-trait' : undefined;
  }
  if (value === undefined || value === null) return undefined;
  const semver = text.endsWith(':semver');
  switch (operator) {
    case 'REGEX':
      if (typeof value === 'boolean') return 'regex-boolean';
      return text.startsWith('^') || text.startsWith('.*') ? undefined : 'regex-unanchored';
    case 'MODULO':
      return typeof value !== 'number' || value < 0 ? 'modulo-string-boolean-negative' : undefined;
    case 'IN':
      if (value === 0 || value === '') return 'in-falsy-value';
      return typeof value === 'number' && !Number.isInteger(value) ? 'in-float-value' : undefined;
    case 'CONTAINS':
      if (semver && typeof value === 'string') return 'semver-contains';
      return value === '' ? 'contains-empty-value' : undefined;
    default:
      break;
  }
  if (!TYPED.has(operator)) return undefined;
  if (semver && operator === 'NOT_EQUAL') return 'semver-not-equal';
  if (semver && typeof value === 'boolean') return 'semver-boolean';
  if (typeof value === 'number' && !semver) {
    // Python casts the condition to the trait's type: an int trait takes int() ("2.5" raises: no match).
    const ours = Number.isInteger(value) ? pythonInt(text) : pythonFloat(text);
    const theirs = Number.parseFloat(text);
    if (ours === undefined)
      return Number.isNaN(theirs) && operator !== 'NOT_EQUAL' ? undefined : 'number-cast';
    return ours === theirs || (Number.isNaN(ours) && Number.isNaN(theirs)) ? undefined : 'number-cast';
  }
  return undefined;
}

function* conditionsOf(rules: readonly DocumentRule[]): Generator<DocumentCondition> {
  for (const rule of rules) {
    yield* rule.conditions ?? [];
    yield* conditionsOf(rule.rules ?? []);
  }
}

/**
 * Segments whose evaluation for this identity meets a known deviation, by segment name. Their membership, and the
 * flags they override, are the only things the differential test leaves uncompared for this identity.
 */
export function deviatingSegments(
  document: EnvironmentDocument,
  identifier: string,
  traits: Readonly<Record<string, ContextValue>>,
): Map<string, Deviation> {
  const hasOverrides = (document.identity_overrides ?? []).some(
    (identity) => identity.identifier === identifier,
  );
  const resolve = (property: string): ContextValue | undefined => {
    if (property === '$.identity.identifier') return identifier;
    if (property === '$.identity.key') return `${document.api_key}_${identifier}`;
    if (property === '$.environment.name') return document.name ?? '';
    if (property.startsWith('$.identity.traits.')) return traits[property.slice('$.identity.traits.'.length)];
    return Object.hasOwn(traits, property) ? traits[property] : undefined;
  };
  const deviating = new Map<string, Deviation>();
  for (const segment of document.project.segments ?? []) {
    for (const condition of conditionsOf(segment.rules)) {
      const value = resolve(condition.property_ ?? '');
      const dropped =
        hasOverrides &&
        condition.operator !== 'PERCENTAGE_SPLIT' &&
        (value === 0 || value === false || value === '');
      const deviation = dropped ? 'override-identity-falsy-trait' : nodejsDeviation(condition, value);
      if (deviation) {
        deviating.set(segment.name, deviation);
        break;
      }
    }
  }
  return deviating;
}
