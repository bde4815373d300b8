import type { Knex } from 'knex';

/**
 * Identities' traits, typed as Flagsmith's `environments_trait` stores them (one column per type, so `2` and
 * `2.0` stay distinct), a stable uuid per identity for the environment document's `identity_uuid`, and the
 * indexes the SDK path needs: an identity's overrides by identity, at most one override per feature.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('identities', (table) => {
    table.uuid('uuid').notNullable().unique().defaultTo(knex.raw('gen_random_uuid()'));
  });
  await knex.schema.createTable('traits', (table) => {
    table.increments('id');
    table.integer('identity_id').notNullable().references('identities.id').onDelete('CASCADE');
    table.text('trait_key').notNullable();
    table.text('value_type').nullable().defaultTo('unicode');
    table.boolean('boolean_value').nullable();
    table.integer('integer_value').nullable();
    table.text('string_value').nullable();
    table.double('float_value').nullable();
    table.timestamp('created_date', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Flagsmith's unique_together (trait_key, identity); also the index an identity's traits are read by.
    table.unique(['identity_id', 'trait_key']);
  });
  // Flagsmith allows one override per feature and identity (FeatureState.clean); the index also serves
  // "this identity's overrides" and the environment document's list of them.
  await knex.raw(
    'create unique index feature_states_identity_feature_unique on feature_states (identity_id, feature_id) where identity_id is not null',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index feature_states_identity_feature_unique');
  await knex.schema.dropTable('traits');
  await knex.schema.alterTable('identities', (table) => {
    table.dropColumn('uuid');
  });
}
