// The parts of Flagsmith's `GET /api/v1/environment-document/` payload (util/engine_models in Flagsmith) that
// evaluation reads. Unknown fields are allowed and ignored.

import type { PythonFloat } from './python-value.js';

/** A scalar as python-value.ts represents it (`parseJson` keeps `2.0` a float and big ints exact). */
export type DocumentValue = string | number | boolean | null | bigint | PythonFloat;

export interface DocumentFeature {
  id: number;
  name: string;
  type?: string | null | undefined;
}

export interface DocumentMultivariateValue {
  id?: number | null | undefined;
  mv_fs_value_uuid?: string | null | undefined;
  percentage_allocation: number | PythonFloat;
  multivariate_feature_option: {
    id?: number | null | undefined;
    value: DocumentValue;
    key?: string | null | undefined;
  };
}

export interface DocumentFeatureState {
  feature: DocumentFeature;
  enabled: boolean;
  django_id?: number | null | undefined;
  featurestate_uuid?: string | null | undefined;
  feature_state_value?: DocumentValue | undefined;
  feature_segment?: { priority?: number | null | undefined } | null | undefined;
  multivariate_feature_state_values?: DocumentMultivariateValue[] | null | undefined;
}

export interface DocumentCondition {
  operator: string;
  property_?: string | null | undefined;
  value?: string | null | undefined;
}

export interface DocumentRule {
  type: string;
  rules?: DocumentRule[] | null | undefined;
  conditions?: DocumentCondition[] | null | undefined;
}

export interface DocumentSegment {
  id: number;
  name: string;
  rules: DocumentRule[];
  feature_states?: DocumentFeatureState[] | null | undefined;
}

export interface DocumentIdentityOverride {
  identifier: string;
  django_id?: number | null | undefined;
  identity_features?: DocumentFeatureState[] | null | undefined;
}

export interface EnvironmentDocument {
  id?: number | undefined;
  api_key: string;
  name?: string | null | undefined;
  project: {
    id?: number | undefined;
    name?: string | undefined;
    organisation?: Record<string, unknown> | undefined;
    hide_disabled_flags?: boolean | null | undefined;
    segments?: DocumentSegment[] | null | undefined;
  };
  feature_states: DocumentFeatureState[];
  identity_overrides?: DocumentIdentityOverride[] | null | undefined;
  hide_disabled_flags?: boolean | null | undefined;
  use_identity_composite_key_for_hashing?: boolean | null | undefined;
}

/** An identity to evaluate against a document: traits as a map or in the SDK's `{trait_key, trait_value}` form. */
export interface DocumentIdentity {
  identifier: string;
  /** The hashing key when the environment does not use the composite key (Flagsmith uses the identity's id). */
  key?: string | undefined;
  traits?:
    | Record<string, DocumentValue>
    | ReadonlyMap<string, DocumentValue>
    | readonly { trait_key: string; trait_value: DocumentValue }[]
    | null
    | undefined;
}
