import { Model } from 'objection';
import type { RuleType } from './segment-body.js';

/** `segments`. */
export class SegmentModel extends Model {
  static override tableName = 'segments';

  id!: number;
  uuid!: string;
  name!: string;
  description!: string | null;
  project_id!: number;
  feature_id!: number | null;
  version!: number;
  version_of_id!: number | null;
  is_system_segment!: boolean;
  managed_by!: string | null;
  created_at!: Date;
  updated_at!: Date;
  deleted_at!: Date | null;
}

/** A condition as stored, in `segment_conditions`. */
export interface StoredCondition {
  id: number;
  operator: string;
  property: string | null;
  value: string | null;
  description: string | null;
}

/** A rule with its conditions and sub-rules, each list in the order it was written. */
export interface StoredRule {
  id: number;
  type: RuleType;
  conditions: StoredCondition[];
  rules: StoredRule[];
}

export interface SegmentWithRules {
  segment: SegmentModel;
  rules: StoredRule[];
}
