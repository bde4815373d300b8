import type { DataScope } from '../data/unit-of-work.js';
import type { Tenant } from '../organisations/tenant.js';
import type { FlagStateWebhookData } from '../webhooks/webhook-outbox.js';
import type { FeatureRow, FeatureStateView } from './feature-models.js';
import { rowToValue } from './feature-value.js';

/** A segment override as Flagsmith's generate_webhook_feature_state_data describes it. */
export interface WebhookFeatureSegment {
  readonly segment: { readonly id: number; readonly name: string; readonly description: string | null };
  readonly priority: number;
}

/** The identity of an identity override, as the webhook names it. */
export interface WebhookIdentity {
  readonly id: number;
  readonly identifier: string | null;
}

/**
 * Flagsmith's generate_webhook_feature_state_data: the one shape of a flag state in FLAG_UPDATED and FLAG_DELETED,
 * for environment defaults, segment overrides (`featureSegment`) and identity overrides (`identity`) alike.
 */
export async function flagWebhookData(
  scope: DataScope,
  feature: FeatureRow,
  state: FeatureStateView,
  featureSegment: WebhookFeatureSegment | null = null,
  identity: WebhookIdentity | null = null,
): Promise<FlagStateWebhookData> {
  const row = (await scope
    .knex('environments as e')
    .join('projects as p', 'p.id', 'e.project_id')
    .where('e.id', state.environment_id)
    .first('e.id', 'e.name', 'p.id as project_id', 'p.name as project_name')) as {
    id: number;
    name: string;
    project_id: number;
    project_name: string;
  };
  return {
    enabled: state.enabled,
    environment: { id: row.id, name: row.name },
    feature: {
      id: feature.id,
      name: feature.name,
      created_date: new Date(feature.created_date).toISOString(),
      default_enabled: feature.default_enabled,
      description: feature.description,
      initial_value: feature.initial_value,
      project: { id: row.project_id, name: row.project_name },
      type: feature.type,
    },
    feature_segment: featureSegment,
    feature_state_value: rowToValue(state.value),
    identity: identity?.id ?? null,
    identity_identifier: identity?.identifier ?? null,
  };
}

/** A segment override by its feature_segments id, as the webhooks describe it; null when it is gone. */
export async function webhookFeatureSegment(
  scope: DataScope,
  featureSegmentId: number,
): Promise<WebhookFeatureSegment | null> {
  const row = (await scope
    .knex('feature_segments as fs')
    .join('segments as s', 's.id', 'fs.segment_id')
    .where('fs.id', featureSegmentId)
    .first('s.id', 's.name', 's.description', 'fs.priority')) as
    | { id: number; name: string; description: string | null; priority: number }
    | undefined;
  return row
    ? { segment: { id: row.id, name: row.name, description: row.description }, priority: row.priority }
    : null;
}

/** Who made a change, as the webhooks' `changed_by` names them: a person's email or a key's name. */
export async function actorName(scope: DataScope, tenant: Tenant): Promise<string> {
  if (tenant.kind === 'user') {
    const user = (await scope.knex('users').where('id', tenant.userId).first('email')) as
      | { email: string }
      | undefined;
    return user?.email ?? '';
  }
  const key = (await scope.knex('master_api_keys').where('id', tenant.keyId).first('name')) as
    | { name: string }
    | undefined;
  return key?.name ?? '';
}
