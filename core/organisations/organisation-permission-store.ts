import { UniqueViolationError } from 'objection';
import { jsonValue } from '../../db/json-value.js';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { ValidationError } from '../errors/domain-error.js';
import { type Tenant, tenantOrganisationIds } from './organisation-policy.js';

/** Flagsmith's ORGANISATION_PERMISSIONS, with its descriptions (`GET organisations/permissions/`). */
export const organisationPermissionKeys = [
  { key: 'CREATE_PROJECT', description: 'Allows the user to create projects in this organisation.' },
  { key: 'MANAGE_USERS', description: 'Allows the user to manage and invite users to the organisation.' },
  {
    key: 'MANAGE_USER_GROUPS',
    description: 'Allows the user to manage the groups in the organisation and their members.',
  },
] as const;

export type Grantee = 'user' | 'group';

export interface GrantRow {
  readonly id: number;
  readonly organisation_id: number;
  readonly user_id: number | null;
  readonly group_id: number | null;
  readonly permissions: string[];
}

const column = (grantee: Grantee) => (grantee === 'user' ? 'user_id' : 'group_id');

/** Organisation permission grants to people and to groups, scoped to the tenant's organisations. */
export class OrganisationPermissionStore {
  #grants(scope: DataScope, tenant: Tenant, organisationId: number, grantee: Grantee) {
    return scope
      .knex('organisation_permission_grants')
      .where('organisation_id', organisationId)
      .whereIn('organisation_id', tenantOrganisationIds(scope.knex, tenant))
      .whereNotNull(column(grantee));
  }

  async list(
    scope: DataScope,
    tenant: Tenant,
    organisationId: number,
    grantee: Grantee,
    granteeId?: number,
  ): Promise<GrantRow[]> {
    const query = this.#grants(scope, tenant, organisationId, grantee).orderBy('id');
    if (granteeId !== undefined) query.where(column(grantee), granteeId);
    return (await query.select('*')) as GrantRow[];
  }

  async find(
    scope: DataScope,
    tenant: Tenant,
    organisationId: number,
    grantee: Grantee,
    id: number,
  ): Promise<GrantRow | undefined> {
    return (await this.#grants(scope, tenant, organisationId, grantee).where('id', id).first()) as
      | GrantRow
      | undefined;
  }

  async create(
    uow: UnitOfWork,
    organisationId: number,
    grantee: Grantee,
    granteeId: number,
    permissions: string[],
  ): Promise<GrantRow> {
    try {
      const [row] = (await uow
        .knex('organisation_permission_grants')
        .insert({
          organisation_id: organisationId,
          [column(grantee)]: granteeId,
          permissions: jsonValue(permissions),
        })
        .returning('*')) as GrantRow[];
      return row as GrantRow;
    } catch (error) {
      // Raw knex errors are the driver's; both carry PostgreSQL's SQLSTATE.
      if (error instanceof UniqueViolationError || (error as { code?: string }).code === '23505') {
        throw ValidationError.nonField(`The fields organisation, ${grantee} must make a unique set.`);
      }
      throw error;
    }
  }

  async update(
    uow: UnitOfWork,
    tenant: Tenant,
    organisationId: number,
    grantee: Grantee,
    id: number,
    permissions: string[],
  ) {
    const [row] = (await this.#grants(uow, tenant, organisationId, grantee)
      .where('id', id)
      .update({ permissions: jsonValue(permissions) })
      .returning('*')) as GrantRow[];
    return row;
  }

  async delete(
    uow: UnitOfWork,
    tenant: Tenant,
    organisationId: number,
    grantee: Grantee,
    id: number,
  ): Promise<boolean> {
    return (
      (await this.#grants(uow, tenant, organisationId, grantee).where('id', id).delete().returning('id'))
        .length > 0
    );
  }
}
