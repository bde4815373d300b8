import type { Knex } from 'knex';

/**
 * The tenancy and flag tables that the sample data needs. Column names follow Flagsmith's models so that
 * its fixtures (Django's `loaddata` format) load without translation; later slices extend these tables.
 */
export async function up(knex: Knex): Promise<void> {
  const uuid = () => knex.raw('gen_random_uuid()');

  await knex.schema.createTable('organisations', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.text('name').notNullable();
    table.boolean('persist_trait_data').notNullable().defaultTo(true);
    table.boolean('stop_serving_flags').notNullable().defaultTo(false);
    table.boolean('restrict_project_create_to_admin').notNullable().defaultTo(false);
    table.boolean('block_access_to_admin').notNullable().defaultTo(false);
    table.boolean('feature_analytics').notNullable().defaultTo(false);
    table.text('webhook_notification_email').nullable();
    table.timestamp('created_date', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('user_organisations', (table) => {
    table.increments('id');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.integer('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    table.text('role').notNullable().defaultTo('USER');
    table.timestamp('date_joined', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.unique(['user_id', 'organisation_id']);
  });

  await knex.schema.createTable('projects', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.text('name').notNullable();
    table.integer('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    table.boolean('hide_disabled_flags').notNullable().defaultTo(false);
    table.boolean('enable_realtime_updates').notNullable().defaultTo(false);
    table.timestamp('created_date', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('environments', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.text('name').notNullable();
    table.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    table.text('api_key').notNullable().unique();
    table.text('description').nullable();
    table.boolean('allow_client_traits').notNullable().defaultTo(true);
    table.boolean('hide_disabled_flags').nullable();
    table.boolean('hide_sensitive_data').notNullable().defaultTo(false);
    table.boolean('use_identity_composite_key_for_hashing').notNullable().defaultTo(true);
    table.boolean('use_identity_overrides_in_local_eval').notNullable().defaultTo(false);
    table.timestamp('created_date', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('identities', (table) => {
    table.increments('id');
    table.text('identifier').notNullable();
    table.integer('environment_id').notNullable().references('environments.id').onDelete('CASCADE');
    table.timestamp('created_date', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.unique(['environment_id', 'identifier']);
  });

  await knex.schema.createTable('features', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.text('name').notNullable();
    table.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    table.text('type').notNullable().defaultTo('STANDARD');
    table.text('initial_value').nullable();
    table.boolean('default_enabled').notNullable().defaultTo(false);
    table.text('description').nullable();
    table.boolean('is_archived').notNullable().defaultTo(false);
    table.boolean('is_server_key_only').notNullable().defaultTo(false);
    table.timestamp('created_date', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // Flagsmith's migration 0050: feature names are unique per project regardless of case.
  await knex.raw(
    'create unique index features_project_lower_name_unique on features (project_id, lower(name))',
  );

  await knex.schema.createTable('feature_states', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.integer('feature_id').notNullable().references('features.id').onDelete('CASCADE');
    table.integer('environment_id').notNullable().references('environments.id').onDelete('CASCADE');
    table.integer('identity_id').nullable().references('identities.id').onDelete('CASCADE');
    table.boolean('enabled').notNullable().defaultTo(false);
    table.timestamp('live_from', { useTz: true }).nullable().defaultTo(knex.fn.now());
    table.integer('version').nullable().defaultTo(1);
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['environment_id', 'feature_id']);
  });

  await knex.schema.createTable('feature_state_values', (table) => {
    table.increments('id');
    table
      .integer('feature_state_id')
      .notNullable()
      .unique()
      .references('feature_states.id')
      .onDelete('CASCADE');
    table.text('type').notNullable().defaultTo('unicode');
    table.text('string_value').nullable();
    table.integer('integer_value').nullable();
    table.boolean('boolean_value').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'feature_state_values',
    'feature_states',
    'features',
    'identities',
    'environments',
    'projects',
    'user_organisations',
    'organisations',
  ]) {
    await knex.schema.dropTable(table);
  }
}
