import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';

const hourMs = 3_600_000;

/** The start of the UTC hour `at` falls in: the bucket a count is added to. */
export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / hourMs) * hourMs);
}

export interface EvaluationCountRow {
  feature_id: number;
  hour: Date;
  count: number;
}

/** `feature_evaluation_counts`: SDK-reported evaluations per environment, feature and hour. */
export class AnalyticsStore {
  /** Adds each feature's count to its row for the hour, creating the row on first report. */
  async add(
    uow: UnitOfWork,
    environmentId: number,
    counts: ReadonlyMap<number, number>,
    at: Date,
  ): Promise<void> {
    if (counts.size === 0) return;
    const hour = hourOf(at);
    const rows = [...counts].map(([featureId, count]) => ({
      environment_id: environmentId,
      feature_id: featureId,
      hour,
      count,
    }));
    await uow
      .knex('feature_evaluation_counts')
      .insert(rows)
      .onConflict(['environment_id', 'feature_id', 'hour'])
      .merge({ count: uow.knex.raw('feature_evaluation_counts.count + excluded.count') });
  }

  async list(scope: DataScope, environmentId: number): Promise<EvaluationCountRow[]> {
    const rows = (await scope
      .knex('feature_evaluation_counts')
      .where('environment_id', environmentId)
      .orderBy(['hour', 'feature_id'])
      .select('feature_id', 'hour', 'count')) as { feature_id: number; hour: Date | string; count: number }[];
    return rows.map((row) => ({
      feature_id: row.feature_id,
      hour: new Date(row.hour),
      count: Number(row.count),
    }));
  }
}
