import type { AuditLog } from '../audit/audit-log.js';
import type { Transactor, UnitOfWork } from '../data/unit-of-work.js';
import { bumpOrganisationEnvironments } from '../environments/environment-revision.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { OrganisationModel, OrganisationRole } from './organisation-models.js';
import type { OrganisationAccess, Tenant } from './organisation-policy.js';
import type {
  Member,
  OrganisationFields,
  OrganisationStore,
  OrganisationView,
} from './organisation-store.js';
import type { PageRequest } from './pagination.js';

/** Organisations and their members. Routes translate HTTP and declare permissions; this decides. */
export class OrganisationService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: OrganisationStore,
    private readonly settings: { readonly defaultOrgStoreTraitsValue: boolean },
    private readonly audit: AuditLog,
  ) {}

  async list(tenant: Tenant, page: PageRequest): Promise<{ count: number; views: OrganisationView[] }> {
    const reads = this.transactor.reads;
    const { count, rows } = await this.store.list(reads, tenant, page);
    return { count, views: await this.store.views(reads, tenant, rows) };
  }

  async view(tenant: Tenant, organisationId: number): Promise<OrganisationView> {
    const reads = this.transactor.reads;
    const organisation = await this.store.find(reads, tenant, organisationId);
    if (!organisation) throw domainErrors.notFound();
    const [view] = await this.store.views(reads, tenant, [organisation]);
    return view as OrganisationView;
  }

  /**
   * Flagsmith's get-by-uuid: any organisation the caller belongs to (members too, unlike the detail, since
   * Flagsmith's action runs no object permission); another tenant's uuid is not found.
   */
  async findByUuid(tenant: Tenant, uuid: string): Promise<OrganisationView> {
    const reads = this.transactor.reads;
    const organisation = await this.store.findByUuid(reads, tenant, uuid);
    if (!organisation) throw domainErrors.notFound();
    const [view] = await this.store.views(reads, tenant, [organisation]);
    return view as OrganisationView;
  }

  /** The creator becomes the organisation's ADMIN; trait storage follows DEFAULT_ORG_STORE_TRAITS_VALUE. */
  async create(creatorUserId: number, fields: OrganisationFields): Promise<OrganisationView> {
    const organisation = await this.transactor.run(async (uow) => {
      const created = await this.store.create(uow, {
        ...fields,
        persist_trait_data: this.settings.defaultOrgStoreTraitsValue,
      });
      await this.store.addMember(uow, created.id, creatorUserId, 'ADMIN');
      await this.audit.record(uow, {
        organisationId: created.id,
        actor: { kind: 'user', userId: creatorUserId },
        relatedObjectType: 'ORGANISATION',
        relatedObjectId: created.id,
        relatedObjectUuid: created.uuid,
        log: `New Organisation created: ${created.name}`,
      });
      return created;
    });
    return this.view({ kind: 'user', userId: creatorUserId }, organisation.id);
  }

  async update(access: OrganisationAccess, patch: Partial<OrganisationFields>): Promise<OrganisationView> {
    const updated = await this.transactor.run(async (uow) => {
      const previous = await this.store.find(uow, access.tenant, access.organisationId);
      const organisation = await this.store.update(uow, access.tenant, access.organisationId, patch);
      // The environment documents of its projects carry the name and persist_trait_data.
      const seenBySdks =
        (patch.name !== undefined && patch.name !== previous?.name) ||
        (patch.persist_trait_data !== undefined && patch.persist_trait_data !== previous?.persist_trait_data);
      if (organisation && seenBySdks) await bumpOrganisationEnvironments(uow, organisation.id);
      if (organisation) {
        await this.audit.record(uow, {
          organisationId: organisation.id,
          actor: access.tenant,
          relatedObjectType: 'ORGANISATION',
          relatedObjectId: organisation.id,
          relatedObjectUuid: organisation.uuid,
          log: `Organisation updated: ${organisation.name}`,
        });
      }
      return organisation;
    });
    if (!updated) throw domainErrors.notFound();
    return this.view(access.tenant, access.organisationId);
  }

  async delete(access: OrganisationAccess): Promise<void> {
    const deleted = await this.transactor.run(async (uow) => {
      const organisation = await this.store.find(uow, access.tenant, access.organisationId);
      if (!organisation) return false;
      // Its environments go with it: bumped first, so that every process drops their cached keys and flags.
      await bumpOrganisationEnvironments(uow, organisation.id);
      if (!(await this.store.delete(uow, access.tenant, access.organisationId))) return false;
      await this.audit.record(uow, {
        organisationId: organisation.id,
        actor: access.tenant,
        relatedObjectType: 'ORGANISATION',
        relatedObjectId: organisation.id,
        relatedObjectUuid: organisation.uuid,
        log: `Organisation deleted: ${organisation.name}`,
      });
      return true;
    });
    if (!deleted) throw domainErrors.notFound();
  }

  members(access: OrganisationAccess): Promise<Member[]> {
    return this.store.members(this.transactor.reads, access.tenant, access.organisationId);
  }

  /** Flagsmith's `users/{id}/update-role/`: someone who is not a member is not found. */
  async updateRole(
    access: OrganisationAccess,
    userId: number,
    role: OrganisationRole,
  ): Promise<{ role: OrganisationRole; organisation: OrganisationModel }> {
    return this.transactor.run(async (uow) => {
      const membership = await this.store.membership(uow, access.organisationId, userId);
      if (!membership) throw domainErrors.notFound();
      await this.store.setRole(uow, access.organisationId, userId, role);
      await this.#recordMember(uow, access, userId, (email) => `User role updated: ${email} is now ${role}`);
      const organisation = (await this.store.find(
        uow,
        access.tenant,
        access.organisationId,
      )) as OrganisationModel;
      return { role, organisation };
    });
  }

  /**
   * Flagsmith's `remove-users/`. Unlike Flagsmith, an id that is not a member of this organisation is
   * reported as not existing, so that the answer reveals nothing about other tenants' users.
   */
  async removeUsers(access: OrganisationAccess, userIds: number[]): Promise<void> {
    await this.transactor.run(async (uow) => {
      for (const userId of userIds) {
        if (!(await this.store.membership(uow, access.organisationId, userId))) {
          throw ValidationError.field('id', `User with id ${userId} does not exist`);
        }
      }
      for (const userId of new Set(userIds))
        await this.#recordMember(uow, access, userId, (email) => `User removed from organisation: ${email}`);
      await this.store.removeMembers(uow, access.organisationId, userIds);
    });
  }

  async #recordMember(
    uow: UnitOfWork,
    access: OrganisationAccess,
    userId: number,
    log: (email: string) => string,
  ): Promise<void> {
    const user = (await uow.knex('users').where('id', userId).first('email', 'uuid')) as
      | { email: string; uuid: string }
      | undefined;
    await this.audit.record(uow, {
      organisationId: access.organisationId,
      actor: access.tenant,
      relatedObjectType: 'USER',
      relatedObjectId: userId,
      relatedObjectUuid: user?.uuid ?? null,
      log: log(user?.email ?? String(userId)),
    });
  }

  /** For joining by invite: adds the person (with the invite's role) unless they are a member already. */
  addMember(...args: Parameters<OrganisationStore['addMember']>): Promise<boolean> {
    return this.store.addMember(...args);
  }
}
