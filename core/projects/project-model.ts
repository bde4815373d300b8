import { Model } from 'objection';

/** `projects`. */
export class ProjectModel extends Model {
  static override tableName = 'projects';

  id!: number;
  uuid!: string;
  name!: string;
  organisation_id!: number;
  hide_disabled_flags!: boolean;
  enable_realtime_updates!: boolean;
  prevent_flag_defaults!: boolean;
  only_allow_lower_case_feature_names!: boolean;
  feature_name_regex!: string | null;
  stale_flags_limit_days!: number;
  minimum_change_request_approvals!: number | null;
  enforce_feature_owners!: boolean;
  max_segments_allowed!: number;
  max_features_allowed!: number;
  max_segment_overrides_allowed!: number;
  created_date!: Date;
}
