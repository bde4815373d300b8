import type { IdentityState } from './compile-condition.js';
import {
  type CompiledEnvironment,
  type CompiledFeatureState,
  IDENTITY_OVERRIDE_REASON,
  setFlag,
} from './compile-environment.js';
import type { DocumentIdentity } from './environment-document.js';
import type { ContextValue, EvaluationResult, FlagResult, SegmentResult } from './evaluation-context.js';
import { hashedPercentageOfJoined } from './hashed-percentage.js';
import { IDENTITY_OVERRIDE_SEGMENT_NAME, mapTraits } from './map-environment-document.js';

const IDENTITY_OVERRIDE_RESULT: SegmentResult = {
  name: IDENTITY_OVERRIDE_SEGMENT_NAME,
  metadata: { source: 'identity_override' },
};
const NO_TRAITS: Readonly<Record<string, ContextValue>> = Object.freeze({});

/** The identity to evaluate: a context identity, or (for documents) traits in the SDK's list form. */
export type EvaluationIdentity = DocumentIdentity;

function identityState(compiled: CompiledEnvironment, identity: EvaluationIdentity): IdentityState {
  let traits: Readonly<Record<string, ContextValue>>;
  // The SDK's trait list only comes from document-shaped requests, so it takes the document mapper's coercion.
  if (compiled.coerceTraits || Array.isArray(identity.traits)) traits = mapTraits(identity.traits);
  else traits = (identity.traits as Record<string, ContextValue> | null | undefined) ?? NO_TRAITS;
  // An empty key counts as missing, as in Flagsmith's engine.
  const key = identity.key || compiled.identityKey(identity.identifier);
  return { identifier: identity.identifier, key, traits };
}

/** Flags in feature order (hidden ones left out) and matched segments: what HTTP responses serialise as lists. */
export interface EvaluationList {
  flags: FlagResult[];
  segments: SegmentResult[];
}

/**
 * Evaluates every flag of a compiled environment for one identity (or for none: environment defaults only), as a
 * list in feature order. Precedence: identity override, then the matched segment override with the lowest priority,
 * then the default. Results share metadata objects with the compiled environment: treat them as read-only.
 */
export function evaluateList(
  compiled: CompiledEnvironment,
  identity?: EvaluationIdentity | null,
): EvaluationList {
  const segments: SegmentResult[] = [];
  let state: IdentityState | undefined;
  let matched: Uint8Array | undefined;
  let identityOverrides: ReadonlyMap<number, CompiledFeatureState> | undefined;
  if (identity) {
    state = identityState(compiled, identity);
    const compiledSegments = compiled.segments;
    matched = new Uint8Array(compiledSegments.length);
    for (let i = 0; i < compiledSegments.length; i++) {
      const segment = compiledSegments[i] as CompiledEnvironment['segments'][number];
      if (segment.matches(state)) {
        matched[i] = 1;
        segments.push(segment.result);
      }
    }
    identityOverrides = compiled.identityOverrides.get(identity.identifier);
    if (identityOverrides) segments.push(IDENTITY_OVERRIDE_RESULT);
  }

  const features = compiled.features;
  const hideDisabled = compiled.hideDisabledFlags;
  const results: FlagResult[] = new Array(features.length);
  let shown = 0;
  for (let f = 0; f < features.length; f++) {
    const feature = features[f] as CompiledEnvironment['features'][number];
    let chosen = feature.base;
    let reason = 'DEFAULT';
    const identityOverride = identityOverrides?.get(f);
    if (identityOverride) {
      chosen = identityOverride;
      reason = IDENTITY_OVERRIDE_REASON;
    } else if (matched) {
      for (const override of feature.overrides) {
        if (matched[override.segment] === 1) {
          chosen = override.state;
          reason = override.reason;
          break;
        }
      }
    }
    if (hideDisabled && !chosen.enabled) continue;

    let value = chosen.value;
    let variant: string | null = null;
    const variants = chosen.variants;
    if (state && variants.length > 0) {
      const percentage = hashedPercentageOfJoined(chosen.hashPrefix + state.key);
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
    results[shown++] =
      chosen.metadata === undefined
        ? { name: feature.name, enabled: chosen.enabled, value, reason, variant }
        : { name: feature.name, enabled: chosen.enabled, value, reason, variant, metadata: chosen.metadata };
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
