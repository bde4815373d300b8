import type { FeatureStateView, MultivariateOptionRow, TagRow } from './feature-models.js';
import type { FeatureView } from './feature-service.js';
import { rowToValue } from './feature-value.js';

const iso = (date: Date | string | null) => (date === null ? null : new Date(date).toISOString());

/** MultivariateFeatureOptionSerializer. */
export function optionToWire(option: MultivariateOptionRow) {
  return {
    id: option.id,
    uuid: option.uuid,
    type: option.type,
    integer_value: option.integer_value,
    string_value: option.string_value,
    boolean_value: option.boolean_value,
    default_percentage_allocation: Number(option.default_percentage_allocation),
    key: option.key,
    feature: option.feature_id,
  };
}

/** FeatureStateSerializerBasic: the value as a JSON primitive typed by its column, and its allocations. */
export function stateToWire(state: FeatureStateView) {
  return {
    id: state.id,
    feature_state_value: rowToValue(state.value),
    multivariate_feature_state_values: state.multivariate.map((allocation) => ({
      id: allocation.id,
      multivariate_feature_option: allocation.multivariate_feature_option_id,
      percentage_allocation: allocation.percentage_allocation,
    })),
    deleted_at: null,
    uuid: state.uuid,
    enabled: state.enabled,
    created_at: iso(state.created_at),
    updated_at: iso(state.updated_at),
    live_from: iso(state.live_from),
    version: state.version,
    feature: state.feature_id,
    environment: state.environment_id,
    identity: state.identity_id,
    feature_segment: state.feature_segment_id,
    change_request: null,
    environment_feature_version: null,
  };
}

/**
 * WritableNestedFeatureStateSerializer (`/features/featurestates/`): the same state with its value nested and
 * typed, `{type, string_value, integer_value, boolean_value}`, as Flagsmith's FeatureStateValueSerializer.
 */
export function nestedStateToWire(state: FeatureStateView) {
  const value = state.value ?? {
    type: 'unicode',
    string_value: null,
    integer_value: null,
    boolean_value: null,
  };
  return {
    ...stateToWire(state),
    feature_state_value: {
      type: value.type,
      string_value: value.string_value,
      integer_value: value.integer_value,
      boolean_value: value.boolean_value,
    },
  };
}

/** FeatureStateSerializerSmall, as the feature list embeds it. */
function smallStateToWire(state: FeatureStateView) {
  return {
    id: state.id,
    feature_state_value: rowToValue(state.value),
    environment: state.environment_id,
    identity: state.identity_id,
    feature_segment: null,
    enabled: state.enabled,
  };
}

/** UserListSerializer. */
function ownerToWire(owner: FeatureView['owners'][number]) {
  return {
    id: owner.id,
    email: owner.email,
    first_name: owner.first_name,
    last_name: owner.last_name,
    last_login: owner.last_login === null ? null : iso(owner.last_login),
    uuid: owner.uuid,
  };
}

/** ProjectFeatureSerializer: what add-owners and its siblings answer. */
export function projectFeatureToWire(view: FeatureView) {
  const { feature } = view;
  return {
    id: feature.id,
    name: feature.name,
    created_date: iso(feature.created_date),
    description: feature.description,
    initial_value: feature.initial_value,
    default_enabled: feature.default_enabled,
    type: feature.type,
    owners: view.owners.map(ownerToWire),
    group_owners: view.groupOwners.map((group) => ({ id: group.id, name: group.name })),
    is_server_key_only: feature.is_server_key_only,
  };
}

/** ListCreateFeatureSerializer. */
export function featureToWire(view: FeatureView) {
  const { feature } = view;
  return {
    id: feature.id,
    uuid: feature.uuid,
    name: feature.name,
    type: feature.type,
    default_enabled: feature.default_enabled,
    initial_value: feature.initial_value,
    created_date: iso(feature.created_date),
    description: feature.description,
    tags: view.tags,
    multivariate_options: view.options.map(optionToWire),
    is_archived: feature.is_archived,
    owners: view.owners.map(ownerToWire),
    group_owners: view.groupOwners.map((group) => ({ id: group.id, name: group.name })),
    project: feature.project_id,
    environment_feature_state: view.environment?.state ? smallStateToWire(view.environment.state) : null,
    segment_feature_state: null,
    num_segment_overrides: view.environment ? view.environment.segmentOverrides : null,
    num_identity_overrides: view.environment ? view.environment.identityOverrides : null,
    is_num_identity_overrides_complete: true,
    is_server_key_only: feature.is_server_key_only,
    last_modified_in_any_environment: null,
    last_modified_in_current_environment: null,
    // FeatureSerializerWithMetadata's additions: no custom fields and no code reference scans here.
    metadata: [],
    code_references_counts: [],
  };
}

/** TagSerializer. */
export function tagToWire(tag: TagRow) {
  return {
    id: tag.id,
    label: tag.label,
    color: tag.color,
    description: tag.description,
    project: tag.project_id,
    uuid: tag.uuid,
    is_permanent: tag.is_permanent,
    is_system_tag: tag.is_system_tag,
    type: tag.type,
  };
}
