import type { Knex } from 'knex';
import type { UnitOfWork } from '../data/unit-of-work.js';
import { pythonInt } from '../evaluation/python-casts.js';

/** Flagsmith's MAX_32_BIT_INTEGER: an initial value at or beyond it is a string, not an int. */
const max32BitInteger = 2_147_483_647;

export interface FeatureStateValueRow {
  type: 'unicode' | 'int' | 'bool';
  string_value: string | null;
  integer_value: number | null;
  boolean_value: boolean | null;
}

/** A state's value columns, with the state they belong to. */
export const featureStateValueColumns = [
  'feature_state_id',
  'type',
  'string_value',
  'integer_value',
  'boolean_value',
] as const;

/**
 * Flagsmith's v1 get_live_feature_states for an environment's defaults: identity and segment overrides left out, `version`
 * and `live_from` set, `live_from` not after `at`; per feature the latest `live_from` wins, then the highest
 * `version`. The one definition of "live" for the document builder and for cloning.
 */
export function liveDefaultStates(knex: Knex, environmentId: number, at: Date | Knex.Raw) {
  return knex('feature_states')
    .distinctOn('feature_id')
    .where('environment_id', environmentId)
    .whereNull('identity_id')
    .whereNull('feature_segment_id')
    .whereNotNull('version')
    .whereNotNull('live_from')
    .where('live_from', '<=', at)
    .orderBy([
      { column: 'feature_id' },
      { column: 'live_from', order: 'desc' },
      { column: 'version', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
}

/**
 * The value of a feature's new environment default, typed as Flagsmith's get_value_type sniffs an
 * `initial_value`: a Python int within 32 bits, then "true"/"True"/"false"/"False", else a string; no
 * value (or a project with `prevent_flag_defaults`) is an empty unicode value.
 */
export function initialFeatureStateValue(
  initialValue: string | null,
  preventDefaults: boolean,
): FeatureStateValueRow {
  const empty = { string_value: null, integer_value: null, boolean_value: null };
  if (initialValue === null || preventDefaults) return { type: 'unicode', ...empty };
  const integer = pythonInt(initialValue);
  if (integer !== undefined && Math.abs(integer) < max32BitInteger)
    return { type: 'int', ...empty, integer_value: integer };
  if (['true', 'True', 'false', 'False'].includes(initialValue))
    return { type: 'bool', ...empty, boolean_value: initialValue === 'true' || initialValue === 'True' };
  return { type: 'unicode', ...empty, string_value: initialValue };
}

/**
 * Flagsmith's create_initial_feature_states_for_environment: one environment default per feature of the
 * project, enabled as the feature's `default_enabled` (never, under `prevent_flag_defaults`), each with its
 * value row.
 */
export async function seedFeatureStates(
  uow: UnitOfWork,
  environmentId: number,
  projectId: number,
): Promise<void> {
  const project = (await uow.knex('projects').where('id', projectId).first('prevent_flag_defaults')) as
    | { prevent_flag_defaults: boolean }
    | undefined;
  const preventDefaults = project?.prevent_flag_defaults === true;
  const features = (await uow
    .knex('features')
    .where('project_id', projectId)
    .orderBy('id')
    .select('id', 'default_enabled', 'initial_value')) as {
    id: number;
    default_enabled: boolean;
    initial_value: string | null;
  }[];
  if (features.length === 0) return;
  const states = (await uow
    .knex('feature_states')
    .insert(
      features.map((feature) => ({
        feature_id: feature.id,
        environment_id: environmentId,
        enabled: preventDefaults ? false : feature.default_enabled,
        version: 1,
      })),
    )
    .returning(['id', 'feature_id'])) as { id: number; feature_id: number }[];
  const byFeature = new Map(features.map((feature) => [feature.id, feature]));
  await uow.knex('feature_state_values').insert(
    states.map((state) => ({
      feature_state_id: state.id,
      ...initialFeatureStateValue(byFeature.get(state.feature_id)?.initial_value ?? null, preventDefaults),
    })),
  );
  // Flagsmith's MultivariateFeatureStateValues for a new environment default: each option at its default.
  const options = (await uow
    .knex('multivariate_feature_options')
    .whereIn(
      'feature_id',
      features.map((feature) => feature.id),
    )
    .select('id', 'feature_id', 'default_percentage_allocation')) as {
    id: number;
    feature_id: number;
    default_percentage_allocation: number;
  }[];
  const stateOf = new Map(states.map((state) => [state.feature_id, state.id]));
  const allocations = options.flatMap((option) => {
    const stateId = stateOf.get(option.feature_id);
    return stateId === undefined
      ? []
      : [
          {
            feature_state_id: stateId,
            multivariate_feature_option_id: option.id,
            percentage_allocation: option.default_percentage_allocation,
          },
        ];
  });
  if (allocations.length > 0) await uow.knex('multivariate_feature_state_values').insert(allocations);
}

/**
 * Flagsmith's clone_environment_feature_states: the source's live environment defaults (identity overrides
 * excluded, as Flagsmith filters `identity__isnull=True`), one per feature, copied with their values and
 * live from now.
 */
export async function cloneFeatureStates(uow: UnitOfWork, sourceId: number, cloneId: number): Promise<void> {
  const live = (await liveDefaultStates(uow.knex, sourceId, uow.knex.fn.now()).select(
    'id',
    'feature_id',
    'enabled',
    'version',
  )) as {
    id: number;
    feature_id: number;
    enabled: boolean;
    version: number;
  }[];
  if (live.length === 0) return;
  const copies = (await uow
    .knex('feature_states')
    .insert(
      live.map((state) => ({
        feature_id: state.feature_id,
        environment_id: cloneId,
        enabled: state.enabled,
        version: state.version,
      })),
    )
    .returning(['id', 'feature_id'])) as { id: number; feature_id: number }[];
  const values = (await uow
    .knex('feature_state_values')
    .whereIn(
      'feature_state_id',
      live.map((state) => state.id),
    )
    .select(featureStateValueColumns)) as (FeatureStateValueRow & {
    feature_state_id: number;
  })[];
  const valueByState = new Map(values.map(({ feature_state_id, ...typed }) => [feature_state_id, typed]));
  const sourceOf = new Map(live.map((state) => [state.feature_id, state.id]));
  const rows = copies.map((copy) => ({
    ...(valueByState.get(sourceOf.get(copy.feature_id) ?? -1) ?? initialFeatureStateValue(null, true)),
    feature_state_id: copy.id,
  }));
  await uow.knex('feature_state_values').insert(rows);
  const allocations = (await uow
    .knex('multivariate_feature_state_values')
    .whereIn(
      'feature_state_id',
      live.map((state) => state.id),
    )
    .select('feature_state_id', 'multivariate_feature_option_id', 'percentage_allocation')) as {
    feature_state_id: number;
    multivariate_feature_option_id: number;
    percentage_allocation: number;
  }[];
  const copyOf = new Map(copies.map((copy) => [sourceOf.get(copy.feature_id), copy.id]));
  const copied = allocations.flatMap((allocation) => {
    const copyId = copyOf.get(allocation.feature_state_id);
    return copyId === undefined ? [] : [{ ...allocation, feature_state_id: copyId }];
  });
  if (copied.length > 0) await uow.knex('multivariate_feature_state_values').insert(copied);
}
