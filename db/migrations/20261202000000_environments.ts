import type { Knex } from 'knex';

/**
 * What environments need beyond the sample-data table: the settings Flagsmith's environment serializers
 * carry, server-side SDK keys, and environment permission grants (to people and to groups, with `admin`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('environments', (table) => {
    table.integer('minimum_change_request_approvals').nullable();
    table.text('banner_text').nullable();
    table.text('banner_colour').nullable();
    table.boolean('use_v2_feature_versioning').notNullable().defaultTo(false);
    table.boolean('is_creating').notNullable().defaultTo(false);
    table.index(['project_id']);
  });
  // Flagsmith's model defaults it to true; the sample-data table had false.
  await knex.raw(
    'alter table environments alter column use_identity_overrides_in_local_eval set default true',
  );

  // Server-side keys (`ser.…`). The SDK lane finds a key by the SHA-256 of what the caller sent; the key
  // itself is kept only encrypted with the installation's secret key, for the dashboard's key list.
  await knex.schema.createTable('environment_api_keys', (table) => {
    table.increments('id');
    table.integer('environment_id').notNullable().references('environments.id').onDelete('CASCADE');
    table.text('key_hash').notNullable().unique();
    table.text('key_sealed').notNullable();
    table.text('name').notNullable();
    table.boolean('active').notNullable().defaultTo(true);
    table.timestamp('expires_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.index(['environment_id']);
  });

  // Environment permissions (VIEW_ENVIRONMENT, UPDATE_FEATURE_STATE, …, and `admin`): Flagsmith's
  // UserEnvironmentPermission and UserPermissionGroupEnvironmentPermission in one table.
  await knex.schema.createTable('environment_permission_grants', (table) => {
    table.increments('id');
    table.integer('environment_id').notNullable().references('environments.id').onDelete('CASCADE');
    table.integer('user_id').nullable().references('users.id').onDelete('CASCADE');
    table.integer('group_id').nullable().references('user_permission_groups.id').onDelete('CASCADE');
    table.boolean('admin').notNullable().defaultTo(false);
    table.jsonb('permissions').notNullable().defaultTo(knex.raw("'[]'::jsonb"));
    table.index(['environment_id']);
    table.index(['user_id']);
    table.index(['group_id']);
  });
  await knex.raw(
    'alter table environment_permission_grants add constraint environment_permission_grants_one_grantee check ((user_id is null) <> (group_id is null))',
  );
  await knex.raw(
    'create unique index environment_permission_grants_user_unique on environment_permission_grants (environment_id, user_id) where user_id is not null',
  );
  await knex.raw(
    'create unique index environment_permission_grants_group_unique on environment_permission_grants (environment_id, group_id) where group_id is not null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('environment_permission_grants');
  await knex.schema.dropTable('environment_api_keys');
  await knex.raw(
    'alter table environments alter column use_identity_overrides_in_local_eval set default false',
  );
  await knex.schema.alterTable('environments', (table) => {
    table.dropIndex(['project_id']);
    for (const column of [
      'minimum_change_request_approvals',
      'banner_text',
      'banner_colour',
      'use_v2_feature_versioning',
      'is_creating',
    ]) {
      table.dropColumn(column);
    }
  });
}
