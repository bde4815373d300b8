import type { Transactor } from '../data/unit-of-work.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { GroupFields, GroupStore, GroupWithMembers } from './group-store.js';
import type { OrganisationAccess } from './organisation-policy.js';
import type { PageRequest } from './pagination.js';

/** User groups: who is in them and who administers them. Permissions granted to groups arrive with projects. */
export class GroupService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: GroupStore,
  ) {}

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
    return this.transactor.run((uow) => this.store.create(uow, access.organisationId, fields));
  }

  async update(
    access: OrganisationAccess,
    id: number,
    patch: Partial<GroupFields>,
  ): Promise<GroupWithMembers> {
    const updated = await this.transactor.run((uow) =>
      this.store.update(uow, access.tenant, access.organisationId, id, patch),
    );
    if (!updated) throw domainErrors.notFound();
    return updated;
  }

  async delete(access: OrganisationAccess, id: number): Promise<void> {
    const deleted = await this.transactor.run((uow) =>
      this.store.delete(uow, access.tenant, access.organisationId, id),
    );
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
    });
    return this.find(access, id);
  }

  async removeUsers(access: OrganisationAccess, id: number, userIds: number[]): Promise<GroupWithMembers> {
    await this.transactor.run(async (uow) => {
      const group = await this.store.find(uow, access.tenant, access.organisationId, id);
      if (!group) throw domainErrors.notFound();
      await this.store.removeUsers(uow, id, userIds);
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
    });
  }
}
