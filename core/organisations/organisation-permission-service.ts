import type { Transactor, UnitOfWork } from '../data/unit-of-work.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import {
  type Grantee,
  type GrantRow,
  type OrganisationPermissionStore,
  organisationPermissionKeys,
} from './organisation-permission-store.js';
import { grantedOrganisationKeys, type OrganisationAccess } from './organisation-policy.js';

const knownKeys = new Set<string>(organisationPermissionKeys.map((permission) => permission.key));

/** DRF's SlugRelatedField wording for an unknown permission key. */
export function checkOrganisationKeys(keys: string[]): string[] {
  const unknown = keys.find((key) => !knownKeys.has(key));
  if (unknown !== undefined)
    throw ValidationError.field('permissions', `Object with key=${unknown} does not exist.`);
  return [...new Set(keys)];
}

/** Who holds which organisation permission, and what the caller holds (`my-permissions/`). */
export class OrganisationPermissionService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: OrganisationPermissionStore,
  ) {}

  /** Flagsmith's UserObjectPermissions for an organisation: admins hold every key. */
  async mine(access: OrganisationAccess): Promise<{ permissions: string[]; admin: boolean }> {
    if (access.isAdmin) return { permissions: organisationPermissionKeys.map((p) => p.key), admin: true };
    if (access.userId === undefined) return { permissions: [], admin: false };
    const granted = await grantedOrganisationKeys(
      this.transactor.reads,
      access.organisationId,
      access.userId,
    );
    return {
      permissions: organisationPermissionKeys.map((p) => p.key).filter((key) => granted.has(key)),
      admin: false,
    };
  }

  list(access: OrganisationAccess, grantee: Grantee, granteeId?: number): Promise<GrantRow[]> {
    return this.store.list(this.transactor.reads, access.tenant, access.organisationId, grantee, granteeId);
  }

  async #checkGrantee(
    uow: UnitOfWork,
    access: OrganisationAccess,
    grantee: Grantee,
    id: number,
  ): Promise<void> {
    const row =
      grantee === 'user'
        ? await uow
            .knex('user_organisations')
            .where({ organisation_id: access.organisationId, user_id: id })
            .first('id')
        : await uow
            .knex('user_permission_groups')
            .where({ organisation_id: access.organisationId, id })
            .first('id');
    // Someone outside the organisation does not exist as far as its admins are told.
    if (!row) throw ValidationError.field(grantee, `Invalid pk "${id}" - object does not exist.`);
  }

  create(
    access: OrganisationAccess,
    grantee: Grantee,
    granteeId: number,
    permissions: string[],
  ): Promise<GrantRow> {
    const keys = checkOrganisationKeys(permissions);
    return this.transactor.run(async (uow) => {
      await this.#checkGrantee(uow, access, grantee, granteeId);
      return this.store.create(uow, access.organisationId, grantee, granteeId, keys);
    });
  }

  async update(
    access: OrganisationAccess,
    grantee: Grantee,
    id: number,
    permissions: string[],
  ): Promise<GrantRow> {
    const keys = checkOrganisationKeys(permissions);
    const row = await this.transactor.run((uow) =>
      this.store.update(uow, access.tenant, access.organisationId, grantee, id, keys),
    );
    if (!row) throw domainErrors.notFound();
    return row;
  }

  async find(access: OrganisationAccess, grantee: Grantee, id: number): Promise<GrantRow> {
    const row = await this.store.find(
      this.transactor.reads,
      access.tenant,
      access.organisationId,
      grantee,
      id,
    );
    if (!row) throw domainErrors.notFound();
    return row;
  }

  /** UserListSerializer rows for the people among `ids` who are members of the organisation. */
  async usersById(access: OrganisationAccess, ids: number[]) {
    const rows = (await this.transactor.reads
      .knex('users as u')
      .join('user_organisations as uo', 'uo.user_id', 'u.id')
      .where('uo.organisation_id', access.organisationId)
      .whereIn('u.id', ids)
      .select('u.id', 'u.email', 'u.first_name', 'u.last_name', 'u.last_login', 'u.uuid')) as {
      id: number;
      email: string;
      first_name: string;
      last_name: string;
      last_login: Date | null;
      uuid: string;
    }[];
    return rows.map((row) => ({ ...row, last_login: row.last_login ? row.last_login.toISOString() : null }));
  }

  /** UserPermissionGroupSerializer rows (member ids) for the organisation's groups among `ids`. */
  async groupsById(access: OrganisationAccess, ids: number[]) {
    const reads = this.transactor.reads;
    const groups = (await reads
      .knex('user_permission_groups')
      .where('organisation_id', access.organisationId)
      .whereIn('id', ids)
      .select('id', 'name', 'is_default', 'external_id')) as {
      id: number;
      name: string;
      is_default: boolean;
      external_id: string | null;
    }[];
    const members = (await reads
      .knex('user_permission_group_memberships')
      .whereIn('group_id', ids)
      .orderBy('user_id')
      .select('group_id', 'user_id')) as { group_id: number; user_id: number }[];
    return groups.map((group) => ({
      id: group.id,
      name: group.name,
      users: members.filter((member) => member.group_id === group.id).map((member) => member.user_id),
      is_default: group.is_default,
      external_id: group.external_id,
    }));
  }

  async delete(access: OrganisationAccess, grantee: Grantee, id: number): Promise<void> {
    const deleted = await this.transactor.run((uow) =>
      this.store.delete(uow, access.tenant, access.organisationId, grantee, id),
    );
    if (!deleted) throw domainErrors.notFound();
  }
}
