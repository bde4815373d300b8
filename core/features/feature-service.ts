import type { AuditLog } from '../audit/audit-log.js';
import type { DataScope, Transactor, UnitOfWork } from '../data/unit-of-work.js';
import type { EnvironmentAccess } from '../environments/environment-policy.js';
import { bumpEnvironmentRevisions, bumpProjectEnvironments } from '../environments/environment-revision.js';
import { environmentApiKey } from '../environments/environment-store.js';
import { initialFeatureStateValue } from '../environments/feature-state-seeds.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { ProjectAccess } from '../projects/project-policy.js';
import type { UserSummary } from '../users/user-model.js';
import type { FlagStateWebhookData, WebhookOutbox } from '../webhooks/webhook-outbox.js';
import type { FeatureRow, FeatureStateView, MultivariateOptionRow, TagRow } from './feature-models.js';
import { FeatureOwnerStore, type GroupSummary } from './feature-owners.js';
import type {
  FeatureFields,
  FeatureListQuery,
  FeatureStore,
  OptionFields,
  TagFields,
} from './feature-store.js';
import type { FeatureStateValueRow } from './feature-value.js';
import { actorName, flagWebhookData, webhookFeatureSegment } from './flag-webhook-data.js';

export interface FeatureInput extends Partial<FeatureFields> {
  tags?: number[] | undefined;
  owners?: number[] | undefined;
  group_owners?: number[] | undefined;
  multivariate_options?: OptionFields[] | undefined;
}

export interface FeatureStatePatch {
  enabled?: boolean | undefined;
  value?: FeatureStateValueRow | undefined;
  live_from?: Date | null | undefined;
  allocations?: { optionId: number; percentage: number }[] | undefined;
}

/** A feature with what its serializers embed. */
export interface FeatureView {
  feature: FeatureRow;
  tags: number[];
  options: MultivariateOptionRow[];
  owners: UserSummary[];
  groupOwners: GroupSummary[];
  /** Present when the caller asked about one environment (`?environment=`). */
  environment?: { state: FeatureStateView | undefined; identityOverrides: number; segmentOverrides: number };
}

const allocationField = 'multivariate_feature_state_values';
/** Allocations are floats (Flagsmith's FloatField): 33.3 + 33.3 + 33.4 must not count as over 100. */
const overHundred = (total: number) => total > 100 + 1e-9;
const duplicateName =
  'Feature with that name already exists in this project. Note that feature names are case insensitive.';

/** PostgreSQL's unique_violation, from either driver: two creates racing past the name check. */
function isUniqueViolation(error: unknown): boolean {
  const { code, nativeError } = error as { code?: string; nativeError?: { code?: string } };
  return code === '23505' || nativeError?.code === '23505';
}

async function uniqueName<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw ValidationError.field('name', duplicateName);
    throw error;
  }
}
const overAllocated = 'The total percentage allocation of multivariate values may not exceed 100.';

/**
 * Features of a project, their tags and multivariate options, and their environment states. Every change
 * writes the audit log, bumps the revision of each environment whose SDKs would see it and, for a state,
 * queues the environment webhooks' FLAG_UPDATED, all in the change's own transaction.
 */
export class FeatureService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: FeatureStore,
    private readonly audit: AuditLog,
    private readonly outbox: WebhookOutbox,
    private readonly owners: FeatureOwnerStore = new FeatureOwnerStore(),
  ) {}

  // ---- features

  async list(
    access: ProjectAccess,
    query: FeatureListQuery,
    environmentId?: number,
  ): Promise<{ count: number; views: FeatureView[] }> {
    const reads = this.transactor.reads;
    const { count, rows } = await this.store.list(reads, access.projectId, query);
    return { count, views: await this.#views(reads, access.projectId, rows, environmentId) };
  }

  async view(access: ProjectAccess, featureId: number, environmentId?: number): Promise<FeatureView> {
    const feature = await this.store.find(this.transactor.reads, access.projectId, featureId);
    if (!feature) throw domainErrors.notFound();
    const [view] = await this.#views(this.transactor.reads, access.projectId, [feature], environmentId);
    return view as FeatureView;
  }

  async create(access: ProjectAccess, input: FeatureInput & { name: string }): Promise<FeatureView> {
    return uniqueName(() => this.#create(access, input));
  }

  async #create(access: ProjectAccess, input: FeatureInput & { name: string }): Promise<FeatureView> {
    return this.transactor.run(async (uow) => {
      const project = await this.#project(uow, access.projectId);
      await this.#checkFeatureLimit(uow, project);
      await this.#validateName(uow, project, input.name);
      await this.#validateTags(uow, access.projectId, input.tags);
      const options = input.multivariate_options ?? [];
      const total = options.reduce((sum, option) => sum + option.default_percentage_allocation, 0);
      if (overHundred(total)) throw ValidationError.field('multivariate_options', overAllocated);
      const feature = await this.store.create(uow, access.projectId, {
        name: input.name,
        type: options.length > 0 ? 'MULTIVARIATE' : (input.type ?? 'STANDARD'),
        initial_value: input.initial_value ?? null,
        default_enabled: input.default_enabled ?? false,
        description: input.description ?? null,
        is_archived: input.is_archived ?? false,
        is_server_key_only: input.is_server_key_only ?? false,
      });
      if (input.tags) await this.store.setTags(uow, feature.id, input.tags);
      await this.#validateOwners(uow, access, input.owners, input.group_owners);
      // Flagsmith makes the person creating a feature its owner unless owners are named; never a key.
      const tenant = access.organisation.tenant;
      const owners = input.owners?.length ? input.owners : tenant.kind === 'user' ? [tenant.userId] : [];
      await this.owners.addOwners(uow, feature.id, owners);
      await this.owners.addGroupOwners(uow, feature.id, input.group_owners ?? []);
      const created: MultivariateOptionRow[] = [];
      for (const option of options) created.push(await this.store.createOption(uow, feature.id, option));
      // Flagsmith's create_feature_states: one environment default per environment, as seedFeatureStates
      // makes them for environments created later.
      const environments = (await uow
        .knex('environments')
        .where('project_id', access.projectId)
        .orderBy('id')
        .select('id')) as { id: number }[];
      const states = await this.store.createStates(
        uow,
        environments.map((environment) => ({
          feature_id: feature.id,
          environment_id: environment.id,
          enabled: project.prevent_flag_defaults ? false : feature.default_enabled,
          value: initialFeatureStateValue(feature.initial_value, project.prevent_flag_defaults),
        })),
      );
      for (const option of created) {
        await this.store.addAllocation(
          uow,
          states.map((state) => state.id),
          option.id,
          option.default_percentage_allocation,
        );
      }
      await this.#recordFeature(uow, access, feature, `New Flag / Remote Config created: ${feature.name}`);
      await bumpEnvironmentRevisions(
        uow,
        environments.map((environment) => environment.id),
      );
      const [view] = await this.#views(uow, access.projectId, [feature]);
      return view as FeatureView;
    });
  }

  async update(access: ProjectAccess, featureId: number, input: FeatureInput): Promise<FeatureView> {
    return uniqueName(() => this.#update(access, featureId, input));
  }

  async #update(access: ProjectAccess, featureId: number, input: FeatureInput): Promise<FeatureView> {
    return this.transactor.run(async (uow) => {
      const existing = await this.store.find(uow, access.projectId, featureId);
      if (!existing) throw domainErrors.notFound();
      const {
        tags,
        multivariate_options: _options,
        owners: _owners,
        group_owners: _groupOwners,
        ...patch
      } = input;
      if (patch.name !== undefined && patch.name !== existing.name) {
        await this.#validateName(uow, await this.#project(uow, access.projectId), patch.name, featureId);
      }
      await this.#validateTags(uow, access.projectId, tags);
      const feature = await this.store.update(uow, featureId, patch);
      if (tags) await this.store.setTags(uow, featureId, tags);
      await this.#recordFeature(uow, access, feature, `Flag / Remote Config updated: ${feature.name}`);
      await bumpProjectEnvironments(uow, access.projectId);
      const [view] = await this.#views(uow, access.projectId, [feature]);
      return view as FeatureView;
    });
  }

  /** Deleting a feature removes its states (the rows cascade); each environment's webhooks get FLAG_DELETED. */
  async delete(access: ProjectAccess, featureId: number): Promise<void> {
    await this.transactor.run(async (uow) => {
      const feature = await this.store.find(uow, access.projectId, featureId);
      if (!feature) throw domainErrors.notFound();
      const states = await this.store.defaultStatesOfFeature(uow, featureId);
      // One query at a time: a transaction is one connection, and pg refuses overlapping queries on it.
      const views: FeatureStateView[] = [];
      const previous: FlagStateWebhookData[] = [];
      for (const state of states) {
        const view = await this.store.findState(uow, state.id);
        if (!view) continue;
        views.push(view);
        previous.push(await this.#webhookState(uow, feature, view));
      }
      await this.store.delete(uow, featureId);
      await this.#recordFeature(uow, access, feature, `Flag / Remote Config Deleted: ${feature.name}`);
      const changedBy = await actorName(uow, access.organisation.tenant);
      for (const [index, view] of views.entries()) {
        await this.outbox.flagChanged(uow, view.environment_id, 'FLAG_DELETED', {
          new_state: null,
          ...(previous[index] ? { previous_state: previous[index] } : {}),
          changed_by: changedBy,
          timestamp: new Date().toISOString(),
        });
      }
      await bumpProjectEnvironments(uow, access.projectId);
    });
  }

  // ---- owners

  /** `add-owners/`: each person must be able to see the project ("Some users not found" otherwise). */
  async addOwners(access: ProjectAccess, featureId: number, userIds: number[]): Promise<FeatureView> {
    return this.#changeOwners(access, featureId, async (uow, feature) => {
      const refused = await this.owners.withoutProjectAccess(
        uow,
        access.projectId,
        access.organisation.organisationId,
        userIds,
      );
      if (refused.length > 0) throw ValidationError.nonField('Some users not found');
      await this.owners.addOwners(uow, feature.id, userIds);
    });
  }

  async removeOwners(access: ProjectAccess, featureId: number, userIds: number[]): Promise<FeatureView> {
    return this.#changeOwners(access, featureId, (uow, feature) =>
      this.owners.removeOwners(uow, feature.id, userIds),
    );
  }

  async addGroupOwners(access: ProjectAccess, featureId: number, groupIds: number[]): Promise<FeatureView> {
    return this.#changeOwners(access, featureId, async (uow, feature) => {
      if ((await this.owners.foreignGroups(uow, access.organisation.organisationId, groupIds)).length > 0)
        throw ValidationError.nonField('Some groups not found');
      await this.owners.addGroupOwners(uow, feature.id, groupIds);
    });
  }

  async removeGroupOwners(
    access: ProjectAccess,
    featureId: number,
    groupIds: number[],
  ): Promise<FeatureView> {
    return this.#changeOwners(access, featureId, (uow, feature) =>
      this.owners.removeGroupOwners(uow, feature.id, groupIds),
    );
  }

  /** Owners change nothing an SDK sees: audited, no revision bump. `enforce_feature_owners` keeps one. */
  async #changeOwners(
    access: ProjectAccess,
    featureId: number,
    change: (uow: UnitOfWork, feature: FeatureRow) => Promise<void>,
  ): Promise<FeatureView> {
    return this.transactor.run(async (uow) => {
      const feature = await this.store.find(uow, access.projectId, featureId);
      if (!feature) throw domainErrors.notFound();
      await change(uow, feature);
      const project = (await uow
        .knex('projects')
        .where('id', access.projectId)
        .first('enforce_feature_owners')) as {
        enforce_feature_owners: boolean;
      };
      if (project.enforce_feature_owners && (await this.owners.ownerCount(uow, featureId)) < 1)
        throw ValidationError.nonField(
          'This project requires at least one owner or group owner per feature.',
        );
      await this.#recordFeature(uow, access, feature, `Flag / Remote Config updated: ${feature.name}`);
      const [view] = await this.#views(uow, access.projectId, [feature]);
      return view as FeatureView;
    });
  }

  async #validateOwners(
    scope: DataScope,
    access: ProjectAccess,
    owners: readonly number[] | undefined,
    groupOwners: readonly number[] | undefined,
  ) {
    if (owners?.length) {
      const refused = await this.owners.withoutProjectAccess(
        scope,
        access.projectId,
        access.organisation.organisationId,
        owners,
      );
      if (refused.length > 0)
        throw ValidationError.field(
          'owners',
          `Users with ids [${refused.join(', ')}] do not have access to this project.`,
        );
    }
    const [foreign] = await this.owners.foreignGroups(
      scope,
      access.organisation.organisationId,
      groupOwners ?? [],
    );
    if (foreign !== undefined)
      throw ValidationError.field('group_owners', `Invalid pk "${foreign}" - object does not exist.`);
  }

  // ---- tags

  listTags(access: ProjectAccess): Promise<TagRow[]> {
    return this.store.listTags(this.transactor.reads, access.projectId);
  }

  async viewTag(access: ProjectAccess, tagId: number): Promise<TagRow> {
    const tag = await this.store.findTag(this.transactor.reads, access.projectId, tagId);
    if (!tag) throw domainErrors.notFound();
    return tag;
  }

  createTag(access: ProjectAccess, fields: TagFields): Promise<TagRow> {
    return this.transactor.run((uow) => this.store.createTag(uow, access.projectId, fields));
  }

  async updateTag(access: ProjectAccess, tagId: number, patch: Partial<TagFields>): Promise<TagRow> {
    return this.transactor.run(async (uow) => {
      if (!(await this.store.findTag(uow, access.projectId, tagId))) throw domainErrors.notFound();
      return this.store.updateTag(uow, tagId, patch);
    });
  }

  async deleteTag(access: ProjectAccess, tagId: number): Promise<void> {
    await this.transactor.run(async (uow) => {
      if (!(await this.store.findTag(uow, access.projectId, tagId))) throw domainErrors.notFound();
      await this.store.deleteTag(uow, tagId);
    });
  }

  // ---- multivariate options

  async listOptions(access: ProjectAccess, featureId: number): Promise<MultivariateOptionRow[]> {
    const feature = await this.store.find(this.transactor.reads, access.projectId, featureId);
    if (!feature) throw domainErrors.notFound();
    return (await this.store.optionsOf(this.transactor.reads, [featureId])).get(featureId) ?? [];
  }

  async viewOption(
    access: ProjectAccess,
    featureId: number,
    optionId: number,
  ): Promise<MultivariateOptionRow> {
    const feature = await this.store.find(this.transactor.reads, access.projectId, featureId);
    const option = feature && (await this.store.findOption(this.transactor.reads, featureId, optionId));
    if (!option) throw domainErrors.notFound();
    return option;
  }

  /**
   * Flagsmith's MultivariateFeatureOption post-save: the feature becomes MULTIVARIATE and every environment
   * default gets the option at its default allocation; an option that would take any of them over 100 is
   * refused instead.
   */
  async createOption(
    access: ProjectAccess,
    featureId: number,
    fields: OptionFields,
  ): Promise<MultivariateOptionRow> {
    return this.transactor.run(async (uow) => {
      const feature = await this.store.find(uow, access.projectId, featureId);
      if (!feature) throw domainErrors.notFound();
      const states = await this.store.defaultStatesOfFeature(uow, featureId);
      await this.#checkOptionAllocation(uow, featureId, fields.default_percentage_allocation, states);
      const option = await this.store.createOption(uow, featureId, fields);
      await this.store.addAllocation(
        uow,
        states.map((state) => state.id),
        option.id,
        option.default_percentage_allocation,
      );
      if (feature.type !== 'MULTIVARIATE') await this.store.update(uow, featureId, { type: 'MULTIVARIATE' });
      await this.#recordFeature(uow, access, feature, `Flag / Remote Config updated: ${feature.name}`);
      await bumpProjectEnvironments(uow, access.projectId);
      return option;
    });
  }

  async updateOption(
    access: ProjectAccess,
    featureId: number,
    optionId: number,
    patch: Partial<OptionFields>,
  ): Promise<MultivariateOptionRow> {
    return this.transactor.run(async (uow) => {
      const feature = await this.store.find(uow, access.projectId, featureId);
      const existing = feature && (await this.store.findOption(uow, featureId, optionId));
      if (!feature || !existing) throw domainErrors.notFound();
      if (patch.default_percentage_allocation !== undefined)
        await this.#checkOptionAllocation(uow, featureId, patch.default_percentage_allocation, [], optionId);
      const option = await this.store.updateOption(uow, optionId, patch);
      await this.#recordFeature(uow, access, feature, `Flag / Remote Config updated: ${feature.name}`);
      await bumpProjectEnvironments(uow, access.projectId);
      return option;
    });
  }

  /** Deleting the last option makes the feature STANDARD again, as Flagsmith's post-delete does. */
  async deleteOption(access: ProjectAccess, featureId: number, optionId: number): Promise<void> {
    await this.transactor.run(async (uow) => {
      const feature = await this.store.find(uow, access.projectId, featureId);
      const existing = feature && (await this.store.findOption(uow, featureId, optionId));
      if (!feature || !existing) throw domainErrors.notFound();
      await this.store.deleteOption(uow, optionId);
      const remaining = (await this.store.optionsOf(uow, [featureId])).get(featureId) ?? [];
      if (remaining.length === 0) await this.store.update(uow, featureId, { type: 'STANDARD' });
      await this.#recordFeature(uow, access, feature, `Flag / Remote Config updated: ${feature.name}`);
      await bumpProjectEnvironments(uow, access.projectId);
    });
  }

  // ---- feature states

  /** With `withSegmentOverrides`, also the segment overrides' states (`/features/featurestates/`, as Flagsmith). */
  async listStates(
    access: EnvironmentAccess,
    featureId?: number,
    withSegmentOverrides = false,
  ): Promise<FeatureStateView[]> {
    return this.store.defaultStates(
      this.transactor.reads,
      access.environmentId,
      featureId === undefined ? undefined : [featureId],
      withSegmentOverrides,
    );
  }

  /** The environment's identity overrides (of one feature), for `featurestates/?anyIdentity`. */
  async listIdentityOverrides(access: EnvironmentAccess, featureId?: number) {
    return this.store.identityOverrideStates(
      this.transactor.reads,
      access.environmentId,
      featureId === undefined ? undefined : [featureId],
    );
  }

  /** Whether a state carries a segment override (changing one asks MANAGE_SEGMENT_OVERRIDES, as Flagsmith). */
  async isSegmentOverrideState(stateId: number): Promise<boolean> {
    const row = (await this.transactor.reads
      .knex('feature_states')
      .where('id', stateId)
      .first('feature_segment_id')) as { feature_segment_id: number | null } | undefined;
    return row !== undefined && row.feature_segment_id !== null;
  }

  async viewState(access: EnvironmentAccess, stateId: number): Promise<FeatureStateView> {
    const state = await this.store.findState(this.transactor.reads, stateId, access.environmentId);
    if (!state) throw domainErrors.notFound();
    return state;
  }

  /** The key of an environment named by its numeric id (`?environment=`). */
  environmentKeyOf(environmentId: number): Promise<string | undefined> {
    return environmentApiKey(this.transactor.reads, environmentId);
  }

  /** The environment a state belongs to, for routes addressed by the state's id alone. */
  async environmentKeyOfState(stateId: number): Promise<string | undefined> {
    const row = (await this.transactor.reads
      .knex('feature_states as s')
      .join('environments as e', 'e.id', 's.environment_id')
      .where('s.id', stateId)
      .first('e.api_key')) as { api_key: string } | undefined;
    return row?.api_key;
  }

  async updateState(
    access: EnvironmentAccess,
    stateId: number,
    patch: FeatureStatePatch,
  ): Promise<FeatureStateView> {
    return this.transactor.run(async (uow) => {
      const before = await this.store.findState(uow, stateId, access.environmentId);
      if (!before) throw domainErrors.notFound();
      const feature = (await this.store.findById(uow, before.feature_id)) as FeatureRow;
      if (patch.allocations) {
        const options = new Set(
          ((await this.store.optionsOf(uow, [feature.id])).get(feature.id) ?? []).map((option) => option.id),
        );
        const foreign = patch.allocations.find((allocation) => !options.has(allocation.optionId));
        if (foreign)
          throw ValidationError.field(
            allocationField,
            `Invalid pk "${foreign.optionId}" - object does not exist.`,
          );
        if (
          new Set(patch.allocations.map((allocation) => allocation.optionId)).size !==
          patch.allocations.length
        )
          throw ValidationError.field(allocationField, 'Each multivariate option may be allocated once.');
        const total = patch.allocations.reduce((sum, allocation) => sum + allocation.percentage, 0);
        if (overHundred(total)) throw ValidationError.field(allocationField, overAllocated);
      }
      const previous = await this.#webhookState(uow, feature, before);
      const segment = previous.feature_segment as { segment: { name: string } } | null;
      const statePatch: { enabled?: boolean; live_from?: Date | null } = {};
      if (patch.enabled !== undefined) statePatch.enabled = patch.enabled;
      if (patch.live_from !== undefined) statePatch.live_from = patch.live_from;
      await this.store.updateState(uow, stateId, statePatch, patch.value);
      if (patch.allocations) await this.store.setAllocations(uow, stateId, patch.allocations);
      const after = (await this.store.findState(uow, stateId)) as FeatureStateView;
      await this.audit.record(uow, {
        organisationId: access.organisation.organisationId,
        projectId: access.projectId,
        environmentId: access.environmentId,
        actor: access.organisation.tenant,
        relatedObjectType: 'FEATURE_STATE',
        relatedObjectId: stateId,
        relatedObjectUuid: after.uuid,
        // A segment override's state is worded as Flagsmith's SEGMENT_FEATURE_STATE_UPDATED_MESSAGE.
        log: segment
          ? `Flag state / Remote config value updated for feature '${feature.name}' and segment '${segment.segment.name}'`
          : `Flag state / Remote Config value updated for feature: ${feature.name}`,
      });
      await this.outbox.flagChanged(uow, access.environmentId, 'FLAG_UPDATED', {
        new_state: await this.#webhookState(uow, feature, after),
        previous_state: previous,
        changed_by: await actorName(uow, access.organisation.tenant),
        timestamp: new Date().toISOString(),
      });
      await bumpEnvironmentRevisions(uow, [access.environmentId]);
      return after;
    });
  }

  // ---- helpers

  async #views(
    scope: DataScope,
    projectId: number,
    features: FeatureRow[],
    environmentId?: number,
  ): Promise<FeatureView[]> {
    const ids = features.map((feature) => feature.id);
    const tags = await this.store.tagsOf(scope, ids);
    const options = await this.store.optionsOf(scope, ids);
    const owners = await this.owners.ownersOf(scope, ids);
    const groupOwners = await this.owners.groupOwnersOf(scope, ids);
    let states: Map<number, FeatureStateView> | undefined;
    let identityOverrides = new Map<number, number>();
    let segmentOverrides = new Map<number, number>();
    if (environmentId !== undefined) {
      const environment = await scope
        .knex('environments')
        .where({ id: environmentId, project_id: projectId })
        .first('id');
      states = new Map();
      if (environment) {
        for (const state of await this.store.defaultStates(scope, environmentId, ids))
          states.set(state.feature_id, state);
        identityOverrides = await this.store.identityOverrideCounts(scope, environmentId, ids);
        segmentOverrides = await this.store.segmentOverrideCounts(scope, environmentId, ids);
      }
    }
    return features.map((feature) => ({
      feature,
      tags: tags.get(feature.id) ?? [],
      options: options.get(feature.id) ?? [],
      owners: owners.get(feature.id) ?? [],
      groupOwners: groupOwners.get(feature.id) ?? [],
      ...(states
        ? {
            environment: {
              state: states.get(feature.id),
              identityOverrides: identityOverrides.get(feature.id) ?? 0,
              segmentOverrides: segmentOverrides.get(feature.id) ?? 0,
            },
          }
        : {}),
    }));
  }

  /** Flagsmith's validate_project_features_limit: the project's `max_features_allowed`, archived ones included. */
  async #checkFeatureLimit(uow: UnitOfWork, project: { id: number; max_features_allowed: number }) {
    const [row] = (await uow.knex('features').where('project_id', project.id).count({ count: '*' })) as {
      count: string | number;
    }[];
    if (Number(row?.count ?? 0) >= project.max_features_allowed) {
      throw ValidationError.bareField(
        'project',
        'The Project has reached the maximum allowed features limit.',
      );
    }
  }

  async #project(scope: DataScope, projectId: number) {
    return (await scope
      .knex('projects')
      .where('id', projectId)
      .first('id', 'name', 'prevent_flag_defaults', 'feature_name_regex', 'max_features_allowed')) as {
      id: number;
      name: string;
      prevent_flag_defaults: boolean;
      feature_name_regex: string | null;
      max_features_allowed: number;
    };
  }

  /** Flagsmith's validate_name: the project's `feature_name_regex`, anchored, then uniqueness in any case. */
  async #validateName(
    scope: DataScope,
    project: { id: number; feature_name_regex: string | null },
    name: string,
    exceptId?: number,
  ) {
    if (project.feature_name_regex) {
      let matches = false;
      try {
        matches = new RegExp(`^(?:${project.feature_name_regex})$`).test(name);
      } catch {
        matches = false;
      }
      if (!matches)
        throw ValidationError.field('name', `Feature name must match regex: ${project.feature_name_regex}`);
    }
    if (await this.store.nameTaken(scope, project.id, name, exceptId)) {
      throw ValidationError.field('name', duplicateName);
    }
  }

  async #validateTags(scope: DataScope, projectId: number, tags: number[] | undefined) {
    if (!tags) return;
    const [foreign] = await this.store.foreignTags(scope, projectId, tags);
    if (foreign !== undefined)
      throw ValidationError.field('tags', `Invalid pk "${foreign}" - object does not exist.`);
  }

  async #checkOptionAllocation(
    scope: DataScope,
    featureId: number,
    allocation: number,
    states: readonly { id: number }[],
    exceptOptionId?: number,
  ) {
    const options = (await this.store.optionsOf(scope, [featureId])).get(featureId) ?? [];
    const defaults = options
      .filter((option) => option.id !== exceptOptionId)
      .reduce((sum, option) => sum + Number(option.default_percentage_allocation), 0);
    if (overHundred(defaults + allocation))
      throw ValidationError.field('default_percentage_allocation', overAllocated);
    const totals = await this.store.allocatedTotals(
      scope,
      states.map((state) => state.id),
    );
    for (const total of totals.values()) {
      if (overHundred(total + allocation))
        throw ValidationError.field('default_percentage_allocation', overAllocated);
    }
  }

  async #recordFeature(uow: UnitOfWork, access: ProjectAccess, feature: FeatureRow, log: string) {
    await this.audit.record(uow, {
      organisationId: access.organisation.organisationId,
      projectId: access.projectId,
      actor: access.organisation.tenant,
      relatedObjectType: 'FEATURE',
      relatedObjectId: feature.id,
      relatedObjectUuid: feature.uuid,
      log,
    });
  }

  /** A default's or an override's state as the webhooks print it (its segment override looked up by id). */
  async #webhookState(scope: DataScope, feature: FeatureRow, state: FeatureStateView) {
    const featureSegment =
      state.feature_segment_id === null ? null : await webhookFeatureSegment(scope, state.feature_segment_id);
    const identity = state.identity_id === null ? null : { id: state.identity_id, identifier: null };
    return flagWebhookData(scope, feature, state, featureSegment, identity);
  }
}
