import type { Knex } from 'knex';

/**
 * Segments as Flagsmith's `segments` app keeps them: a segment of a project (optionally specific to one
 * feature), its rules (a rule's parent is the segment or another rule, never both) and their conditions.
 * Rules and conditions are read back in id order, which is the order they were written in. Condition values
 * are `text`: Flagsmith's 1,000-character cap would refuse an IN list of 10,000 ids.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('segments', (table) => {
    table.increments('id');
    table.uuid('uuid').notNullable().unique().defaultTo(knex.raw('gen_random_uuid()'));
    table.text('name').notNullable();
    table.text('description').nullable();
    table.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    // The feature slice owns the features table and validates the id; no foreign key yet.
    table.integer('feature_id').nullable();
    table.integer('version').notNullable().defaultTo(1);
    // Flagsmith's segment versioning: a segment is live iff it is its own version_of.
    table.integer('version_of_id').nullable().references('segments.id').onDelete('CASCADE');
    table.boolean('is_system_segment').notNullable().defaultTo(false);
    table.text('managed_by').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('deleted_at', { useTz: true }).nullable();
    table.index(['project_id']);
    table.index(['feature_id']);
  });

  await knex.schema.createTable('segment_rules', (table) => {
    table.increments('id');
    table.integer('segment_id').nullable().references('segments.id').onDelete('CASCADE');
    table.integer('rule_id').nullable().references('segment_rules.id').onDelete('CASCADE');
    table.text('type').notNullable();
    table.index(['segment_id']);
    table.index(['rule_id']);
  });
  await knex.raw(
    'alter table segment_rules add constraint segment_rules_one_parent check ((segment_id is null) <> (rule_id is null))',
  );
  await knex.raw(
    "alter table segment_rules add constraint segment_rules_type check (type in ('ALL', 'ANY', 'NONE'))",
  );

  await knex.schema.createTable('segment_conditions', (table) => {
    table.increments('id');
    table.integer('rule_id').notNullable().references('segment_rules.id').onDelete('CASCADE');
    table.text('operator').notNullable();
    table.text('property').nullable();
    table.text('value').nullable();
    table.text('description').nullable();
    table.boolean('created_with_segment').notNullable().defaultTo(false);
    table.index(['rule_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('segment_conditions');
  await knex.schema.dropTable('segment_rules');
  await knex.schema.dropTable('segments');
}
