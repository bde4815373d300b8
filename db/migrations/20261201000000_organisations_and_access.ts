import type { Knex } from 'knex';

/**
 * What organisations need beyond the sample-data tables: a subscription row (Flagsmith's dashboard reads
 * one; self-hosted installs have the free plan), invites by email and by link, user groups with their
 * members and group admins, and organisation master API keys. Column names follow Flagsmith's models.
 */
export async function up(knex: Knex): Promise<void> {
  const uuid = () => knex.raw('gen_random_uuid()');

  await knex.schema.alterTable('organisations', (table) => {
    table.boolean('force_2fa').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('user_organisations', (table) => {
    table.index(['organisation_id']);
  });

  // Flagsmith's Subscription; self-hosted organisations get the free plan's defaults.
  await knex.schema.createTable('subscriptions', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table
      .integer('organisation_id')
      .notNullable()
      .unique()
      .references('organisations.id')
      .onDelete('CASCADE');
    table.text('subscription_id').nullable();
    table.timestamp('subscription_date', { useTz: true }).nullable();
    table.text('plan').nullable().defaultTo('free');
    table.integer('max_seats').notNullable().defaultTo(1);
    table.bigInteger('max_api_calls').notNullable().defaultTo(50_000);
    table.timestamp('cancellation_date', { useTz: true }).nullable();
    table.text('customer_id').nullable();
    table.text('billing_status').nullable();
    table.text('payment_method').nullable();
    table.text('notes').nullable();
  });

  await knex.schema.createTable('user_permission_groups', (table) => {
    table.increments('id');
    table.text('name').notNullable();
    table.integer('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    table.boolean('is_default').notNullable().defaultTo(false);
    table.text('external_id').nullable();
    table.index(['organisation_id']);
    // Flagsmith: unique_together (organisation, external_id); NULLs do not collide.
    table.unique(['organisation_id', 'external_id']);
  });

  await knex.schema.createTable('user_permission_group_memberships', (table) => {
    table.increments('id');
    table.integer('group_id').notNullable().references('user_permission_groups.id').onDelete('CASCADE');
    table.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.boolean('group_admin').notNullable().defaultTo(false);
    table.unique(['group_id', 'user_id']);
    table.index(['user_id']);
  });

  await knex.schema.createTable('invites', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.text('hash').notNullable().unique();
    table.text('email').notNullable();
    table.integer('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    table.text('role').notNullable().defaultTo('USER');
    table.integer('invited_by_id').nullable().references('users.id').onDelete('SET NULL');
    table.timestamp('date_created', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // One pending invite per address and organisation (Flagsmith checks; the index settles races).
  await knex.raw(
    'create unique index invites_organisation_lower_email_unique on invites (organisation_id, lower(email))',
  );

  await knex.schema.createTable('invite_links', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(uuid());
    table.text('hash').notNullable().unique();
    table.integer('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    table.text('role').notNullable().defaultTo('USER');
    table.timestamp('expires_at', { useTz: true }).nullable();
    table.timestamp('date_created', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['organisation_id']);
  });

  // The groups a person joins with an invite (Flagsmith's `permission_groups` on both kinds).
  for (const [name, owner] of [
    ['invite_permission_groups', 'invites'],
    ['invite_link_permission_groups', 'invite_links'],
  ] as const) {
    await knex.schema.createTable(name, (table) => {
      table.increments('id');
      table.integer('invite_id').notNullable().references(`${owner}.id`).onDelete('CASCADE');
      table.integer('group_id').notNullable().references('user_permission_groups.id').onDelete('CASCADE');
      table.unique(['invite_id', 'group_id']);
    });
  }

  // Organisation permissions (CREATE_PROJECT, MANAGE_USERS, MANAGE_USER_GROUPS) granted to a person or to a
  // group: Flagsmith's UserOrganisationPermission and UserPermissionGroupOrganisationPermission in one
  // table, the keys as a JSON array. Project and environment grants take the same shape (plus `admin`).
  await knex.schema.createTable('organisation_permission_grants', (table) => {
    table.increments('id');
    table.integer('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    table.integer('user_id').nullable().references('users.id').onDelete('CASCADE');
    table.integer('group_id').nullable().references('user_permission_groups.id').onDelete('CASCADE');
    table.jsonb('permissions').notNullable().defaultTo(knex.raw("'[]'::jsonb"));
    table.index(['organisation_id']);
  });
  await knex.raw(
    'alter table organisation_permission_grants add constraint organisation_permission_grants_one_grantee check ((user_id is null) <> (group_id is null))',
  );
  await knex.raw(
    'create unique index organisation_permission_grants_user_unique on organisation_permission_grants (organisation_id, user_id) where user_id is not null',
  );
  await knex.raw(
    'create unique index organisation_permission_grants_group_unique on organisation_permission_grants (organisation_id, group_id) where group_id is not null',
  );

  // Project settings Flagsmith's project serializers carry.
  await knex.schema.alterTable('projects', (table) => {
    table.boolean('prevent_flag_defaults').notNullable().defaultTo(false);
    table.boolean('only_allow_lower_case_feature_names').notNullable().defaultTo(true);
    table.text('feature_name_regex').nullable();
    table.integer('stale_flags_limit_days').notNullable().defaultTo(30);
    table.integer('minimum_change_request_approvals').nullable();
    table.boolean('enforce_feature_owners').notNullable().defaultTo(false);
    table.index(['organisation_id']);
  });

  // Project permissions (VIEW_PROJECT, CREATE_ENVIRONMENT, …, and `admin`) granted to a person or a group:
  // Flagsmith's UserProjectPermission and UserPermissionGroupProjectPermission in one table.
  await knex.schema.createTable('project_permission_grants', (table) => {
    table.increments('id');
    table.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    table.integer('user_id').nullable().references('users.id').onDelete('CASCADE');
    table.integer('group_id').nullable().references('user_permission_groups.id').onDelete('CASCADE');
    table.boolean('admin').notNullable().defaultTo(false);
    table.jsonb('permissions').notNullable().defaultTo(knex.raw("'[]'::jsonb"));
    table.index(['project_id']);
    table.index(['user_id']);
    table.index(['group_id']);
  });
  await knex.raw(
    'alter table project_permission_grants add constraint project_permission_grants_one_grantee check ((user_id is null) <> (group_id is null))',
  );
  await knex.raw(
    'create unique index project_permission_grants_user_unique on project_permission_grants (project_id, user_id) where user_id is not null',
  );
  await knex.raw(
    'create unique index project_permission_grants_group_unique on project_permission_grants (project_id, group_id) where group_id is not null',
  );

  // Only a hash of each key is stored; the prefix (shown in lists) finds the row.
  await knex.schema.createTable('master_api_keys', (table) => {
    table.increments('id');
    table.text('prefix').notNullable().unique();
    table.text('key_hash').notNullable();
    table.text('name').notNullable();
    table.integer('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    table.boolean('is_admin').notNullable().defaultTo(true);
    table.boolean('revoked').notNullable().defaultTo(false);
    table.timestamp('expiry_date', { useTz: true }).nullable();
    table.timestamp('created', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.integer('created_by_id').nullable().references('users.id').onDelete('SET NULL');
    table.index(['organisation_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'master_api_keys',
    'organisation_permission_grants',
    'project_permission_grants',
    'invite_link_permission_groups',
    'invite_permission_groups',
    'invite_links',
    'invites',
    'user_permission_group_memberships',
    'user_permission_groups',
    'subscriptions',
  ]) {
    await knex.schema.dropTable(table);
  }
  await knex.schema.alterTable('projects', (table) => {
    table.dropIndex(['organisation_id']);
    for (const column of [
      'prevent_flag_defaults',
      'only_allow_lower_case_feature_names',
      'feature_name_regex',
      'stale_flags_limit_days',
      'minimum_change_request_approvals',
      'enforce_feature_owners',
    ]) {
      table.dropColumn(column);
    }
  });
  await knex.schema.alterTable('user_organisations', (table) => {
    table.dropIndex(['organisation_id']);
  });
  await knex.schema.alterTable('organisations', (table) => {
    table.dropColumn('force_2fa');
  });
}
