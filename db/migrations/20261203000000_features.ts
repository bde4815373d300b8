import type { Knex } from 'knex';

/**
 * What features need beyond the sample-data tables: project tags, multivariate options and their per-state
 * allocations, and an environment revision that every change an SDK would see bumps in its own transaction.
 */
export async function up(knex: Knex): Promise<void> {
  const uuid = () => knex.raw('gen_random_uuid()');

  await knex.schema.alterTable('environments', (table) => {
    table.integer('revision').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('features', (table) => {
    table.index(['project_id']);
  });

  await knex.schema.createTable('tags', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    table.text('label').notNullable();
    table.text('color').notNullable().defaultTo('#6837FC');
    table.text('description').nullable();
    table.boolean('is_permanent').notNullable().defaultTo(false);
    table.boolean('is_system_tag').notNullable().defaultTo(false);
    table.text('type').notNullable().defaultTo('NONE');
    table.index(['project_id']);
  });

  await knex.schema.createTable('feature_tags', (table) => {
    table.integer('feature_id').notNullable().references('features.id').onDelete('CASCADE');
    table.integer('tag_id').notNullable().references('tags.id').onDelete('CASCADE');
    table.primary(['feature_id', 'tag_id']);
    table.index(['tag_id']);
  });

  await knex.schema.createTable('multivariate_feature_options', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.integer('feature_id').notNullable().references('features.id').onDelete('CASCADE');
    table.text('type').notNullable().defaultTo('unicode');
    table.text('string_value').nullable();
    table.integer('integer_value').nullable();
    table.boolean('boolean_value').nullable();
    table.double('default_percentage_allocation').notNullable().defaultTo(100);
    table.text('key').nullable();
    table.index(['feature_id']);
  });

  await knex.schema.createTable('multivariate_feature_state_values', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.integer('feature_state_id').notNullable().references('feature_states.id').onDelete('CASCADE');
    table
      .integer('multivariate_feature_option_id')
      .notNullable()
      .references('multivariate_feature_options.id')
      .onDelete('CASCADE');
    table.double('percentage_allocation').notNullable().defaultTo(100);
    table.unique(['feature_state_id', 'multivariate_feature_option_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('multivariate_feature_state_values');
  await knex.schema.dropTable('multivariate_feature_options');
  await knex.schema.dropTable('feature_tags');
  await knex.schema.dropTable('tags');
  await knex.schema.alterTable('features', (table) => {
    table.dropIndex(['project_id']);
  });
  await knex.schema.alterTable('environments', (table) => {
    table.dropColumn('revision');
  });
}
