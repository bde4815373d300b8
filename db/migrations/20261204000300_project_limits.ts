import type { Knex } from 'knex';

/**
 * Flagsmith's per-project limits (`Project.max_*_allowed`), with its defaults. They are read-only through the
 * API, as in Flagsmith, where only its Django admin changes them; an operator changes them in the database.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (table) => {
    table.integer('max_segments_allowed').notNullable().defaultTo(500);
    table.integer('max_features_allowed').notNullable().defaultTo(1000);
    table.integer('max_segment_overrides_allowed').notNullable().defaultTo(2000);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (table) => {
    table.dropColumn('max_segments_allowed');
    table.dropColumn('max_features_allowed');
    table.dropColumn('max_segment_overrides_allowed');
  });
}
