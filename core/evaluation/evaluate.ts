import { compileReader, type IdentityState } from './compile-condition.js';
import {
  type CompiledEnvironment,
  type CompiledFeature,
  type CompiledFeatureState,
  IDENTITY_OVERRIDE_REASON,
  pythonLess,
  pythonTruthy,
  setFlag,
} from './compile-environment.js';
import type { DocumentIdentity } from './environment-document.js';
import type { EvaluationResult, FlagResult, SegmentResult } from './evaluation-context.js';
import { hashedPercentageOfPrefixed } from './hashed-percentage.js';
import { IDENTITY_OVERRIDE_SEGMENT_NAME } from './map-environment-document.js';
import { isPythonInt, orderedEntries, type PythonScalar, pythonStr, toContextValue } from './python-value.js';

const IDENTITY_OVERRIDE_RESULT: SegmentResult = {
  name: IDENTITY_OVERRIDE_SEGMENT_NAME,
  metadata: { source: 'identity_override' },
};

/** An environment-only evaluation: no traits, no identity key, `$.identity…` not set. */
const NO_IDENTITY: IdentityState = {
  raw: null,
  key: null,
  traits: new Map(),
  identifierValue: null,
  keyValue: null,
};

/** The identity to evaluate: a context identity, or (for documents) traits in the SDK's list form. */
export type EvaluationIdentity = DocumentIdentity;

interface TraitItem {
  trait_key: string;
  trait_value: unknown;
}

/** `toContextValue`, answering the common case (a str not starting with a digit or "-") without a call. */
function coerce(value: unknown): PythonScalar {
  if (typeof value === 'string') {
    const first = value.charCodeAt(0);
    if (first !== 45 && (first < 48 || first > 57)) return value;
  }
  return toContextValue(value);
}

/** Python's truth value of the identity dict: None and `{}` are no identity. */
function hasIdentity(identity: unknown): boolean {
  if (typeof identity !== 'object' || identity === null || Array.isArray(identity)) return false;
  if (identity instanceof Map) return identity.size > 0;
  for (const _ in identity as object) return true;
  return false;
}

function identityState(
  compiled: CompiledEnvironment,
  identity: EvaluationIdentity | null | undefined,
): IdentityState {
  if (!hasIdentity(identity)) return NO_IDENTITY;
  const dict = identity as unknown as
    | { traits?: unknown; key?: unknown; identifier?: unknown }
    | Map<string, unknown>;
  const given = dict instanceof Map ? dict.get('traits') : dict.traits;
  const traits = new Map<string, PythonScalar>();
  let raw: unknown = identity;
  if (Array.isArray(given)) {
    // The SDK's trait list (document requests) is mapped to the traits dict first.
    const dict = new Map<string, unknown>();
    for (const trait of given as readonly (TraitItem | null)[]) {
      if (typeof trait === 'object' && trait !== null) dict.set(String(trait.trait_key), trait.trait_value);
    }
    raw = new Map([...orderedEntries(identity as object), ['traits', dict]]);
    for (const [name, value] of dict) {
      const coerced = toContextValue(value);
      if (coerced !== null) traits.set(name, coerced);
    }
  } else if (given instanceof Map) {
    for (const [name, value] of given as Map<string, unknown>) {
      const coerced = toContextValue(value);
      if (coerced !== null) traits.set(name, coerced);
    }
  } else if (typeof given === 'object' && given !== null) {
    // Trait order does not matter for lookups (JSONPath reads `raw`, which keeps it).
    for (const name in given) {
      if (!Object.hasOwn(given, name)) continue;
      // Every value the engine reads goes through the context mapper's coercion ("007" → 7).
      const coerced = coerce((given as Record<string, unknown>)[name]);
      if (coerced !== null) traits.set(name, coerced);
    }
  }
  const givenKey = dict instanceof Map ? dict.get('key') : dict.key;
  const identifier = dict instanceof Map ? dict.get('identifier') : dict.identifier;
  let key: string;
  // An empty key counts as missing, as in Flagsmith's engine.
  if (typeof givenKey === 'string' ? givenKey !== '' : pythonTruthy(givenKey)) key = pythonStr(givenKey);
  else if (identifier === undefined) return NO_IDENTITY;
  else key = compiled.identityKey(identifier);
  return { raw, key, traits, identifierValue: coerce(identifier), keyValue: coerce(key) };
}

const readIdentifier = compileReader('$.identity.identifier', {});

/**
 * Identity overrides are a segment whose condition is `$.identity.identifier IN [identifier]` (Flagsmith's SDK
 * mapping), so they apply only when that condition holds: not for "007", which the engine reads as the int 7.
 */
function identityOverrideApplies(state: IdentityState, identifier: string): boolean {
  const value = readIdentifier(state);
  if (typeof value === 'string') return value === identifier;
  return value !== null && typeof value !== 'boolean' && isPythonInt(value) && String(value) === identifier;
}

function chooseOverride(feature: CompiledFeature, matched: Uint8Array) {
  if (!feature.unordered) {
    for (const override of feature.overrides) if (matched[override.segment] === 1) return override;
    return undefined;
  }
  // Python's pairwise rule, for priorities a sort cannot order (NaN).
  let best: CompiledFeature['overrides'][number] | undefined;
  for (const override of feature.overrides) {
    if (matched[override.segment] !== 1) continue;
    if (best === undefined || pythonLess(override.priority, best.priority)) best = override;
  }
  return best;
}

/** Flags in feature order (hidden ones left out) and matched segments: what HTTP responses serialise as lists. */
export interface EvaluationList {
  flags: FlagResult[];
  segments: SegmentResult[];
}

/**
 * Evaluates every flag of a compiled environment for one identity, or for none (segments still apply, as in
 * Flagsmith's engine: `$.environment.name`, IS_NOT_SET), as a list in feature order. Precedence: identity override,
 * then the matched segment override with the lowest priority, then the default. Results share metadata objects
 * with the compiled environment: treat them as read-only.
 */
export function evaluateList(
  compiled: CompiledEnvironment,
  identity?: EvaluationIdentity | null,
): EvaluationList {
  const segments: SegmentResult[] = [];
  const state = identityState(compiled, identity);
  const compiledSegments = compiled.segments;
  const matched = new Uint8Array(compiledSegments.length);
  for (let i = 0; i < compiledSegments.length; i++) {
    const segment = compiledSegments[i] as CompiledEnvironment['segments'][number];
    if (segment.matches(state)) {
      matched[i] = 1;
      segments.push(segment.result);
    }
  }
  let identityOverrides: ReadonlyMap<number, CompiledFeatureState> | undefined;
  if (state.raw !== null && compiled.identityOverrides.size > 0) {
    const identifier = (identity as EvaluationIdentity).identifier;
    identityOverrides = compiled.identityOverrides.get(identifier);
    if (identityOverrides && !identityOverrideApplies(state, identifier)) identityOverrides = undefined;
    if (identityOverrides) segments.push(IDENTITY_OVERRIDE_RESULT);
  }

  const features = compiled.features;
  const hideDisabled = compiled.hideDisabledFlags;
  const key = state.key;
  const results: FlagResult[] = new Array(features.length);
  let shown = 0;
  for (let f = 0; f < features.length; f++) {
    const feature = features[f] as CompiledFeature;
    let chosen = feature.base;
    let reason = 'DEFAULT';
    const identityOverride = identityOverrides?.get(f);
    if (identityOverride) {
      chosen = identityOverride;
      reason = IDENTITY_OVERRIDE_REASON;
    } else if (feature.overrides.length > 0) {
      const override = chooseOverride(feature, matched);
      if (override) {
        chosen = override.state;
        reason = override.reason;
      }
    }
    if (hideDisabled && !chosen.enabled) continue;

    let value = chosen.value;
    let variant: string | null = null;
    const variants = chosen.variants;
    if (key !== null && variants.length > 0) {
      const percentage = hashedPercentageOfPrefixed(chosen.hashPrefix, key);
      variant = 'control';
      let start = 0;
      for (const option of variants) {
        const limit = start + option.weight;
        if (start <= percentage && percentage < limit) {
          value = option.value;
          variant = option.key;
          reason = option.reason;
          break;
        }
        start = limit;
      }
    }
    results[shown++] = (
      chosen.metadata === undefined
        ? { name: feature.name, enabled: chosen.enabled, value, reason, variant }
        : { name: feature.name, enabled: chosen.enabled, value, reason, variant, metadata: chosen.metadata }
    ) as FlagResult;
  }
  if (shown < results.length) results.length = shown;
  return { flags: results, segments };
}

/**
 * `evaluateList` in the shape of Flagsmith's evaluation result: flags keyed by feature name. Above a thousand
 * features, building that object (V8 dictionary mode) costs more than evaluating; list consumers should prefer
 * `evaluateList`.
 */
export function evaluate(
  compiled: CompiledEnvironment,
  identity?: EvaluationIdentity | null,
): EvaluationResult {
  const { flags: list, segments } = evaluateList(compiled, identity);
  if (list.length === compiled.features.length) return { flags: compiled.buildFlags(list), segments };
  // Some flags were hidden: the generated builder expects every feature.
  const flags: Record<string, FlagResult> = {};
  for (const result of list) setFlag(flags, result.name, result);
  return { flags, segments };
}
