import type {
  DocumentFeatureStateOut,
  EnvironmentDocumentOut,
} from '../environment-document/build-environment-document.js';
import type { FeatureRow } from '../features/feature-models.js';
import type { FlagValue } from '../features/feature-value.js';

/**
 * One item of `GET /api/v1/flags/`: Flagsmith's SDKFeatureStateSerializer, in its field order (SDKs and caches
 * compare bodies as text, so the order is part of the wire format).
 */
export interface SdkFlagOut {
  id: number | null;
  feature: {
    id: number;
    name: string;
    created_date: string | null;
    description: string | null;
    initial_value: string | null;
    default_enabled: boolean | null;
    type: 'STANDARD' | 'MULTIVARIATE';
  };
  feature_state_value: FlagValue;
  environment: number | null;
  identity: null;
  feature_segment: null;
  enabled: boolean;
}

/** The environment's settings, else the project's: Environment.get_hide_disabled_flags. */
export function hidesDisabledFlags(document: EnvironmentDocumentOut): boolean {
  return document.hide_disabled_flags ?? document.project.hide_disabled_flags;
}

/**
 * The environment defaults an SDK with this kind of key sees, in the document's order. With
 * `hide_disabled_flags`, disabled ones are left out; a client key never sees `is_server_key_only` features.
 * Flagsmith's `_additional_filters` returns early on hide_disabled_flags and so shows server-only features to
 * client keys in that case; Vexil applies both filters, since a server-only flag reaching browsers is the leak
 * the setting exists to prevent.
 */
export function visibleStates(
  document: EnvironmentDocumentOut,
  serverSide: boolean,
): DocumentFeatureStateOut[] {
  const hideDisabled = hidesDisabledFlags(document);
  const serverOnly = new Set(document.project.server_key_only_feature_ids);
  return document.feature_states.filter(
    (state) => (!hideDisabled || state.enabled) && (serverSide || !serverOnly.has(state.feature.id)),
  );
}

const iso = (date: Date | string) => new Date(date).toISOString();

/** One flag as SDKFeatureStateSerializer prints it, `hide_sensitive_data` nulling what it names. */
export function flagToWire(
  state: DocumentFeatureStateOut,
  feature: FeatureRow | undefined,
  document: EnvironmentDocumentOut,
): SdkFlagOut {
  const hide = document.hide_sensitive_data;
  return {
    id: hide ? null : state.django_id,
    feature: {
      id: state.feature.id,
      name: state.feature.name,
      created_date: hide || !feature ? null : iso(feature.created_date),
      description: hide ? null : (feature?.description ?? null),
      initial_value: hide ? null : (feature?.initial_value ?? null),
      default_enabled: hide ? null : (feature?.default_enabled ?? null),
      type: state.feature.type,
    },
    // Environment defaults hold JSON primitives only (the document's floats are allocations, not values).
    feature_state_value: state.feature_state_value as FlagValue,
    environment: hide ? null : document.id,
    identity: null,
    feature_segment: null,
    enabled: state.enabled,
  };
}

/** Python's `str.upper()` comparison that Django's `iexact` makes on PostgreSQL. */
export function sameFeatureName(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}
