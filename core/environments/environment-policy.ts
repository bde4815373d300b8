import type { Request } from 'express';
import type { Knex } from 'knex';
import type { Permission } from '../auth/permission.js';
import type { DataScope } from '../data/unit-of-work.js';
import { type GrantRule, grantRules } from '../organisations/grant-rules.js';
import type { OrganisationAccess, OrganisationPolicy } from '../organisations/organisation-policy.js';
import { type GrantLevel, grantedTo } from '../organisations/permission-grants.js';
import { projectPermissionKeys } from '../organisations/permission-keys.js';
import { ResolvedAccess } from '../organisations/resolved-access.js';
import { type Tenant, tenantOrganisationIds } from '../organisations/tenant.js';
import { projectGrantLevel } from '../projects/project-policy.js';
import { environmentPermissionKeys } from './environment-permission-keys.js';

/** Environment permissions: Flagsmith's ENVIRONMENT_PERMISSIONS plus `admin`, to people and to groups. */
export const environmentGrantLevel: GrantLevel = {
  table: 'environment_permission_grants',
  objectColumn: 'environment_id',
  keys: environmentPermissionKeys,
  supportsAdmin: true,
  visibleObjects: (knex, tenant) =>
    knex('environments')
      .select('id')
      .whereIn(
        'project_id',
        knex('projects').select('id').whereIn('organisation_id', tenantOrganisationIds(knex, tenant)),
      ),
};

const allEnvironmentKeys = environmentPermissionKeys.map((permission) => permission.key);
const allProjectKeys = projectPermissionKeys.map((permission) => permission.key);

/** What a tenant holds on a project, whether or not it may view it (CREATE_ENVIRONMENT needs no VIEW_PROJECT). */
export interface ProjectStanding {
  readonly isAdmin: boolean;
  readonly keys: ReadonlySet<string>;
}

/** A tenant's standing in one environment it may see. */
export interface EnvironmentAccess {
  readonly environmentId: number;
  readonly apiKey: string;
  readonly projectId: number;
  readonly organisation: OrganisationAccess;
  readonly project: ProjectStanding;
  /** Organisation admins, project admins and environment admins: every environment permission. */
  readonly isAdmin: boolean;
  readonly keys: ReadonlySet<string>;
}

export type EnvironmentRule = GrantRule<EnvironmentAccess>;

export const environmentRules = {
  /** Anyone who may see the environment (VIEW_ENVIRONMENT or admin); others do not find it at all. */
  ...grantRules<EnvironmentAccess>('Environment'),
  /** A permission of the environment's project (clone needs the project's CREATE_ENVIRONMENT). */
  projectGranted: (key: string): EnvironmentRule => ({
    name: `HasProjectPermission(${key})`,
    allows: (access) => access.project.isAdmin || access.project.keys.has(key),
  }),
};

/** An `api_key` path segment: Flagsmith's keys are at most 100 characters; anything else finds nothing. */
export function pathApiKey(value: unknown): string | undefined {
  return typeof value === 'string' && value.length >= 1 && value.length <= 100 && !value.includes('\0')
    ? value
    : undefined;
}

/**
 * "May this principal do this to that environment", on top of the organisation and project levels: the
 * organisation's admins and the project's admins are admins of every environment of the project; anyone
 * else holds what is granted to them or their groups on the environment, and must hold VIEW_ENVIRONMENT (or
 * `admin`) to find it at all. Another tenant's environment, an unknown key and one the caller may not view
 * are the same 404.
 */
export class EnvironmentPolicy {
  readonly #resolved = new ResolvedAccess<EnvironmentAccess>('environment');

  constructor(
    private readonly organisations: OrganisationPolicy,
    private readonly reads: DataScope,
  ) {}

  /** The tenant's standing on a project of an organisation it belongs to. */
  async projectStanding(
    organisation: OrganisationAccess,
    projectId: number,
    scope: DataScope = this.reads,
  ): Promise<ProjectStanding> {
    if (organisation.isAdmin) return { isAdmin: true, keys: new Set(allProjectKeys) };
    if (organisation.userId === undefined) return { isAdmin: false, keys: new Set() };
    const granted = await grantedTo(
      scope,
      projectGrantLevel,
      projectId,
      organisation.organisationId,
      organisation.userId,
    );
    return granted.admin
      ? { isAdmin: true, keys: new Set(allProjectKeys) }
      : { isAdmin: false, keys: granted.keys };
  }

  async accessTo(
    tenant: Tenant,
    apiKey: string,
    scope: DataScope = this.reads,
  ): Promise<EnvironmentAccess | undefined> {
    const row = (await scope
      .knex('environments as e')
      .join('projects as p', 'p.id', 'e.project_id')
      .where('e.api_key', apiKey)
      .whereIn('p.organisation_id', tenantOrganisationIds(scope.knex, tenant))
      .first('e.id', 'e.api_key', 'e.project_id', 'p.organisation_id')) as
      | { id: number; api_key: string; project_id: number; organisation_id: number }
      | undefined;
    if (!row) return undefined;
    const organisation = await this.organisations.accessTo(tenant, row.organisation_id, scope);
    if (!organisation) return undefined;
    const project = await this.projectStanding(organisation, row.project_id, scope);
    const base = {
      environmentId: row.id,
      apiKey: row.api_key,
      projectId: row.project_id,
      organisation,
      project,
    };
    if (project.isAdmin) return { ...base, isAdmin: true, keys: new Set(allEnvironmentKeys) };
    if (organisation.userId === undefined) return undefined;
    const granted = await grantedTo(
      scope,
      environmentGrantLevel,
      row.id,
      row.organisation_id,
      organisation.userId,
    );
    if (!granted.admin && !granted.keys.has('VIEW_ENVIRONMENT')) return undefined;
    return {
      ...base,
      isAdmin: granted.admin,
      keys: granted.admin ? new Set(allEnvironmentKeys) : granted.keys,
    };
  }

  /** The ids of the environments the tenant may see, as a subquery: the store filters every list by it. */
  visibleEnvironmentIds(knex: DataScope['knex'], tenant: Tenant): Knex.QueryBuilder {
    const ownProjects = knex('projects')
      .select('id')
      .whereIn('organisation_id', tenantOrganisationIds(knex, tenant));
    if (tenant.kind === 'masterApiKey') {
      // Keys that are not admin hold no environment permission (Flagsmith gives them some only through roles).
      const environments = knex('environments').select('id');
      return tenant.isAdmin
        ? environments.whereIn('project_id', ownProjects)
        : environments.whereRaw('false');
    }
    const adminOrganisations = knex('user_organisations')
      .select('organisation_id')
      .where({ user_id: tenant.userId, role: 'ADMIN' });
    const groups = knex('user_permission_group_memberships')
      .select('group_id')
      .where('user_id', tenant.userId);
    const grantee = (where: Knex.QueryBuilder) =>
      where.where('user_id', tenant.userId).orWhereIn('group_id', groups);
    const adminProjects = knex('project_permission_grants')
      .select('project_id')
      .where(grantee)
      .where('admin', true)
      .union(knex('projects').select('id').whereIn('organisation_id', adminOrganisations));
    const viewable = knex('environment_permission_grants')
      .select('environment_id')
      .where(grantee)
      .where((where) =>
        where.where('admin', true).orWhereRaw(`permissions @> '["VIEW_ENVIRONMENT"]'::jsonb`),
      );
    return knex('environments')
      .select('id')
      .whereIn('project_id', ownProjects)
      .where((where) => where.whereIn('project_id', adminProjects).orWhereIn('id', viewable));
  }

  permission(rule: EnvironmentRule, param = 'apiKey'): Permission {
    return this.#resolved.permission(
      rule.name,
      async (tenant, req) => {
        const apiKey = pathApiKey(req.params[param]);
        return apiKey === undefined ? undefined : this.accessTo(tenant, apiKey);
      },
      (access) => rule.allows(access),
    );
  }

  accessOf(req: Request): EnvironmentAccess {
    return this.#resolved.of(req);
  }
}
