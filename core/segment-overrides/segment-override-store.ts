import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { featureStateValueColumns } from '../environments/feature-state-seeds.js';
import type { MultivariateStateValueRow } from '../features/feature-models.js';
import type { FeatureStateValueRow } from '../features/feature-value.js';

/** `feature_segments`, with what its serializers show of the segment. */
export interface FeatureSegmentRow {
  id: number;
  uuid: string;
  feature_id: number;
  segment_id: number;
  environment_id: number;
  priority: number;
  segment_name: string;
  segment_description: string | null;
  /** The feature a feature-specific segment belongs to. */
  segment_feature_id: number | null;
}

/** A live segment override's state as the environment document reads it. */
export interface LiveOverrideState {
  id: number;
  uuid: string;
  feature_id: number;
  segment_id: number;
  priority: number;
  enabled: boolean;
  value: FeatureStateValueRow | undefined;
  multivariate: MultivariateStateValueRow[];
}

const columns = [
  'fs.id',
  'fs.uuid',
  'fs.feature_id',
  'fs.segment_id',
  'fs.environment_id',
  'fs.priority',
  's.name as segment_name',
  's.description as segment_description',
  's.feature_id as segment_feature_id',
] as const;

/**
 * Segment overrides and their priorities. Priorities of one feature in one environment are 0, 1, 2, … with
 * no gaps or repeats, as django-ordered-model keeps Flagsmith's: inserting or moving one shifts the others,
 * deleting one closes the gap (the unique constraint is deferred, so a shift may pass through repeats).
 */
export class SegmentOverrideStore {
  async list(scope: DataScope, environmentId: number, featureId?: number): Promise<FeatureSegmentRow[]> {
    const query = scope
      .knex('feature_segments as fs')
      .join('segments as s', 's.id', 'fs.segment_id')
      .where('fs.environment_id', environmentId)
      .orderBy([{ column: 'fs.priority' }, { column: 'fs.id' }])
      .select(columns);
    if (featureId !== undefined) query.where('fs.feature_id', featureId);
    return (await query) as FeatureSegmentRow[];
  }

  async find(scope: DataScope, id: number): Promise<FeatureSegmentRow | undefined> {
    return (await scope
      .knex('feature_segments as fs')
      .join('segments as s', 's.id', 'fs.segment_id')
      .where('fs.id', id)
      .first(columns)) as FeatureSegmentRow | undefined;
  }

  async findByUuid(scope: DataScope, uuid: string): Promise<FeatureSegmentRow | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) return undefined;
    return (await scope
      .knex('feature_segments as fs')
      .join('segments as s', 's.id', 'fs.segment_id')
      .where('fs.uuid', uuid)
      .first(columns)) as FeatureSegmentRow | undefined;
  }

  async findMany(scope: DataScope, ids: readonly number[]): Promise<FeatureSegmentRow[]> {
    if (ids.length === 0) return [];
    return (await scope
      .knex('feature_segments as fs')
      .join('segments as s', 's.id', 'fs.segment_id')
      .whereIn('fs.id', [...ids])
      .orderBy([{ column: 'fs.priority' }, { column: 'fs.id' }])
      .select(columns)) as FeatureSegmentRow[];
  }

  /** The environment's api key of an override, for routes addressed by the override's id alone. */
  async environmentKeyOf(scope: DataScope, id: number): Promise<string | undefined> {
    const row = (await scope
      .knex('feature_segments as fs')
      .join('environments as e', 'e.id', 'fs.environment_id')
      .where('fs.id', id)
      .first('e.api_key')) as { api_key: string } | undefined;
    return row?.api_key;
  }

  async exists(scope: DataScope, featureId: number, environmentId: number, segmentId: number) {
    return (
      (await scope
        .knex('feature_segments')
        .where({ feature_id: featureId, environment_id: environmentId, segment_id: segmentId })
        .first('id')) !== undefined
    );
  }

  async #count(scope: DataScope, featureId: number, environmentId: number): Promise<number> {
    const [row] = (await scope
      .knex('feature_segments')
      .where({ feature_id: featureId, environment_id: environmentId })
      .count({ count: '*' })) as { count: string | number }[];
    return Number(row?.count ?? 0);
  }

  /**
   * Inserts an override at `priority` (the others from there on move down one), or after the last one when
   * no priority is given. A priority past the end is the end: priorities stay contiguous.
   */
  async create(
    uow: UnitOfWork,
    fields: { feature_id: number; segment_id: number; environment_id: number },
    priority?: number,
  ): Promise<number> {
    const count = await this.#count(uow, fields.feature_id, fields.environment_id);
    const at = priority === undefined ? count : Math.min(priority, count);
    await uow
      .knex('feature_segments')
      .where({ feature_id: fields.feature_id, environment_id: fields.environment_id })
      .where('priority', '>=', at)
      .increment('priority', 1);
    const [row] = (await uow
      .knex('feature_segments')
      .insert({ ...fields, priority: at })
      .returning('id')) as { id: number }[];
    return (row as { id: number }).id;
  }

  async setSegment(uow: UnitOfWork, id: number, segmentId: number): Promise<void> {
    await uow.knex('feature_segments').where({ id }).update({ segment_id: segmentId });
  }

  /** django-ordered-model's `to(priority)`: the override moves there and those in between shift by one. */
  async move(uow: UnitOfWork, id: number, priority: number): Promise<void> {
    const row = (await uow.knex('feature_segments').where({ id }).first()) as
      | { feature_id: number; environment_id: number; priority: number }
      | undefined;
    if (!row) return;
    const count = await this.#count(uow, row.feature_id, row.environment_id);
    const to = Math.min(priority, count - 1);
    if (to === row.priority) return;
    const siblings = () =>
      uow
        .knex('feature_segments')
        .where({ feature_id: row.feature_id, environment_id: row.environment_id })
        .whereNot('id', id);
    if (to < row.priority) {
      await siblings()
        .where('priority', '>=', to)
        .where('priority', '<', row.priority)
        .increment('priority', 1);
    } else {
      await siblings()
        .where('priority', '>', row.priority)
        .where('priority', '<=', to)
        .decrement('priority', 1);
    }
    await uow.knex('feature_segments').where({ id }).update({ priority: to });
  }

  /** Deletes an override (its state cascades) and closes the gap in the priorities. */
  async delete(uow: UnitOfWork, row: FeatureSegmentRow): Promise<void> {
    await uow.knex('feature_segments').where({ id: row.id }).delete();
    await uow
      .knex('feature_segments')
      .where({ feature_id: row.feature_id, environment_id: row.environment_id })
      .where('priority', '>', row.priority)
      .decrement('priority', 1);
  }

  /** The ids of the states carrying an override (normally one). */
  async stateIdsOf(scope: DataScope, featureSegmentId: number): Promise<number[]> {
    const rows = (await scope
      .knex('feature_states')
      .where('feature_segment_id', featureSegmentId)
      .orderBy('id')
      .select('id')) as { id: number }[];
    return rows.map((row) => row.id);
  }

  async createState(
    uow: UnitOfWork,
    fields: { feature_id: number; environment_id: number; feature_segment_id: number; enabled: boolean },
    value: FeatureStateValueRow,
    allocations: readonly { optionId: number; percentage: number }[],
  ): Promise<number> {
    const [row] = (await uow
      .knex('feature_states')
      .insert({ ...fields, version: 1 })
      .returning('id')) as { id: number }[];
    const id = (row as { id: number }).id;
    await uow.knex('feature_state_values').insert({ feature_state_id: id, ...value });
    if (allocations.length > 0)
      await uow.knex('multivariate_feature_state_values').insert(
        allocations.map((allocation) => ({
          feature_state_id: id,
          multivariate_feature_option_id: allocation.optionId,
          percentage_allocation: allocation.percentage,
        })),
      );
    return id;
  }

  /**
   * The environment's live segment-override states with their priorities, in three queries whatever their
   * number: per override, the latest `live_from` then `version` not after `at` wins (as for defaults).
   */
  async liveOverrideStates(scope: DataScope, environmentId: number, at: Date): Promise<LiveOverrideState[]> {
    const { knex } = scope;
    const live = knex('feature_states as st')
      .join('feature_segments as fs', 'fs.id', 'st.feature_segment_id')
      .distinctOn('st.feature_segment_id')
      .where('st.environment_id', environmentId)
      .whereNull('st.identity_id')
      .whereNotNull('st.version')
      .whereNotNull('st.live_from')
      .where('st.live_from', '<=', at)
      .orderBy([
        { column: 'st.feature_segment_id' },
        { column: 'st.live_from', order: 'desc' },
        { column: 'st.version', order: 'desc' },
        { column: 'st.id', order: 'desc' },
      ]);
    const states = (await live
      .clone()
      .select('st.id', 'st.uuid', 'st.feature_id', 'st.enabled', 'fs.segment_id', 'fs.priority')) as Omit<
      LiveOverrideState,
      'value' | 'multivariate'
    >[];
    const liveIds = () => live.clone().select('st.id');
    const values = (await knex('feature_state_values')
      .whereIn('feature_state_id', liveIds())
      .select(featureStateValueColumns)) as (FeatureStateValueRow & { feature_state_id: number })[];
    const allocations = (await knex('multivariate_feature_state_values')
      .whereIn('feature_state_id', liveIds())
      .orderBy('id')
      .select(
        'id',
        'uuid',
        'feature_state_id',
        'multivariate_feature_option_id',
        'percentage_allocation',
      )) as MultivariateStateValueRow[];
    const valueByState = new Map(values.map(({ feature_state_id, ...value }) => [feature_state_id, value]));
    const allocationsOf = new Map<number, MultivariateStateValueRow[]>();
    for (const allocation of allocations) {
      const list = allocationsOf.get(allocation.feature_state_id) ?? [];
      list.push({ ...allocation, percentage_allocation: Number(allocation.percentage_allocation) });
      allocationsOf.set(allocation.feature_state_id, list);
    }
    return states.map((state) => ({
      ...state,
      value: valueByState.get(state.id),
      multivariate: allocationsOf.get(state.id) ?? [],
    }));
  }
}

/**
 * Deleting a segment removes its overrides in every environment (Flagsmith's FeatureSegment cascades from
 * its segment, which Vexil only soft-deletes) and closes the gaps they leave in the priorities. Returns the
 * environments whose overrides changed.
 */
export async function removeOverridesOfSegment(uow: UnitOfWork, segmentId: number): Promise<number[]> {
  const store = new SegmentOverrideStore();
  const rows = (await uow.knex('feature_segments').where('segment_id', segmentId).select('id')) as {
    id: number;
  }[];
  const environments = new Set<number>();
  for (const { id } of rows) {
    const row = await store.find(uow, id);
    if (!row) continue;
    environments.add(row.environment_id);
    await store.delete(uow, row);
  }
  return [...environments];
}

/**
 * Flagsmith's clone_environment_feature_states copies every live state but identity overrides: each segment
 * override of the source comes to the clone at the same priority, its live state with its value and
 * allocations, live from now. A constant number of queries.
 */
export async function cloneSegmentOverrides(
  uow: UnitOfWork,
  sourceId: number,
  cloneId: number,
): Promise<void> {
  const { knex } = uow;
  const overrides = (await knex('feature_segments')
    .where('environment_id', sourceId)
    .orderBy('id')
    .select('id', 'feature_id', 'segment_id', 'priority')) as {
    id: number;
    feature_id: number;
    segment_id: number;
    priority: number;
  }[];
  if (overrides.length === 0) return;
  const copies = (await knex('feature_segments')
    .insert(overrides.map(({ id: _id, ...override }) => ({ ...override, environment_id: cloneId })))
    .returning(['id', 'segment_id', 'feature_id'])) as {
    id: number;
    segment_id: number;
    feature_id: number;
  }[];
  const copyOf = new Map(
    overrides.map((override, index) => [override.id, (copies[index] as { id: number }).id]),
  );
  const live = (await new SegmentOverrideStore().liveOverrideStates(
    uow,
    sourceId,
    new Date(),
  )) as LiveOverrideState[];
  const sourceOverrideOf = new Map(
    overrides.map((override) => [`${override.feature_id}:${override.segment_id}`, override.id]),
  );
  const states = live.flatMap((state) => {
    const overrideId = sourceOverrideOf.get(`${state.feature_id}:${state.segment_id}`);
    const copyId = overrideId === undefined ? undefined : copyOf.get(overrideId);
    return copyId === undefined ? [] : [{ state, copyId }];
  });
  if (states.length === 0) return;
  const inserted = (await knex('feature_states')
    .insert(
      states.map(({ state, copyId }) => ({
        feature_id: state.feature_id,
        environment_id: cloneId,
        feature_segment_id: copyId,
        enabled: state.enabled,
        version: 1,
      })),
    )
    .returning('id')) as { id: number }[];
  const values = states.flatMap(({ state }, index) =>
    state.value ? [{ ...state.value, feature_state_id: (inserted[index] as { id: number }).id }] : [],
  );
  if (values.length > 0) await knex('feature_state_values').insert(values);
  const allocations = states.flatMap(({ state }, index) =>
    state.multivariate.map((allocation) => ({
      feature_state_id: (inserted[index] as { id: number }).id,
      multivariate_feature_option_id: allocation.multivariate_feature_option_id,
      percentage_allocation: allocation.percentage_allocation,
    })),
  );
  if (allocations.length > 0) await knex('multivariate_feature_state_values').insert(allocations);
}
