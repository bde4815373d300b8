import type { Knex } from 'knex';

/**
 * Flagsmith's FeatureExport and FeatureImport (`features/import_export/`): the export file of an
 * environment's flags between its request and its download, and an uploaded file with the strategy it is
 * imported by. Vexil runs both at once rather than as tasks, but keeps Flagsmith's status (PROCESSING while
 * the work runs, then SUCCESS or FAILED).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feature_exports', (table) => {
    table.increments('id');
    table.integer('environment_id').notNullable().references('environments.id').onDelete('CASCADE');
    table.text('status').notNullable().defaultTo('PROCESSING');
    table.text('data').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['environment_id']);
  });
  await knex.schema.createTable('feature_imports', (table) => {
    table.increments('id');
    table.integer('environment_id').notNullable().references('environments.id').onDelete('CASCADE');
    table.text('strategy').notNullable();
    table.text('status').notNullable().defaultTo('PROCESSING');
    table.text('data').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['environment_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('feature_imports');
  await knex.schema.dropTable('feature_exports');
}
