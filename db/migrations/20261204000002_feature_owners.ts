import type { Knex } from 'knex';

/** Flagsmith's Feature.owners and Feature.group_owners: people and groups answerable for a feature. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('feature_owners', (table) => {
    table.integer('feature_id').notNullable().references('features.id').onDelete('CASCADE');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.primary(['feature_id', 'user_id']);
    table.index(['user_id']);
  });
  await knex.schema.createTable('feature_group_owners', (table) => {
    table.integer('feature_id').notNullable().references('features.id').onDelete('CASCADE');
    table.integer('group_id').notNullable().references('user_permission_groups.id').onDelete('CASCADE');
    table.primary(['feature_id', 'group_id']);
    table.index(['group_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('feature_group_owners');
  await knex.schema.dropTable('feature_owners');
}
