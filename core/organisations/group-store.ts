import { UniqueViolationError } from 'objection';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { ValidationError } from '../errors/domain-error.js';
import type { UserSummary } from '../users/user-model.js';
import { UserGroupModel } from './organisation-models.js';
import { type Tenant, tenantOrganisationIds } from './organisation-policy.js';
import type { PageRequest } from './pagination.js';

export interface GroupFields {
  name: string;
  is_default?: boolean;
  external_id?: string | null;
}

export interface GroupMember extends Omit<UserSummary, 'uuid'> {
  readonly group_admin: boolean;
}

export interface GroupWithMembers {
  readonly group: UserGroupModel;
  readonly members: GroupMember[];
}

const externalIdTaken = 'A group with this external ID already exists in this organisation.';

/** User groups (Flagsmith's UserPermissionGroup) and their memberships, scoped to the tenant's organisations. */
export class GroupStore {
  #groups(scope: DataScope, tenant: Tenant, organisationId: number) {
    const visible = tenantOrganisationIds(scope.knex, tenant) as unknown as number[];
    return UserGroupModel.query(scope.knex)
      .where('user_permission_groups.organisation_id', organisationId)
      .whereIn('user_permission_groups.organisation_id', visible);
  }

  async #withMembers(scope: DataScope, groups: UserGroupModel[]): Promise<GroupWithMembers[]> {
    const ids = groups.map((group) => group.id);
    const rows =
      ids.length === 0
        ? []
        : ((await scope
            .knex('user_permission_group_memberships as m')
            .join('users as u', 'u.id', 'm.user_id')
            .whereIn('m.group_id', ids)
            .orderBy('u.id')
            .select(
              'm.group_id',
              'u.id',
              'u.email',
              'u.first_name',
              'u.last_name',
              'u.last_login',
              'm.group_admin',
            )) as (GroupMember & {
            group_id: number;
          })[]);
    return groups.map((group) => ({
      group,
      members: rows
        .filter((row) => row.group_id === group.id)
        .map(({ group_id: _groupId, ...member }) => member),
    }));
  }

  /** `onlyAdminOf`: the groups this person is a group admin of (what a non-admin member may list). */
  async list(
    scope: DataScope,
    tenant: Tenant,
    organisationId: number,
    page: PageRequest,
    onlyAdminOf?: number,
  ): Promise<{ count: number; rows: GroupWithMembers[] }> {
    const query = () => {
      const q = this.#groups(scope, tenant, organisationId);
      if (onlyAdminOf !== undefined) {
        q.whereIn(
          'user_permission_groups.id',
          scope
            .knex('user_permission_group_memberships')
            .select('group_id')
            .where({ user_id: onlyAdminOf, group_admin: true }) as unknown as number[],
        );
      }
      return q;
    };
    const counted = (await query().count('user_permission_groups.id as count').first()) as unknown as {
      count: number;
    };
    const groups = await query()
      .orderBy('user_permission_groups.id')
      .offset(page.offset)
      .limit(page.pageSize);
    return { count: Number(counted.count), rows: await this.#withMembers(scope, groups) };
  }

  async summaries(scope: DataScope, tenant: Tenant, organisationId: number, memberId?: number) {
    const query = this.#groups(scope, tenant, organisationId)
      .orderBy('user_permission_groups.id')
      .select('id', 'name');
    if (memberId !== undefined) {
      query.whereIn(
        'user_permission_groups.id',
        scope
          .knex('user_permission_group_memberships')
          .select('group_id')
          .where('user_id', memberId) as unknown as number[],
      );
    }
    return (await query) as Pick<UserGroupModel, 'id' | 'name'>[];
  }

  async find(
    scope: DataScope,
    tenant: Tenant,
    organisationId: number,
    id: number,
  ): Promise<GroupWithMembers | undefined> {
    const group = await this.#groups(scope, tenant, organisationId).findById(id);
    return group ? (await this.#withMembers(scope, [group]))[0] : undefined;
  }

  async #write(run: () => PromiseLike<UserGroupModel>): Promise<UserGroupModel> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof UniqueViolationError) throw ValidationError.field('external_id', externalIdTaken);
      throw error;
    }
  }

  async create(uow: UnitOfWork, organisationId: number, fields: GroupFields): Promise<GroupWithMembers> {
    const group = await this.#write(() =>
      UserGroupModel.query(uow.knex).insertAndFetch({ ...fields, organisation_id: organisationId }),
    );
    return { group, members: [] };
  }

  async update(
    uow: UnitOfWork,
    tenant: Tenant,
    organisationId: number,
    id: number,
    patch: Partial<GroupFields>,
  ) {
    const group = await this.#groups(uow, tenant, organisationId).findById(id);
    if (!group) return undefined;
    const updated =
      Object.keys(patch).length === 0
        ? group
        : await this.#write(() => UserGroupModel.query(uow.knex).patchAndFetchById(id, patch));
    return (await this.#withMembers(uow, [updated]))[0];
  }

  async delete(uow: UnitOfWork, tenant: Tenant, organisationId: number, id: number): Promise<boolean> {
    // `returning`: PGlite's driver answers a bare delete with a result object, pg with a count.
    return (
      (await this.#groups(uow, tenant, organisationId).where('id', id).delete().returning('id')).length > 0
    );
  }

  /** The ids among `userIds` that are members of the organisation. */
  async membersOf(scope: DataScope, organisationId: number, userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const rows = (await scope
      .knex('user_organisations')
      .where('organisation_id', organisationId)
      .whereIn('user_id', userIds)
      .select('user_id')) as { user_id: number }[];
    return new Set(rows.map((row) => row.user_id));
  }

  async addUsers(uow: UnitOfWork, groupId: number, userIds: number[]): Promise<void> {
    if (userIds.length === 0) return;
    await uow
      .knex('user_permission_group_memberships')
      .insert(userIds.map((user_id) => ({ group_id: groupId, user_id })))
      .onConflict(['group_id', 'user_id'])
      .ignore();
  }

  async removeUsers(uow: UnitOfWork, groupId: number, userIds: number[]): Promise<void> {
    if (userIds.length === 0) return;
    await uow
      .knex('user_permission_group_memberships')
      .where('group_id', groupId)
      .whereIn('user_id', userIds)
      .delete();
  }

  /** Sets a member's group_admin flag; false when they are not a member of the group. */
  async setGroupAdmin(
    uow: UnitOfWork,
    groupId: number,
    userId: number,
    groupAdmin: boolean,
  ): Promise<boolean> {
    const updated = await uow
      .knex('user_permission_group_memberships')
      .where({ group_id: groupId, user_id: userId })
      .update({ group_admin: groupAdmin })
      .returning('id');
    return updated.length > 0;
  }
}
