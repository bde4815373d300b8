import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Installation-wide values that must survive restarts: the generated secret key, the site name and domain.
  await knex.schema.createTable('instance_settings', (table) => {
    table.text('key').primary();
    table.text('value').notNullable();
  });

  await knex.schema.createTable('users', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(knex.raw('gen_random_uuid()'));
    table.text('email').notNullable();
    table.text('username').nullable();
    table.text('password').notNullable();
    table.text('first_name').notNullable().defaultTo('');
    table.text('last_name').notNullable().defaultTo('');
    table.boolean('is_active').notNullable().defaultTo(true);
    table.boolean('is_superuser').notNullable().defaultTo(false);
    table.boolean('is_staff').notNullable().defaultTo(false);
    table.text('auth_type').notNullable().defaultTo('EMAIL');
    table.text('sign_up_type').nullable();
    table.boolean('marketing_consent_given').notNullable().defaultTo(false);
    table.timestamp('date_joined', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('last_login', { useTz: true }).nullable();
  });
  // Flagsmith treats emails case-insensitively (FFAdminUser lookups use email__iexact).
  await knex.raw('create unique index users_email_lower_unique on users (lower(email))');
  await knex.raw('create unique index users_username_unique on users (username) where username is not null');

  // Only a hash of each token is stored, so a leaked table does not leak working credentials.
  await knex.schema.createTable('auth_tokens', (table) => {
    table.increments('id');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.text('key_hash').notNullable().unique();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['user_id']);
  });

  // One row per failed login; the lockout counts rows inside the cool-off window.
  await knex.schema.createTable('login_failures', (table) => {
    table.bigIncrements('id');
    table.text('username').notNullable();
    table.text('ip_address').notNullable();
    table.timestamp('failed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['username', 'failed_at']);
    table.index(['ip_address', 'failed_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_failures');
  await knex.schema.dropTable('auth_tokens');
  await knex.schema.dropTable('users');
  await knex.schema.dropTable('instance_settings');
}
