import { compileCondition, type IdentityMatcher } from './compile-condition.js';
import type { EnvironmentDocument } from './environment-document.js';
import type {
  EnvironmentContext,
  EvaluationContext,
  FeatureContext,
  FeatureValue,
  FlagResult,
  Metadata,
  SegmentContext,
  SegmentResult,
  SegmentRule,
} from './evaluation-context.js';
import { type HashPrefix, prepareHashPrefix } from './hashed-percentage.js';
import {
  documentIdentityKey,
  hidesDisabledFlags,
  IDENTITY_OVERRIDE_SEGMENT_NAME,
  mapEnvironmentDocumentToContext,
  mapFeatureState,
} from './map-environment-document.js';
import {
  floatValue,
  member,
  orderedValues,
  PythonFloat,
  type PythonScalar,
  pythonStr,
  toScalar,
} from './python-value.js';

export interface CompiledVariant {
  readonly value: unknown;
  readonly weight: number;
  readonly key: string | null;
  readonly reason: string;
}

/** A feature state ready to evaluate: variants sorted by priority, hashing prefix built. */
export interface CompiledFeatureState {
  readonly enabled: boolean;
  readonly value: unknown;
  readonly metadata: Metadata | undefined;
  readonly variants: readonly CompiledVariant[];
  /** `"{feature key},"` prepared: the multivariate hash input is this plus the identity key. */
  readonly hashPrefix: HashPrefix;
}

export interface CompiledOverride {
  readonly segment: number;
  readonly reason: string;
  readonly state: CompiledFeatureState;
  readonly priority: number;
}

export interface CompiledFeature {
  readonly name: string;
  readonly base: CompiledFeatureState;
  /** Segment overrides, strongest first: lowest priority (missing = +∞), then segment order. */
  readonly overrides: readonly CompiledOverride[];
  /** Set when a NaN priority makes Python's pairwise `<` choice differ from any sort: overrides in document order. */
  readonly unordered: boolean;
}

export interface CompiledSegment {
  readonly result: SegmentResult;
  readonly matches: IdentityMatcher;
}

export interface CompiledEnvironment {
  readonly environment: EnvironmentContext;
  readonly features: readonly CompiledFeature[];
  readonly segments: readonly CompiledSegment[];
  readonly hideDisabledFlags: boolean;
  /** Identity overrides by identifier, then by feature index (documents only). */
  readonly identityOverrides: ReadonlyMap<string, ReadonlyMap<number, CompiledFeatureState>>;
  /** The hashing key of an identity given without one. */
  readonly identityKey: (identifier: unknown) => string;
  /** Builds the flags object from results in feature order (every feature present). */
  readonly buildFlags: (results: readonly FlagResult[]) => Record<string, FlagResult>;
}

export interface CompileOptions {
  hideDisabledFlags?: boolean;
}

const MAX_GENERATED_FLAGS = 1000;

/** `flags[name] = result`, except that a feature named "__proto__" must not replace the object's prototype. */
export function setFlag(flags: Record<string, FlagResult>, name: string, result: FlagResult): void {
  if (name === '__proto__') {
    Object.defineProperty(flags, name, {
      value: result,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else flags[name] = result;
}

function buildFlagsDynamically(names: readonly string[]): CompiledEnvironment['buildFlags'] {
  return (results) => {
    const flags: Record<string, FlagResult> = {};
    for (let i = 0; i < names.length; i++) setFlag(flags, names[i] as string, results[i] as FlagResult);
    return flags;
  };
}

/**
 * Adding a few hundred keys one by one sends V8 objects into slow dictionary mode and costs more than evaluating the
 * flags; an object literal generated per compiled environment builds every result with one shared hidden class.
 * Names are embedded as JSON string literals. `__proto__` in a literal would set the prototype, and some runtimes
 * forbid code generation: both use the plain loop.
 */
function flagsBuilder(names: readonly string[]): CompiledEnvironment['buildFlags'] {
  if (names.length > MAX_GENERATED_FLAGS || names.includes('__proto__')) return buildFlagsDynamically(names);
  try {
    const entries = names.map((name, index) => `${JSON.stringify(name)}: results[${index}]`).join(',\n');
    return new Function('results', `return {\n${entries}\n};`) as CompiledEnvironment['buildFlags'];
  } catch {
    return buildFlagsDynamically(names);
  }
}

export const IDENTITY_OVERRIDE_REASON = `TARGETING_MATCH; segment=${IDENTITY_OVERRIDE_SEGMENT_NAME}`;

/** Python's truth value of a JSON-like value (`if metadata := …` leaves out `{}`, `[]`, `""`, 0 and None). */
export function pythonTruthy(value: unknown): boolean {
  const scalar = toScalar(value);
  if (scalar === undefined) {
    if (Array.isArray(value)) return value.length > 0;
    if (value instanceof Map) return value.size > 0;
    if (typeof value !== 'object' || value === null) return false;
    for (const key in value) if (Object.hasOwn(value, key)) return true;
    return false;
  }
  if (scalar === null) return false;
  if (typeof scalar === 'string') return scalar.length > 0;
  if (typeof scalar === 'boolean') return scalar;
  if (typeof scalar === 'bigint') return true;
  // NaN is truthy in Python.
  return (scalar instanceof PythonFloat ? scalar.value : scalar) !== 0;
}

/** A priority or weight as a number for arithmetic; booleans count as ints (Python's bool is an int). */
function numeric(value: unknown): PythonScalar | undefined {
  const scalar = toScalar(value);
  if (scalar === undefined || scalar === null || typeof scalar === 'string') return undefined;
  if (typeof scalar === 'boolean') return scalar ? 1 : 0;
  return scalar;
}

/** Python's `a < b` for ints and floats, exact for ints past 2^53. */
export function pythonLess(a: PythonScalar, b: PythonScalar): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const left = typeof a === 'bigint' ? a : floatValue(a as number);
    const right = typeof b === 'bigint' ? b : floatValue(b as number);
    if (typeof left === 'number' && !Number.isInteger(left)) return left < Number(right);
    if (typeof right === 'number' && !Number.isInteger(right)) return Number(left) < right;
    return BigInt(left) < BigInt(right);
  }
  return floatValue(a as number) < floatValue(b as number);
}

function toNumber(value: PythonScalar): number {
  if (typeof value === 'bigint') return Number(value);
  return value instanceof PythonFloat ? value.value : (value as number);
}

const INFINITE_PRIORITY = Number.POSITIVE_INFINITY;

/** A priority as Python compares it; a missing (or non-numeric, where Python raises) priority is +∞. */
function priorityOf(value: unknown): PythonScalar {
  return numeric(value) ?? INFINITE_PRIORITY;
}

function isNaNPriority(value: PythonScalar): boolean {
  return typeof value === 'number' && Number.isNaN(value);
}

function compileFeatureState(feature: FeatureContext): CompiledFeatureState {
  const variants = listOf(feature.variants).filter(isRecord) as unknown as FeatureValue[];
  // sorted(variants, key=priority): stable, Python's `<` (a missing priority, where Python raises, sorts last).
  const sorted = variants
    .map((variant, index) => ({ variant, index, priority: priorityOf(variant.priority) }))
    .sort((a, b) =>
      pythonLess(a.priority, b.priority) ? -1 : pythonLess(b.priority, a.priority) ? 1 : a.index - b.index,
    );
  return {
    enabled: feature.enabled,
    value: feature.value,
    metadata: pythonTruthy(feature.metadata) ? feature.metadata : undefined,
    variants: sorted.map(({ variant }) => {
      // A weight Python cannot add to a float raises; Vexil gives such a variant no share.
      const weight = numeric(variant.weight);
      return {
        value: variant.value,
        weight: weight === undefined ? 0 : toNumber(weight),
        key: variant.key ?? null,
        reason: `SPLIT; weight=${pythonStr(variant.weight)}`,
      };
    }),
    hashPrefix: prepareHashPrefix(
      `${typeof feature.key === 'string' ? feature.key : pythonStr(feature.key)},`,
    ),
  };
}

function combine(type: unknown, parts: IdentityMatcher[]): IdentityMatcher {
  // An empty list is true for every rule type (Python never looks the type up then).
  if (parts.length === 0) return () => true;
  if (parts.length === 1 && (type === 'ALL' || type === 'ANY')) return parts[0] as IdentityMatcher;
  switch (type) {
    case 'ALL':
      return (identity) => {
        for (const part of parts) if (!part(identity)) return false;
        return true;
      };
    case 'ANY':
      return (identity) => {
        for (const part of parts) if (part(identity)) return true;
        return false;
      };
    case 'NONE':
      return (identity) => {
        for (const part of parts) if (part(identity)) return false;
        return true;
      };
    default:
      // Python raises KeyError on an unknown rule type; Vexil: the rule does not match.
      return () => false;
  }
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The entries of a dict (object or Map) that are themselves dicts. Python raises on a malformed context (a null
 * segment, a list for `features`); Vexil skips what is not a dict.
 */
function dictValues<T>(container: unknown): T[] {
  if (!isRecord(container)) return [];
  return (orderedValues(container as Record<string, unknown>) as unknown[]).filter(
    (item) => isRecord(item) && !(item instanceof Map),
  ) as T[];
}

function compileRule(
  rule: SegmentRule,
  segmentKey: string,
  context: unknown,
  depth: number,
): IdentityMatcher {
  // Python raises on a rule that is not a dict; Vexil: it does not match.
  if (!isRecord(rule)) return () => false;
  if (depth > 64) throw new RangeError(`segment ${segmentKey}: rules nested deeper than 64 levels`);
  // A rule is its quantifier over its conditions AND the same quantifier over its sub-rules.
  const conditions = combine(
    rule.type,
    listOf(rule.conditions).map((condition) =>
      isRecord(condition) ? compileCondition(condition, segmentKey, context) : () => false,
    ),
  );
  const subRules = combine(
    rule.type,
    listOf(rule.rules).map((sub) => compileRule(sub as SegmentRule, segmentKey, context, depth + 1)),
  );
  return (identity) => conditions(identity) && subRules(identity);
}

function compileSegmentRules(rules: unknown, segmentKey: string, context: unknown): IdentityMatcher {
  // A segment matches iff it has at least one rule and all top-level rules match.
  const list = listOf(rules);
  if (list.length === 0) return () => false;
  return combine(
    'ALL',
    list.map((rule) => compileRule(rule as SegmentRule, segmentKey, context, 0)),
  );
}

function isDocument(source: EvaluationContext | EnvironmentDocument): source is EnvironmentDocument {
  return 'feature_states' in source && 'api_key' in source;
}

function compileContext(
  context: EvaluationContext,
  options: CompileOptions,
  identityOverrides: CompiledEnvironment['identityOverrides'],
  identityKey?: CompiledEnvironment['identityKey'],
): CompiledEnvironment {
  const featureContexts = dictValues<FeatureContext>(context.features);
  // Flagsmith's flags are keyed by feature name (a repeated name keeps its first place), and each one's default is
  // the feature context stored under that name.
  const featureIndex = new Map<string, number>();
  const featureList: FeatureContext[] = [];
  for (const feature of featureContexts) {
    const name = String(feature.name);
    if (featureIndex.has(name)) continue;
    featureIndex.set(name, featureList.length);
    featureList.push((member(context.features, name) as FeatureContext | undefined) ?? feature);
  }

  const segments: CompiledSegment[] = [];
  const candidates: {
    segment: number;
    order: number;
    priority: PythonScalar;
    reason: string;
    feature: FeatureContext;
  }[][] = featureList.map(() => []);
  let order = 0;
  for (const segment of dictValues<SegmentContext>(context.segments)) {
    const index = segments.length;
    const result: SegmentResult = pythonTruthy(segment.metadata)
      ? { name: segment.name, metadata: segment.metadata as Metadata }
      : { name: segment.name };
    const segmentKey = pythonStr(segment.key);
    segments.push({ result, matches: compileSegmentRules(segment.rules, segmentKey, context) });
    const reason = `TARGETING_MATCH; segment=${pythonStr(segment.name)}`;
    for (const override of listOf(segment.overrides).filter(isRecord) as unknown as FeatureContext[]) {
      const target = featureIndex.get(String(override.name));
      // Overrides of features the context does not list are never evaluated.
      if (target === undefined) continue;
      candidates[target]?.push({
        segment: index,
        order: order++,
        priority: priorityOf(override.priority),
        reason,
        feature: override,
      });
    }
  }

  const features: CompiledFeature[] = featureList.map((feature, index) => {
    const list = candidates[index] ?? [];
    const unordered = list.some((candidate) => isNaNPriority(candidate.priority));
    // Flagsmith keeps the first override seen unless a later one has a strictly lower priority: sorting by
    // (priority, order) and taking the first matched candidate is the same rule (NaN aside, see `unordered`).
    if (!unordered) {
      list.sort((a, b) =>
        pythonLess(a.priority, b.priority) ? -1 : pythonLess(b.priority, a.priority) ? 1 : a.order - b.order,
      );
    }
    return {
      name: String(feature.name),
      base: compileFeatureState(feature),
      unordered,
      overrides: list.map((candidate) => ({
        segment: candidate.segment,
        reason: candidate.reason,
        state: compileFeatureState(candidate.feature),
        priority: candidate.priority as number,
      })),
    };
  });

  const environmentKey = pythonStr(member(context.environment, 'key'));
  return {
    environment: context.environment,
    features,
    segments,
    hideDisabledFlags: options.hideDisabledFlags ?? false,
    identityOverrides,
    // Flagsmith's engine fills a missing identity key with "{environment key}_{identifier}".
    identityKey:
      identityKey ??
      ((identifier) =>
        `${environmentKey}_${typeof identifier === 'string' ? identifier : pythonStr(identifier)}`),
    buildFlags: flagsBuilder(features.map((feature) => feature.name)),
  };
}

/**
 * Compiles an evaluation context or an environment document once per revision; `evaluate` then reuses it for every
 * identity. A document's identity overrides become a lookup by identifier, and its hide_disabled_flags applies.
 */
export function compileEnvironment(
  source: EvaluationContext | EnvironmentDocument,
  options: CompileOptions = {},
): CompiledEnvironment {
  if (!isDocument(source)) return compileContext(source, options, new Map());
  const context = mapEnvironmentDocumentToContext(source);
  const names = new Map<string, number>();
  orderedValues(context.features ?? {}).forEach((feature, index) => {
    names.set(feature.name, index);
  });
  const identityOverrides = new Map<string, Map<number, CompiledFeatureState>>();
  for (const identity of source.identity_overrides ?? []) {
    const byFeature = new Map<number, CompiledFeatureState>();
    for (const state of identity.identity_features ?? []) {
      const index = names.get(state.feature.name);
      // Two overrides of one feature (not something Flagsmith stores) tie at priority −∞: the first wins.
      if (index !== undefined && !byFeature.has(index))
        byFeature.set(index, compileFeatureState(mapFeatureState(state)));
    }
    if (byFeature.size > 0) identityOverrides.set(identity.identifier, byFeature);
  }
  return compileContext(
    context,
    { hideDisabledFlags: options.hideDisabledFlags ?? hidesDisabledFlags(source) },
    identityOverrides,
    (identifier) =>
      documentIdentityKey(source, {
        identifier: typeof identifier === 'string' ? identifier : pythonStr(identifier),
      }),
  );
}
