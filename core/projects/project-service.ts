import type { AuditLog } from '../audit/audit-log.js';
import type { Transactor } from '../data/unit-of-work.js';
import { bumpProjectEnvironments } from '../environments/environment-revision.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import { grantedOrganisationKeys, type OrganisationPolicy } from '../organisations/organisation-policy.js';
import type { Tenant } from '../organisations/tenant.js';
import type { ProjectModel } from './project-model.js';
import type { ProjectAccess } from './project-policy.js';
import type { ProjectFields, ProjectListFilter, ProjectStore } from './project-store.js';

// Flagsmith's UniqueTogetherValidator message (name, organisation), reported as non_field_errors.
const duplicateName = 'A project with this name already exists.';

/** Projects of organisations: who may create them, and their settings. */
export class ProjectService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: ProjectStore,
    private readonly organisations: OrganisationPolicy,
    private readonly audit: AuditLog,
  ) {}

  list(tenant: Tenant, filter: ProjectListFilter = {}): Promise<ProjectModel[]> {
    return this.store.list(this.transactor.reads, tenant, filter);
  }

  /** Flagsmith's get-by-uuid: among the projects the caller may see, so a foreign uuid is not found. */
  async findByUuid(tenant: Tenant, uuid: string): Promise<ProjectModel> {
    const [project] = await this.store.list(this.transactor.reads, tenant, { uuid });
    if (!project) throw domainErrors.notFound();
    return project;
  }

  totals(project: ProjectModel): Promise<{ features: number; segments: number }> {
    return this.store.totals(this.transactor.reads, project.id);
  }

  async view(access: ProjectAccess): Promise<ProjectModel> {
    const project = await this.store.find(
      this.transactor.reads,
      access.organisation.tenant,
      access.projectId,
    );
    if (!project) throw domainErrors.notFound();
    return project;
  }

  /**
   * Flagsmith's ProjectPermissions for a create: a member of the organisation (anyone else is refused with
   * 403, whether the organisation exists or not) holding CREATE_PROJECT, or only its admins when the
   * organisation has `restrict_project_create_to_admin`. A creator who is not an admin becomes the
   * project's admin, so that they can see what they made.
   */
  async create(tenant: Tenant, organisationId: number, fields: ProjectFields): Promise<ProjectModel> {
    return this.transactor.run(async (uow) => {
      const access = await this.organisations.accessTo(tenant, organisationId, uow);
      if (!access) throw domainErrors.permissionDenied();
      if (!access.isAdmin) {
        const organisation = await uow
          .knex('organisations')
          .where('id', organisationId)
          .first('restrict_project_create_to_admin');
        const allowed =
          !organisation?.restrict_project_create_to_admin &&
          access.userId !== undefined &&
          (await grantedOrganisationKeys(uow, organisationId, access.userId)).has('CREATE_PROJECT');
        if (!allowed) throw domainErrors.permissionDenied();
      }
      if (await this.store.nameTaken(uow, organisationId, fields.name))
        throw ValidationError.nonField(duplicateName);
      const project = await this.store.create(uow, organisationId, fields);
      if (!access.isAdmin && access.userId !== undefined)
        await this.store.grantAdmin(uow, project.id, access.userId);
      await this.audit.record(uow, {
        organisationId,
        projectId: project.id,
        actor: tenant,
        relatedObjectType: 'PROJECT',
        relatedObjectId: project.id,
        relatedObjectUuid: project.uuid,
        log: `New Project created: ${project.name}`,
      });
      return project;
    });
  }

  async update(access: ProjectAccess, patch: Partial<ProjectFields>): Promise<ProjectModel> {
    const updated = await this.transactor.run(async (uow) => {
      const previous = await this.store.find(uow, access.organisation.tenant, access.projectId);
      if (
        previous &&
        patch.name !== undefined &&
        (await this.store.nameTaken(uow, previous.organisation_id, patch.name, previous.id))
      )
        throw ValidationError.nonField(duplicateName);
      const project = await this.store.update(uow, access.organisation.tenant, access.projectId, patch);
      // hide_disabled_flags changes what every environment's SDKs see; the documents also carry the name and
      // enable_realtime_updates.
      const seenBySdks =
        patch.hide_disabled_flags !== undefined ||
        (patch.name !== undefined && patch.name !== previous?.name) ||
        (patch.enable_realtime_updates !== undefined &&
          patch.enable_realtime_updates !== previous?.enable_realtime_updates);
      if (project && seenBySdks) await bumpProjectEnvironments(uow, project.id);
      if (project) {
        await this.audit.record(uow, {
          organisationId: project.organisation_id,
          projectId: project.id,
          actor: access.organisation.tenant,
          relatedObjectType: 'PROJECT',
          relatedObjectId: project.id,
          relatedObjectUuid: project.uuid,
          log: `Project updated: ${project.name}`,
        });
      }
      return project;
    });
    if (!updated) throw domainErrors.notFound();
    return updated;
  }

  async delete(access: ProjectAccess): Promise<void> {
    const deleted = await this.transactor.run(async (uow) => {
      const project = await this.store.find(uow, access.organisation.tenant, access.projectId);
      if (!project) return false;
      // Its environments go with it: bumped first, so that every process drops their cached keys and flags.
      await bumpProjectEnvironments(uow, project.id);
      if (!(await this.store.delete(uow, access.organisation.tenant, access.projectId))) return false;
      await this.audit.record(uow, {
        organisationId: project.organisation_id,
        projectId: project.id,
        actor: access.organisation.tenant,
        relatedObjectType: 'PROJECT',
        relatedObjectId: project.id,
        relatedObjectUuid: project.uuid,
        log: `Project deleted: ${project.name}`,
      });
      return true;
    });
    if (!deleted) throw domainErrors.notFound();
  }
}
