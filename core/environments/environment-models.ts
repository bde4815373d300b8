import { Model } from 'objection';

/** `environments`. */
export class EnvironmentModel extends Model {
  static override tableName = 'environments';

  id!: number;
  uuid!: string;
  name!: string;
  project_id!: number;
  api_key!: string;
  description!: string | null;
  allow_client_traits!: boolean;
  hide_disabled_flags!: boolean | null;
  hide_sensitive_data!: boolean;
  use_identity_composite_key_for_hashing!: boolean;
  use_identity_overrides_in_local_eval!: boolean;
  minimum_change_request_approvals!: number | null;
  banner_text!: string | null;
  banner_colour!: string | null;
  use_v2_feature_versioning!: boolean;
  is_creating!: boolean;
  created_date!: Date;
  updated_at!: Date;
}

/** `environment_api_keys`: server-side SDK keys, found by hash. */
export class EnvironmentApiKeyModel extends Model {
  static override tableName = 'environment_api_keys';

  id!: number;
  environment_id!: number;
  key_hash!: string;
  key_sealed!: string;
  name!: string;
  active!: boolean;
  expires_at!: Date | null;
  created_at!: Date;
}
