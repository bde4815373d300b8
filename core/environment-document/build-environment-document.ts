import type { DataScope } from '../data/unit-of-work.js';
import type { DocumentRule, DocumentValue } from '../evaluation/index.js';
import { PythonFloat, stringifyJson } from '../evaluation/index.js';
import type { FeatureRow, FeatureStateView, MultivariateOptionRow } from '../features/feature-models.js';
import { FeatureStore } from '../features/feature-store.js';
import { rowToValue } from '../features/feature-value.js';
import { documentIdentityOverrides } from '../identities/identity-document.js';
import { SegmentOverrideStore } from '../segment-overrides/segment-override-store.js';
import { type EngineSegment, SegmentStore } from '../segments/segment-store.js';

// The shape of Flagsmith's `GET /api/v1/environment-document/` (util/mappers/sdk.py over the pydantic models
// of util/engine_models). Every interface lists its fields in the models' order: SDKs and caches compare
// documents as text, so the key order is part of the wire format.

export interface DocumentFeatureStateOut {
  feature: { id: number; name: string; type: 'STANDARD' | 'MULTIVARIATE' };
  enabled: boolean;
  django_id: number;
  feature_segment: { priority: number } | null;
  featurestate_uuid: string;
  feature_state_value: DocumentValue;
  multivariate_feature_state_values: {
    multivariate_feature_option: { value: DocumentValue; id: number; key: string | null };
    /** A Python float: `50.0`, never `50`, since the SDKs' split reasons print it. */
    percentage_allocation: number | PythonFloat;
    id: number;
    mv_fs_value_uuid: string | null;
  }[];
}

export interface DocumentSegmentOut {
  id: number;
  name: string;
  rules: DocumentRule[];
  feature_states: DocumentFeatureStateOut[];
}

export interface DocumentIdentityOverrideOut {
  identifier: string;
  environment_api_key: string;
  created_date: string;
  identity_features: DocumentFeatureStateOut[];
  identity_traits: { trait_key: string; trait_value: DocumentValue }[];
  identity_uuid: string;
  django_id: number;
  dashboard_alias: string | null;
  composite_key: string;
}

export interface EnvironmentDocumentOut {
  id: number;
  api_key: string;
  project: {
    id: number;
    name: string;
    organisation: {
      id: number;
      name: string;
      feature_analytics: boolean;
      stop_serving_flags: boolean;
      persist_trait_data: boolean;
    };
    hide_disabled_flags: boolean;
    segments: DocumentSegmentOut[];
    enable_realtime_updates: boolean;
    server_key_only_feature_ids: number[];
  };
  feature_states: DocumentFeatureStateOut[];
  identity_overrides: DocumentIdentityOverrideOut[];
  name: string;
  allow_client_traits: boolean;
  updated_at: string;
  hide_sensitive_data: boolean;
  hide_disabled_flags: boolean | null;
  use_identity_composite_key_for_hashing: boolean;
  use_identity_overrides_in_local_eval: boolean;
}

export interface BuiltEnvironmentDocument {
  document: EnvironmentDocumentOut;
  /** The environment's revision the rows were read at (read in the same statement as the environment). */
  revision: number;
  /** Flagsmith's `updated_at`, as the document prints it: the SDK route's Last-Modified. */
  updatedAt: string;
  /** The earliest scheduled `live_from` still in the future: a cached document must be rebuilt by then. */
  nextLiveFrom: Date | null;
  /** The project's features as read for the document (the SDK's `/flags/` prints more of their columns). */
  features: readonly FeatureRow[];
}

interface EnvironmentJoinRow {
  id: number;
  api_key: string;
  name: string;
  allow_client_traits: boolean;
  hide_disabled_flags: boolean | null;
  hide_sensitive_data: boolean;
  use_identity_composite_key_for_hashing: boolean;
  use_identity_overrides_in_local_eval: boolean;
  revision: number;
  updated_at_utc: string;
  project_id: number;
  project_name: string;
  project_hide_disabled_flags: boolean;
  enable_realtime_updates: boolean;
  organisation_id: number;
  organisation_name: string;
  feature_analytics: boolean;
  stop_serving_flags: boolean;
  persist_trait_data: boolean;
}

/**
 * Builds the environment document from the database in a constant number of queries, whatever the number of
 * features or segments: the environment with its project and organisation (one), the live defaults (six, in
 * FeatureStore.liveDefaults), the project's live segments (three), the segment overrides (three, in
 * SegmentOverrideStore.liveOverrideStates) and, when the environment uses identity overrides in local
 * evaluation, those (four, in IdentityStore.environmentOverrides). `undefined` if there is no such
 * environment. Pass a transaction's scope to read the rows and the revision at one instant; outside one, the
 * revision is read first on purpose, so a change committed mid-build can only make the rows newer than the
 * revision they are labelled with (that change's own bump then rebuilds), never older.
 */
export async function buildEnvironmentDocument(
  scope: DataScope,
  environmentId: number,
  at: Date = new Date(),
  /** `identityOverrides: false` leaves them out whatever the environment says (one identity's evaluation). */
  options: { identityOverrides?: boolean } = {},
): Promise<BuiltEnvironmentDocument | undefined> {
  const environment = await readEnvironment(scope, environmentId);
  if (!environment) return undefined;
  const features = new FeatureStore();
  const segments = new SegmentStore();
  const live = await features.liveDefaults(scope, environmentId, at);
  const liveSegments = await segments.liveSegmentsOfProject(scope, environment.project_id);

  const optionsById = new Map<number, MultivariateOptionRow>();
  for (const options of live.optionsByFeature.values())
    for (const option of options) optionsById.set(option.id, option);
  const featuresById = new Map(live.features.map((feature) => [feature.id, feature]));
  const stateOf = (state: FeatureStateView, featureSegment: { priority: number } | null = null) =>
    toDocumentState(state, featuresById.get(state.feature_id) as FeatureRow, optionsById, featureSegment);

  const overrides = await segmentOverrides(scope, environmentId, at, (state, priority) =>
    featuresById.has(state.feature_id) ? stateOf(state, { priority }) : undefined,
  );
  // Flagsmith's mapper reads identity overrides only when the environment asks for them in local evaluation.
  const identityOverrides =
    options.identityOverrides !== false && environment.use_identity_overrides_in_local_eval
      ? await documentIdentityOverrides(scope, environmentId, environment.api_key, (state) =>
          featuresById.has(state.feature_id) ? stateOf(state) : undefined,
        )
      : [];
  const updatedAt = pythonIsoFormat(environment.updated_at_utc);
  const document: EnvironmentDocumentOut = {
    id: environment.id,
    api_key: environment.api_key,
    project: {
      id: environment.project_id,
      name: environment.project_name,
      organisation: {
        id: environment.organisation_id,
        name: environment.organisation_name,
        feature_analytics: environment.feature_analytics,
        stop_serving_flags: environment.stop_serving_flags,
        persist_trait_data: environment.persist_trait_data,
      },
      hide_disabled_flags: environment.project_hide_disabled_flags,
      segments: documentSegments(liveSegments, overrides),
      enable_realtime_updates: environment.enable_realtime_updates,
      server_key_only_feature_ids: live.features
        .filter((feature) => feature.is_server_key_only)
        .map((feature) => feature.id),
    },
    feature_states: live.states
      .filter((state) => featuresById.has(state.feature_id))
      .map((state) => stateOf(state)),
    identity_overrides: identityOverrides,
    name: environment.name,
    allow_client_traits: environment.allow_client_traits,
    updated_at: updatedAt,
    hide_sensitive_data: environment.hide_sensitive_data,
    hide_disabled_flags: environment.hide_disabled_flags,
    use_identity_composite_key_for_hashing: environment.use_identity_composite_key_for_hashing,
    use_identity_overrides_in_local_eval: environment.use_identity_overrides_in_local_eval,
  };
  return {
    document,
    revision: environment.revision,
    updatedAt,
    nextLiveFrom: live.nextLiveFrom,
    features: live.features,
  };
}

/** The document as Flagsmith's `json.dumps` prints it (floats such as `50.0` kept). */
export function serialiseEnvironmentDocument(document: EnvironmentDocumentOut): string {
  return stringifyJson(document);
}

async function readEnvironment(scope: DataScope, environmentId: number) {
  const { knex } = scope;
  // Microseconds as Python's isoformat prints them: a JavaScript Date would keep only milliseconds.
  const updatedAtUtc = knex.raw(
    `to_char(environments.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as updated_at_utc`,
  );
  return (await knex('environments')
    .join('projects', 'projects.id', 'environments.project_id')
    .join('organisations', 'organisations.id', 'projects.organisation_id')
    .where('environments.id', environmentId)
    .first(
      'environments.id',
      'environments.api_key',
      'environments.name',
      'environments.allow_client_traits',
      'environments.hide_disabled_flags',
      'environments.hide_sensitive_data',
      'environments.use_identity_composite_key_for_hashing',
      'environments.use_identity_overrides_in_local_eval',
      'environments.revision',
      updatedAtUtc,
      'projects.id as project_id',
      'projects.name as project_name',
      'projects.hide_disabled_flags as project_hide_disabled_flags',
      'projects.enable_realtime_updates',
      'organisations.id as organisation_id',
      'organisations.name as organisation_name',
      'organisations.feature_analytics',
      'organisations.stop_serving_flags',
      'organisations.persist_trait_data',
    )) as EnvironmentJoinRow | undefined;
}

/** Python's `datetime.isoformat()` of an aware UTC datetime: no fraction when it is zero, `+00:00` not `Z`. */
function pythonIsoFormat(utc: string): string {
  return `${utc.endsWith('.000000') ? utc.slice(0, -7) : utc}+00:00`;
}

export function toDocumentState(
  state: FeatureStateView,
  feature: FeatureRow,
  optionsById: ReadonlyMap<number, MultivariateOptionRow>,
  featureSegment: { priority: number } | null,
): DocumentFeatureStateOut {
  return {
    feature: { id: feature.id, name: feature.name, type: feature.type },
    enabled: state.enabled,
    // Flagsmith publishes `mv_hashing_salt or id`; Vexil has no salt, so the id is the multivariate seed.
    django_id: state.id,
    feature_segment: featureSegment,
    featurestate_uuid: state.uuid,
    feature_state_value: rowToValue(state.value),
    multivariate_feature_state_values: state.multivariate.flatMap((allocation) => {
      const option = optionsById.get(allocation.multivariate_feature_option_id);
      if (!option) return [];
      return [
        {
          multivariate_feature_option: { value: rowToValue(option), id: option.id, key: option.key },
          percentage_allocation: pythonFloat(allocation.percentage_allocation),
          id: allocation.id,
          mv_fs_value_uuid: allocation.uuid ?? null,
        },
      ];
    }),
  };
}

function pythonFloat(value: number): number | PythonFloat {
  return Number.isInteger(value) ? new PythonFloat(value) : value;
}

/**
 * Flagsmith keeps every live segment of the project, but a feature-specific one only where its feature
 * overrides it in this environment.
 */
function documentSegments(
  segments: readonly EngineSegment[],
  overrides: ReadonlyMap<number, DocumentFeatureStateOut[]>,
): DocumentSegmentOut[] {
  return segments
    .filter((segment) => segment.feature === null || (overrides.get(segment.id)?.length ?? 0) > 0)
    .map((segment) => ({
      id: segment.id,
      name: segment.name,
      rules: segment.rules,
      feature_states: overrides.get(segment.id) ?? [],
    }));
}

/**
 * The environment's live segment-override states by segment id, each with `feature_segment: {priority}`, in
 * three queries (SegmentOverrideStore.liveOverrideStates), ordered by priority as Flagsmith lists them.
 */
async function segmentOverrides(
  scope: DataScope,
  environmentId: number,
  at: Date,
  toDocument: (state: FeatureStateView, priority: number) => DocumentFeatureStateOut | undefined,
): Promise<Map<number, DocumentFeatureStateOut[]>> {
  const states = await new SegmentOverrideStore().liveOverrideStates(scope, environmentId, at);
  const bySegment = new Map<number, DocumentFeatureStateOut[]>();
  for (const state of [...states].sort((a, b) => a.priority - b.priority || a.id - b.id)) {
    const out = toDocument(
      {
        ...state,
        environment_id: environmentId,
        identity_id: null,
        feature_segment_id: null,
        live_from: null,
        version: null,
        created_at: new Date(0),
        updated_at: new Date(0),
      },
      state.priority,
    );
    if (!out) continue;
    const list = bySegment.get(state.segment_id) ?? [];
    list.push(out);
    bySegment.set(state.segment_id, list);
  }
  return bySegment;
}
