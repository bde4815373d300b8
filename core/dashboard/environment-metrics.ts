import type { DataScope } from '../data/unit-of-work.js';

export interface EnvironmentMetric {
  readonly name: string;
  readonly description: string;
  readonly entity: string;
  readonly rank: number;
  readonly value: number;
}

/**
 * `environments/{key}/metrics/`, as Flagsmith's EnvironmentMetricsService builds it without workflows (change
 * requests are not part of its open source): the environment's unarchived features, how many are enabled, and
 * the segment and identity overrides of those features, in rank order. Vexil keeps one row per default,
 * override and identity override (no versions), so each count is a count of rows.
 */
export async function environmentMetrics(
  scope: DataScope,
  environmentId: number,
): Promise<EnvironmentMetric[]> {
  const { knex } = scope;
  const states = () =>
    knex('feature_states')
      .join('features', 'features.id', 'feature_states.feature_id')
      .where('feature_states.environment_id', environmentId)
      .where('features.is_archived', false);
  const [defaults] = (await states()
    .whereNull('feature_states.identity_id')
    .whereNull('feature_states.feature_segment_id')
    .select(
      knex.raw('count(distinct feature_states.feature_id)::int as total'),
      knex.raw(
        'count(distinct feature_states.feature_id) filter (where feature_states.enabled)::int as enabled',
      ),
    )) as { total: number; enabled: number }[];
  const [segments] = (await states()
    .whereNull('feature_states.identity_id')
    .whereNotNull('feature_states.feature_segment_id')
    .select(knex.raw('count(*)::int as count'))) as { count: number }[];
  const [identities] = (await states()
    .whereNotNull('feature_states.identity_id')
    .whereNull('feature_states.feature_segment_id')
    .select(knex.raw('count(*)::int as count'))) as { count: number }[];
  // MetricItemSerializer's field order.
  const metric = (value: number, description: string, name: string, entity: string, rank: number) => ({
    value,
    description,
    name,
    entity,
    rank,
  });
  return [
    metric(defaults?.total ?? 0, 'Total features', 'total_features', 'features', 1),
    metric(defaults?.enabled ?? 0, 'Features enabled', 'enabled_features', 'features', 2),
    metric(segments?.count ?? 0, 'Segment overrides', 'segment_overrides', 'segments', 3),
    metric(identities?.count ?? 0, 'Identity overrides', 'identity_overrides', 'identities', 4),
  ];
}

/**
 * Flagsmith's get_feature_evaluation_data from its own database: per UTC day of the last `periodDays` (today
 * included), the evaluations SDKs reported for the feature in the environment, days without any left out.
 * Vexil records no labels (SDK name and version), so each day's `labels` is empty.
 */
export async function dailyEvaluations(
  scope: DataScope,
  environmentId: number,
  featureId: number,
  periodDays: number,
): Promise<{ day: string; count: number; labels: Record<string, never> }[]> {
  const { knex } = scope;
  const day = knex.raw("to_char((hour at time zone 'UTC')::date, 'YYYY-MM-DD')");
  const rows = (await knex('feature_evaluation_counts')
    .where({ environment_id: environmentId, feature_id: featureId })
    .whereRaw("(hour at time zone 'UTC')::date <= (now() at time zone 'UTC')::date")
    .whereRaw("(hour at time zone 'UTC')::date > (now() at time zone 'UTC')::date - ?::int", [periodDays])
    .groupByRaw("(hour at time zone 'UTC')::date")
    .orderByRaw("(hour at time zone 'UTC')::date")
    .select({ day }, knex.raw('sum(count)::bigint as count'))) as { day: string; count: number | string }[];
  return rows.map((row) => ({ day: row.day, count: Number(row.count), labels: {} }));
}
