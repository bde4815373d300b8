import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import type { Tenant } from '../organisations/tenant.js';
import { ProjectModel } from './project-model.js';
import type { ProjectPolicy } from './project-policy.js';

export interface ProjectFields {
  name: string;
  hide_disabled_flags?: boolean;
  enable_realtime_updates?: boolean;
  prevent_flag_defaults?: boolean;
  only_allow_lower_case_feature_names?: boolean;
  feature_name_regex?: string | null;
  stale_flags_limit_days?: number;
  enforce_feature_owners?: boolean;
}

/** The list's filters: Flagsmith's `?organisation=` and `?uuid=`. */
export interface ProjectListFilter {
  readonly organisationId?: number | undefined;
  readonly uuid?: string | undefined;
}

/** Projects, every read filtered by the projects the tenant may see. */
export class ProjectStore {
  constructor(private readonly policy: ProjectPolicy) {}

  #visible(scope: DataScope, tenant: Tenant) {
    // objection's typings want its own builder for a subquery; knex's compiles the same.
    const ids = this.policy.visibleProjectIds(scope.knex, tenant) as unknown as number[];
    return ProjectModel.query(scope.knex).whereIn('projects.id', ids);
  }

  async list(scope: DataScope, tenant: Tenant, filter: ProjectListFilter = {}): Promise<ProjectModel[]> {
    const query = this.#visible(scope, tenant).orderBy('id');
    if (filter.organisationId !== undefined) query.where('organisation_id', filter.organisationId);
    if (filter.uuid !== undefined) query.where('uuid', filter.uuid);
    return await query;
  }

  /** Another project of the same organisation already named `name` (Flagsmith's unique together). */
  async nameTaken(
    scope: DataScope,
    organisationId: number,
    name: string,
    exceptId?: number,
  ): Promise<boolean> {
    const query = scope.knex('projects').where({ organisation_id: organisationId, name }).first('id');
    if (exceptId !== undefined) query.whereNot('id', exceptId);
    return (await query) !== undefined;
  }

  /** ProjectRetrieveSerializer's totals: every feature, and the live segments (as the segment limit counts). */
  async totals(scope: DataScope, projectId: number): Promise<{ features: number; segments: number }> {
    const [features] = (await scope
      .knex('features')
      .where('project_id', projectId)
      .count({ count: '*' })) as {
      count: string | number;
    }[];
    const [segments] = (await scope
      .knex('segments')
      .where('project_id', projectId)
      .whereNull('deleted_at')
      .whereRaw('version_of_id = id')
      .count({ count: '*' })) as { count: string | number }[];
    return { features: Number(features?.count ?? 0), segments: Number(segments?.count ?? 0) };
  }

  async find(scope: DataScope, tenant: Tenant, id: number): Promise<ProjectModel | undefined> {
    return await this.#visible(scope, tenant).findById(id);
  }

  async create(uow: UnitOfWork, organisationId: number, fields: ProjectFields): Promise<ProjectModel> {
    return await ProjectModel.query(uow.knex).insertAndFetch({ ...fields, organisation_id: organisationId });
  }

  async update(
    uow: UnitOfWork,
    tenant: Tenant,
    id: number,
    patch: Partial<ProjectFields>,
  ): Promise<ProjectModel | undefined> {
    if (Object.keys(patch).length > 0) await this.#visible(uow, tenant).where('projects.id', id).patch(patch);
    return await this.find(uow, tenant, id);
  }

  async delete(uow: UnitOfWork, tenant: Tenant, id: number): Promise<boolean> {
    // `returning`: PGlite's driver answers a bare delete with a result object, pg with a count.
    return (await this.#visible(uow, tenant).where('projects.id', id).delete().returning('id')).length > 0;
  }

  async grantAdmin(uow: UnitOfWork, projectId: number, userId: number): Promise<void> {
    await uow
      .knex('project_permission_grants')
      .insert({ project_id: projectId, user_id: userId, admin: true });
  }
}
