import type { AuditLog } from '../audit/audit-log.js';
import type { Transactor, UnitOfWork } from '../data/unit-of-work.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { GroupFields, GroupStore, GroupWithMembers } from './group-store.js';
import type { OrganisationAccess } from './organisation-policy.js';
import type { PageRequest } from './pagination.js';

/** User groups: who is in them and who administers them. Permissions granted to groups arrive with projects. */
export class GroupService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: GroupStore,
    private readonly audit: AuditLog,
  ) {}

  #record(uow: UnitOfWork, access: OrganisationAccess, groupId: number, log: string) {
    return this.audit.record(uow, {
      organisationId: access.organisationId,
      actor: access.tenant,
      relatedObjectType: 'GROUP',
      relatedObjectId: groupId,
      log,
    });
  }

  async #emails(uow: UnitOfWork, userIds: number[]): Promise<string> {
    if (userIds.length === 0) return '';
    const rows = (await uow.knex('users').whereIn('id', userIds).orderBy('id').select('email')) as {
      email: string;
    }[];
    return rows.map((row) => row.email).join(', ');
  }

  /**
   * Admins and holders of MANAGE_USER_GROUPS (`seeAll`) see every group; other members only the groups
   * they administer, as in Flagsmith.
   */
  list(access: OrganisationAccess, page: PageRequest, seeAll: boolean) {
    if (!seeAll && access.userId === undefined) return Promise.resolve({ count: 0, rows: [] });
    return this.store.list(
      this.transactor.reads,
      access.tenant,
      access.organisationId,
      page,
      seeAll ? undefined : access.userId,
    );
  }

  summaries(access: OrganisationAccess) {
    return this.store.summaries(this.transactor.reads, access.tenant, access.organisationId);
  }

  /** `my-groups/`: the groups the signed-in person belongs to (none for a master API key). */
  async myGroups(access: OrganisationAccess) {
    if (access.userId === undefined) return [];
    return this.store.summaries(this.transactor.reads, access.tenant, access.organisationId, access.userId);
  }

  async find(access: OrganisationAccess, id: number): Promise<GroupWithMembers> {
    const found = await this.store.find(this.transactor.reads, access.tenant, access.organisationId, id);
    if (!found) throw domainErrors.notFound();
    return found;
  }

  create(access: OrganisationAccess, fields: GroupFields): Promise<GroupWithMembers> {
    return this.transactor.run(async (uow) => {
      const created = await this.store.create(uow, access.organisationId, fields);
      await this.#record(uow, access, created.group.id, `New Group created: ${created.group.name}`);
      return created;
    });
  }

  async update(
    access: OrganisationAccess,
    id: number,
    patch: Partial<GroupFields>,
  ): Promise<GroupWithMembers> {
    const updated = await this.transactor.run(async (uow) => {
      const group = await this.store.update(uow, access.tenant, access.organisationId, id, patch);
      if (group) await this.#record(uow, access, id, `Group updated: ${group.group.name}`);
      return group;
    });
    if (!updated) throw domainErrors.notFound();
    return updated;
  }

  async delete(access: OrganisationAccess, id: number): Promise<void> {
    const deleted = await this.transactor.run(async (uow) => {
      const group = await this.store.find(uow, access.tenant, access.organisationId, id);
      if (!group || !(await this.store.delete(uow, access.tenant, access.organisationId, id))) return false;
      await this.#record(uow, access, id, `Group deleted: ${group.group.name}`);
      return true;
    });
    if (!deleted) throw domainErrors.notFound();
  }

  /** Only members of the organisation can join its groups; anyone else is reported missing, as Flagsmith does. */
  async addUsers(access: OrganisationAccess, id: number, userIds: number[]): Promise<GroupWithMembers> {
    await this.transactor.run(async (uow) => {
      const group = await this.store.find(uow, access.tenant, access.organisationId, id);
      if (!group) throw domainErrors.notFound();
      const unique = [...new Set(userIds)];
      const members = await this.store.membersOf(uow, access.organisationId, unique);
      const missing = unique.filter((userId) => !members.has(userId));
      if (missing.length > 0) {
        throw ValidationError.field(
          'user_ids',
          `Users ${missing.join(', ')} do not exist in this organisation`,
        );
      }
      await this.store.addUsers(uow, id, unique);
      if (unique.length > 0)
        await this.#record(
          uow,
          access,
          id,
          `Users added to group ${group.group.name}: ${await this.#emails(uow, unique)}`,
        );
    });
    return this.find(access, id);
  }

  async removeUsers(access: OrganisationAccess, id: number, userIds: number[]): Promise<GroupWithMembers> {
    await this.transactor.run(async (uow) => {
      const group = await this.store.find(uow, access.tenant, access.organisationId, id);
      if (!group) throw domainErrors.notFound();
      await this.store.removeUsers(uow, id, userIds);
      if (userIds.length > 0)
        await this.#record(
          uow,
          access,
          id,
          `Users removed from group ${group.group.name}: ${await this.#emails(uow, [...new Set(userIds)])}`,
        );
    });
    return this.find(access, id);
  }

  /** `make-admin` / `remove-admin`: the person must already be in the group. */
  async setGroupAdmin(
    access: OrganisationAccess,
    id: number,
    userId: number,
    groupAdmin: boolean,
  ): Promise<void> {
    await this.transactor.run(async (uow) => {
      const group = await this.store.find(uow, access.tenant, access.organisationId, id);
      if (!group) throw domainErrors.notFound();
      if (!(await this.store.setGroupAdmin(uow, id, userId, groupAdmin))) throw domainErrors.notFound();
      const email = await this.#emails(uow, [userId]);
      await this.#record(
        uow,
        access,
        id,
        groupAdmin
          ? `Group admin added to ${group.group.name}: ${email}`
          : `Group admin removed from ${group.group.name}: ${email}`,
      );
    });
  }
}
