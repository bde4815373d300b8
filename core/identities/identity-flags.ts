import type { DataScope } from '../data/unit-of-work.js';
import {
  buildEnvironmentDocument,
  type DocumentFeatureStateOut,
  toDocumentState,
} from '../environment-document/build-environment-document.js';
import {
  type DocumentValue,
  getEvaluationResult,
  IDENTITY_OVERRIDE_SEGMENT_NAME,
  mapEnvironmentDocumentToContext,
  type SegmentContext,
} from '../evaluation/index.js';
import { hidesDisabledFlags, mapFeatureState } from '../evaluation/map-environment-document.js';
import type { FeatureRow } from '../features/feature-models.js';
import type { FeatureStore } from '../features/feature-store.js';
import type { IdentityForEvaluation } from './identity-store.js';
import { traitValue } from './trait-value.js';

/** One item of Flagsmith's IdentityAllFeatureStatesSerializer (`identities/{id}/featurestates/all/`). */
export interface IdentityFlag {
  feature: { id: number; name: string; type: string };
  enabled: boolean;
  feature_state_value: unknown;
  overridden_by: 'IDENTITY' | 'SEGMENT' | null;
  segment: { id: number; name: string } | null;
  multivariate_feature_state_values: {
    multivariate_feature_option: { value: DocumentValue };
    percentage_allocation: unknown;
  }[];
}

/**
 * Identity.get_all_feature_states as the dashboard's identity page shows it: per feature the identity's override,
 * else the override of the matched segment with the lowest priority, else the environment default, evaluated by
 * the engine over the environment document (values split by the identity's hash key, as Flagsmith's serializer
 * does) with the identity's traits. Unlike an SDK, the identity's own overrides apply whatever its identifier
 * (the database links them, not an identifier match); disabled flags are left out under hide_disabled_flags.
 */
export async function identityFlags(
  scope: DataScope,
  features: FeatureStore,
  loaded: IdentityForEvaluation,
): Promise<IdentityFlag[]> {
  // Other identities' overrides do not concern this one: only its own are added below.
  const built = await buildEnvironmentDocument(scope, loaded.identity.environment_id, new Date(), {
    identityOverrides: false,
  });
  if (!built) return [];
  const { document } = built;
  const overrideFeatureIds = [...new Set(loaded.overrides.map((state) => state.feature_id))];
  const inDocument = new Set(document.feature_states.map((state) => state.feature.id));
  const featureRows = new Map<number, FeatureRow>();
  if (overrideFeatureIds.length > 0) {
    const rows = (await scope.knex('features').whereIn('id', overrideFeatureIds).select('*')) as FeatureRow[];
    for (const row of rows) if (inDocument.has(row.id)) featureRows.set(row.id, row);
  }
  const options = await features.optionsOf(scope, overrideFeatureIds);
  const optionsById = new Map([...options.values()].flat().map((option) => [option.id, option]));
  const identityStates = new Map<string, DocumentFeatureStateOut>();
  for (const state of loaded.overrides) {
    const feature = featureRows.get(state.feature_id);
    if (feature) identityStates.set(feature.name, toDocumentState(state, feature, optionsById, null));
  }

  const context = mapEnvironmentDocumentToContext(document, {
    identifier: loaded.identity.identifier,
    key: String(loaded.identity.id),
    traits: loaded.traits.map((trait) => ({ trait_key: trait.trait_key, trait_value: traitValue(trait) })),
  });
  if (identityStates.size > 0) {
    // Always matches (one ALL rule with no conditions) and outranks every segment, as the identity's own rows.
    const segment: SegmentContext = {
      key: 'identity_overrides',
      name: IDENTITY_OVERRIDE_SEGMENT_NAME,
      rules: [{ type: 'ALL', conditions: [] }],
      overrides: [...identityStates.values()].map((state) =>
        mapFeatureState(state, Number.NEGATIVE_INFINITY),
      ),
      metadata: { source: 'identity_override' },
    };
    (context.segments as Map<string, SegmentContext>).set(segment.key, segment);
  }
  const result = getEvaluationResult(context);
  const matched = new Set(
    result.segments.flatMap((segment) =>
      segment.metadata?.source === 'api' && typeof segment.metadata.id === 'number'
        ? [segment.metadata.id]
        : [],
    ),
  );

  const hideDisabled = hidesDisabledFlags(document);
  const flags: IdentityFlag[] = [];
  for (const defaultState of document.feature_states) {
    const name = defaultState.feature.name;
    const flag = result.flags[name];
    if (!flag || (hideDisabled && !flag.enabled)) continue;
    let winner = defaultState;
    let overriddenBy: IdentityFlag['overridden_by'] = null;
    let segment: IdentityFlag['segment'] = null;
    const own = identityStates.get(name);
    if (own) {
      winner = own;
      overriddenBy = 'IDENTITY';
    } else {
      let best: { priority: number; state: DocumentFeatureStateOut; id: number; name: string } | undefined;
      for (const candidate of document.project.segments) {
        if (!matched.has(candidate.id)) continue;
        const state = candidate.feature_states.find((item) => item.feature.name === name);
        if (!state) continue;
        const priority = state.feature_segment?.priority ?? Number.POSITIVE_INFINITY;
        if (!best || priority < best.priority)
          best = { priority, state, id: candidate.id, name: candidate.name };
      }
      if (best) {
        winner = best.state;
        overriddenBy = 'SEGMENT';
        segment = { id: best.id, name: best.name };
      }
    }
    flags.push({
      feature: defaultState.feature,
      enabled: flag.enabled,
      feature_state_value: flag.value,
      overridden_by: overriddenBy,
      segment,
      multivariate_feature_state_values: winner.multivariate_feature_state_values.map((value) => ({
        multivariate_feature_option: { value: value.multivariate_feature_option.value },
        percentage_allocation: value.percentage_allocation,
      })),
    });
  }
  return flags;
}
