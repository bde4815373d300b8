import type { Knex } from 'knex';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { featureStateValueColumns, liveDefaultStates } from '../environments/feature-state-seeds.js';
import type {
  FeatureRow,
  FeatureStateRow,
  FeatureStateView,
  MultivariateOptionRow,
  MultivariateStateValueRow,
  TagRow,
} from './feature-models.js';
import type { FeatureStateValueRow } from './feature-value.js';

export interface FeatureFields {
  name: string;
  type: 'STANDARD' | 'MULTIVARIATE';
  initial_value: string | null;
  default_enabled: boolean;
  description: string | null;
  is_archived: boolean;
  is_server_key_only: boolean;
}

export interface FeatureListQuery {
  readonly search?: string | undefined;
  readonly isArchived?: boolean | undefined;
  readonly tagIds?: readonly number[] | undefined;
  /** Features owned by any of these people or any of these groups (Flagsmith's `owners`, `group_owners`). */
  readonly ownerIds?: readonly number[] | undefined;
  readonly groupOwnerIds?: readonly number[] | undefined;
  readonly tagStrategy: 'INTERSECTION' | 'UNION';
  readonly sortField: 'name' | 'created_date';
  readonly sortDirection: 'ASC' | 'DESC';
  readonly limit: number;
  readonly offset: number;
  /**
   * The environment whose defaults `isEnabled` and `valueSearch` look at and in which `overridesFirst`
   * looks for overrides (Flagsmith's `environment`).
   */
  readonly environmentId?: number | undefined;
  /** Only features whose default in the environment is (not) enabled. */
  readonly isEnabled?: boolean | undefined;
  /**
   * Only features whose default value in the environment matches, as Flagsmith matches it: a text value
   * containing it (any case), a boolean value for `true`/`false`, an integer value for digits.
   */
  readonly valueSearch?: string | undefined;
  /** Features with an override for this segment (Flagsmith's `segment`) or identity (`identity`) first. */
  readonly segmentOverridesFirst?: number | undefined;
  readonly identityOverridesFirst?: number | undefined;
}

export interface OptionFields extends FeatureStateValueRow {
  default_percentage_allocation: number;
  key: string | null;
}

export interface TagFields {
  label: string;
  color?: string;
  description?: string | null;
  is_permanent?: boolean;
}

const stateColumns = [
  'id',
  'uuid',
  'feature_id',
  'environment_id',
  'identity_id',
  'feature_segment_id',
  'enabled',
  'live_from',
  'version',
  'created_at',
  'updated_at',
] as const;

/** Features, their tags, multivariate options and states; callers have resolved the project or environment. */
export class FeatureStore {
  // ---- features

  async list(
    scope: DataScope,
    projectId: number,
    query: FeatureListQuery,
  ): Promise<{ count: number; rows: FeatureRow[] }> {
    const { knex } = scope;
    const base = knex('features').where('project_id', projectId);
    if (query.isArchived !== undefined) base.where('is_archived', query.isArchived);
    if (query.search) base.whereRaw('lower(name) like ?', [`%${escapeLike(query.search.toLowerCase())}%`]);
    if (query.tagIds && query.tagIds.length > 0) {
      const tagIds = [...query.tagIds];
      if (query.tagStrategy === 'UNION') {
        base.whereIn('id', knex('feature_tags').select('feature_id').whereIn('tag_id', tagIds));
      } else {
        base.whereIn(
          'id',
          knex('feature_tags')
            .select('feature_id')
            .whereIn('tag_id', tagIds)
            .groupBy('feature_id')
            .havingRaw('count(distinct tag_id) = ?', [new Set(tagIds).size]),
        );
      }
    }
    const owners = query.ownerIds ?? [];
    const groupOwners = query.groupOwnerIds ?? [];
    if (owners.length > 0 || groupOwners.length > 0) {
      base.where((where) => {
        if (owners.length > 0)
          where.orWhereIn(
            'id',
            knex('feature_owners')
              .select('feature_id')
              .whereIn('user_id', [...owners]),
          );
        if (groupOwners.length > 0)
          where.orWhereIn(
            'id',
            knex('feature_group_owners')
              .select('feature_id')
              .whereIn('group_id', [...groupOwners]),
          );
      });
    }
    if (
      query.environmentId !== undefined &&
      (query.isEnabled !== undefined || query.valueSearch !== undefined)
    ) {
      const defaults = knex('feature_states')
        .select('feature_states.feature_id')
        .where('feature_states.environment_id', query.environmentId)
        .whereNull('feature_states.identity_id')
        .whereNull('feature_states.feature_segment_id');
      if (query.isEnabled !== undefined) defaults.where('feature_states.enabled', query.isEnabled);
      const search = query.valueSearch;
      if (search !== undefined) {
        defaults
          .join('feature_state_values', 'feature_state_values.feature_state_id', 'feature_states.id')
          .where((where) => {
            where.where((text) =>
              text
                .where('feature_state_values.type', 'unicode')
                .whereRaw('lower(feature_state_values.string_value) like ?', [
                  `%${escapeLike(search.toLowerCase())}%`,
                ]),
            );
            if (/^(true|false)$/i.test(search))
              where.orWhere((bool) =>
                bool
                  .where('feature_state_values.type', 'bool')
                  .where('feature_state_values.boolean_value', search.toLowerCase() === 'true'),
              );
            // Python's str.isdigit(); beyond a 32-bit integer no stored value can match.
            if (/^\d+$/.test(search) && Number(search) <= 2_147_483_647)
              where.orWhere((integer) =>
                integer
                  .where('feature_state_values.type', 'int')
                  .where('feature_state_values.integer_value', Number(search)),
              );
          });
      }
      base.whereIn('id', defaults);
    }
    const [counted] = (await base.clone().count({ count: '*' })) as { count: string | number }[];
    const overridesFirst: { column: Knex.Raw; order: 'desc' }[] = [];
    if (query.environmentId !== undefined && query.segmentOverridesFirst !== undefined)
      overridesFirst.push({
        column: knex.raw(
          'exists (select 1 from feature_segments where feature_segments.feature_id = features.id and feature_segments.segment_id = ? and feature_segments.environment_id = ?)',
          [query.segmentOverridesFirst, query.environmentId],
        ),
        order: 'desc',
      });
    if (query.identityOverridesFirst !== undefined)
      overridesFirst.push({
        column: knex.raw(
          'exists (select 1 from feature_states where feature_states.feature_id = features.id and feature_states.identity_id = ?)',
          [query.identityOverridesFirst],
        ),
        order: 'desc',
      });
    const rows = (await base
      .orderBy([
        ...overridesFirst,
        { column: query.sortField, order: query.sortDirection === 'DESC' ? 'desc' : 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(query.limit)
      .offset(query.offset)
      .select('*')) as FeatureRow[];
    return { count: Number(counted?.count ?? 0), rows };
  }

  async find(scope: DataScope, projectId: number, id: number): Promise<FeatureRow | undefined> {
    return (await scope.knex('features').where({ project_id: projectId, id }).first()) as
      | FeatureRow
      | undefined;
  }

  async findById(scope: DataScope, id: number): Promise<FeatureRow | undefined> {
    return (await scope.knex('features').where({ id }).first()) as FeatureRow | undefined;
  }

  /** Another feature of the project with this name in any case (Flagsmith's `name__iexact`). */
  async nameTaken(scope: DataScope, projectId: number, name: string, exceptId?: number): Promise<boolean> {
    const query = scope
      .knex('features')
      .where('project_id', projectId)
      .whereRaw('lower(name) = lower(?)', [name]);
    if (exceptId !== undefined) query.whereNot('id', exceptId);
    return (await query.first('id')) !== undefined;
  }

  async create(uow: UnitOfWork, projectId: number, fields: FeatureFields): Promise<FeatureRow> {
    const [row] = (await uow
      .knex('features')
      .insert({ ...fields, project_id: projectId })
      .returning('*')) as FeatureRow[];
    return row as FeatureRow;
  }

  async update(uow: UnitOfWork, id: number, patch: Partial<FeatureFields>): Promise<FeatureRow> {
    if (Object.keys(patch).length > 0) await uow.knex('features').where({ id }).update(patch);
    return (await this.findById(uow, id)) as FeatureRow;
  }

  async delete(uow: UnitOfWork, id: number): Promise<void> {
    await uow.knex('features').where({ id }).delete();
  }

  // ---- tags

  async tagsOf(scope: DataScope, featureIds: readonly number[]): Promise<Map<number, number[]>> {
    const byFeature = new Map<number, number[]>(featureIds.map((id) => [id, []]));
    if (featureIds.length === 0) return byFeature;
    const rows = (await scope
      .knex('feature_tags')
      .whereIn('feature_id', [...featureIds])
      .orderBy(['feature_id', 'tag_id'])
      .select('feature_id', 'tag_id')) as { feature_id: number; tag_id: number }[];
    for (const row of rows) byFeature.get(row.feature_id)?.push(row.tag_id);
    return byFeature;
  }

  /** The ids of `tagIds` that are not tags of the project. */
  async foreignTags(scope: DataScope, projectId: number, tagIds: readonly number[]): Promise<number[]> {
    if (tagIds.length === 0) return [];
    const own = (await scope
      .knex('tags')
      .where('project_id', projectId)
      .whereIn('id', [...tagIds])
      .select('id')) as { id: number }[];
    const ownIds = new Set(own.map((row) => row.id));
    return tagIds.filter((id) => !ownIds.has(id));
  }

  async setTags(uow: UnitOfWork, featureId: number, tagIds: readonly number[]): Promise<void> {
    await uow.knex('feature_tags').where('feature_id', featureId).delete();
    const unique = [...new Set(tagIds)];
    if (unique.length > 0)
      await uow.knex('feature_tags').insert(unique.map((tag_id) => ({ feature_id: featureId, tag_id })));
  }

  async listTags(scope: DataScope, projectId: number): Promise<TagRow[]> {
    return (await scope.knex('tags').where('project_id', projectId).orderBy('id')) as TagRow[];
  }

  async findTag(scope: DataScope, projectId: number, id: number): Promise<TagRow | undefined> {
    return (await scope.knex('tags').where({ project_id: projectId, id }).first()) as TagRow | undefined;
  }

  async createTag(uow: UnitOfWork, projectId: number, fields: TagFields): Promise<TagRow> {
    const [row] = (await uow
      .knex('tags')
      .insert({ ...fields, project_id: projectId })
      .returning('*')) as TagRow[];
    return row as TagRow;
  }

  async updateTag(uow: UnitOfWork, id: number, patch: Partial<TagFields>): Promise<TagRow> {
    if (Object.keys(patch).length > 0) await uow.knex('tags').where({ id }).update(patch);
    return (await uow.knex('tags').where({ id }).first()) as TagRow;
  }

  async deleteTag(uow: UnitOfWork, id: number): Promise<void> {
    await uow.knex('tags').where({ id }).delete();
  }

  // ---- multivariate options

  async optionsOf(
    scope: DataScope,
    featureIds: readonly number[],
  ): Promise<Map<number, MultivariateOptionRow[]>> {
    const byFeature = new Map<number, MultivariateOptionRow[]>(featureIds.map((id) => [id, []]));
    if (featureIds.length === 0) return byFeature;
    const rows = (await scope
      .knex('multivariate_feature_options')
      .whereIn('feature_id', [...featureIds])
      .orderBy('id')) as MultivariateOptionRow[];
    for (const row of rows) byFeature.get(row.feature_id)?.push(row);
    return byFeature;
  }

  async findOption(
    scope: DataScope,
    featureId: number,
    id: number,
  ): Promise<MultivariateOptionRow | undefined> {
    return (await scope.knex('multivariate_feature_options').where({ feature_id: featureId, id }).first()) as
      | MultivariateOptionRow
      | undefined;
  }

  async createOption(
    uow: UnitOfWork,
    featureId: number,
    fields: OptionFields,
  ): Promise<MultivariateOptionRow> {
    const [row] = (await uow
      .knex('multivariate_feature_options')
      .insert({ ...fields, feature_id: featureId })
      .returning('*')) as MultivariateOptionRow[];
    return row as MultivariateOptionRow;
  }

  async updateOption(
    uow: UnitOfWork,
    id: number,
    patch: Partial<OptionFields>,
  ): Promise<MultivariateOptionRow> {
    if (Object.keys(patch).length > 0)
      await uow.knex('multivariate_feature_options').where({ id }).update(patch);
    return (await uow.knex('multivariate_feature_options').where({ id }).first()) as MultivariateOptionRow;
  }

  async deleteOption(uow: UnitOfWork, id: number): Promise<void> {
    await uow.knex('multivariate_feature_options').where({ id }).delete();
  }

  // ---- states

  /** Environment defaults (neither identity nor segment) of the feature, one per environment. */
  async defaultStatesOfFeature(scope: DataScope, featureId: number): Promise<FeatureStateRow[]> {
    return (await scope
      .knex('feature_states')
      .where('feature_id', featureId)
      .whereNull('identity_id')
      .whereNull('feature_segment_id')
      .orderBy('id')
      .select(stateColumns)) as FeatureStateRow[];
  }

  async defaultStates(
    scope: DataScope,
    environmentId: number,
    featureIds?: readonly number[],
    withSegmentOverrides = false,
  ): Promise<FeatureStateView[]> {
    const query = scope
      .knex('feature_states')
      .where('environment_id', environmentId)
      .whereNull('identity_id')
      .orderBy('id')
      .select(stateColumns);
    if (!withSegmentOverrides) query.whereNull('feature_segment_id');
    if (featureIds) query.whereIn('feature_id', [...featureIds]);
    return await this.#views(scope, (await query) as FeatureStateRow[]);
  }

  /**
   * Identity overrides in one environment (of some features), each with its identity's identifier: what
   * Flagsmith's EnvironmentFeatureStateViewSet lists under `?anyIdentity`, for the dashboard's identity
   * overrides tab.
   */
  async identityOverrideStates(
    scope: DataScope,
    environmentId: number,
    featureIds?: readonly number[],
  ): Promise<(FeatureStateView & { identifier: string })[]> {
    const query = scope
      .knex('feature_states')
      .join('identities', 'identities.id', 'feature_states.identity_id')
      .where('feature_states.environment_id', environmentId)
      .whereNull('feature_states.feature_segment_id')
      .orderBy('feature_states.id')
      .select(stateColumns.map((column) => `feature_states.${column}`))
      .select('identities.identifier');
    if (featureIds) query.whereIn('feature_states.feature_id', [...featureIds]);
    const rows = (await query) as (FeatureStateRow & { identifier: string })[];
    const views = await this.#views(scope, rows);
    return views.map((view, index) => ({
      ...view,
      identifier: (rows[index] as { identifier: string }).identifier,
    }));
  }

  async findState(
    scope: DataScope,
    id: number,
    environmentId?: number,
  ): Promise<FeatureStateView | undefined> {
    const query = scope.knex('feature_states').where('id', id).select(stateColumns);
    if (environmentId !== undefined) query.where('environment_id', environmentId);
    const row = (await query.first()) as FeatureStateRow | undefined;
    return row ? (await this.#views(scope, [row]))[0] : undefined;
  }

  async createStates(
    uow: UnitOfWork,
    states: { feature_id: number; environment_id: number; enabled: boolean; value: FeatureStateValueRow }[],
  ): Promise<FeatureStateRow[]> {
    if (states.length === 0) return [];
    const rows = (await uow.knex('feature_states').insert(
      states.map(({ value: _value, ...state }) => ({ ...state, version: 1 })),
      stateColumns as unknown as string[],
    )) as FeatureStateRow[];
    await uow
      .knex('feature_state_values')
      .insert(rows.map((row, index) => ({ feature_state_id: row.id, ...states[index]?.value })));
    return rows;
  }

  async updateState(
    uow: UnitOfWork,
    id: number,
    patch: { enabled?: boolean; live_from?: Date | null },
    value: FeatureStateValueRow | undefined,
  ): Promise<void> {
    await uow
      .knex('feature_states')
      .where({ id })
      .update({ ...patch, updated_at: uow.knex.fn.now() });
    if (value) {
      const updated = await uow.knex('feature_state_values').where('feature_state_id', id).update(value);
      if (Number(updated) === 0)
        await uow.knex('feature_state_values').insert({ feature_state_id: id, ...value });
    }
  }

  /** Replaces a state's allocations: one row per option given, the rest removed. */
  async setAllocations(
    uow: UnitOfWork,
    stateId: number,
    allocations: readonly { optionId: number; percentage: number }[],
  ): Promise<void> {
    await uow.knex('multivariate_feature_state_values').where('feature_state_id', stateId).delete();
    if (allocations.length > 0) {
      await uow.knex('multivariate_feature_state_values').insert(
        allocations.map((allocation) => ({
          feature_state_id: stateId,
          multivariate_feature_option_id: allocation.optionId,
          percentage_allocation: allocation.percentage,
        })),
      );
    }
  }

  async addAllocation(uow: UnitOfWork, stateIds: readonly number[], optionId: number, percentage: number) {
    if (stateIds.length === 0) return;
    await uow.knex('multivariate_feature_state_values').insert(
      stateIds.map((stateId) => ({
        feature_state_id: stateId,
        multivariate_feature_option_id: optionId,
        percentage_allocation: percentage,
      })),
    );
  }

  /** Per state, the total already allocated, leaving `exceptOptionId` out. */
  async allocatedTotals(
    scope: DataScope,
    stateIds: readonly number[],
    exceptOptionId?: number,
  ): Promise<Map<number, number>> {
    const totals = new Map<number, number>(stateIds.map((id) => [id, 0]));
    if (stateIds.length === 0) return totals;
    const query = scope
      .knex('multivariate_feature_state_values')
      .whereIn('feature_state_id', [...stateIds])
      .groupBy('feature_state_id')
      .select('feature_state_id', scope.knex.raw('sum(percentage_allocation) as total'));
    if (exceptOptionId !== undefined) query.whereNot('multivariate_feature_option_id', exceptOptionId);
    for (const row of (await query) as { feature_state_id: number; total: string | number }[])
      totals.set(row.feature_state_id, Number(row.total));
    return totals;
  }

  /** Per feature, in one environment: how many identity overrides it has (`num_identity_overrides`). */
  identityOverrideCounts(
    scope: DataScope,
    environmentId: number,
    featureIds: readonly number[],
  ): Promise<Map<number, number>> {
    return countsByFeature(scope, 'feature_states', environmentId, featureIds, (query) =>
      query.whereNotNull('identity_id'),
    );
  }

  /** Per feature, in one environment: how many segment overrides it has (`num_segment_overrides`). */
  segmentOverrideCounts(
    scope: DataScope,
    environmentId: number,
    featureIds: readonly number[],
  ): Promise<Map<number, number>> {
    return countsByFeature(scope, 'feature_segments', environmentId, featureIds);
  }

  /**
   * What the environment document needs of features, in five queries whatever their number: the project's
   * features, the live environment default of each (Flagsmith's v1 get_live_feature_states: `version` not
   * null, `live_from` not after `at`, the latest `live_from` then `version` winning), their values and
   * allocations, and the features' multivariate options. A state scheduled for later is left out until `at`
   * reaches it, so a builder that caches must also expire at the earliest future `live_from`
   * (`nextLiveFrom`).
   */
  async liveDefaults(scope: DataScope, environmentId: number, at: Date = new Date()) {
    const { knex } = scope;
    const projectOf = knex('environments').select('project_id').where('id', environmentId);
    const features = (await knex('features')
      .whereIn('project_id', projectOf)
      .orderBy('id')
      .select('*')) as FeatureRow[];
    const live = liveDefaultStates(knex, environmentId, at);
    const states = (await live.clone().select(stateColumns)) as FeatureStateRow[];
    const liveIds = live.clone().select('id');
    const values = (await knex('feature_state_values')
      .whereIn('feature_state_id', liveIds)
      .select(featureStateValueColumns)) as (FeatureStateValueRow & {
      feature_state_id: number;
    })[];
    const allocations = (await knex('multivariate_feature_state_values')
      .whereIn('feature_state_id', liveIds.clone())
      .orderBy('id')
      .select(
        'id',
        'uuid',
        'feature_state_id',
        'multivariate_feature_option_id',
        'percentage_allocation',
      )) as MultivariateStateValueRow[];
    const options = (await knex('multivariate_feature_options')
      .whereIn('feature_id', knex('features').select('id').whereIn('project_id', projectOf.clone()))
      .orderBy('id')) as MultivariateOptionRow[];
    const [next] = (await knex('feature_states')
      .where('environment_id', environmentId)
      .whereNull('identity_id')
      .where('live_from', '>', at)
      .min({ next: 'live_from' })) as { next: Date | string | null }[];
    return {
      features,
      states: joinStates(states, values, allocations),
      optionsByFeature: groupBy(options, (option) => option.feature_id),
      nextLiveFrom: next?.next ? new Date(next.next) : null,
    };
  }

  async #views(scope: DataScope, rows: FeatureStateRow[]): Promise<FeatureStateView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const values = (await scope
      .knex('feature_state_values')
      .whereIn('feature_state_id', ids)
      .select(featureStateValueColumns)) as (FeatureStateValueRow & {
      feature_state_id: number;
    })[];
    const allocations = (await scope
      .knex('multivariate_feature_state_values')
      .whereIn('feature_state_id', ids)
      .orderBy('id')
      .select(
        'id',
        'feature_state_id',
        'multivariate_feature_option_id',
        'percentage_allocation',
      )) as MultivariateStateValueRow[];
    return joinStates(rows, values, allocations);
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function groupBy<T>(rows: readonly T[], key: (row: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const group = groups.get(key(row));
    if (group) group.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

function joinStates(
  rows: readonly FeatureStateRow[],
  values: readonly (FeatureStateValueRow & { feature_state_id: number })[],
  allocations: readonly MultivariateStateValueRow[],
): FeatureStateView[] {
  const valueByState = new Map(values.map(({ feature_state_id, ...value }) => [feature_state_id, value]));
  const allocationsByState = groupBy(allocations, (allocation) => allocation.feature_state_id);
  return rows.map((row) => ({
    ...row,
    value: valueByState.get(row.id),
    multivariate: (allocationsByState.get(row.id) ?? []).map((allocation) => ({
      ...allocation,
      percentage_allocation: Number(allocation.percentage_allocation),
    })),
  }));
}

/** Rows of `table` in one environment counted per feature, in one grouped query (PostgreSQL counts are strings). */
async function countsByFeature(
  scope: DataScope,
  table: 'feature_states' | 'feature_segments',
  environmentId: number,
  featureIds: readonly number[],
  narrow: (query: Knex.QueryBuilder) => Knex.QueryBuilder = (query) => query,
): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  if (featureIds.length === 0) return counts;
  const query = narrow(scope.knex(table).where('environment_id', environmentId))
    .whereIn('feature_id', [...featureIds])
    .groupBy('feature_id')
    .select('feature_id', scope.knex.raw('count(*) as count'));
  for (const row of (await query) as { feature_id: number; count: string | number }[])
    counts.set(row.feature_id, Number(row.count));
  return counts;
}
