import { createHash, randomUUID } from 'node:crypto';
import type { DataScope, Transactor } from '../data/unit-of-work.js';
import type { DocumentFeatureStateOut } from '../environment-document/build-environment-document.js';
import {
  type DocumentValue,
  type EnvironmentDocument,
  evaluateList,
  type FlagResult,
  getEvaluationResult,
  IDENTITY_OVERRIDE_SEGMENT_NAME,
  mapEnvironmentDocumentToContext,
  PythonFloat,
  pythonStr,
  type SegmentContext,
  type SegmentResult,
} from '../evaluation/index.js';
import { mapFeatureState } from '../evaluation/map-environment-document.js';
import type { FeatureStateView } from '../features/feature-models.js';
import { rowToValue } from '../features/feature-value.js';
import type { IdentityForEvaluation, IdentityStore } from '../identities/identity-store.js';
import { sameTraitValue, type TraitColumns, traitColumns, traitValue } from '../identities/trait-value.js';
import type { SdkFlagOut } from './flags-body.js';
import type { SdkEnvironment } from './sdk-environment-cache.js';

/** One trait as an SDK sent it, validated (TraitValueField): null deletes. */
export interface TraitInput {
  readonly trait_key: string;
  readonly trait_value: DocumentValue;
  readonly transient: boolean;
}

/** TraitSerializerBasic's output, in its field order: `id` is null for a trait that was not stored. */
export interface TraitOut {
  id: number | null;
  trait_key: string;
  trait_value: DocumentValue;
  transient: boolean;
}

/** SDKIdentityFeatureStateSerializer: the /flags/ item plus `variant`, in its field order. */
export interface IdentityFlagOut extends Omit<SdkFlagOut, 'identity' | 'feature_segment'> {
  identity: number | null;
  feature_segment: number | null;
  variant: string | null;
}

export interface IdentifyRequest {
  /** Absent: a fully transient identity named after its traits (flagsmith-cli sends `{"traits": []}`). */
  readonly identifier: string | undefined;
  readonly traits: readonly TraitInput[];
  /** `transient`: read what is stored, overlay the given traits, store nothing. */
  readonly transient: boolean;
  /** GET: never creates when transient, else creates an identity that does not exist yet (no traits given). */
  readonly serverSide: boolean;
}

export interface Identified {
  readonly identifier: string;
  /** The identity's row id, or null when it is not stored. */
  readonly identityId: number | null;
  readonly traits: readonly TraitOut[];
  /** The identity's own overrides, as stored (linked by id, whatever the document carries). */
  readonly overrides: readonly FeatureStateView[];
}

/**
 * Flagsmith's get_transient_identifier: the sha256 of the sorted traits' key and Python str() of value, so that
 * the same traits always name the same transient identity (its multivariate buckets stay put); a random hex
 * id without traits.
 */
export function transientIdentifier(traits: readonly TraitInput[]): string {
  if (traits.length === 0) return randomUUID().replaceAll('-', '');
  // Python's sorted() is stable and compares str by code point, as this comparison does.
  const sorted = [...traits].sort((a, b) =>
    a.trait_key < b.trait_key ? -1 : a.trait_key > b.trait_key ? 1 : 0,
  );
  const text = sorted.map((trait) => `${trait.trait_key}${pythonStr(trait.trait_value)}`).join('');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Environment.trait_persistence_allowed: a server key always, a client key only with allow_client_traits. */
export function clientMaySetTraits(environment: SdkEnvironment, serverSide: boolean): boolean {
  return serverSide || environment.document.allow_client_traits;
}

export function persistsTraits(environment: SdkEnvironment): boolean {
  return environment.document.project.organisation.persist_trait_data;
}

const storedTrait = (trait: IdentityForEvaluation['traits'][number]): TraitOut => ({
  id: trait.id,
  trait_key: trait.trait_key,
  trait_value: traitValue(trait),
  transient: false,
});

/** Given traits laid over stored ones: replaced in place, appended when new, removed when null. */
function overlay(stored: readonly TraitOut[], given: readonly TraitOut[], removed: ReadonlySet<string>) {
  const byKey = new Map<string, TraitOut>();
  for (const trait of stored) byKey.set(trait.trait_key, trait);
  for (const trait of given) byKey.set(trait.trait_key, trait);
  for (const key of removed) byKey.delete(key);
  return [...byKey.values()];
}

/** The last given value of each key wins, as the serializer's dict building does; order of first appearance. */
function lastOfEachKey(traits: readonly TraitInput[]): TraitInput[] {
  const byKey = new Map<string, TraitInput>();
  for (const trait of traits) {
    byKey.delete(trait.trait_key);
    byKey.set(trait.trait_key, trait);
  }
  return [...byKey.values()];
}

/**
 * The identity part of SDKIdentities (environments/sdk/services.py): which identity, which traits, and what is
 * stored. One indexed read of the identity with its traits; a transaction only when something is written (a
 * new identity, a trait whose type or value changed, a trait deleted), so a repeated identify costs one read.
 */
export async function identify(
  deps: { readonly store: IdentityStore; readonly transactor: Transactor },
  environment: SdkEnvironment,
  request: IdentifyRequest,
): Promise<Identified> {
  const environmentId = environment.environmentId;
  // A client key without allow_client_traits: the traits are dropped without a word (the /traits/ routes refuse).
  const given = clientMaySetTraits(environment, request.serverSide) ? lastOfEachKey(request.traits) : [];
  if (request.identifier === undefined) {
    const traits = given.filter((trait) => trait.trait_value !== null);
    return {
      identifier: transientIdentifier(traits),
      identityId: null,
      traits: traits.map((trait) => ({ ...trait, id: null, transient: true })),
      overrides: [],
    };
  }
  const identifier = request.identifier;
  const loaded = await deps.store.loadForEvaluation(deps.transactor.reads, environmentId, identifier);
  const stored = loaded?.traits.map(storedTrait) ?? [];

  if (request.transient) {
    const removed = new Set(given.filter((t) => t.trait_value === null).map((t) => t.trait_key));
    const overlaid = given
      .filter((trait) => trait.trait_value !== null)
      .map((trait) => ({ ...trait, id: null, transient: true }));
    return {
      identifier,
      identityId: loaded?.identity.id ?? null,
      traits: overlay(stored, overlaid, removed),
      overrides: loaded?.overrides ?? [],
    };
  }

  const persist = persistsTraits(environment);
  // What is to be stored: per-trait `transient` and the organisation's setting keep a trait out of the database.
  const writes: { trait_key: string; columns: TraitColumns | null }[] = [];
  const storedByKey = new Map(loaded?.traits.map((trait) => [trait.trait_key, trait]) ?? []);
  if (persist) {
    for (const trait of given) {
      if (trait.transient) continue;
      const current = storedByKey.get(trait.trait_key);
      if (trait.trait_value === null) {
        if (current) writes.push({ trait_key: trait.trait_key, columns: null });
        continue;
      }
      const columns = traitColumns(trait.trait_value);
      if (!current || !sameTraitValue(current, columns)) writes.push({ trait_key: trait.trait_key, columns });
    }
  }

  let identity = loaded?.identity;
  let current = loaded;
  if (!identity || writes.length > 0) {
    current = await deps.transactor.run(async (uow) => {
      const found = identity ?? (await deps.store.findOrCreate(uow, environmentId, identifier)).identity;
      if (writes.length === 0) return { identity: found, traits: loaded?.traits ?? [], overrides: [] };
      await deps.store.upsertTraits(uow, found.id, writes);
      return deps.store.loadForEvaluation(uow, environmentId, identifier);
    });
    identity = current?.identity;
  }
  const afterWrite = current?.traits.map(storedTrait) ?? [];
  // Traits not stored (transient ones, or all of them when the organisation keeps none) still count for flags.
  const unstored = given
    .filter((trait) => trait.trait_value !== null && (!persist || trait.transient))
    .map((trait) => ({ ...trait, id: null }));
  const removed = new Set(
    given.filter((t) => t.trait_value === null && (!persist || t.transient)).map((t) => t.trait_key),
  );
  return {
    identifier,
    identityId: identity?.id ?? null,
    traits: overlay(afterWrite, unstored, removed),
    overrides: loaded?.overrides ?? [],
  };
}

/** Per environment revision: what turns engine results into wire flags without searching the document. */
interface WireIndex {
  readonly byName: ReadonlyMap<string, { readonly flag: SdkFlagOut; readonly serverOnly: boolean }>;
  /** Identity overrides' state ids by identifier, then feature name (the document's identity_overrides). */
  readonly overrides: ReadonlyMap<
    string,
    { readonly identityId: number; readonly states: Map<string, number> }
  >;
  /** Segment overrides by feature name, strongest first: the winning state's id when its segment matched. */
  readonly segmentStates: ReadonlyMap<string, readonly { segmentId: number; stateId: number }[]>;
  /** Features by id (identity overrides name their feature by id). */
  readonly features: ReadonlyMap<number, DocumentFeatureStateOut['feature']>;
  /** Multivariate options by id, from the states that allocate them (every default allocates every option). */
  readonly options: ReadonlyMap<number, { value: DocumentValue; id: number; key: string | null }>;
}

const wireIndexes = new WeakMap<SdkEnvironment, WireIndex>();

function wireIndex(environment: SdkEnvironment): WireIndex {
  let index = wireIndexes.get(environment);
  if (index) return index;
  const { document } = environment;
  const serverOnly = new Set(document.project.server_key_only_feature_ids);
  const byName = new Map<string, { flag: SdkFlagOut; serverOnly: boolean }>();
  for (const flag of environment.everyFlag)
    byName.set(flag.feature.name, { flag, serverOnly: serverOnly.has(flag.feature.id) });
  const overrides = new Map<string, { identityId: number; states: Map<string, number> }>();
  for (const identity of document.identity_overrides)
    overrides.set(identity.identifier, {
      identityId: identity.django_id,
      states: new Map(identity.identity_features.map((state) => [state.feature.name, state.django_id])),
    });
  const segmentStates = new Map<string, { segmentId: number; stateId: number; priority: number }[]>();
  for (const segment of document.project.segments)
    for (const state of segment.feature_states) {
      const list = segmentStates.get(state.feature.name) ?? [];
      list.push({
        segmentId: segment.id,
        stateId: state.django_id,
        priority: state.feature_segment?.priority ?? Number.POSITIVE_INFINITY,
      });
      segmentStates.set(state.feature.name, list);
    }
  // Lowest priority first; a stable sort keeps document order between equal priorities, as the engine does.
  for (const list of segmentStates.values()) list.sort((a, b) => a.priority - b.priority);
  const features = new Map(document.feature_states.map((state) => [state.feature.id, state.feature]));
  const options = new Map<number, { value: DocumentValue; id: number; key: string | null }>();
  const states = [
    ...document.feature_states,
    ...document.project.segments.flatMap((segment) => segment.feature_states),
  ];
  for (const state of states)
    for (const mv of state.multivariate_feature_state_values)
      options.set(mv.multivariate_feature_option.id, mv.multivariate_feature_option);
  index = { byName, overrides, segmentStates, features, options };
  wireIndexes.set(environment, index);
  return index;
}

/**
 * The identity's flags as SDKIdentities answers them, evaluated in memory on the environment's compiled engine
 * input: identity override, else the matched segment override with the lowest priority, else the default;
 * multivariate values bucketed by the identity's hash key (`{client key}_{identifier}`, or the identity's id
 * without use_identity_composite_key_for_hashing); hide_disabled_flags, is_server_key_only for client keys
 * and hide_sensitive_data applied.
 */
export function identityFlagsOut(
  environment: SdkEnvironment,
  serverSide: boolean,
  identified: Identified,
  featureSegmentOf: ReadonlyMap<number, number> = new Map(),
): IdentityFlagOut[] {
  const { document } = environment;
  const traits = new Map<string, DocumentValue>();
  for (const trait of identified.traits) traits.set(trait.trait_key, trait.trait_value);
  const key =
    document.use_identity_composite_key_for_hashing === false && identified.identityId !== null
      ? String(identified.identityId)
      : undefined;
  const index = wireIndex(environment);
  const identity = { identifier: identified.identifier, key, traits };
  // The compiled document carries identity overrides only with use_identity_overrides_in_local_eval, and applies
  // them by identifier as local evaluation does ("007" reads as 7 and misses). Flagsmith links an identity's
  // overrides by id: when the document would not apply them, evaluate this identity with its own.
  const inDocument = index.overrides.get(identified.identifier);
  const useStored =
    identified.overrides.length > 0 &&
    (inDocument === undefined || numericLooking.test(identified.identifier));
  const { flags, segments } = useStored
    ? withStoredOverrides(environment, index, identity, identified.overrides)
    : evaluateList(environment.compiled, identity);
  let matched: Set<number> | undefined;
  let ownOverrides: { identityId: number; states: Map<string, number> } | undefined;
  if (useStored)
    ownOverrides = {
      identityId: identified.identityId as number,
      states: new Map(
        identified.overrides.flatMap((state) => {
          const feature = index.features.get(state.feature_id);
          return feature ? [[feature.name, state.id] as const] : [];
        }),
      ),
    };
  for (const segment of segments) {
    if (segment.metadata?.source === 'identity_override')
      ownOverrides ??= index.overrides.get(identified.identifier);
    else if (typeof segment.metadata?.id === 'number') {
      matched ??= new Set();
      matched.add(segment.metadata.id);
    }
  }
  const hide = document.hide_sensitive_data;
  const out: IdentityFlagOut[] = [];
  for (const result of flags) {
    const entry = index.byName.get(result.name);
    if (!entry || (!serverSide && entry.serverOnly)) continue;
    const base = entry.flag;
    let stateId = base.id;
    let overriddenFor: number | null = null;
    let featureSegment: number | null = null;
    const ownState = ownOverrides?.states.get(result.name);
    if (ownOverrides && ownState !== undefined) {
      stateId = ownState;
      overriddenFor = ownOverrides.identityId;
    } else if (matched) {
      const winner = index.segmentStates.get(result.name)?.find((state) => matched?.has(state.segmentId));
      if (winner) {
        stateId = winner.stateId;
        featureSegment = featureSegmentOf.get(winner.stateId) ?? null;
      }
    }
    out.push({
      id: hide ? null : stateId,
      feature: base.feature,
      feature_state_value: result.value as SdkFlagOut['feature_state_value'],
      environment: base.environment,
      identity: hide ? null : overriddenFor,
      feature_segment: hide ? null : featureSegment,
      enabled: result.enabled,
      variant: base.feature.type === 'STANDARD' ? null : (result.variant ?? 'control'),
    });
  }
  return out;
}

/** Strings the engine's context mapper reads as numbers ("007" → 7): identity overrides miss them by identifier. */
const numericLooking = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * One identity evaluated with its stored overrides as its identity-override segment (what Flagsmith's SDKs map
 * them to), on a context built for this request: slower than the compiled environment, and taken only for an
 * identity with overrides the document does not apply.
 */
function withStoredOverrides(
  environment: SdkEnvironment,
  index: WireIndex,
  identity: { identifier: string; key: string | undefined; traits: Map<string, DocumentValue> },
  overrides: readonly FeatureStateView[],
): { flags: FlagResult[]; segments: SegmentResult[] } {
  const { document } = environment;
  const context = mapEnvironmentDocumentToContext(
    { ...document, identity_overrides: [] } as unknown as EnvironmentDocument,
    { identifier: identity.identifier, key: identity.key, traits: identity.traits },
  );
  const states: DocumentFeatureStateOut[] = [];
  for (const state of overrides) {
    const feature = index.features.get(state.feature_id);
    if (!feature) continue;
    states.push({
      feature,
      enabled: state.enabled,
      django_id: state.id,
      feature_segment: null,
      featurestate_uuid: state.uuid,
      feature_state_value: rowToValue(state.value),
      multivariate_feature_state_values: state.multivariate.flatMap((allocation) => {
        const option = index.options.get(allocation.multivariate_feature_option_id);
        if (!option) return [];
        const share = allocation.percentage_allocation;
        return [
          {
            multivariate_feature_option: option,
            percentage_allocation: Number.isInteger(share) ? new PythonFloat(share) : share,
            id: allocation.id,
            mv_fs_value_uuid: allocation.uuid ?? null,
          },
        ];
      }),
    });
  }
  const segment: SegmentContext = {
    key: 'identity_overrides',
    name: IDENTITY_OVERRIDE_SEGMENT_NAME,
    // Always matches: the rows are this identity's, whatever its identifier reads as.
    rules: [{ type: 'ALL', conditions: [] }],
    overrides: states.map((state) => mapFeatureState(state as never, Number.NEGATIVE_INFINITY)),
    metadata: { source: 'identity_override' },
  };
  (context.segments as Map<string, SegmentContext>).set(segment.key, segment);
  const result = getEvaluationResult(context);
  const hideDisabled = environment.compiled.hideDisabledFlags;
  const flags: FlagResult[] = [];
  for (const state of document.feature_states) {
    const flag = result.flags[state.feature.name];
    if (flag && (!hideDisabled || flag.enabled)) flags.push(flag);
  }
  return { flags, segments: result.segments };
}

const featureSegmentIds = new WeakMap<SdkEnvironment, Promise<ReadonlyMap<number, number>>>();

/**
 * The FeatureSegment id of each segment-override state the document holds (the document gives only its
 * priority), read once per environment revision and only when the environment has segment overrides. A state's
 * feature segment never changes, so a read racing a change cannot give a wrong pair.
 */
export function featureSegmentsOf(
  environment: SdkEnvironment,
  scope: DataScope,
): Promise<ReadonlyMap<number, number>> | ReadonlyMap<number, number> {
  const stateIds = environment.document.project.segments.flatMap((segment) =>
    segment.feature_states.map((state) => state.django_id),
  );
  if (stateIds.length === 0) return noFeatureSegments;
  let pending = featureSegmentIds.get(environment);
  if (!pending) {
    pending = (async () => {
      const rows = (await scope
        .knex('feature_states')
        .whereIn('id', stateIds)
        .whereNotNull('feature_segment_id')
        .select('id', 'feature_segment_id')) as { id: number; feature_segment_id: number }[];
      return new Map(rows.map((row) => [row.id, row.feature_segment_id]));
    })();
    // A failed read is not kept: the next request tries again.
    pending.catch(() => featureSegmentIds.delete(environment));
    featureSegmentIds.set(environment, pending);
  }
  return pending;
}

const noFeatureSegments: ReadonlyMap<number, number> = new Map();

/**
 * Each feature's flags as JSON bytes, by everything else a flag prints: at one revision almost every identity
 * gets one of a few flags per feature (the default, a segment's override, a variant), so the bytes are built once.
 * The lookup goes by the printed fields themselves (the state id, the value, the variant, enabled: the environment
 * is the feature's, and feature_segment follows from the state), as Map keys, so a hit serialises nothing; the
 * feature's last flag is compared first, which is most lookups. An identity's own override (unique to it) is
 * printed each time instead of filling the cache. The bytes carry the comma that separates them from the flag
 * before, so that a body is half as many chunks.
 */
interface FeatureFlagBytes {
  size: number;
  last: PrintedFlag | undefined;
  readonly byState: Map<number | null, Map<unknown, Map<string | null, [PrintedFlag?, PrintedFlag?]>>>;
}
interface PrintedFlag {
  readonly id: number | null;
  readonly value: unknown;
  readonly variant: string | null;
  readonly enabled: boolean;
  /** `,{…}`: the flag's JSON after a comma. */
  readonly bytes: Buffer;
}
const flagBytes = new WeakMap<object, FeatureFlagBytes>();
const maxCachedFlagsPerFeature = 64;

function flagJson(flag: IdentityFlagOut): string {
  return (
    `,{"id":${flag.id},"feature":${JSON.stringify(flag.feature)},` +
    (flag.feature_state_value === undefined
      ? ''
      : `"feature_state_value":${JSON.stringify(flag.feature_state_value)},`) +
    `"environment":${flag.environment},"identity":${flag.identity},"feature_segment":${flag.feature_segment},` +
    `"enabled":${flag.enabled},"variant":${JSON.stringify(flag.variant)}}`
  );
}

function cachedFlagBytes(flag: IdentityFlagOut): Buffer {
  let feature = flagBytes.get(flag.feature);
  if (!feature) {
    feature = { size: 0, last: undefined, byState: new Map() };
    flagBytes.set(flag.feature, feature);
  }
  const last = feature.last;
  if (
    last !== undefined &&
    last.id === flag.id &&
    last.value === flag.feature_state_value &&
    last.variant === flag.variant &&
    last.enabled === flag.enabled
  )
    return last.bytes;
  let byValue = feature.byState.get(flag.id);
  if (!byValue) {
    byValue = new Map();
    feature.byState.set(flag.id, byValue);
  }
  let byVariant = byValue.get(flag.feature_state_value);
  if (!byVariant) {
    byVariant = new Map();
    byValue.set(flag.feature_state_value, byVariant);
  }
  let pair = byVariant.get(flag.variant);
  if (!pair) {
    pair = [];
    byVariant.set(flag.variant, pair);
  }
  const slot = flag.enabled ? 1 : 0;
  let printed = pair[slot];
  if (!printed) {
    printed = {
      id: flag.id,
      value: flag.feature_state_value,
      variant: flag.variant,
      enabled: flag.enabled,
      bytes: Buffer.from(flagJson(flag)),
    };
    // Past the bound a feature's flags are printed each time (they are then mostly unique to an identity).
    if (feature.size >= maxCachedFlagsPerFeature) return printed.bytes;
    pair[slot] = printed;
    feature.size++;
  }
  feature.last = printed;
  return printed.bytes;
}

/**
 * The bytes of `JSON.stringify(flags)` without the brackets, as chunks to concatenate: serialising 200 flags on
 * every request was most of an identity request's CPU. The fields are printed as JSON.stringify prints them, in
 * the serializer's order.
 */
export function identityFlagsChunks(flags: readonly IdentityFlagOut[]): Buffer[] {
  const chunks: Buffer[] = new Array(flags.length);
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] as IdentityFlagOut;
    chunks[i] = flag.identity === null ? cachedFlagBytes(flag) : Buffer.from(flagJson(flag));
  }
  // The first flag has no flag before it.
  if (chunks.length > 0) chunks[0] = (chunks[0] as Buffer).subarray(1);
  return chunks;
}
