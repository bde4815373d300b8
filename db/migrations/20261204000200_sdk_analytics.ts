import type { Knex } from 'knex';

/**
 * What SDKs report on `POST /api/v1/analytics/flags/`: evaluations per feature, summed per environment per hour
 * (Flagsmith's FeatureEvaluationBucket, without its labels). One row per (environment, feature, hour), so a busy
 * SDK adds to a row instead of adding rows; usage plugins read and forward them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feature_evaluation_counts', (table) => {
    table.bigIncrements('id');
    table.integer('environment_id').notNullable().references('environments.id').onDelete('CASCADE');
    table.integer('feature_id').notNullable().references('features.id').onDelete('CASCADE');
    table.timestamp('hour', { useTz: true }).notNullable();
    table.bigInteger('count').notNullable().defaultTo(0);
    table.unique(['environment_id', 'feature_id', 'hour']);
    table.index(['environment_id', 'hour']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('feature_evaluation_counts');
}
