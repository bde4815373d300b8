import type { Knex } from 'knex';
import { jsonValue } from '../../db/json-value.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { UserSummary } from '../users/user-model.js';
import type { PermissionKey } from './permission-keys.js';
import type { Tenant } from './tenant.js';

export type Grantee = 'user' | 'group';

/**
 * One level of permission grants (organisation, project, environment): a table of rows granting keys, and
 * at project and environment level `admin`, to a person or to a group, on one object.
 */
export interface GrantLevel {
  readonly table: string;
  /** The column naming the object granted on: `organisation_id`, `project_id`, `environment_id`. */
  readonly objectColumn: string;
  readonly keys: readonly PermissionKey[];
  readonly supportsAdmin: boolean;
  /** The ids of the objects of this level that the tenant's organisations own (a subquery). */
  visibleObjects(knex: DataScope['knex'], tenant: Tenant): Knex.QueryBuilder;
}

export interface GrantRow {
  readonly id: number;
  readonly user_id: number | null;
  readonly group_id: number | null;
  readonly admin?: boolean;
  readonly permissions: string[];
}

/** Where a grant endpoint works: on which object, in which organisation, for which tenant. */
export interface GrantScope {
  readonly tenant: Tenant;
  readonly objectId: number;
  readonly organisationId: number;
}

export interface Granted {
  readonly admin: boolean;
  readonly keys: ReadonlySet<string>;
}

const granteeColumn = (grantee: Grantee) => (grantee === 'user' ? 'user_id' : 'group_id');

/**
 * What a person holds on one object of a level: the union of their own grant and the grants of every group
 * of the organisation they belong to (`admin` if any of them says so).
 */
export async function grantedTo(
  scope: DataScope,
  level: GrantLevel,
  objectId: number,
  organisationId: number,
  userId: number,
): Promise<Granted> {
  const groups = scope
    .knex('user_permission_group_memberships as m')
    .join('user_permission_groups as g', 'g.id', 'm.group_id')
    .where({ 'm.user_id': userId, 'g.organisation_id': organisationId })
    .select('m.group_id');
  const rows = (await scope
    .knex(level.table)
    .where(level.objectColumn, objectId)
    .where((where) => where.where('user_id', userId).orWhereIn('group_id', groups))
    .select('*')) as GrantRow[];
  return {
    admin: rows.some((row) => row.admin === true),
    keys: new Set(rows.flatMap((row) => row.permissions)),
  };
}

/** The grants of one level: listed, created, changed and removed by that level's admins. */
export class PermissionGrants {
  readonly #known: Set<string>;

  constructor(
    private readonly level: GrantLevel,
    private readonly transactor: {
      readonly reads: DataScope;
      run<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T>;
    },
    private readonly audit: AuditLog,
  ) {
    this.#known = new Set(level.keys.map((permission) => permission.key));
  }

  /** One audit entry per grant change, on the level's object (a project grant is in that project's log). */
  async #record(
    uow: UnitOfWork,
    where: GrantScope,
    grantee: Grantee,
    row: GrantRow,
    change: 'created' | 'updated' | 'deleted',
  ): Promise<void> {
    const granteeId = (grantee === 'user' ? row.user_id : row.group_id) as number;
    const named = (await (grantee === 'user'
      ? uow.knex('users').where('id', granteeId).first('email as name')
      : uow.knex('user_permission_groups').where('id', granteeId).first('name'))) as
      | { name: string }
      | undefined;
    const keys = [...(row.admin ? ['admin'] : []), ...row.permissions].join(', ') || 'none';
    const level = this.level.objectColumn.replace(/_id$/, '');
    await this.audit.record(uow, {
      organisationId: where.organisationId,
      projectId: this.level.objectColumn === 'project_id' ? where.objectId : null,
      environmentId: this.level.objectColumn === 'environment_id' ? where.objectId : null,
      actor: where.tenant,
      relatedObjectType: grantee === 'user' ? 'USER_PERMISSION' : 'GROUP_PERMISSION',
      relatedObjectId: row.id,
      log:
        change === 'deleted'
          ? `${grantee === 'user' ? 'User' : 'Group'} ${level} permissions removed: ${named?.name ?? granteeId}`
          : `${grantee === 'user' ? 'User' : 'Group'} ${level} permissions ${change}: ${named?.name ?? granteeId} (${keys})`,
    });
  }

  #rows(scope: DataScope, where: GrantScope, grantee: Grantee) {
    return scope
      .knex(this.level.table)
      .where(this.level.objectColumn, where.objectId)
      .whereIn(this.level.objectColumn, this.level.visibleObjects(scope.knex, where.tenant))
      .whereNotNull(granteeColumn(grantee));
  }

  /** DRF's SlugRelatedField wording for an unknown key. */
  checkKeys(keys: string[]): string[] {
    const unknown = keys.find((key) => !this.#known.has(key));
    if (unknown !== undefined)
      throw ValidationError.field('permissions', `Object with key=${unknown} does not exist.`);
    return [...new Set(keys)];
  }

  async list(where: GrantScope, grantee: Grantee, granteeId?: number): Promise<GrantRow[]> {
    const query = this.#rows(this.transactor.reads, where, grantee).orderBy('id');
    if (granteeId !== undefined) query.where(granteeColumn(grantee), granteeId);
    return (await query.select('*')) as GrantRow[];
  }

  async find(where: GrantScope, grantee: Grantee, id: number): Promise<GrantRow> {
    const row = (await this.#rows(this.transactor.reads, where, grantee).where('id', id).first()) as
      | GrantRow
      | undefined;
    if (!row) throw domainErrors.notFound();
    return row;
  }

  /** Grants to a member of the organisation or to one of its groups; anyone else does not exist here. */
  create(
    where: GrantScope,
    grantee: Grantee,
    granteeId: number,
    fields: { permissions: string[]; admin?: boolean },
  ) {
    const permissions = this.checkKeys(fields.permissions);
    return this.transactor.run(async (uow) => {
      const known =
        grantee === 'user'
          ? await uow
              .knex('user_organisations')
              .where({ organisation_id: where.organisationId, user_id: granteeId })
              .first('id')
          : await uow
              .knex('user_permission_groups')
              .where({ organisation_id: where.organisationId, id: granteeId })
              .first('id');
      if (!known) throw ValidationError.field(grantee, `Invalid pk "${granteeId}" - object does not exist.`);
      const duplicate = ValidationError.nonField(
        `The fields ${this.level.objectColumn.replace(/_id$/, '')}, ${grantee} must make a unique set.`,
      );
      const existing = await uow
        .knex(this.level.table)
        .where({ [this.level.objectColumn]: where.objectId, [granteeColumn(grantee)]: granteeId })
        .first('id');
      if (existing) throw duplicate;
      let row: GrantRow | undefined;
      try {
        [row] = (await uow
          .knex(this.level.table)
          .insert({
            [this.level.objectColumn]: where.objectId,
            [granteeColumn(grantee)]: granteeId,
            permissions: jsonValue(permissions),
            ...(this.level.supportsAdmin ? { admin: fields.admin ?? false } : {}),
          })
          .returning('*')) as GrantRow[];
      } catch (error) {
        // A concurrent grant to the same grantee slipped past the check: the unique index decides, as a 400.
        // Raw knex errors are the driver's own; pg's and PGlite's both carry PostgreSQL's SQLSTATE.
        if ((error as { code?: string }).code === '23505') throw duplicate;
        throw error;
      }
      await this.#record(uow, where, grantee, row as GrantRow, 'created');
      return row as GrantRow;
    });
  }

  async update(
    where: GrantScope,
    grantee: Grantee,
    id: number,
    fields: { permissions?: string[]; admin?: boolean },
  ) {
    const patch: Record<string, unknown> = {};
    if (fields.permissions !== undefined) patch.permissions = jsonValue(this.checkKeys(fields.permissions));
    if (this.level.supportsAdmin && fields.admin !== undefined) patch.admin = fields.admin;
    const row = await this.transactor.run(async (uow) => {
      if (Object.keys(patch).length === 0)
        return (await this.#rows(uow, where, grantee).where('id', id).first()) as GrantRow | undefined;
      const [updated] = (await this.#rows(uow, where, grantee)
        .where('id', id)
        .update(patch)
        .returning('*')) as GrantRow[];
      if (updated) await this.#record(uow, where, grantee, updated, 'updated');
      return updated;
    });
    if (!row) throw domainErrors.notFound();
    return row;
  }

  async delete(where: GrantScope, grantee: Grantee, id: number): Promise<void> {
    // `returning`: PGlite's driver answers a bare delete with a result object, pg with a count.
    const deleted = await this.transactor.run(async (uow) => {
      const rows = (await this.#rows(uow, where, grantee)
        .where('id', id)
        .delete()
        .returning('*')) as GrantRow[];
      for (const row of rows) await this.#record(uow, where, grantee, row, 'deleted');
      return rows;
    });
    if (deleted.length === 0) throw domainErrors.notFound();
  }

  /** UserListSerializer rows for the members among `ids`. */
  async usersById(organisationId: number, ids: number[]) {
    if (ids.length === 0) return [];
    const rows = (await this.transactor.reads
      .knex('users as u')
      .join('user_organisations as uo', 'uo.user_id', 'u.id')
      .where('uo.organisation_id', organisationId)
      .whereIn('u.id', ids)
      .select('u.id', 'u.email', 'u.first_name', 'u.last_name', 'u.last_login', 'u.uuid')) as UserSummary[];
    return rows.map((row) => ({ ...row, last_login: row.last_login ? row.last_login.toISOString() : null }));
  }

  /** UserPermissionGroupSerializer rows (member ids) for the organisation's groups among `ids`. */
  async groupsById(organisationId: number, ids: number[]) {
    if (ids.length === 0) return [];
    const reads = this.transactor.reads;
    const groups = (await reads
      .knex('user_permission_groups')
      .where('organisation_id', organisationId)
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
}
