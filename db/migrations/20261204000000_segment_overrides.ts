import type { Knex } from 'knex';

/**
 * Segment overrides as Flagsmith's FeatureSegment keeps them: a feature overridden for a segment in one
 * environment, at a priority (0 first) that is unique per feature and environment, and the feature state that
 * carries the override's value (`feature_states.feature_segment_id`). Deleting the feature, the segment or the
 * environment removes the override and its state. The priority constraint is deferred so that reordering can
 * shift a run of priorities in one statement.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feature_segments', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(knex.raw('gen_random_uuid()'));
    table.integer('feature_id').notNullable().references('features.id').onDelete('CASCADE');
    table.integer('segment_id').notNullable().references('segments.id').onDelete('CASCADE');
    table.integer('environment_id').notNullable().references('environments.id').onDelete('CASCADE');
    table.integer('priority').notNullable();
    table.unique(['feature_id', 'environment_id', 'segment_id']);
    table.index(['environment_id']);
    table.index(['segment_id']);
  });
  await knex.raw(
    'alter table feature_segments add constraint feature_segments_priority_unique unique (feature_id, environment_id, priority) deferrable initially deferred',
  );
  await knex.raw(
    'alter table feature_segments add constraint feature_segments_priority_check check (priority >= 0)',
  );
  await knex.schema.alterTable('feature_states', (table) => {
    table.integer('feature_segment_id').nullable().references('feature_segments.id').onDelete('CASCADE');
    table.index(['feature_segment_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('feature_states', (table) => {
    table.dropColumn('feature_segment_id');
  });
  await knex.schema.dropTable('feature_segments');
}
