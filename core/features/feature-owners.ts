import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { grantedTo } from '../organisations/permission-grants.js';
import { projectGrantLevel } from '../projects/project-policy.js';
import type { UserSummary } from '../users/user-model.js';

export interface GroupSummary {
  id: number;
  name: string;
}

/**
 * Feature owners (people) and group owners, as Flagsmith's Feature.owners and Feature.group_owners. An owner
 * must be able to see the project (VIEW_PROJECT); a group owner must be a group of the project's organisation.
 */
export class FeatureOwnerStore {
  async ownersOf(scope: DataScope, featureIds: readonly number[]): Promise<Map<number, UserSummary[]>> {
    const byFeature = new Map<number, UserSummary[]>();
    if (featureIds.length === 0) return byFeature;
    const rows = (await scope
      .knex('feature_owners as o')
      .join('users as u', 'u.id', 'o.user_id')
      .whereIn('o.feature_id', [...featureIds])
      .orderBy(['o.feature_id', 'u.id'])
      .select(
        'o.feature_id',
        'u.id',
        'u.email',
        'u.first_name',
        'u.last_name',
        'u.last_login',
        'u.uuid',
      )) as (UserSummary & {
      feature_id: number;
    })[];
    for (const { feature_id, ...user } of rows)
      byFeature.set(feature_id, [...(byFeature.get(feature_id) ?? []), user]);
    return byFeature;
  }

  async groupOwnersOf(scope: DataScope, featureIds: readonly number[]): Promise<Map<number, GroupSummary[]>> {
    const byFeature = new Map<number, GroupSummary[]>();
    if (featureIds.length === 0) return byFeature;
    const rows = (await scope
      .knex('feature_group_owners as o')
      .join('user_permission_groups as g', 'g.id', 'o.group_id')
      .whereIn('o.feature_id', [...featureIds])
      .orderBy(['o.feature_id', 'g.id'])
      .select('o.feature_id', 'g.id', 'g.name')) as (GroupSummary & { feature_id: number })[];
    for (const { feature_id, ...group } of rows)
      byFeature.set(feature_id, [...(byFeature.get(feature_id) ?? []), group]);
    return byFeature;
  }

  /** The ids among `userIds` of no one who may view the project (unknown people included). */
  async withoutProjectAccess(
    scope: DataScope,
    projectId: number,
    organisationId: number,
    userIds: readonly number[],
  ): Promise<number[]> {
    const members = (await scope
      .knex('user_organisations')
      .where('organisation_id', organisationId)
      .whereIn('user_id', [...userIds])
      .select('user_id', 'role')) as { user_id: number; role: string }[];
    const roleOf = new Map(members.map((member) => [member.user_id, member.role]));
    const refused: number[] = [];
    for (const userId of new Set(userIds)) {
      const role = roleOf.get(userId);
      if (role === 'ADMIN') continue;
      if (role !== undefined) {
        const granted = await grantedTo(scope, projectGrantLevel, projectId, organisationId, userId);
        if (granted.admin || granted.keys.has('VIEW_PROJECT')) continue;
      }
      refused.push(userId);
    }
    return refused;
  }

  /** The ids among `groupIds` that are not groups of the organisation. */
  async foreignGroups(
    scope: DataScope,
    organisationId: number,
    groupIds: readonly number[],
  ): Promise<number[]> {
    if (groupIds.length === 0) return [];
    const own = (await scope
      .knex('user_permission_groups')
      .where('organisation_id', organisationId)
      .whereIn('id', [...groupIds])
      .select('id')) as { id: number }[];
    const ownIds = new Set(own.map((row) => row.id));
    return [...new Set(groupIds)].filter((id) => !ownIds.has(id));
  }

  async addOwners(uow: UnitOfWork, featureId: number, userIds: readonly number[]): Promise<void> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return;
    await uow
      .knex('feature_owners')
      .insert(unique.map((user_id) => ({ feature_id: featureId, user_id })))
      .onConflict(['feature_id', 'user_id'])
      .ignore();
  }

  async removeOwners(uow: UnitOfWork, featureId: number, userIds: readonly number[]): Promise<void> {
    if (userIds.length === 0) return;
    await uow
      .knex('feature_owners')
      .where('feature_id', featureId)
      .whereIn('user_id', [...userIds])
      .delete();
  }

  async addGroupOwners(uow: UnitOfWork, featureId: number, groupIds: readonly number[]): Promise<void> {
    const unique = [...new Set(groupIds)];
    if (unique.length === 0) return;
    await uow
      .knex('feature_group_owners')
      .insert(unique.map((group_id) => ({ feature_id: featureId, group_id })))
      .onConflict(['feature_id', 'group_id'])
      .ignore();
  }

  async removeGroupOwners(uow: UnitOfWork, featureId: number, groupIds: readonly number[]): Promise<void> {
    if (groupIds.length === 0) return;
    await uow
      .knex('feature_group_owners')
      .where('feature_id', featureId)
      .whereIn('group_id', [...groupIds])
      .delete();
  }

  async ownerCount(scope: DataScope, featureId: number): Promise<number> {
    const [people] = (await scope
      .knex('feature_owners')
      .where('feature_id', featureId)
      .count({ count: '*' })) as {
      count: string | number;
    }[];
    const [groups] = (await scope
      .knex('feature_group_owners')
      .where('feature_id', featureId)
      .count({ count: '*' })) as { count: string | number }[];
    return Number(people?.count ?? 0) + Number(groups?.count ?? 0);
  }
}
