import type { AuditLog, RelatedObjectType } from '../audit/audit-log.js';
import type { Transactor, UnitOfWork } from '../data/unit-of-work.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { OrganisationPolicy } from '../organisations/organisation-policy.js';
import type { PageRequest } from '../organisations/pagination.js';
import { type Tenant, tenantOrganisationIds } from '../organisations/tenant.js';
import type { EnvironmentApiKeyFields, EnvironmentApiKeyStore } from './environment-api-key-store.js';
import type { EnvironmentModel } from './environment-models.js';
import type { EnvironmentAccess, EnvironmentPolicy } from './environment-policy.js';
import { bumpEnvironmentRevisions } from './environment-revision.js';
import type { EnvironmentFields, EnvironmentStore } from './environment-store.js';

// Flagsmith's wording.
const invalidProjectFilter = 'Invalid or missing value for project parameter.';
const duplicateName = 'An environment with this name already exists.';
const duplicateApiKey = 'environment with this api key already exists.';

/** Environments of projects and their server-side keys. */
export class EnvironmentService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: EnvironmentStore,
    private readonly apiKeys: EnvironmentApiKeyStore,
    private readonly organisations: OrganisationPolicy,
    private readonly policy: EnvironmentPolicy,
    private readonly audit: AuditLog,
  ) {}

  /** An audit entry for a change to an environment or something in it, in the change's own transaction. */
  #record(
    uow: UnitOfWork,
    where: { organisationId: number; projectId: number; environmentId: number; actor: Tenant },
    what: { type: RelatedObjectType; id: number; uuid?: string; log: string },
  ) {
    return this.audit.record(uow, {
      organisationId: where.organisationId,
      projectId: where.projectId,
      environmentId: where.environmentId,
      actor: where.actor,
      relatedObjectType: what.type,
      relatedObjectId: what.id,
      ...(what.uuid === undefined ? {} : { relatedObjectUuid: what.uuid }),
      log: what.log,
    });
  }

  #where(access: EnvironmentAccess) {
    return {
      organisationId: access.organisation.organisationId,
      projectId: access.projectId,
      environmentId: access.environmentId,
      actor: access.organisation.tenant,
    };
  }

  /** A project of one of the tenant's organisations (another tenant's is the same as none at all). */
  async #ownProject(scope = this.transactor.reads, tenant: Tenant, projectId: number | undefined) {
    if (projectId === undefined) return undefined;
    return (await scope
      .knex('projects')
      .where('id', projectId)
      .whereIn('organisation_id', tenantOrganisationIds(scope.knex, tenant))
      .first('id', 'organisation_id')) as { id: number; organisation_id: number } | undefined;
  }

  /** Flagsmith's list requires `?project=`: a missing, malformed or unknown project is a 400. */
  async list(tenant: Tenant, projectId: number | undefined, page: PageRequest) {
    const project = await this.#ownProject(this.transactor.reads, tenant, projectId);
    if (!project) throw ValidationError.field('project', invalidProjectFilter);
    return this.store.list(this.transactor.reads, tenant, project.id, page);
  }

  /**
   * Flagsmith's get-by-uuid, among the environments the caller may view: where Flagsmith answers 403 for an
   * environment it may not view, another tenant's is a 404 here, as every foreign object is.
   */
  async findByUuid(tenant: Tenant, uuid: string): Promise<EnvironmentModel> {
    const environment = await this.store.findByUuid(this.transactor.reads, tenant, uuid);
    if (!environment) throw domainErrors.notFound();
    return environment;
  }

  /** Flagsmith's `projects/{id}/environments/`, which its project admins call. */
  allOfProject(tenant: Tenant, projectId: number): Promise<EnvironmentModel[]> {
    return this.store.allOfProject(this.transactor.reads, tenant, projectId);
  }

  async view(access: EnvironmentAccess): Promise<EnvironmentModel> {
    const environment = await this.store.find(
      this.transactor.reads,
      access.organisation.tenant,
      access.environmentId,
    );
    if (!environment) throw domainErrors.notFound();
    return environment;
  }

  /**
   * Flagsmith's EnvironmentPermissions on create: the project's CREATE_ENVIRONMENT (its admins and the
   * organisation's hold it). A project that is not the tenant's is DRF's unknown primary key, exactly like
   * one that does not exist. A person who creates an environment becomes its admin, as in Flagsmith.
   */
  async create(tenant: Tenant, projectId: number, fields: EnvironmentFields): Promise<EnvironmentModel> {
    return this.transactor.run(async (uow) => {
      const project = await this.#ownProject(uow, tenant, projectId);
      const organisation =
        project && (await this.organisations.accessTo(tenant, project.organisation_id, uow));
      if (!project || !organisation)
        throw ValidationError.field('project', `Invalid pk "${projectId}" - object does not exist.`);
      const standing = await this.policy.projectStanding(organisation, project.id, uow);
      if (!standing.isAdmin && !standing.keys.has('CREATE_ENVIRONMENT'))
        throw domainErrors.permissionDenied();
      await this.#checkUnique(uow, project.id, fields);
      const environment = await this.store.create(uow, project.id, fields);
      if (tenant.kind === 'user') await this.store.grantAdmin(uow, environment.id, tenant.userId);
      await this.#record(
        uow,
        {
          organisationId: project.organisation_id,
          projectId: project.id,
          environmentId: environment.id,
          actor: tenant,
        },
        {
          type: 'ENVIRONMENT',
          id: environment.id,
          uuid: environment.uuid,
          log: `New Environment created: ${environment.name}`,
        },
      );
      return environment;
    });
  }

  async #checkUnique(
    scope: Parameters<EnvironmentStore['nameTaken']>[0],
    projectId: number,
    fields: Partial<EnvironmentFields>,
    exceptId?: number,
  ) {
    if (fields.name !== undefined && (await this.store.nameTaken(scope, projectId, fields.name, exceptId)))
      throw ValidationError.nonField(duplicateName);
    if (fields.api_key !== undefined && (await this.store.apiKeyTaken(scope, fields.api_key, exceptId)))
      throw ValidationError.field('api_key', duplicateApiKey);
  }

  async update(access: EnvironmentAccess, patch: Partial<EnvironmentFields>): Promise<EnvironmentModel> {
    const updated = await this.transactor.run(async (uow) => {
      await this.#checkUnique(uow, access.projectId, patch, access.environmentId);
      const environment = await this.store.update(
        uow,
        access.organisation.tenant,
        access.environmentId,
        patch,
      );
      if (environment) {
        await this.#record(uow, this.#where(access), {
          type: 'ENVIRONMENT',
          id: environment.id,
          uuid: environment.uuid,
          log: `Environment updated: ${environment.name}`,
        });
        // The environment document carries its settings (hide_disabled_flags, hashing, local evaluation).
        await bumpEnvironmentRevisions(uow, [environment.id]);
      }
      return environment;
    });
    if (!updated) throw domainErrors.notFound();
    return updated;
  }

  async delete(access: EnvironmentAccess): Promise<void> {
    const environment = await this.view(access);
    const deleted = await this.transactor.run(async (uow) => {
      // Bumped first so that every process drops what it cached for the environment's keys and flags.
      await bumpEnvironmentRevisions(uow, [access.environmentId]);
      if (!(await this.store.delete(uow, access.organisation.tenant, access.environmentId))) return false;
      await this.#record(uow, this.#where(access), {
        type: 'ENVIRONMENT',
        id: environment.id,
        uuid: environment.uuid,
        log: `Environment deleted: ${environment.name}`,
      });
      return true;
    });
    if (!deleted) throw domainErrors.notFound();
  }

  /** Flagsmith's clone: no name check (its clone serializer has no unique validator); the cloner becomes admin. */
  async clone(access: EnvironmentAccess, name: string): Promise<EnvironmentModel> {
    const source = await this.view(access);
    return this.transactor.run(async (uow) => {
      const clone = await this.store.clone(uow, source, name);
      const { tenant } = access.organisation;
      if (tenant.kind === 'user') await this.store.grantAdmin(uow, clone.id, tenant.userId);
      await this.#record(
        uow,
        { ...this.#where(access), environmentId: clone.id },
        {
          type: 'ENVIRONMENT',
          id: clone.id,
          uuid: clone.uuid,
          log: `New Environment created: ${clone.name} (cloned from ${source.name})`,
        },
      );
      return clone;
    });
  }

  listApiKeys(access: EnvironmentAccess) {
    return this.apiKeys.list(this.transactor.reads, access.environmentId);
  }

  createApiKey(access: EnvironmentAccess, fields: EnvironmentApiKeyFields) {
    return this.transactor.run(async (uow) => {
      const created = await this.apiKeys.create(uow, access.environmentId, fields);
      await this.#record(uow, this.#where(access), {
        type: 'SERVER_API_KEY',
        id: created.row.id,
        log: `New server-side key created: ${created.row.name}`,
      });
      return created;
    });
  }

  async updateApiKey(access: EnvironmentAccess, id: number, patch: Partial<EnvironmentApiKeyFields>) {
    const updated = await this.transactor.run(async (uow) => {
      const shown = await this.apiKeys.update(uow, access.environmentId, id, patch);
      if (shown) {
        // A revoked or re-dated key must stop (or start) working at once in every process's key cache.
        await bumpEnvironmentRevisions(uow, [access.environmentId]);
        await this.#record(uow, this.#where(access), {
          type: 'SERVER_API_KEY',
          id,
          log: `${patch.active === false ? 'Server-side key revoked' : 'Server-side key updated'}: ${shown.row.name}`,
        });
      }
      return shown;
    });
    if (!updated) throw domainErrors.notFound();
    return updated;
  }

  async deleteApiKey(access: EnvironmentAccess, id: number): Promise<void> {
    const deleted = await this.transactor.run(async (uow) => {
      if (!(await this.apiKeys.delete(uow, access.environmentId, id))) return false;
      await bumpEnvironmentRevisions(uow, [access.environmentId]);
      await this.#record(uow, this.#where(access), {
        type: 'SERVER_API_KEY',
        id,
        log: 'Server-side key deleted',
      });
      return true;
    });
    if (!deleted) throw domainErrors.notFound();
  }
}
