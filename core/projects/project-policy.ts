import type { Request } from 'express';
import type { Knex } from 'knex';
import type { Permission } from '../auth/permission.js';
import type { DataScope } from '../data/unit-of-work.js';
import { type GrantRule, grantRules } from '../organisations/grant-rules.js';
import type { OrganisationAccess, OrganisationPolicy } from '../organisations/organisation-policy.js';
import { pathId } from '../organisations/organisation-policy.js';
import { type GrantLevel, grantedTo } from '../organisations/permission-grants.js';
import { projectPermissionKeys } from '../organisations/permission-keys.js';
import { ResolvedAccess } from '../organisations/resolved-access.js';
import { type Tenant, tenantOrganisationIds } from '../organisations/tenant.js';

/** Project permissions: Flagsmith's PROJECT_PERMISSIONS plus `admin`, to people and to groups. */
export const projectGrantLevel: GrantLevel = {
  table: 'project_permission_grants',
  objectColumn: 'project_id',
  keys: projectPermissionKeys,
  supportsAdmin: true,
  visibleObjects: (knex, tenant) =>
    knex('projects').select('id').whereIn('organisation_id', tenantOrganisationIds(knex, tenant)),
};

const allProjectKeys = projectPermissionKeys.map((permission) => permission.key);

/** A tenant's standing in one project it may see. */
export interface ProjectAccess {
  readonly projectId: number;
  readonly organisation: OrganisationAccess;
  /** Organisation admins (and admin master API keys) are admins of every project of the organisation. */
  readonly isAdmin: boolean;
  readonly keys: ReadonlySet<string>;
}

export type ProjectRule = GrantRule<ProjectAccess>;

export const projectRules = {
  /** Anyone who may see the project (VIEW_PROJECT or admin); others do not find it at all. */
  ...grantRules<ProjectAccess>('Project'),
};

/**
 * "May this principal do this to that project", built on the organisation policy: the organisation's
 * admins hold every project permission; anyone else holds what is granted to them or to their groups. A
 * project the caller may not view (VIEW_PROJECT) is not found, as Flagsmith's permitted-projects queryset
 * makes it; environments add their level the same way on top of this one.
 */
export class ProjectPolicy {
  readonly #resolved = new ResolvedAccess<ProjectAccess>('project');

  constructor(
    private readonly organisations: OrganisationPolicy,
    private readonly reads: DataScope,
  ) {}

  async accessTo(
    tenant: Tenant,
    projectId: number,
    scope: DataScope = this.reads,
  ): Promise<ProjectAccess | undefined> {
    const project = (await scope
      .knex('projects')
      .where('id', projectId)
      .whereIn('organisation_id', tenantOrganisationIds(scope.knex, tenant))
      .first('id', 'organisation_id')) as { id: number; organisation_id: number } | undefined;
    if (!project) return undefined;
    const organisation = await this.organisations.accessTo(tenant, project.organisation_id, scope);
    if (!organisation) return undefined;
    if (organisation.isAdmin)
      return { projectId, organisation, isAdmin: true, keys: new Set(allProjectKeys) };
    if (organisation.userId === undefined) return undefined;
    const granted = await grantedTo(
      scope,
      projectGrantLevel,
      projectId,
      project.organisation_id,
      organisation.userId,
    );
    if (!granted.admin && !granted.keys.has('VIEW_PROJECT')) return undefined;
    return {
      projectId,
      organisation,
      isAdmin: granted.admin,
      keys: granted.admin ? new Set(allProjectKeys) : granted.keys,
    };
  }

  /** The ids of the projects the tenant may see, as a subquery: the store filters every list by it. */
  visibleProjectIds(knex: DataScope['knex'], tenant: Tenant): Knex.QueryBuilder {
    if (tenant.kind === 'masterApiKey') {
      return knex('projects')
        .select('id')
        .where('organisation_id', tenant.isAdmin ? tenant.organisationId : -1);
    }
    const adminOrganisations = knex('user_organisations')
      .select('organisation_id')
      .where({ user_id: tenant.userId, role: 'ADMIN' });
    const groups = knex('user_permission_group_memberships')
      .select('group_id')
      .where('user_id', tenant.userId);
    const granted = knex('project_permission_grants')
      .select('project_id')
      .where((where) => where.where('user_id', tenant.userId).orWhereIn('group_id', groups))
      .where((where) => where.where('admin', true).orWhereRaw(`permissions @> '["VIEW_PROJECT"]'::jsonb`));
    return knex('projects')
      .select('id')
      .whereIn('organisation_id', tenantOrganisationIds(knex, tenant))
      .where((where) => where.whereIn('organisation_id', adminOrganisations).orWhereIn('id', granted));
  }

  permission(rule: ProjectRule, param = 'projectId'): Permission {
    return this.#resolved.permission(
      rule.name,
      async (tenant, req) => {
        const projectId = pathId(req.params[param]);
        return projectId === undefined ? undefined : this.accessTo(tenant, projectId);
      },
      (access) => rule.allows(access),
    );
  }

  accessOf(req: Request): ProjectAccess {
    return this.#resolved.of(req);
  }
}
