import type { Knex } from 'knex';
import type { DataScope } from '../data/unit-of-work.js';
import type { PageRequest } from '../organisations/pagination.js';
import { type Tenant, tenantOrganisationIds } from '../organisations/tenant.js';
import type { UserSummary } from '../users/user-model.js';
import type { AuditRecord } from './audit-log.js';

export interface AuditFilter {
  readonly organisationId?: number | undefined;
  readonly projectId?: number | undefined;
  readonly environmentIds?: readonly number[] | undefined;
  readonly isSystemEvent?: boolean | undefined;
  readonly search?: string | undefined;
}

export type AuthorRow = UserSummary;

export interface ProjectRow {
  id: number;
  uuid: string;
  name: string;
  organisation_id: number;
  [column: string]: unknown;
}

export interface EnvironmentRow {
  id: number;
  uuid: string;
  name: string;
  api_key: string;
  project_id: number;
  [column: string]: unknown;
}

/** An entry with the rows its serializer nests (each null when absent or since deleted). */
export interface AuditView {
  readonly record: AuditRecord;
  readonly author: AuthorRow | null;
  readonly project: ProjectRow | null;
  readonly environment: EnvironmentRow | null;
}

/**
 * The entries a tenant may read: every entry of the organisations it administers (Flagsmith's
 * AllAuditLogViewSet), and for other members the entries of the projects where they hold VIEW_AUDIT_LOG or
 * admin, directly or through a group. Always within the tenant's own organisations.
 */
function readable(knex: DataScope['knex'], tenant: Tenant) {
  return (where: Knex.QueryBuilder) => {
    where.whereIn('audit_logs.organisation_id', tenantOrganisationIds(knex, tenant));
    if (tenant.kind === 'masterApiKey') {
      if (!tenant.isAdmin) where.whereRaw('false');
      return;
    }
    const administered = knex('user_organisations')
      .select('organisation_id')
      .where({ user_id: tenant.userId, role: 'ADMIN' });
    const groups = knex('user_permission_group_memberships')
      .select('group_id')
      .where('user_id', tenant.userId);
    const projects = knex('project_permission_grants')
      .select('project_id')
      .where((grantee) => grantee.where('user_id', tenant.userId).orWhereIn('group_id', groups))
      .where((granted) =>
        granted.where('admin', true).orWhereRaw(`permissions @> '["VIEW_AUDIT_LOG"]'::jsonb`),
      );
    where.where((either) =>
      either.whereIn('audit_logs.organisation_id', administered).orWhereIn('audit_logs.project_id', projects),
    );
  };
}

/** Reads of the audit log, every one scoped to what the tenant may read. */
export class AuditStore {
  async list(
    scope: DataScope,
    tenant: Tenant,
    filter: AuditFilter,
    page: PageRequest,
  ): Promise<{ count: number; records: AuditRecord[] }> {
    const query = scope.knex('audit_logs').where(readable(scope.knex, tenant));
    if (filter.organisationId !== undefined) query.where('audit_logs.organisation_id', filter.organisationId);
    if (filter.projectId !== undefined) query.where('audit_logs.project_id', filter.projectId);
    if (filter.environmentIds && filter.environmentIds.length > 0)
      query.whereIn('audit_logs.environment_id', filter.environmentIds);
    if (filter.isSystemEvent !== undefined) query.where('audit_logs.is_system_event', filter.isSystemEvent);
    if (filter.search) query.whereRaw('audit_logs.log ilike ?', [`%${escapeLike(filter.search)}%`]);
    const [counted] = await query.clone().count({ count: '*' });
    const records = (await query
      .orderBy([
        { column: 'audit_logs.created_date', order: 'desc' },
        { column: 'audit_logs.id', order: 'desc' },
      ])
      .limit(page.pageSize)
      .offset(page.offset)
      .select('audit_logs.*')) as AuditRecord[];
    return { count: Number(counted?.count ?? 0), records };
  }

  async find(scope: DataScope, tenant: Tenant, id: number): Promise<AuditRecord | undefined> {
    return (await scope
      .knex('audit_logs')
      .where(readable(scope.knex, tenant))
      .where('audit_logs.id', id)
      .first('audit_logs.*')) as AuditRecord | undefined;
  }

  /** The author, project and environment of each record, loaded in three queries. */
  async views(scope: DataScope, records: readonly AuditRecord[]): Promise<AuditView[]> {
    const ids = (pick: (record: AuditRecord) => number | null) => [
      ...new Set(records.map(pick).filter((id): id is number => id !== null)),
    ];
    const byId = async <T extends { id: number }>(table: string, wanted: number[], columns: string[]) => {
      if (wanted.length === 0) return new Map<number, T>();
      const rows = (await scope.knex(table).whereIn('id', wanted).select(columns)) as T[];
      return new Map(rows.map((row) => [row.id, row]));
    };
    const authors = await byId<AuthorRow>(
      'users',
      ids((record) => record.author_id),
      ['id', 'email', 'first_name', 'last_name', 'last_login', 'uuid'],
    );
    const projects = await byId<ProjectRow>(
      'projects',
      ids((record) => record.project_id),
      ['*'],
    );
    const environments = await byId<EnvironmentRow>(
      'environments',
      ids((record) => record.environment_id),
      ['*'],
    );
    return records.map((record) => ({
      record,
      author: (record.author_id !== null && authors.get(record.author_id)) || null,
      project: (record.project_id !== null && projects.get(record.project_id)) || null,
      environment: (record.environment_id !== null && environments.get(record.environment_id)) || null,
    }));
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
