import type { Knex } from 'knex';

/**
 * Flagsmith's UserPasswordResetRequest: when each reset email was asked for, so that an address gets at
 * most MAX_PASSWORD_RESET_EMAILS (5) of them per PASSWORD_RESET_EMAIL_COOLDOWN (a day).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('password_reset_requests', (table) => {
    table.increments('id');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.timestamp('requested_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['user_id', 'requested_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('password_reset_requests');
}
