import type { DataScope } from '../data/unit-of-work.js';
import { domainErrors } from '../errors/domain-error.js';
import type { GrantLevel } from './permission-grants.js';
import type { PermissionKey } from './permission-keys.js';
import type { Tenant } from './tenant.js';

/** A group a permission or the admin flag comes from (Flagsmith's GroupSerializer). */
interface GroupRef {
  id: number;
  name: string;
}

/** Flagsmith's DerivedFromSerializer; roles are an enterprise feature, so always empty here. */
interface DerivedFrom {
  groups: GroupRef[];
  roles: never[];
}

/** Flagsmith's UserDetailedPermissionsSerializer, field for field and in its order. */
export interface UserDetailedPermissions {
  admin: boolean;
  permissions: { permission_key: string; is_directly_granted: boolean; derived_from: DerivedFrom }[];
  is_directly_granted: boolean;
  derived_from: DerivedFrom;
}

interface GrantRowWithGroup {
  user_id: number | null;
  group_id: number | null;
  group_name: string | null;
  admin?: boolean;
  permissions: string[];
}

/** The object whose permissions are explained, and the level above it whose admins it inherits. */
export interface DetailedPermissionsTarget {
  readonly level: GrantLevel;
  readonly objectId: number;
  readonly organisationId: number;
  /** Environments: the project, whose user and group admins are the environment's admins too. */
  readonly inheritsAdminFrom?: { readonly level: GrantLevel; readonly objectId: number };
}

async function grantRows(
  scope: DataScope,
  level: GrantLevel,
  objectId: number,
  organisationId: number,
  userId: number,
): Promise<GrantRowWithGroup[]> {
  const groups = scope
    .knex('user_permission_group_memberships as m')
    .join('user_permission_groups as g', 'g.id', 'm.group_id')
    .where({ 'm.user_id': userId, 'g.organisation_id': organisationId })
    .select('m.group_id');
  return (await scope
    .knex(`${level.table} as granted_row`)
    .leftJoin('user_permission_groups as named', 'named.id', 'granted_row.group_id')
    .where(`granted_row.${level.objectColumn}`, objectId)
    .where((where) => where.where('granted_row.user_id', userId).orWhereIn('granted_row.group_id', groups))
    .orderBy('granted_row.id')
    .select('granted_row.*', 'named.name as group_name')) as GrantRowWithGroup[];
}

/**
 * Where each of a person's permissions on one object comes from, as Flagsmith's
 * `to_detailed_permissions_data` builds it: the person's own grant first (`is_directly_granted`), then each
 * of their groups' grants (`derived_from.groups`). `admin` is direct for organisation admins, for the
 * person's own admin grant and (on an environment) their own admin grant on the project; it is derived
 * from groups granted admin here or, on an environment, on the project.
 */
export async function detailedPermissions(
  scope: DataScope,
  target: DetailedPermissionsTarget,
  userId: number,
): Promise<UserDetailedPermissions> {
  const membership = (await scope
    .knex('user_organisations')
    .where({ organisation_id: target.organisationId, user_id: userId })
    .first('role')) as { role: string } | undefined;
  // Flagsmith finds any user of the installation; another tenant's people are not this tenant's to see.
  if (!membership) throw domainErrors.notFound();
  const isOrganisationAdmin = membership.role === 'ADMIN';
  const rows = await grantRows(scope, target.level, target.objectId, target.organisationId, userId);
  const own = rows.find((row) => row.user_id === userId);
  const groupRows = rows.filter((row) => row.group_id !== null);

  let inheritedUserAdmin = false;
  const adminGroups: GroupRef[] = [];
  if (target.inheritsAdminFrom) {
    const { level, objectId } = target.inheritsAdminFrom;
    const above = await grantRows(scope, level, objectId, target.organisationId, userId);
    inheritedUserAdmin = above.some((row) => row.user_id === userId && row.admin === true);
    for (const row of above) {
      if (row.group_id !== null && row.admin === true)
        adminGroups.push({ id: row.group_id, name: row.group_name ?? '' });
    }
  }
  for (const row of groupRows) {
    if (row.admin === true) adminGroups.push({ id: row.group_id as number, name: row.group_name ?? '' });
  }

  // Flagsmith keeps its own permissions in a set; the key catalogue's order makes the answer stable.
  const order = new Map(target.level.keys.map((key: PermissionKey, index) => [key.key, index]));
  const byCatalogue = (keys: string[]) =>
    [...new Set(keys)].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const permissions = new Map<string, UserDetailedPermissions['permissions'][number]>();
  const add = (key: string, group?: GroupRef) => {
    let entry = permissions.get(key);
    if (!entry) {
      entry = {
        permission_key: key,
        is_directly_granted: group === undefined,
        derived_from: { groups: [], roles: [] },
      };
      permissions.set(key, entry);
    }
    if (group) entry.derived_from.groups.push(group);
  };
  for (const key of byCatalogue(own?.permissions ?? [])) add(key);
  for (const row of groupRows) {
    const group = { id: row.group_id as number, name: row.group_name ?? '' };
    for (const key of byCatalogue(row.permissions)) add(key, group);
  }

  const ownAdmin = own?.admin === true;
  const isDirectAdmin = isOrganisationAdmin || ownAdmin || inheritedUserAdmin;
  return {
    admin: isDirectAdmin || adminGroups.length > 0,
    permissions: [...permissions.values()],
    is_directly_granted: isDirectAdmin,
    derived_from: { groups: adminGroups, roles: [] },
  };
}

/**
 * Whose permissions a caller may read: their own (a person), anyone's when they administer the object
 * (Flagsmith's rule), and for an admin master API key anyone's; otherwise 403.
 */
export function detailedPermissionsSubject(
  tenant: Tenant,
  isAdminOfObject: boolean,
  requestedUserId: number,
): number {
  if (tenant.kind === 'user' && tenant.userId === requestedUserId) return requestedUserId;
  if (!isAdminOfObject) throw domainErrors.permissionDenied();
  return requestedUserId;
}
