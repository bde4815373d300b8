import type { FeatureStateValueRow } from './feature-value.js';

/** `features`. */
export interface FeatureRow {
  id: number;
  uuid: string;
  name: string;
  project_id: number;
  type: 'STANDARD' | 'MULTIVARIATE';
  initial_value: string | null;
  default_enabled: boolean;
  description: string | null;
  is_archived: boolean;
  is_server_key_only: boolean;
  created_date: Date;
}

/** `tags`. */
export interface TagRow {
  id: number;
  uuid: string;
  project_id: number;
  label: string;
  color: string;
  description: string | null;
  is_permanent: boolean;
  is_system_tag: boolean;
  type: string;
}

/** `multivariate_feature_options`. */
export interface MultivariateOptionRow extends FeatureStateValueRow {
  id: number;
  uuid: string;
  feature_id: number;
  default_percentage_allocation: number;
  key: string | null;
}

/** `multivariate_feature_state_values`. */
export interface MultivariateStateValueRow {
  id: number;
  /** Read by the environment document (`mv_fs_value_uuid`) only. */
  uuid?: string;
  feature_state_id: number;
  multivariate_feature_option_id: number;
  percentage_allocation: number;
}

/** `feature_states` (environment defaults here; identity and segment overrides share the table). */
export interface FeatureStateRow {
  id: number;
  uuid: string;
  feature_id: number;
  environment_id: number;
  identity_id: number | null;
  /** Set on a segment override's state (`feature_segments.id`). */
  feature_segment_id: number | null;
  enabled: boolean;
  live_from: Date | null;
  version: number | null;
  created_at: Date;
  updated_at: Date;
}

/** A state with what hangs off it, as the routes and the document builder read it. */
export interface FeatureStateView extends FeatureStateRow {
  value: FeatureStateValueRow | undefined;
  multivariate: MultivariateStateValueRow[];
}
