import type { Knex } from 'knex';

/**
 * Flagsmith's FFAdminUser.onboarding_data: the dashboard's getting-started checklist (tasks done, tools
 * chosen, hosting preferences) as the JSON text it patches in and reads back on `/auth/users/me/`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (table) => {
    table.text('onboarding_data').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (table) => {
    table.dropColumn('onboarding_data');
  });
}
