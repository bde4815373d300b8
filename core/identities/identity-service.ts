import type { AuditLog } from '../audit/audit-log.js';
import type { DataScope, Transactor, UnitOfWork } from '../data/unit-of-work.js';
import type { EnvironmentAccess } from '../environments/environment-policy.js';
import { bumpEnvironmentRevisions } from '../environments/environment-revision.js';
import { initialFeatureStateValue } from '../environments/feature-state-seeds.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { FeatureRow, FeatureStateView } from '../features/feature-models.js';
import type { FeatureStore } from '../features/feature-store.js';
import type { FeatureStateValueRow } from '../features/feature-value.js';
import { actorName, flagWebhookData } from '../features/flag-webhook-data.js';
import type { PageRequest } from '../organisations/pagination.js';
import type { WebhookOutbox } from '../webhooks/webhook-outbox.js';
import { type IdentityFlag, identityFlags } from './identity-flags.js';
import type { IdentityRow, IdentityStore } from './identity-store.js';
import type { TraitColumns, TraitRow } from './trait-value.js';

/** What a trait body sets: absent (undefined) fields are left alone. */
export type TraitFields = { [K in keyof TraitColumns]?: TraitColumns[K] | undefined } & {
  trait_key?: string | undefined;
};

export interface OverrideInput {
  feature?: number | undefined;
  enabled?: boolean | undefined;
  value?: FeatureStateValueRow | undefined;
  allocations?: { optionId: number; percentage: number }[] | undefined;
}

/** An identity override with its feature and identity, as the routes serialise it. */
export interface OverrideView {
  state: FeatureStateView;
  identity: IdentityRow;
}

const allocationField = 'multivariate_feature_state_values';
/** Allocations are floats: 33.3 + 33.3 + 33.4 must not count as over 100. */
const overHundred = (total: number) => total > 100 + 1e-9;

/** PostgreSQL's unique_violation, from either driver: a concurrent create slipped past the check. */
function isUniqueViolation(error: unknown): boolean {
  const { code, nativeError } = error as { code?: string; nativeError?: { code?: string } };
  return code === '23505' || nativeError?.code === '23505';
}

async function orDuplicate<T>(work: () => Promise<T>, duplicate: () => ValidationError): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate();
    throw error;
  }
}

const duplicateIdentity = (identifier: string) =>
  ValidationError.field(
    'identifier',
    `Identity with identifier '${identifier}' already exists in this environment`,
  );
const duplicateTrait = () =>
  ValidationError.field('trait_key', 'A trait with this trait_key already exists for this identity.');
const duplicateOverride = () =>
  ValidationError.nonField(
    'Feature state already exists for this environment, feature, version, segment & identity combination',
  );

/**
 * Identities of an environment, their traits and their overrides. An override change writes the audit log
 * (Flagsmith's identity-override lines), queues the environment webhooks' FLAG_UPDATED / FLAG_DELETED and bumps
 * the environment's revision, all in the change's own transaction, as FeatureService does for defaults.
 */
export class IdentityService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: IdentityStore,
    private readonly features: FeatureStore,
    private readonly audit: AuditLog,
    private readonly outbox: WebhookOutbox,
  ) {}

  // ---- identities

  list(access: EnvironmentAccess, page: PageRequest, search?: string) {
    return this.store.list(this.transactor.reads, access.environmentId, page, search);
  }

  view(access: EnvironmentAccess, identityId: number): Promise<IdentityRow> {
    return this.#identity(this.transactor.reads, access, identityId);
  }

  /** IdentitySerializer.save: an identifier already in the environment is a 400 on `identifier`. */
  create(access: EnvironmentAccess, identifier: string): Promise<IdentityRow> {
    return orDuplicate(
      () =>
        this.transactor.run(async (uow) => {
          if (await this.store.exists(uow, access.environmentId, identifier))
            throw duplicateIdentity(identifier);
          const identity = await this.store.create(uow, access.environmentId, identifier);
          await this.#record(uow, access, 'IDENTITY', identity.id, `New Identity created: ${identifier}`);
          return identity;
        }),
      () => duplicateIdentity(identifier),
    );
  }

  /** PUT / PATCH: the identifier is the one writable field; it stays unique in the environment. */
  rename(
    access: EnvironmentAccess,
    identityId: number,
    identifier: string | undefined,
  ): Promise<IdentityRow> {
    return orDuplicate(
      () =>
        this.transactor.run(async (uow) => {
          const identity = await this.#identity(uow, access, identityId);
          if (identifier === undefined || identifier === identity.identifier) return identity;
          if (await this.store.exists(uow, access.environmentId, identifier, identityId))
            throw duplicateIdentity(identifier);
          const renamed = await this.store.rename(uow, identityId, identifier);
          // The document's identity_overrides carry the identifier: overrides now apply to the new one.
          if ((await this.store.overrideCount(uow, identityId)) > 0)
            await bumpEnvironmentRevisions(uow, [access.environmentId]);
          return renamed;
        }),
      () => duplicateIdentity(identifier ?? ''),
    );
  }

  /** Deleting an identity deletes its traits and overrides (the rows cascade). */
  async delete(access: EnvironmentAccess, identityId: number): Promise<void> {
    await this.transactor.run(async (uow) => {
      const identity = await this.#identity(uow, access, identityId);
      const overrides = await this.store.overrideCount(uow, identityId);
      await this.store.delete(uow, identity.id);
      if (overrides > 0) await bumpEnvironmentRevisions(uow, [access.environmentId]);
    });
  }

  // ---- traits

  async listTraits(access: EnvironmentAccess, identityId: number, page: PageRequest) {
    const reads = this.transactor.reads;
    await this.#identity(reads, access, identityId);
    return this.store.listTraits(reads, identityId, page);
  }

  async viewTrait(access: EnvironmentAccess, identityId: number, traitId: number): Promise<TraitRow> {
    const reads = this.transactor.reads;
    await this.#identity(reads, access, identityId);
    const trait = await this.store.findTrait(reads, identityId, traitId);
    if (!trait) throw domainErrors.notFound();
    return trait;
  }

  createTrait(
    access: EnvironmentAccess,
    identityId: number,
    fields: TraitFields & { trait_key: string },
  ): Promise<TraitRow> {
    return orDuplicate(
      () =>
        this.transactor.run(async (uow) => {
          await this.#identity(uow, access, identityId);
          await this.#checkTraitPersistence(uow, access);
          if (await this.store.traitKeyTaken(uow, identityId, fields.trait_key)) throw duplicateTrait();
          return this.store.createTrait(uow, identityId, {
            trait_key: fields.trait_key,
            value_type: fields.value_type === undefined ? 'unicode' : fields.value_type,
            integer_value: fields.integer_value ?? null,
            string_value: fields.string_value ?? null,
            boolean_value: fields.boolean_value ?? null,
            float_value: fields.float_value ?? null,
          });
        }),
      duplicateTrait,
    );
  }

  updateTrait(
    access: EnvironmentAccess,
    identityId: number,
    traitId: number,
    fields: TraitFields,
  ): Promise<TraitRow> {
    return orDuplicate(
      () =>
        this.transactor.run(async (uow) => {
          await this.#identity(uow, access, identityId);
          const trait = await this.store.findTrait(uow, identityId, traitId);
          if (!trait) throw domainErrors.notFound();
          await this.#checkTraitPersistence(uow, access);
          if (
            fields.trait_key !== undefined &&
            fields.trait_key !== trait.trait_key &&
            (await this.store.traitKeyTaken(uow, identityId, fields.trait_key, traitId))
          )
            throw duplicateTrait();
          // DRF updates only the fields the body carries.
          const patch = Object.fromEntries(
            Object.entries(fields).filter(([, value]) => value !== undefined),
          ) as Partial<TraitColumns & { trait_key: string }>;
          return this.store.updateTrait(uow, traitId, patch);
        }),
      duplicateTrait,
    );
  }

  /** `?deleteAllMatchingTraits=true` deletes the key from every identity of the environment. */
  async deleteTrait(
    access: EnvironmentAccess,
    identityId: number,
    traitId: number,
    allMatching: boolean,
  ): Promise<void> {
    await this.transactor.run(async (uow) => {
      await this.#identity(uow, access, identityId);
      const trait = await this.store.findTrait(uow, identityId, traitId);
      if (!trait) throw domainErrors.notFound();
      if (allMatching) await this.store.deleteTraitsWithKey(uow, access.environmentId, trait.trait_key);
      else await this.store.deleteTrait(uow, traitId);
    });
  }

  traitKeys(access: EnvironmentAccess): Promise<string[]> {
    return this.store.traitKeys(this.transactor.reads, access.environmentId);
  }

  async deleteTraitsWithKey(access: EnvironmentAccess, traitKey: string): Promise<void> {
    await this.transactor.run((uow) => this.store.deleteTraitsWithKey(uow, access.environmentId, traitKey));
  }

  // ---- overrides

  async listOverrides(
    access: EnvironmentAccess,
    identityId: number,
    featureId?: number,
  ): Promise<OverrideView[]> {
    const reads = this.transactor.reads;
    const identity = await this.#identity(reads, access, identityId);
    return (await this.store.overrides(reads, identityId, featureId)).map((state) => ({ state, identity }));
  }

  async viewOverride(access: EnvironmentAccess, identityId: number, stateId: number): Promise<OverrideView> {
    const reads = this.transactor.reads;
    const identity = await this.#identity(reads, access, identityId);
    const state = await this.store.findOverride(reads, identityId, stateId);
    if (!state) throw domainErrors.notFound();
    return { state, identity };
  }

  /**
   * BaseFeatureStateViewSet.create under an identity: the feature must be one of the environment's project
   * (400 on `feature`), one override per feature and identity; without a value the feature's initial value.
   */
  createOverride(access: EnvironmentAccess, identityId: number, input: OverrideInput): Promise<OverrideView> {
    return orDuplicate(
      () =>
        this.transactor.run(async (uow) => {
          const identity = await this.#identity(uow, access, identityId);
          if (input.feature === undefined) throw ValidationError.field('feature', 'This field is required.');
          const feature = await this.features.findById(uow, input.feature);
          if (!feature)
            throw ValidationError.field('feature', `Invalid pk "${input.feature}" - object does not exist.`);
          if (feature.project_id !== access.projectId)
            throw ValidationError.field('feature', 'Feature does not exist in project');
          if ((await this.store.overrides(uow, identityId, feature.id)).length > 0) throw duplicateOverride();
          await this.#checkAllocations(uow, feature, input.allocations);
          const stateId = await this.store.createOverride(
            uow,
            identity,
            feature.id,
            input.enabled ?? false,
            input.value ?? initialFeatureStateValue(feature.initial_value, false),
          );
          if (input.allocations) await this.features.setAllocations(uow, stateId, input.allocations);
          const state = (await this.store.findOverride(uow, identityId, stateId)) as FeatureStateView;
          await this.#overrideChanged(
            uow,
            access,
            feature,
            identity,
            state,
            undefined,
            `Identity override created for feature '${feature.name}' and identity '${identity.identifier}'`,
          );
          return { state, identity };
        }),
      duplicateOverride,
    );
  }

  /** Flagsmith treats PUT as PATCH here: only what the body carries changes. */
  updateOverride(
    access: EnvironmentAccess,
    identityId: number,
    stateId: number,
    input: OverrideInput,
  ): Promise<OverrideView> {
    return this.transactor.run(async (uow) => {
      const identity = await this.#identity(uow, access, identityId);
      const before = await this.store.findOverride(uow, identityId, stateId);
      if (!before) throw domainErrors.notFound();
      const feature = (await this.features.findById(uow, before.feature_id)) as FeatureRow;
      if (input.feature !== undefined && input.feature !== feature.id)
        throw ValidationError.field('feature', 'Cannot change the feature of a feature state');
      await this.#checkAllocations(uow, feature, input.allocations);
      await this.features.updateState(
        uow,
        stateId,
        input.enabled === undefined ? {} : { enabled: input.enabled },
        input.value,
      );
      if (input.allocations) await this.features.setAllocations(uow, stateId, input.allocations);
      const state = (await this.store.findOverride(uow, identityId, stateId)) as FeatureStateView;
      await this.#overrideChanged(
        uow,
        access,
        feature,
        identity,
        state,
        before,
        `Flag state / Remote config value updated for feature '${feature.name}' and identity '${identity.identifier}'`,
      );
      return { state, identity };
    });
  }

  async deleteOverride(access: EnvironmentAccess, identityId: number, stateId: number): Promise<void> {
    await this.transactor.run(async (uow) => {
      const identity = await this.#identity(uow, access, identityId);
      const before = await this.store.findOverride(uow, identityId, stateId);
      if (!before) throw domainErrors.notFound();
      await this.#deleteOverrideIn(uow, access, identity, before);
    });
  }

  async #deleteOverrideIn(
    uow: UnitOfWork,
    access: EnvironmentAccess,
    identity: IdentityRow,
    before: FeatureStateView,
  ): Promise<void> {
    const feature = (await this.features.findById(uow, before.feature_id)) as FeatureRow;
    await this.store.deleteOverride(uow, before.id);
    await this.#overrideChanged(
      uow,
      access,
      feature,
      identity,
      undefined,
      before,
      `Flag state / Remote config value deleted for feature '${feature.name}' and identity '${identity.identifier}'`,
    );
  }

  /**
   * FeatureState.copy_identity_feature_states (`featurestates/clone-from-given-identity/`): the target ends with
   * exactly the source's overrides — its own for other features deleted, the others created or overwritten with
   * the source's enabled, value and allocations. The source must be an identity of the same environment.
   */
  async cloneOverrides(access: EnvironmentAccess, targetId: number, sourceId: number): Promise<void> {
    await this.transactor.run(async (uow) => {
      const target = await this.#identity(uow, access, targetId);
      const source = await this.#identity(uow, access, sourceId);
      const sourceStates = await this.store.overrides(uow, source.id);
      const targetStates = new Map(
        (await this.store.overrides(uow, target.id)).map((state) => [state.feature_id, state]),
      );
      const kept = new Set(sourceStates.map((state) => state.feature_id));
      for (const [featureId, state] of targetStates) {
        if (kept.has(featureId)) continue;
        await this.#deleteOverrideIn(uow, access, target, state);
      }
      for (const from of sourceStates) {
        const feature = (await this.features.findById(uow, from.feature_id)) as FeatureRow;
        const before = targetStates.get(from.feature_id);
        const value = from.value ?? initialFeatureStateValue(null, false);
        const stateId = before
          ? before.id
          : await this.store.createOverride(uow, target, feature.id, from.enabled, value);
        if (before) await this.features.updateState(uow, stateId, { enabled: from.enabled }, value);
        await this.features.setAllocations(
          uow,
          stateId,
          from.multivariate.map((allocation) => ({
            optionId: allocation.multivariate_feature_option_id,
            percentage: allocation.percentage_allocation,
          })),
        );
        const after = (await this.store.findOverride(uow, target.id, stateId)) as FeatureStateView;
        await this.#overrideChanged(
          uow,
          access,
          feature,
          target,
          after,
          before,
          before
            ? `Flag state / Remote config value updated for feature '${feature.name}' and identity '${target.identifier}'`
            : `Identity override created for feature '${feature.name}' and identity '${target.identifier}'`,
        );
      }
    });
  }

  /** `featurestates/all/`: the identity's evaluated flags, each with where it came from. */
  async allFlags(access: EnvironmentAccess, identityId: number): Promise<IdentityFlag[]> {
    const reads = this.transactor.reads;
    const identity = await this.#identity(reads, access, identityId);
    const loaded = await this.store.loadForEvaluation(reads, access.environmentId, identity.identifier);
    if (!loaded) throw domainErrors.notFound();
    return identityFlags(reads, this.features, loaded);
  }

  // ---- helpers

  async #identity(scope: DataScope, access: EnvironmentAccess, identityId: number): Promise<IdentityRow> {
    const identity = await this.store.find(scope, access.environmentId, identityId);
    if (!identity) throw domainErrors.notFound();
    return identity;
  }

  /**
   * Trait.save's last line of defence: an organisation without `persist_trait_data` stores no traits (Flagsmith
   * raises a bare exception there, a 500; Vexil answers the same sentence as a 400).
   */
  async #checkTraitPersistence(scope: DataScope, access: EnvironmentAccess): Promise<void> {
    const organisation = (await scope
      .knex('organisations')
      .where('id', access.organisation.organisationId)
      .first('persist_trait_data')) as { persist_trait_data: boolean } | undefined;
    if (organisation?.persist_trait_data === false)
      throw ValidationError.nonField('Not possible to persist traits for this organisation.');
  }

  async #checkAllocations(
    scope: DataScope,
    feature: FeatureRow,
    allocations: OverrideInput['allocations'],
  ): Promise<void> {
    if (!allocations) return;
    const options = new Set(
      ((await this.features.optionsOf(scope, [feature.id])).get(feature.id) ?? []).map((option) => option.id),
    );
    const foreign = allocations.find((allocation) => !options.has(allocation.optionId));
    if (foreign)
      throw ValidationError.field(
        allocationField,
        `Invalid pk "${foreign.optionId}" - object does not exist.`,
      );
    if (new Set(allocations.map((allocation) => allocation.optionId)).size !== allocations.length)
      throw ValidationError.field(allocationField, 'Each multivariate option may be allocated once.');
    if (overHundred(allocations.reduce((sum, allocation) => sum + allocation.percentage, 0)))
      throw ValidationError.field(allocationField, 'Multivariate percentage values exceed 100%.');
  }

  async #record(
    uow: UnitOfWork,
    access: EnvironmentAccess,
    type: 'IDENTITY' | 'FEATURE_STATE',
    id: number,
    log: string,
    uuid?: string,
  ) {
    await this.audit.record(uow, {
      organisationId: access.organisation.organisationId,
      projectId: access.projectId,
      environmentId: access.environmentId,
      actor: access.organisation.tenant,
      relatedObjectType: type,
      relatedObjectId: id,
      relatedObjectUuid: uuid ?? null,
      log,
    });
  }

  /** What every override change does besides the change: audit, webhook, revision. */
  async #overrideChanged(
    uow: UnitOfWork,
    access: EnvironmentAccess,
    feature: FeatureRow,
    identity: IdentityRow,
    after: FeatureStateView | undefined,
    before: FeatureStateView | undefined,
    log: string,
  ) {
    const changed = (after ?? before) as FeatureStateView;
    await this.#record(uow, access, 'FEATURE_STATE', changed.id, log, changed.uuid);
    const previous = before ? await this.#webhookState(uow, feature, identity, before) : undefined;
    await this.outbox.flagChanged(uow, access.environmentId, after ? 'FLAG_UPDATED' : 'FLAG_DELETED', {
      new_state: after ? await this.#webhookState(uow, feature, identity, after) : null,
      ...(previous ? { previous_state: previous } : {}),
      changed_by: await actorName(uow, access.organisation.tenant),
      timestamp: new Date().toISOString(),
    });
    await bumpEnvironmentRevisions(uow, [access.environmentId]);
  }

  /** Flagsmith's FeatureStateSerializer for webhooks, with the identity filled in. */
  #webhookState(scope: DataScope, feature: FeatureRow, identity: IdentityRow, state: FeatureStateView) {
    return flagWebhookData(scope, feature, state, null, identity);
  }
}
