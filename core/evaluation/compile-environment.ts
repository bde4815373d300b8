import { compileCondition, type IdentityMatcher } from './compile-condition.js';
import type { EnvironmentDocument } from './environment-document.js';
import type {
  ContextValue,
  EnvironmentContext,
  EvaluationContext,
  FeatureContext,
  FlagResult,
  Metadata,
  SegmentResult,
  SegmentRule,
} from './evaluation-context.js';
import {
  documentIdentityKey,
  hidesDisabledFlags,
  IDENTITY_OVERRIDE_SEGMENT_NAME,
  mapEnvironmentDocumentToContext,
  mapFeatureState,
} from './map-environment-document.js';

export interface CompiledVariant {
  readonly value: ContextValue;
  readonly weight: number;
  readonly key: string | null;
  readonly reason: string;
}

/** A feature state ready to evaluate: variants sorted by priority, hashing prefix built. */
export interface CompiledFeatureState {
  readonly enabled: boolean;
  readonly value: ContextValue;
  readonly metadata: Metadata | undefined;
  readonly variants: readonly CompiledVariant[];
  /** `"{feature key},"`: the multivariate hash input is this plus the identity key. */
  readonly hashPrefix: string;
}

export interface CompiledOverride {
  readonly segment: number;
  readonly reason: string;
  readonly state: CompiledFeatureState;
}

export interface CompiledFeature {
  readonly name: string;
  readonly base: CompiledFeatureState;
  /** Segment overrides, strongest first: lowest priority (missing = +∞), then segment order. */
  readonly overrides: readonly CompiledOverride[];
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
  /** Coerce numeric-string traits as Flagsmith's context mapper does; set for documents, not for raw contexts. */
  readonly coerceTraits: boolean;
  /** Identity overrides by identifier, then by feature index (documents only). */
  readonly identityOverrides: ReadonlyMap<string, ReadonlyMap<number, CompiledFeatureState>>;
  /** The hashing key of an identity given without one. */
  readonly identityKey: (identifier: string) => string;
  /** Builds the flags object from results in feature order (every feature present). */
  readonly buildFlags: (results: readonly FlagResult[]) => Record<string, FlagResult>;
}

export interface CompileOptions {
  hideDisabledFlags?: boolean;
  coerceTraits?: boolean;
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

function compileFeatureState(feature: FeatureContext): CompiledFeatureState {
  const sorted = (feature.variants ?? [])
    .map((variant, index) => ({ variant, index }))
    .sort((a, b) => {
      const left = a.variant.priority ?? Number.POSITIVE_INFINITY;
      const right = b.variant.priority ?? Number.POSITIVE_INFINITY;
      return left === right ? a.index - b.index : left < right ? -1 : 1;
    });
  return {
    enabled: feature.enabled,
    value: feature.value,
    metadata: feature.metadata,
    variants: sorted.map(({ variant }) => ({
      value: variant.value,
      weight: variant.weight,
      key: variant.key ?? null,
      reason: `SPLIT; weight=${variant.weight}`,
    })),
    hashPrefix: `${feature.key},`,
  };
}

function combine(type: string, parts: IdentityMatcher[]): IdentityMatcher {
  // An empty list is true for every rule type, NONE included.
  if (parts.length === 0) return () => true;
  if (parts.length === 1 && type !== 'NONE') {
    return type === 'ALL' || type === 'ANY' ? (parts[0] as IdentityMatcher) : () => false;
  }
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
      return () => false;
  }
}

function compileRule(
  rule: SegmentRule,
  segmentKey: string,
  staticRoot: unknown,
  depth: number,
): IdentityMatcher {
  // A rule is its quantifier over its conditions AND the same quantifier over its sub-rules.
  const conditions = combine(
    rule.type,
    (rule.conditions ?? []).map((condition) => compileCondition(condition, segmentKey, staticRoot)),
  );
  if (depth > 64) throw new RangeError(`segment ${segmentKey}: rules nested deeper than 64 levels`);
  const subRules = combine(
    rule.type,
    (rule.rules ?? []).map((sub) => compileRule(sub, segmentKey, staticRoot, depth + 1)),
  );
  return (identity) => conditions(identity) && subRules(identity);
}

function compileSegmentRules(
  rules: readonly SegmentRule[],
  segmentKey: string,
  staticRoot: unknown,
): IdentityMatcher {
  // A segment matches iff it has at least one rule and all top-level rules match.
  if (rules.length === 0) return () => false;
  return combine(
    'ALL',
    rules.map((rule) => compileRule(rule, segmentKey, staticRoot, 0)),
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
  // JSONPath properties outside `$.identity` can only see this: resolve them once at compile time.
  const staticRoot = {
    environment: context.environment,
    features: context.features,
    segments: context.segments,
  };
  const featureList = Object.values(context.features ?? {});
  const featureIndex = new Map<string, number>();
  featureList.forEach((feature, index) => {
    featureIndex.set(feature.name, index);
  });

  const segments: CompiledSegment[] = [];
  const candidates: {
    segment: number;
    order: number;
    priority: number;
    reason: string;
    feature: FeatureContext;
  }[][] = featureList.map(() => []);
  let order = 0;
  for (const segment of Object.values(context.segments ?? {})) {
    const index = segments.length;
    const result: SegmentResult = segment.metadata
      ? { name: segment.name, metadata: segment.metadata }
      : { name: segment.name };
    segments.push({ result, matches: compileSegmentRules(segment.rules, segment.key, staticRoot) });
    const reason = `TARGETING_MATCH; segment=${segment.name}`;
    for (const override of segment.overrides ?? []) {
      const target = featureIndex.get(override.name);
      // Overrides of features the context does not list are never evaluated.
      if (target === undefined) continue;
      candidates[target]?.push({
        segment: index,
        order: order++,
        priority: override.priority ?? Number.POSITIVE_INFINITY,
        reason,
        feature: override,
      });
    }
  }

  const features: CompiledFeature[] = featureList.map((feature, index) => ({
    name: feature.name,
    base: compileFeatureState(feature),
    // Flagsmith keeps the first override seen unless a later one has a strictly lower priority: sorting by
    // (priority, order) and taking the first matched candidate is the same rule.
    overrides: (candidates[index] ?? [])
      .sort((a, b) => (a.priority === b.priority ? a.order - b.order : a.priority < b.priority ? -1 : 1))
      .map((candidate) => ({
        segment: candidate.segment,
        reason: candidate.reason,
        state: compileFeatureState(candidate.feature),
      })),
  }));

  return {
    environment: context.environment,
    features,
    segments,
    hideDisabledFlags: options.hideDisabledFlags ?? false,
    coerceTraits: options.coerceTraits ?? false,
    identityOverrides,
    // Flagsmith's engine fills a missing identity key with "{environment key}_{identifier}".
    identityKey: identityKey ?? ((identifier) => `${context.environment.key}_${identifier}`),
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
  Object.values(context.features ?? {}).forEach((feature, index) => {
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
    {
      hideDisabledFlags: options.hideDisabledFlags ?? hidesDisabledFlags(source),
      coerceTraits: options.coerceTraits ?? true,
    },
    identityOverrides,
    (identifier) => documentIdentityKey(source, { identifier }),
  );
}
