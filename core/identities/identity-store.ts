import { PreparedStatement } from '../../db/prepared-statement.js';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { featureStateValueColumns } from '../environments/feature-state-seeds.js';
import type {
  FeatureStateRow,
  FeatureStateView,
  MultivariateStateValueRow,
} from '../features/feature-models.js';
import type { FeatureStateValueRow } from '../features/feature-value.js';
import type { PageRequest } from '../organisations/pagination.js';
import type { TraitColumns, TraitRow } from './trait-value.js';

/** `identities`. */
export interface IdentityRow {
  id: number;
  uuid: string;
  identifier: string;
  environment_id: number;
  created_date: Date;
}

/** What evaluating one identity needs, read in one statement (the SDK path's read). */
export interface IdentityForEvaluation {
  identity: IdentityRow;
  traits: TraitRow[];
  overrides: FeatureStateView[];
}

const stateColumns = [
  'id',
  'uuid',
  'feature_id',
  'environment_id',
  'identity_id',
  'enabled',
  'live_from',
  'version',
  'created_at',
  'updated_at',
] as const;
const traitColumnNames = [
  'id',
  'identity_id',
  'trait_key',
  'value_type',
  'integer_value',
  'string_value',
  'boolean_value',
  'float_value',
  'created_date',
] as const;

/** A JSON column: the pg driver parses `json`, PGlite may hand back the text. */
function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

type EvaluationRow = IdentityRow & { traits: unknown; overrides: unknown };

const asDate = (value: Date | string | null) => (value === null ? null : new Date(value));

/**
 * The SDK's one read of an identity with its traits and overrides, as a prepared statement: planning it took
 * about 0.5 ms against 0.1 ms to run it. On the embedded database, whose single session runs every query on the
 * event loop, a repeated read is answered from memory until any statement writes.
 */
const identityForEvaluation = new PreparedStatement<EvaluationRow>(
  'vexil_identity_for_evaluation',
  `select i.id, i.uuid, i.identifier, i.environment_id, i.created_date,
           coalesce((select json_agg(json_build_object(${traitColumnNames
             .map((c) => `'${c}', t.${c}`)
             .join(', ')}) order by t.id) from traits t where t.identity_id = i.id), '[]'::json) as traits,
           coalesce((select json_agg(json_build_object(
               'state', json_build_object(${stateColumns.map((c) => `'${c}', s.${c}`).join(', ')}),
               'value', (select json_build_object(${featureStateValueColumns
                 .map((c) => `'${c}', v.${c}`)
                 .join(', ')}) from feature_state_values v where v.feature_state_id = s.id),
               'multivariate', coalesce((select json_agg(json_build_object(
                   'id', m.id, 'uuid', m.uuid, 'feature_state_id', m.feature_state_id,
                   'multivariate_feature_option_id', m.multivariate_feature_option_id,
                   'percentage_allocation', m.percentage_allocation) order by m.id)
                 from multivariate_feature_state_values m where m.feature_state_id = s.id), '[]'::json)
             ) order by s.id) from feature_states s where s.identity_id = i.id), '[]'::json) as overrides
         from identities i where i.environment_id = ? and i.identifier = ?`,
  ['bigint', 'text'],
  // On the embedded database (one process, the database's only client) answers are kept until anything writes.
  { embeddedCacheEntries: 20_000 },
);

/**
 * Identities of one environment, their traits and their overrides (`feature_states` rows with `identity_id`
 * set). Callers have resolved the environment; every method scopes by it or by an identity of it.
 */
export class IdentityStore {
  #matching(scope: DataScope, environmentId: number, search?: string) {
    const query = scope.knex('identities').where('environment_id', environmentId);
    if (search) {
      // Flagsmith: a quoted search is an exact match, anything else a case-insensitive substring.
      if (search.length >= 2 && search.startsWith('"') && search.endsWith('"'))
        query.where('identifier', search.replaceAll('"', ''));
      else query.whereRaw(`identifier ilike ? escape '\\'`, [`%${search.replace(/[\\%_]/g, '\\$&')}%`]);
    }
    return query;
  }

  async list(scope: DataScope, environmentId: number, page: PageRequest, search?: string) {
    const [counted] = (await this.#matching(scope, environmentId, search).count({ count: '*' })) as {
      count: number | string;
    }[];
    const rows = (await this.#matching(scope, environmentId, search)
      .orderBy([{ column: 'created_date' }, { column: 'id' }])
      .offset(page.offset)
      .limit(page.pageSize)
      .select('*')) as IdentityRow[];
    return { count: Number(counted?.count ?? 0), rows };
  }

  async find(scope: DataScope, environmentId: number, id: number): Promise<IdentityRow | undefined> {
    return (await scope.knex('identities').where({ environment_id: environmentId, id }).first()) as
      | IdentityRow
      | undefined;
  }

  async exists(scope: DataScope, environmentId: number, identifier: string, exceptId?: number) {
    const query = scope.knex('identities').where({ environment_id: environmentId, identifier });
    if (exceptId !== undefined) query.whereNot('id', exceptId);
    return (await query.first('id')) !== undefined;
  }

  async create(uow: UnitOfWork, environmentId: number, identifier: string): Promise<IdentityRow> {
    const [row] = (await uow
      .knex('identities')
      .insert({ environment_id: environmentId, identifier })
      .returning('*')) as IdentityRow[];
    return row as IdentityRow;
  }

  /**
   * The SDK path's get-or-create (Identity.objects.get_or_create_for_sdk): one statement when the identity is
   * new, two when it exists; two concurrent calls for the same identifier both end with the one row.
   */
  async findOrCreate(
    uow: UnitOfWork,
    environmentId: number,
    identifier: string,
  ): Promise<{ identity: IdentityRow; created: boolean }> {
    const [inserted] = (await uow
      .knex('identities')
      .insert({ environment_id: environmentId, identifier })
      .onConflict(['environment_id', 'identifier'])
      .ignore()
      .returning('*')) as IdentityRow[];
    if (inserted) return { identity: inserted, created: true };
    const existing = (await uow
      .knex('identities')
      .where({ environment_id: environmentId, identifier })
      .first()) as IdentityRow;
    return { identity: existing, created: false };
  }

  async findByIdentifier(scope: DataScope, environmentId: number, identifier: string) {
    return (await scope.knex('identities').where({ environment_id: environmentId, identifier }).first()) as
      | IdentityRow
      | undefined;
  }

  async rename(uow: UnitOfWork, id: number, identifier: string): Promise<IdentityRow> {
    const [row] = (await uow
      .knex('identities')
      .where({ id })
      .update({ identifier })
      .returning('*')) as IdentityRow[];
    return row as IdentityRow;
  }

  /** Deletes the identity; its traits and overrides go with it (the foreign keys cascade). */
  async delete(uow: UnitOfWork, id: number): Promise<void> {
    await uow.knex('identities').where({ id }).delete().returning('id');
  }

  // ---- traits

  async listTraits(scope: DataScope, identityId: number, page: PageRequest) {
    const base = scope.knex('traits').where('identity_id', identityId);
    const [counted] = (await base.clone().count({ count: '*' })) as { count: number | string }[];
    const rows = (await base
      .orderBy('id')
      .offset(page.offset)
      .limit(page.pageSize)
      .select(traitColumnNames)) as TraitRow[];
    return { count: Number(counted?.count ?? 0), rows };
  }

  async findTrait(scope: DataScope, identityId: number, id: number): Promise<TraitRow | undefined> {
    return (await scope.knex('traits').where({ identity_id: identityId, id }).first(traitColumnNames)) as
      | TraitRow
      | undefined;
  }

  async traitKeyTaken(scope: DataScope, identityId: number, traitKey: string, exceptId?: number) {
    const query = scope.knex('traits').where({ identity_id: identityId, trait_key: traitKey });
    if (exceptId !== undefined) query.whereNot('id', exceptId);
    return (await query.first('id')) !== undefined;
  }

  async createTrait(
    uow: UnitOfWork,
    identityId: number,
    fields: { trait_key: string } & TraitColumns,
  ): Promise<TraitRow> {
    const [row] = (await uow
      .knex('traits')
      .insert({ ...fields, identity_id: identityId })
      .returning(traitColumnNames as unknown as string[])) as TraitRow[];
    return row as TraitRow;
  }

  async updateTrait(
    uow: UnitOfWork,
    id: number,
    patch: Partial<{ trait_key: string } & TraitColumns>,
  ): Promise<TraitRow> {
    if (Object.keys(patch).length > 0) await uow.knex('traits').where({ id }).update(patch);
    return (await uow.knex('traits').where({ id }).first(traitColumnNames)) as TraitRow;
  }

  async deleteTrait(uow: UnitOfWork, id: number): Promise<void> {
    await uow.knex('traits').where({ id }).delete().returning('id');
  }

  /** Every trait of the environment's identities with this key (`deleteAllMatchingTraits`, `delete-traits/`). */
  async deleteTraitsWithKey(uow: UnitOfWork, environmentId: number, traitKey: string): Promise<number> {
    const deleted = (await uow
      .knex('traits')
      .where('trait_key', traitKey)
      .whereIn('identity_id', uow.knex('identities').select('id').where('environment_id', environmentId))
      .delete()
      .returning('id')) as { id: number }[];
    return deleted.length;
  }

  /** The distinct trait keys of the environment's identities (Flagsmith's `trait-keys/`). */
  async traitKeys(scope: DataScope, environmentId: number): Promise<string[]> {
    const rows = (await scope
      .knex('traits')
      .whereIn('identity_id', scope.knex('identities').select('id').where('environment_id', environmentId))
      .distinct('trait_key')
      .orderBy('trait_key')) as { trait_key: string }[];
    return rows.map((row) => row.trait_key);
  }

  /**
   * The SDK path's write: sets the given traits of an identity, writing only those whose type or value changed
   * (one `insert … on conflict … do update … where distinct` statement), and deletes those given as null.
   * Returns the keys actually written and deleted.
   */
  async upsertTraits(
    uow: UnitOfWork,
    identityId: number,
    traits: readonly { trait_key: string; columns: TraitColumns | null }[],
  ): Promise<{ written: string[]; deleted: string[] }> {
    const { knex } = uow;
    const removals = [...new Set(traits.filter((t) => t.columns === null).map((t) => t.trait_key))];
    const latest = new Map<string, TraitColumns>();
    for (const trait of traits) if (trait.columns) latest.set(trait.trait_key, trait.columns);
    for (const key of removals) latest.delete(key);
    let deleted: string[] = [];
    if (removals.length > 0) {
      const rows = (await knex('traits')
        .where('identity_id', identityId)
        .whereIn('trait_key', removals)
        .delete()
        .returning('trait_key')) as { trait_key: string }[];
      deleted = rows.map((row) => row.trait_key);
    }
    let written: string[] = [];
    if (latest.size > 0) {
      const valueColumns = ['value_type', 'integer_value', 'string_value', 'boolean_value', 'float_value'];
      const rows = (await knex('traits')
        .insert(
          [...latest].map(([trait_key, columns]) => ({ identity_id: identityId, trait_key, ...columns })),
        )
        .onConflict(['identity_id', 'trait_key'])
        .merge(valueColumns)
        .where(
          knex.raw(
            `(${valueColumns.map((c) => `traits.${c}`).join(', ')}) is distinct from (${valueColumns
              .map((c) => `excluded.${c}`)
              .join(', ')})`,
          ),
        )
        .returning('trait_key')) as { trait_key: string }[];
      written = rows.map((row) => row.trait_key);
    }
    return { written, deleted };
  }

  /**
   * IncrementTraitValueSerializer in one statement: a missing trait starts at 0, an int trait grows by `by`.
   * Undefined when the trait exists with another type (Flagsmith's "Trait is not an integer.").
   */
  async incrementTrait(uow: UnitOfWork, identityId: number, traitKey: string, by: number) {
    const result = (await uow.knex.raw(
      `insert into traits (identity_id, trait_key, value_type, integer_value) values (?, ?, 'int', ?)
       on conflict (identity_id, trait_key) do update set integer_value = traits.integer_value + ?
       where traits.value_type = 'int' returning integer_value`,
      [identityId, traitKey, by, by],
    )) as { rows?: { integer_value: number }[] } | { integer_value: number }[];
    const [row] = Array.isArray(result) ? result : (result.rows ?? []);
    return row?.integer_value;
  }

  // ---- overrides

  async overrides(scope: DataScope, identityId: number, featureId?: number): Promise<FeatureStateView[]> {
    const query = scope.knex('feature_states').where('identity_id', identityId).orderBy('id');
    if (featureId !== undefined) query.where('feature_id', featureId);
    return stateViews(scope, (await query.select(stateColumns)) as FeatureStateRow[]);
  }

  async findOverride(
    scope: DataScope,
    identityId: number,
    id: number,
  ): Promise<FeatureStateView | undefined> {
    const row = (await scope
      .knex('feature_states')
      .where({ identity_id: identityId, id })
      .first(stateColumns)) as FeatureStateRow | undefined;
    return row ? (await stateViews(scope, [row]))[0] : undefined;
  }

  async createOverride(
    uow: UnitOfWork,
    identity: IdentityRow,
    featureId: number,
    enabled: boolean,
    value: FeatureStateValueRow,
  ): Promise<number> {
    const [row] = (await uow
      .knex('feature_states')
      .insert({
        feature_id: featureId,
        environment_id: identity.environment_id,
        identity_id: identity.id,
        enabled,
        version: 1,
      })
      .returning('id')) as { id: number }[];
    const id = (row as { id: number }).id;
    await uow.knex('feature_state_values').insert({ feature_state_id: id, ...value });
    return id;
  }

  async deleteOverride(uow: UnitOfWork, id: number): Promise<void> {
    await uow.knex('feature_states').where({ id }).whereNotNull('identity_id').delete().returning('id');
  }

  /** How many overrides an identity has (deleting it changes the environment document only if any). */
  async overrideCount(scope: DataScope, identityId: number): Promise<number> {
    const [row] = (await scope
      .knex('feature_states')
      .where('identity_id', identityId)
      .count({ count: '*' })) as {
      count: number | string;
    }[];
    return Number(row?.count ?? 0);
  }

  /**
   * The environment's identities that have overrides, with those overrides, in four queries whatever their
   * number (the environment document's `identity_overrides`), identities in id order.
   */
  async environmentOverrides(
    scope: DataScope,
    environmentId: number,
  ): Promise<{ identity: IdentityRow & { created_date_utc: string }; overrides: FeatureStateView[] }[]> {
    const { knex } = scope;
    const states = (await knex('feature_states')
      .where('environment_id', environmentId)
      .whereNotNull('identity_id')
      .orderBy('id')
      .select(stateColumns)) as FeatureStateRow[];
    if (states.length === 0) return [];
    const identities = (await knex('identities')
      .whereIn(
        'id',
        knex('feature_states')
          .select('identity_id')
          .where('environment_id', environmentId)
          .whereNotNull('identity_id'),
      )
      .orderBy('id')
      .select(
        '*',
        // Microseconds, as Python's isoformat prints them (a Date keeps milliseconds only).
        knex.raw(
          `to_char(created_date at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as created_date_utc`,
        ),
      )) as (IdentityRow & { created_date_utc: string })[];
    const views = await stateViews(scope, states);
    const byIdentity = new Map<number, FeatureStateView[]>();
    for (const view of views) {
      const list = byIdentity.get(view.identity_id as number);
      if (list) list.push(view);
      else byIdentity.set(view.identity_id as number, [view]);
    }
    return identities.map((identity) => ({ identity, overrides: byIdentity.get(identity.id) ?? [] }));
  }

  /**
   * The SDK path's read: an identity of the environment by identifier with its traits and overrides (values and
   * allocations), in one statement on the (environment_id, identifier) unique index.
   */
  async loadForEvaluation(
    scope: DataScope,
    environmentId: number,
    identifier: string,
  ): Promise<IdentityForEvaluation | undefined> {
    const [row] = await identityForEvaluation.rows(scope.knex, [environmentId, identifier]);
    if (!row) return undefined;
    const traits = jsonColumn<(TraitRow & { created_date: string })[]>(row.traits).map((trait) => ({
      ...trait,
      created_date: new Date(trait.created_date),
    }));
    const overrides = jsonColumn<
      {
        state: FeatureStateRow & { live_from: string | null; created_at: string; updated_at: string };
        value: (FeatureStateValueRow & { feature_state_id: number }) | null;
        multivariate: MultivariateStateValueRow[];
      }[]
    >(row.overrides).map(({ state, value, multivariate }) => {
      const { feature_state_id: _stateId, ...valueColumns } = value ?? { feature_state_id: 0 };
      return {
        ...state,
        live_from: asDate(state.live_from),
        created_at: new Date(state.created_at),
        updated_at: new Date(state.updated_at),
        value: value ? (valueColumns as FeatureStateValueRow) : undefined,
        multivariate: multivariate.map((allocation) => ({
          ...allocation,
          percentage_allocation: Number(allocation.percentage_allocation),
        })),
      };
    });
    const { traits: _traits, overrides: _overrides, ...identity } = row;
    return {
      identity: { ...identity, created_date: new Date(identity.created_date) },
      traits,
      overrides,
    };
  }
}

/** States with their value and allocations, in two more queries whatever their number. */
async function stateViews(scope: DataScope, rows: readonly FeatureStateRow[]): Promise<FeatureStateView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const values = (await scope
    .knex('feature_state_values')
    .whereIn('feature_state_id', ids)
    .select(featureStateValueColumns)) as (FeatureStateValueRow & { feature_state_id: number })[];
  const allocations = (await scope
    .knex('multivariate_feature_state_values')
    .whereIn('feature_state_id', ids)
    .orderBy('id')
    .select(
      'id',
      'uuid',
      'feature_state_id',
      'multivariate_feature_option_id',
      'percentage_allocation',
    )) as MultivariateStateValueRow[];
  const valueByState = new Map(values.map(({ feature_state_id, ...value }) => [feature_state_id, value]));
  return rows.map((row) => ({
    ...row,
    value: valueByState.get(row.id),
    multivariate: allocations
      .filter((allocation) => allocation.feature_state_id === row.id)
      .map((allocation) => ({
        ...allocation,
        percentage_allocation: Number(allocation.percentage_allocation),
      })),
  }));
}
