import type { AuditLog } from '../audit/audit-log.js';
import type { DataScope, Transactor, UnitOfWork } from '../data/unit-of-work.js';
import type { EnvironmentAccess } from '../environments/environment-policy.js';
import { bumpEnvironmentRevisions } from '../environments/environment-revision.js';
import { environmentApiKey } from '../environments/environment-store.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { FeatureRow, FeatureStateView } from '../features/feature-models.js';
import type { FeatureStore } from '../features/feature-store.js';
import type { FeatureStateValueRow } from '../features/feature-value.js';
import { actorName, flagWebhookData } from '../features/flag-webhook-data.js';
import type { FlagStateWebhookData, WebhookOutbox } from '../webhooks/webhook-outbox.js';
import type { FeatureSegmentRow, SegmentOverrideStore } from './segment-override-store.js';

export interface OverrideStateInput {
  enabled: boolean;
  value: FeatureStateValueRow;
  allocations: { optionId: number; percentage: number }[];
}

const allocationField = 'multivariate_feature_state_values';
const overAllocated = 'The total percentage allocation of multivariate values may not exceed 100.';
const invalidPk = (id: number) => `Invalid pk "${id}" - object does not exist.`;

/**
 * Segment overrides (Flagsmith's FeatureSegment and the feature state it carries). Every change is audited,
 * bumps the environment's revision (raising `environment.changed`) and posts the environment's webhooks, in
 * the change's own transaction.
 */
export class SegmentOverrideService {
  constructor(
    private readonly transactor: Transactor,
    readonly store: SegmentOverrideStore,
    private readonly features: FeatureStore,
    private readonly audit: AuditLog,
    private readonly outbox: WebhookOutbox,
  ) {}

  /** Reads outside a transaction, for the routes' permission checks. */
  get reads(): DataScope {
    return this.transactor.reads;
  }

  /** The key of an environment named by its numeric id (`?environment=`, a body's `environment`). */
  environmentKeyOf(environmentId: number): Promise<string | undefined> {
    return environmentApiKey(this.transactor.reads, environmentId);
  }

  list(access: EnvironmentAccess, featureId?: number): Promise<FeatureSegmentRow[]> {
    return this.store.list(this.transactor.reads, access.environmentId, featureId);
  }

  async view(access: EnvironmentAccess, id: number): Promise<FeatureSegmentRow> {
    const row = await this.store.find(this.transactor.reads, id);
    if (!row || row.environment_id !== access.environmentId) throw domainErrors.notFound();
    return row;
  }

  /** `POST /features/feature-segments/`: the override alone; its state is created separately. */
  async create(
    access: EnvironmentAccess,
    input: { feature: number; segment: number; priority?: number | undefined },
  ): Promise<FeatureSegmentRow> {
    return this.transactor.run(async (uow) => {
      const { row } = await this.#createOverride(uow, access, input.feature, input.segment, input.priority);
      await this.#record(
        uow,
        access,
        row,
        (n) => `Segment override created for feature '${n.feature}' and segment '${n.segment}'`,
      );
      await bumpEnvironmentRevisions(uow, [access.environmentId]);
      return row;
    });
  }

  /**
   * `POST /environments/{key}/features/{id}/create-segment-override/`: the override and its state in one
   * call, as the dashboard creates them.
   */
  async createWithState(
    access: EnvironmentAccess,
    featureId: number,
    input: { segment: number; priority?: number | undefined; state: OverrideStateInput },
  ): Promise<{ row: FeatureSegmentRow; state: FeatureStateView }> {
    return this.transactor.run(async (uow) => {
      const { row, feature } = await this.#createOverride(
        uow,
        access,
        featureId,
        input.segment,
        input.priority,
        true,
      );
      await this.#checkAllocations(uow, feature, input.state.allocations);
      const stateId = await this.store.createState(
        uow,
        {
          feature_id: feature.id,
          environment_id: access.environmentId,
          feature_segment_id: row.id,
          enabled: input.state.enabled,
        },
        input.state.value,
        input.state.allocations,
      );
      const state = (await this.features.findState(uow, stateId)) as FeatureStateView;
      await this.#record(
        uow,
        access,
        row,
        (n) => `Segment override created for feature '${n.feature}' and segment '${n.segment}'`,
      );
      await this.outbox.flagChanged(uow, access.environmentId, 'FLAG_UPDATED', {
        new_state: await this.#webhookState(uow, feature, row, state),
        changed_by: await actorName(uow, access.organisation.tenant),
        timestamp: new Date().toISOString(),
      });
      await bumpEnvironmentRevisions(uow, [access.environmentId]);
      return { row, state };
    });
  }

  /** FeatureSegmentCreateSerializer on update: the segment may change, the feature and environment not. */
  async update(
    access: EnvironmentAccess,
    id: number,
    input: { feature?: number | undefined; segment?: number | undefined; environment?: number | undefined },
  ): Promise<FeatureSegmentRow> {
    return this.transactor.run(async (uow) => {
      const existing = await this.store.find(uow, id);
      if (!existing || existing.environment_id !== access.environmentId) throw domainErrors.notFound();
      if (input.feature !== undefined && input.feature !== existing.feature_id)
        throw ValidationError.field('feature', 'The feature of a segment override cannot be changed.');
      if (input.environment !== undefined && input.environment !== existing.environment_id)
        throw ValidationError.field(
          'environment',
          'The environment of a segment override cannot be changed.',
        );
      if (input.segment !== undefined && input.segment !== existing.segment_id) {
        await this.#validateSegment(uow, access, existing.feature_id, input.segment);
        await this.store.setSegment(uow, id, input.segment);
      }
      const row = (await this.store.find(uow, id)) as FeatureSegmentRow;
      await this.#record(
        uow,
        access,
        row,
        (n) => `Segment rules updated for flag: ${n.feature} in environment: ${n.environment}`,
      );
      await bumpEnvironmentRevisions(uow, [access.environmentId]);
      return row;
    });
  }

  async delete(access: EnvironmentAccess, id: number): Promise<void> {
    await this.transactor.run(async (uow) => {
      const row = await this.store.find(uow, id);
      if (!row || row.environment_id !== access.environmentId) throw domainErrors.notFound();
      const feature = (await this.features.findById(uow, row.feature_id)) as FeatureRow;
      const previous: FlagStateWebhookData[] = [];
      for (const stateId of await this.store.stateIdsOf(uow, id)) {
        const state = await this.features.findState(uow, stateId);
        if (state) previous.push(await this.#webhookState(uow, feature, row, state));
      }
      await this.store.delete(uow, row);
      await this.#record(
        uow,
        access,
        row,
        (n) =>
          `Flag state / Remote config value deleted for feature '${n.feature}' and segment '${n.segment}'`,
      );
      const changedBy = await actorName(uow, access.organisation.tenant);
      for (const state of previous)
        await this.outbox.flagChanged(uow, access.environmentId, 'FLAG_DELETED', {
          new_state: null,
          previous_state: state,
          changed_by: changedBy,
          timestamp: new Date().toISOString(),
        });
      await bumpEnvironmentRevisions(uow, [access.environmentId]);
    });
  }

  /**
   * `update-priorities`: Flagsmith's FeatureSegment.update_priorities, each override moved to its new place
   * in turn (in the order of their current priorities); nothing changes when the priorities are already so.
   */
  async updatePriorities(
    access: EnvironmentAccess,
    rows: readonly FeatureSegmentRow[],
    priorities: readonly { id: number; priority: number }[],
  ): Promise<FeatureSegmentRow[]> {
    return this.transactor.run(async (uow) => {
      const wanted = new Map(priorities.map((item) => [item.id, item.priority]));
      const unchanged = rows.every((row) => wanted.get(row.id) === row.priority);
      if (!unchanged) {
        for (const row of rows) await this.store.move(uow, row.id, wanted.get(row.id) as number);
        const [first] = rows;
        if (first)
          await this.#record(
            uow,
            access,
            first,
            (n) => `Segment rules updated for flag: ${n.feature} in environment: ${n.environment}`,
          );
        await bumpEnvironmentRevisions(uow, [access.environmentId]);
      }
      return this.store.findMany(
        uow,
        rows.map((row) => row.id),
      );
    });
  }

  // ---- helpers

  async #createOverride(
    uow: UnitOfWork,
    access: EnvironmentAccess,
    featureId: number,
    segmentId: number,
    priority: number | undefined,
    featureFromPath = false,
  ): Promise<{ row: FeatureSegmentRow; feature: FeatureRow }> {
    const feature = await this.features.find(uow, access.projectId, featureId);
    if (!feature) {
      if (featureFromPath) throw domainErrors.notFound();
      throw ValidationError.field('feature', invalidPk(featureId));
    }
    await this.#validateSegment(uow, access, feature.id, segmentId);
    if (await this.store.exists(uow, feature.id, access.environmentId, segmentId))
      throw ValidationError.nonField('The fields feature, environment, segment must make a unique set.');
    const id = await this.store.create(
      uow,
      { feature_id: feature.id, segment_id: segmentId, environment_id: access.environmentId },
      priority,
    );
    return { row: (await this.store.find(uow, id)) as FeatureSegmentRow, feature };
  }

  async #validateSegment(uow: UnitOfWork, access: EnvironmentAccess, featureId: number, segmentId: number) {
    const segment = (await uow
      .knex('segments')
      .where({ id: segmentId, project_id: access.projectId })
      .whereNull('deleted_at')
      .first('id', 'feature_id')) as { id: number; feature_id: number | null } | undefined;
    if (!segment) throw ValidationError.field('segment', invalidPk(segmentId));
    if (segment.feature_id !== null && segment.feature_id !== featureId)
      throw ValidationError.field(
        'feature',
        `Can only create segment override(using this segment) for feature ${segment.feature_id}`,
      );
  }

  async #checkAllocations(
    scope: DataScope,
    feature: FeatureRow,
    allocations: readonly { optionId: number; percentage: number }[],
  ) {
    if (allocations.length === 0) return;
    const options = new Set(
      ((await this.features.optionsOf(scope, [feature.id])).get(feature.id) ?? []).map((option) => option.id),
    );
    const foreign = allocations.find((allocation) => !options.has(allocation.optionId));
    if (foreign) throw ValidationError.field(allocationField, invalidPk(foreign.optionId));
    if (new Set(allocations.map((allocation) => allocation.optionId)).size !== allocations.length)
      throw ValidationError.field(allocationField, 'Each multivariate option may be allocated once.');
    const total = allocations.reduce((sum, allocation) => sum + allocation.percentage, 0);
    if (total > 100 + 1e-9) throw ValidationError.field(allocationField, overAllocated);
  }

  /** An audit line in Flagsmith's wording, from the names of the feature, segment and environment. */
  async #record(
    uow: UnitOfWork,
    access: EnvironmentAccess,
    row: FeatureSegmentRow,
    line: (names: { feature: string; segment: string; environment: string }) => string,
  ) {
    const feature = (await this.features.findById(uow, row.feature_id)) as FeatureRow;
    const environment = (await uow.knex('environments').where('id', row.environment_id).first('name')) as {
      name: string;
    };
    await this.audit.record(uow, {
      organisationId: access.organisation.organisationId,
      projectId: access.projectId,
      environmentId: access.environmentId,
      actor: access.organisation.tenant,
      relatedObjectType: 'FEATURE',
      relatedObjectId: feature.id,
      relatedObjectUuid: feature.uuid,
      log: line({ feature: feature.name, segment: row.segment_name, environment: environment.name }),
    });
  }

  /** Flagsmith's generate_webhook_feature_state_data for a segment override's state. */
  #webhookState(scope: DataScope, feature: FeatureRow, override: FeatureSegmentRow, state: FeatureStateView) {
    return flagWebhookData(scope, feature, state, {
      segment: {
        id: override.segment_id,
        name: override.segment_name,
        description: override.segment_description,
      },
      priority: override.priority,
    });
  }
}
