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

/** Projects, every read filtered by the projects the tenant may see. */
export class ProjectStore {
  constructor(private readonly policy: ProjectPolicy) {}

  #visible(scope: DataScope, tenant: Tenant) {
    // objection's typings want its own builder for a subquery; knex's compiles the same.
    const ids = this.policy.visibleProjectIds(scope.knex, tenant) as unknown as number[];
    return ProjectModel.query(scope.knex).whereIn('projects.id', ids);
  }

  async list(scope: DataScope, tenant: Tenant, organisationId?: number): Promise<ProjectModel[]> {
    const query = this.#visible(scope, tenant).orderBy('id');
    if (organisationId !== undefined) query.where('organisation_id', organisationId);
    return await query;
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
