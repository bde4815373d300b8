import type { Knex } from 'knex';

/**
 * The audit log, organisation and environment webhooks, and the webhook outbox. Audit rows keep their
 * organisation, project and environment ids without foreign keys, as Flagsmith's DO_NOTHING relations do:
 * the entry that records a deletion is written after the row it names is gone, and it outlives it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_logs', (table) => {
    table.increments('id');
    table.timestamp('created_date', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.integer('organisation_id').nullable();
    table.integer('project_id').nullable();
    table.integer('environment_id').nullable();
    table.text('log').notNullable();
    table.integer('author_id').nullable().references('users.id').onDelete('SET NULL');
    table.integer('master_api_key_id').nullable();
    table.integer('related_object_id').nullable();
    table.text('related_object_uuid').nullable();
    table.string('related_object_type', 20).nullable();
    table.boolean('is_system_event').notNullable().defaultTo(false);
  });
  await knex.raw(
    'create index audit_logs_organisation_created on audit_logs (organisation_id, created_date desc, id desc)',
  );
  await knex.raw('create index audit_logs_project on audit_logs (project_id) where project_id is not null');
  await knex.raw(
    'create index audit_logs_environment on audit_logs (environment_id) where environment_id is not null',
  );

  const webhookColumns = (table: Knex.CreateTableBuilder) => {
    table.text('url').notNullable();
    table.boolean('enabled').notNullable().defaultTo(true);
    table.text('secret').notNullable().defaultTo('');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  };
  await knex.schema.createTable('organisation_webhooks', (table) => {
    table.increments('id');
    table.integer('organisation_id').notNullable().references('organisations.id').onDelete('CASCADE');
    webhookColumns(table);
    table.index(['organisation_id']);
  });
  await knex.schema.createTable('environment_webhooks', (table) => {
    table.increments('id');
    table.integer('environment_id').notNullable().references('environments.id').onDelete('CASCADE');
    webhookColumns(table);
    table.index(['environment_id']);
  });

  // The outbox: one row per webhook and event, written in the transaction that made the change, so that a
  // crash after the commit still delivers it. The worker leases a row by moving next_attempt_at forward.
  await knex.schema.createTable('webhook_deliveries', (table) => {
    table.bigIncrements('id');
    table.text('webhook_kind').notNullable();
    table.integer('webhook_id').notNullable();
    table.text('event_type').notNullable();
    table.text('body').notNullable();
    table.text('status').notNullable().defaultTo('pending');
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.text('last_error').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('delivered_at', { useTz: true }).nullable();
  });
  await knex.raw(
    "create index webhook_deliveries_due on webhook_deliveries (next_attempt_at, id) where status = 'pending'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('environment_webhooks');
  await knex.schema.dropTable('organisation_webhooks');
  await knex.schema.dropTable('audit_logs');
}
