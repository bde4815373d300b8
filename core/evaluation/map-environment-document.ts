import type {
  DocumentFeatureState,
  DocumentIdentity,
  DocumentRule,
  DocumentValue,
  EnvironmentDocument,
} from './environment-document.js';
import type {
  ContextValue,
  EvaluationContext,
  FeatureContext,
  FeatureValue,
  IdentityContext,
  SegmentContext,
  SegmentRule,
} from './evaluation-context.js';
import { canonicalFloat, canonicalInt, orderedEntries, toContextValue } from './python-value.js';

/** The name Flagsmith's SDKs give the synthetic segment that carries identity overrides. */
export const IDENTITY_OVERRIDE_SEGMENT_NAME = 'identity_overrides';

/** Flagsmith's context mapper turns numeric strings into numbers ("007" → 7, "1.50" → 1.5, "2.0" → 2.0). */
export function coerceTraitValue(value: DocumentValue): ContextValue {
  return toContextValue(value);
}

/** Traits as a plain map with numeric strings coerced; a null value means "no trait", as in Flagsmith. */
export function mapTraits(traits: DocumentIdentity['traits']): Record<string, ContextValue> {
  const mapped: Record<string, ContextValue> = {};
  if (!traits) return mapped;
  if (Array.isArray(traits)) {
    for (const trait of traits as readonly { trait_key: string; trait_value: DocumentValue }[]) {
      if (trait.trait_value !== null) mapped[trait.trait_key] = coerceTraitValue(trait.trait_value);
    }
    return mapped;
  }
  for (const [name, value] of orderedEntries(traits)) {
    if (value !== null && value !== undefined) mapped[name] = coerceTraitValue(value as DocumentValue);
  }
  return mapped;
}

function variantPriority(id: number | null | undefined, uuid: string | null | undefined): number | bigint {
  if (typeof id === 'number') return id;
  // Flagsmith's SDKs order uuid-only variants by the uuid read as an integer.
  if (uuid) return canonicalInt(BigInt(`0x${uuid.replaceAll('-', '')}`));
  return Number.POSITIVE_INFINITY;
}

/** A document feature state as a feature context; `key` is the multivariate hashing seed (django_id or uuid). */
export function mapFeatureState(state: DocumentFeatureState, priority?: number): FeatureContext {
  const variants: FeatureValue[] = [];
  for (const mv of state.multivariate_feature_state_values ?? []) {
    const variant: FeatureValue = {
      value: mv.multivariate_feature_option.value,
      // Flagsmith stores percentage_allocation as a float: its SPLIT reasons print "50.0".
      weight:
        typeof mv.percentage_allocation === 'number'
          ? canonicalFloat(mv.percentage_allocation)
          : mv.percentage_allocation,
      priority: variantPriority(mv.id, mv.mv_fs_value_uuid),
    };
    const key = mv.multivariate_feature_option.key;
    if (key) variant.key = key;
    variants.push(variant);
  }
  const feature: FeatureContext = {
    key: state.django_id != null ? String(state.django_id) : (state.featurestate_uuid ?? ''),
    name: state.feature.name,
    enabled: state.enabled,
    value: state.feature_state_value ?? null,
    metadata: { id: state.feature.id },
  };
  if (variants.length > 0) feature.variants = variants;
  const segmentPriority = priority ?? state.feature_segment?.priority;
  if (segmentPriority != null) feature.priority = segmentPriority;
  return feature;
}

function mapRule(rule: DocumentRule): SegmentRule {
  return {
    type: rule.type,
    conditions: (rule.conditions ?? []).map((condition) => ({
      property: condition.property_ ?? null,
      operator: condition.operator,
      value: condition.value ?? null,
    })),
    rules: (rule.rules ?? []).map(mapRule),
  };
}

/** The segment that applies an identity's overrides ahead of every other segment (priority −∞). */
export function identityOverrideSegment(
  identifier: string,
  overrides: readonly DocumentFeatureState[],
): SegmentContext {
  return {
    key: `identity_override_${identifier}`,
    name: IDENTITY_OVERRIDE_SEGMENT_NAME,
    rules: [
      {
        type: 'ALL',
        conditions: [{ property: '$.identity.identifier', operator: 'IN', value: [identifier] }],
      },
    ],
    overrides: overrides.map((state) => mapFeatureState(state, Number.NEGATIVE_INFINITY)),
    metadata: { source: 'identity_override' },
  };
}

/** Whether disabled flags are left out: the environment's setting, else the project's. */
export function hidesDisabledFlags(document: EnvironmentDocument): boolean {
  return document.hide_disabled_flags ?? document.project.hide_disabled_flags ?? false;
}

/** The hashing key Flagsmith uses for an identity of this environment. */
export function documentIdentityKey(document: EnvironmentDocument, identity: DocumentIdentity): string {
  if (document.use_identity_composite_key_for_hashing === false) {
    if (identity.key) return identity.key;
    const stored = document.identity_overrides?.find((item) => item.identifier === identity.identifier);
    if (stored?.django_id != null) return String(stored.django_id);
  }
  return `${document.api_key}_${identity.identifier}`;
}

/**
 * Flagsmith's environment document (plus, optionally, one identity) as an evaluation context, the way Flagsmith's
 * SDKs map it for local evaluation. Only the given identity's overrides are carried, as one synthetic segment.
 * `hide_disabled_flags` is not part of a context: `compileEnvironment(document)` applies it.
 */
export function mapEnvironmentDocumentToContext(
  document: EnvironmentDocument,
  identity?: DocumentIdentity,
): EvaluationContext {
  // Maps, not objects: Python's dicts keep the document's order, which decides override ties, and a plain object
  // would list integer-like keys (segment ids, numeric feature names) first.
  const features = new Map<string, FeatureContext>();
  for (const state of document.feature_states) features.set(state.feature.name, mapFeatureState(state));

  const segments = new Map<string, SegmentContext>();
  for (const segment of document.project.segments ?? []) {
    const key = String(segment.id);
    segments.set(key, {
      key,
      name: segment.name,
      rules: segment.rules.map(mapRule),
      overrides: (segment.feature_states ?? []).map((state) => mapFeatureState(state)),
      metadata: { source: 'api', id: segment.id },
    });
  }

  const context: EvaluationContext = {
    environment: { key: document.api_key, name: document.name ?? '' },
    features,
    segments,
  };
  if (identity) {
    const identityContext: IdentityContext = {
      identifier: identity.identifier,
      key: documentIdentityKey(document, identity),
      traits: mapTraits(identity.traits),
    };
    context.identity = identityContext;
    const stored = document.identity_overrides?.find((item) => item.identifier === identity.identifier);
    const overrides = stored?.identity_features ?? [];
    if (overrides.length > 0) {
      const segment = identityOverrideSegment(identity.identifier, overrides);
      segments.set(segment.key, segment);
    }
  }
  return context;
}
