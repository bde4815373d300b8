import type { AuditLog } from '../audit/audit-log.js';
import type { DataScope, Transactor, UnitOfWork } from '../data/unit-of-work.js';
import type { EnvironmentAccess } from '../environments/environment-policy.js';
import { bumpEnvironmentRevisions, bumpProjectEnvironments } from '../environments/environment-revision.js';
import { environmentApiKey } from '../environments/environment-store.js';
import { initialFeatureStateValue, liveDefaultStates } from '../environments/feature-state-seeds.js';
import { DomainError, domainErrors, ErrorCode, ValidationError } from '../errors/domain-error.js';
import type { FeatureRow, FeatureStateView, MultivariateOptionRow } from '../features/feature-models.js';
import type { FeatureStore } from '../features/feature-store.js';
import { rowToValue } from '../features/feature-value.js';
import { actorName, flagWebhookData } from '../features/flag-webhook-data.js';
import type { WebhookOutbox } from '../webhooks/webhook-outbox.js';
import {
  type ExportedFeature,
  type ExportedOption,
  exportedValueToRow,
  serialiseExport,
} from './feature-export-format.js';

export type ImportStrategy = 'SKIP' | 'OVERWRITE_DESTRUCTIVE';
export type TransferStatus = 'PROCESSING' | 'SUCCESS' | 'FAILED';

export interface FeatureExportRow {
  id: number;
  environment_id: number;
  environment_name: string;
  status: TransferStatus;
  created_at: Date;
}

export interface FeatureImportRow {
  id: number;
  environment_id: number;
  strategy: ImportStrategy;
  status: TransferStatus;
  created_at: Date;
}

const exportColumns = [
  'x.id',
  'x.environment_id',
  'e.name as environment_name',
  'x.status',
  'x.created_at',
] as const;
const importColumns = ['id', 'environment_id', 'strategy', 'status', 'created_at'] as const;
const overAllocated = 'The total percentage allocation of multivariate values may not exceed 100.';

/**
 * Flagsmith's feature export and import (`features/import_export/`): an export is an environment's live
 * defaults of its unarchived features (optionally only those with some tags) in Flagsmith's file format; an
 * import applies such a file to an environment, creating missing features and, unless the strategy is SKIP,
 * overwriting existing ones there (their segment and identity overrides in that environment removed). Both run
 * in the request, in one transaction each; the record keeps Flagsmith's status.
 */
export class FeatureImportExportService {
  constructor(
    private readonly transactor: Transactor,
    private readonly features: FeatureStore,
    private readonly audit: AuditLog,
    private readonly outbox: WebhookOutbox,
  ) {}

  get reads(): DataScope {
    return this.transactor.reads;
  }

  environmentKeyOf(environmentId: number): Promise<string | undefined> {
    return environmentApiKey(this.transactor.reads, environmentId);
  }

  async environmentKeyOfExport(exportId: number): Promise<string | undefined> {
    const row = (await this.transactor.reads
      .knex('feature_exports as x')
      .join('environments as e', 'e.id', 'x.environment_id')
      .where('x.id', exportId)
      .first('e.api_key')) as { api_key: string } | undefined;
    return row?.api_key;
  }

  // ---- exports

  async createExport(access: EnvironmentAccess, tagIds: readonly number[]): Promise<FeatureExportRow> {
    const id = await this.transactor.run(async (uow) => {
      const [row] = (await uow
        .knex('feature_exports')
        .insert({ environment_id: access.environmentId, status: 'PROCESSING' })
        .returning('id')) as { id: number }[];
      const exportId = (row as { id: number }).id;
      const data = serialiseExport(await this.#exportedFeatures(uow, access, tagIds));
      await uow.knex('feature_exports').where('id', exportId).update({ status: 'SUCCESS', data });
      return exportId;
    });
    return (await this.#findExport(this.transactor.reads, id)) as FeatureExportRow;
  }

  /** The file of a finished export; any other status is Flagsmith's 400. */
  async download(exportId: number): Promise<string> {
    const row = (await this.transactor.reads
      .knex('feature_exports')
      .where('id', exportId)
      .first('status', 'data')) as { status: TransferStatus; data: string | null } | undefined;
    if (!row) throw domainErrors.notFound();
    if (row.status !== 'SUCCESS' || row.data === null)
      throw new DomainError(
        ErrorCode.exportNotReady,
        `Unable to download export with status '${row.status}'.`,
      );
    return row.data;
  }

  /** The project's exports, newest first, of the environments `environmentIds` (those the caller administers). */
  async listExports(environmentIds: readonly number[]): Promise<FeatureExportRow[]> {
    if (environmentIds.length === 0) return [];
    return (await this.transactor.reads
      .knex('feature_exports as x')
      .join('environments as e', 'e.id', 'x.environment_id')
      .whereIn('x.environment_id', [...environmentIds])
      .orderBy([
        { column: 'x.created_at', order: 'desc' },
        { column: 'x.id', order: 'desc' },
      ])
      .select(exportColumns)) as FeatureExportRow[];
  }

  async listImports(environmentIds: readonly number[]): Promise<FeatureImportRow[]> {
    if (environmentIds.length === 0) return [];
    return (await this.transactor.reads
      .knex('feature_imports')
      .whereIn('environment_id', [...environmentIds])
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .select(importColumns)) as FeatureImportRow[];
  }

  /** The environments of a project, for the lists (which show only those the caller administers). */
  async environmentsOfProject(projectId: number): Promise<{ id: number; api_key: string }[]> {
    return (await this.transactor.reads
      .knex('environments')
      .where('project_id', projectId)
      .orderBy('id')
      .select('id', 'api_key')) as { id: number; api_key: string }[];
  }

  // ---- imports

  /**
   * Records the import (PROCESSING), applies it, and records SUCCESS with the changes, or FAILED alone (the
   * changes rolled back) when the file cannot be applied, as Flagsmith's task does.
   */
  async importFile(
    access: EnvironmentAccess,
    strategy: ImportStrategy,
    text: string,
    features: readonly ExportedFeature[],
  ): Promise<FeatureImportRow> {
    const id = await this.transactor.run(async (uow) => {
      const processing = await uow
        .knex('feature_imports')
        .where({ environment_id: access.environmentId, status: 'PROCESSING' })
        .first('id');
      if (processing)
        throw ValidationError.nonField("Can't import features, since already processing a feature import.");
      const [row] = (await uow
        .knex('feature_imports')
        .insert({ environment_id: access.environmentId, strategy, status: 'PROCESSING', data: text })
        .returning('id')) as { id: number }[];
      return (row as { id: number }).id;
    });
    try {
      await this.transactor.run(async (uow) => {
        await this.#apply(uow, access, strategy, features);
        await uow.knex('feature_imports').where('id', id).update({ status: 'SUCCESS' });
      });
    } catch (error) {
      await this.transactor.run((uow) =>
        uow.knex('feature_imports').where('id', id).update({ status: 'FAILED' }),
      );
      if (!(error instanceof ValidationError)) throw error;
    }
    return (await this.transactor.reads
      .knex('feature_imports')
      .where('id', id)
      .first(importColumns)) as FeatureImportRow;
  }

  async #apply(
    uow: UnitOfWork,
    access: EnvironmentAccess,
    strategy: ImportStrategy,
    items: readonly ExportedFeature[],
  ) {
    const project = (await uow
      .knex('projects')
      .where('id', access.projectId)
      .first('prevent_flag_defaults')) as {
      prevent_flag_defaults: boolean;
    };
    const environments = (await uow
      .knex('environments')
      .where('project_id', access.projectId)
      .orderBy('id')
      .select('id')) as { id: number }[];
    const changedBy = await actorName(uow, access.organisation.tenant);
    let createdAny = false;
    for (const item of items) {
      // Names are unique per project in any case, so a file's "Banner" is the project's "banner".
      let feature = (await uow
        .knex('features')
        .where('project_id', access.projectId)
        .whereRaw('lower(name) = lower(?)', [item.name])
        .first()) as FeatureRow | undefined;
      if (feature && strategy === 'SKIP') continue;
      if (!feature) {
        feature = await this.#createFeature(uow, access, item, project.prevent_flag_defaults, environments);
        createdAny = true;
      }
      await this.#overwrite(uow, access, feature, item, changedBy);
    }
    if (createdAny) await bumpProjectEnvironments(uow, access.projectId);
    else await bumpEnvironmentRevisions(uow, [access.environmentId]);
  }

  /** map_feature_export_data_to_feature, then Flagsmith's create_feature_states in every environment. */
  async #createFeature(
    uow: UnitOfWork,
    access: EnvironmentAccess,
    item: ExportedFeature,
    preventDefaults: boolean,
    environments: readonly { id: number }[],
  ): Promise<FeatureRow> {
    const feature = await this.features.create(uow, access.projectId, {
      name: item.name,
      type: 'STANDARD',
      initial_value: item.initial_value,
      default_enabled: item.default_enabled,
      description: null,
      is_archived: false,
      is_server_key_only: item.is_server_key_only,
    });
    await this.features.createStates(
      uow,
      environments.map((environment) => ({
        feature_id: feature.id,
        environment_id: environment.id,
        enabled: preventDefaults ? false : feature.default_enabled,
        value: initialFeatureStateValue(feature.initial_value, preventDefaults),
      })),
    );
    await this.audit.record(uow, {
      organisationId: access.organisation.organisationId,
      projectId: access.projectId,
      actor: access.organisation.tenant,
      relatedObjectType: 'FEATURE',
      relatedObjectId: feature.id,
      relatedObjectUuid: feature.uuid,
      log: `New Flag / Remote Config created: ${feature.name}`,
    });
    return feature;
  }

  /** Flagsmith's overwrite_feature_for_environment: this environment only, the feature itself untouched. */
  async #overwrite(
    uow: UnitOfWork,
    access: EnvironmentAccess,
    feature: FeatureRow,
    item: ExportedFeature,
    changedBy: string,
  ) {
    const environmentId = access.environmentId;
    await uow
      .knex('feature_segments')
      .where({ feature_id: feature.id, environment_id: environmentId })
      .delete();
    await uow
      .knex('feature_states')
      .where({ feature_id: feature.id, environment_id: environmentId })
      .whereNotNull('identity_id')
      .delete();
    const live = (await liveDefaultStates(uow.knex, environmentId, new Date())
      .where('feature_id', feature.id)
      .first('id')) as { id: number } | undefined;
    if (!live) return;
    const before = (await this.features.findState(uow, live.id)) as FeatureStateView;
    const previous = await flagWebhookData(uow, feature, before);

    const options = (await this.features.optionsOf(uow, [feature.id])).get(feature.id) ?? [];
    const imported = new Set<number>();
    const allocations = new Map(
      before.multivariate.map((mv) => [mv.multivariate_feature_option_id, mv.percentage_allocation]),
    );
    for (const data of item.multivariate) {
      const option =
        options.find((candidate) => sameOption(candidate, data)) ??
        (await this.#createOption(uow, feature, data));
      if (!options.includes(option)) options.push(option);
      imported.add(option.id);
      allocations.set(option.id, data.percentage_allocation);
    }
    for (const optionId of allocations.keys()) if (!imported.has(optionId)) allocations.set(optionId, 0);
    const total = [...allocations.values()].reduce((sum, percentage) => sum + percentage, 0);
    if (total > 100 + 1e-9) throw ValidationError.field('multivariate', overAllocated);
    await this.features.setAllocations(
      uow,
      live.id,
      [...allocations].map(([optionId, percentage]) => ({ optionId, percentage })),
    );
    const value = exportedValueToRow(item.type, item.value);
    if (!value)
      throw ValidationError.field('value', `"${String(item.value)}" is not a valid ${item.type} value.`);
    await this.features.updateState(uow, live.id, { enabled: item.enabled }, value);

    const after = (await this.features.findState(uow, live.id)) as FeatureStateView;
    await this.audit.record(uow, {
      organisationId: access.organisation.organisationId,
      projectId: access.projectId,
      environmentId,
      actor: access.organisation.tenant,
      relatedObjectType: 'FEATURE_STATE',
      relatedObjectId: live.id,
      relatedObjectUuid: after.uuid,
      log: `Flag state / Remote Config value updated for feature: ${feature.name}`,
    });
    await this.outbox.flagChanged(uow, environmentId, 'FLAG_UPDATED', {
      new_state: await flagWebhookData(uow, feature, after),
      previous_state: previous,
      changed_by: changedBy,
      timestamp: new Date().toISOString(),
    });
  }

  /**
   * A new option, as Flagsmith's MultivariateFeatureOption post-save: the feature becomes MULTIVARIATE and
   * every environment default gets it at its default allocation.
   */
  async #createOption(
    uow: UnitOfWork,
    feature: FeatureRow,
    data: ExportedOption,
  ): Promise<MultivariateOptionRow> {
    const value = exportedValueToRow(data.type, data.value);
    if (!value)
      throw ValidationError.field(
        'multivariate',
        `"${String(data.value)}" is not a valid ${data.type} value.`,
      );
    const option = await this.features.createOption(uow, feature.id, {
      ...value,
      default_percentage_allocation: data.default_percentage_allocation,
      key: null,
    });
    const states = await this.features.defaultStatesOfFeature(uow, feature.id);
    await this.features.addAllocation(
      uow,
      states.map((state) => state.id),
      option.id,
      option.default_percentage_allocation,
    );
    if (feature.type !== 'MULTIVARIATE')
      await this.features.update(uow, feature.id, { type: 'MULTIVARIATE' });
    return option;
  }

  async #exportedFeatures(
    scope: DataScope,
    access: EnvironmentAccess,
    tagIds: readonly number[],
  ): Promise<ExportedFeature[]> {
    const { knex } = scope;
    const live = (await liveDefaultStates(knex, access.environmentId, new Date()).select(
      'id',
      'feature_id',
    )) as {
      id: number;
      feature_id: number;
    }[];
    const featuresQuery = knex('features')
      .where({ project_id: access.projectId, is_archived: false })
      .orderBy('id');
    if (tagIds.length > 0)
      featuresQuery.whereIn(
        'id',
        knex('feature_tags')
          .select('feature_id')
          .whereIn('tag_id', [...tagIds]),
      );
    const features = (await featuresQuery.select('*')) as FeatureRow[];
    const stateOf = new Map(live.map((state) => [state.feature_id, state.id]));
    const states = new Map(
      (
        await this.features.defaultStates(
          scope,
          access.environmentId,
          features.map((feature) => feature.id),
        )
      ).map((state) => [state.id, state]),
    );
    const options = await this.features.optionsOf(
      scope,
      features.map((feature) => feature.id),
    );
    return features.flatMap((feature) => {
      const state = states.get(stateOf.get(feature.id) ?? -1);
      if (!state?.value) return [];
      const optionsById = new Map((options.get(feature.id) ?? []).map((option) => [option.id, option]));
      return [
        {
          name: feature.name,
          default_enabled: feature.default_enabled,
          is_server_key_only: feature.is_server_key_only,
          initial_value: feature.initial_value,
          value: rowToValue(state.value),
          type: state.value.type,
          enabled: state.enabled,
          multivariate: state.multivariate.flatMap((mv) => {
            const option = optionsById.get(mv.multivariate_feature_option_id);
            if (!option) return [];
            return [
              {
                percentage_allocation: mv.percentage_allocation,
                default_percentage_allocation: Number(option.default_percentage_allocation),
                value: rowToValue(option),
                type: option.type,
              },
            ];
          }),
        },
      ];
    });
  }

  async #findExport(scope: DataScope, id: number): Promise<FeatureExportRow | undefined> {
    return (await scope
      .knex('feature_exports as x')
      .join('environments as e', 'e.id', 'x.environment_id')
      .where('x.id', id)
      .first(exportColumns)) as FeatureExportRow | undefined;
  }
}

/** Flagsmith matches an imported option to an existing one by its type and value. */
function sameOption(option: MultivariateOptionRow, data: ExportedOption): boolean {
  return option.type === data.type && rowToValue(option) === data.value;
}
