import type { Request } from 'express';
import type { Permission } from '../auth/permission.js';
import type { DataScope } from '../data/unit-of-work.js';
import { domainErrors } from '../errors/domain-error.js';
import type { OrganisationRole } from './organisation-models.js';
import { type GrantLevel, grantedTo } from './permission-grants.js';
import { organisationPermissionKeys } from './permission-keys.js';
import { ResolvedAccess } from './resolved-access.js';
import { type Tenant, tenantOf, tenantOrganisationIds } from './tenant.js';

export { type Tenant, tenantOf, tenantOrganisationIds };

/** A tenant's standing in one organisation it belongs to. */
export interface OrganisationAccess {
  readonly organisationId: number;
  readonly tenant: Tenant;
  /** The member's role; an admin master API key counts as ADMIN, any other key as USER. */
  readonly role: OrganisationRole;
  readonly isAdmin: boolean;
  /** The person acting, when it is one (master API keys act for the organisation, not for a person). */
  readonly userId: number | undefined;
}

/** What the policy asks a rule, beyond the access: the request (for an object id) and a scope to read. */
export interface RuleContext {
  readonly req: Request;
  readonly scope: DataScope;
  /** The organisation permission keys granted to the person, directly or through a group (empty for keys). */
  granted(): Promise<ReadonlySet<string>>;
}

/** One thing a caller may do in an organisation. */
export interface OrganisationRule {
  readonly name: string;
  allows(access: OrganisationAccess, context: RuleContext): boolean | Promise<boolean>;
}

const member: OrganisationRule = { name: 'IsOrganisationMember', allows: () => true };
const admin: OrganisationRule = { name: 'IsOrganisationAdmin', allows: (access) => access.isAdmin };
/** Flagsmith lets only people (Token auth) manage master API keys, never a key itself. */
const adminPerson: OrganisationRule = {
  name: 'IsOrganisationAdminUser',
  allows: (access) => access.isAdmin && access.tenant.kind === 'user',
};
const person: OrganisationRule = {
  name: 'IsOrganisationMemberUser',
  allows: (access) => access.tenant.kind === 'user',
};

/** An organisation permission (CREATE_PROJECT, MANAGE_USERS, MANAGE_USER_GROUPS); admins hold them all. */
function granted(key: string): OrganisationRule {
  return {
    name: `HasOrganisationPermission(${key})`,
    allows: async (access, context) => access.isAdmin || (await context.granted()).has(key),
  };
}

/** A group's admins manage its members and name, beside holders of MANAGE_USER_GROUPS. */
function groupManager(groupParam: string): OrganisationRule {
  return {
    name: 'UserPermissionGroupPermission',
    async allows(access, context) {
      const { req, scope } = context;
      if (access.isAdmin || (await context.granted()).has('MANAGE_USER_GROUPS')) return true;
      if (access.userId === undefined) return false;
      const groupId = pathId(req.params[groupParam]);
      if (groupId === undefined) throw domainErrors.notFound();
      const row = await scope
        .knex('user_permission_group_memberships as m')
        .join('user_permission_groups as g', 'g.id', 'm.group_id')
        .where({
          'm.user_id': access.userId,
          'm.group_id': groupId,
          'g.organisation_id': access.organisationId,
        })
        .first('m.group_admin');
      return row?.group_admin === true;
    },
  };
}

/**
 * The rules organisation routes declare. Projects and environments add theirs beside these (VIEW_PROJECT,
 * UPDATE_FEATURE_STATE, … granted directly or through a group), starting from the same access: an
 * organisation admin may do everything in the organisation's projects.
 */
export const organisationRules = {
  member,
  admin,
  adminPerson,
  person,
  granted,
  groupManager,
};

/** Organisation permissions: CREATE_PROJECT, MANAGE_USERS, MANAGE_USER_GROUPS, without `admin`. */
export const organisationGrantLevel: GrantLevel = {
  table: 'organisation_permission_grants',
  objectColumn: 'organisation_id',
  keys: organisationPermissionKeys,
  supportsAdmin: false,
  visibleObjects: tenantOrganisationIds,
};

/** The organisation permission keys granted to a person, directly or through any group of theirs. */
export async function grantedOrganisationKeys(
  scope: DataScope,
  organisationId: number,
  userId: number,
): Promise<ReadonlySet<string>> {
  return (await grantedTo(scope, organisationGrantLevel, organisationId, organisationId, userId)).keys;
}

/** A path segment as a database id: digits only, within PostgreSQL's integer; anything else finds nothing. */
export function pathId(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return undefined;
  const id = Number(value);
  return id >= 1 && id <= 2_147_483_647 ? id : undefined;
}

/** A path id that must name something: one that is not an id at all finds nothing, like an unknown one. */
export function existingPathId(value: unknown): number {
  const id = pathId(value);
  if (id === undefined) throw domainErrors.notFound();
  return id;
}

/**
 * A path segment used as a text key (a key prefix, an invite hash): PostgreSQL refuses text holding NUL, and
 * no key is longer than this, so such a segment names nothing (404) instead of failing the query (500).
 */
export function existingPathText(value: unknown, maxLength = 255): string {
  if (typeof value !== 'string' || value === '' || value.length > maxLength || value.includes('\0'))
    throw domainErrors.notFound();
  return value;
}

/**
 * The one place that answers "may this principal do this to that organisation". A route declares
 * `policy.permission(rule)`; the permission resolves the caller's access to the organisation in the path
 * (another tenant's organisation, an unknown or a malformed id: 404, never 403, which would confirm it
 * exists), then asks the rule (a refusal is 401 for anonymous callers and 403 otherwise). Handlers read the
 * resolved access with `policy.accessOf(req)` instead of looking it up again.
 */
export class OrganisationPolicy {
  readonly #resolved = new ResolvedAccess<OrganisationAccess>('organisation');

  constructor(private readonly reads: DataScope) {}

  /** The tenant's access to `organisationId`, or undefined when it does not belong to it (or it does not exist). */
  async accessTo(
    tenant: Tenant,
    organisationId: number,
    scope: DataScope = this.reads,
  ): Promise<OrganisationAccess | undefined> {
    if (tenant.kind === 'masterApiKey') {
      if (tenant.organisationId !== organisationId) return undefined;
      const exists = await scope.knex('organisations').where('id', organisationId).first('id');
      if (!exists) return undefined;
      return {
        organisationId,
        tenant,
        role: tenant.isAdmin ? 'ADMIN' : 'USER',
        isAdmin: tenant.isAdmin,
        userId: undefined,
      };
    }
    const membership = await scope
      .knex('user_organisations')
      .where({ user_id: tenant.userId, organisation_id: organisationId })
      .first('role');
    if (!membership) return undefined;
    const role = membership.role as OrganisationRole;
    return { organisationId, tenant, role, isAdmin: role === 'ADMIN', userId: tenant.userId };
  }

  /** A route permission: `rule` must allow the caller in the organisation named by `param`. */
  permission(rule: OrganisationRule, param = 'organisationId'): Permission {
    return this.#resolved.permission(
      rule.name,
      async (tenant, req) => {
        const organisationId = pathId(req.params[param]);
        return organisationId === undefined ? undefined : this.accessTo(tenant, organisationId);
      },
      (access, req) => {
        let granted: Promise<ReadonlySet<string>> | undefined;
        return rule.allows(access, {
          req,
          scope: this.reads,
          granted: () => {
            granted ??=
              access.userId === undefined
                ? Promise.resolve(new Set<string>())
                : grantedOrganisationKeys(this.reads, access.organisationId, access.userId);
            return granted;
          },
        });
      },
    );
  }

  /** Whether the caller of an organisation route holds an organisation permission key (admins hold all). */
  async holds(req: Request, key: string): Promise<boolean> {
    const access = this.accessOf(req);
    if (access.isAdmin) return true;
    if (access.userId === undefined) return false;
    return (await grantedOrganisationKeys(this.reads, access.organisationId, access.userId)).has(key);
  }

  /** The access a permission from `permission()` resolved for this request. */
  accessOf(req: Request): OrganisationAccess {
    return this.#resolved.of(req);
  }
}

/** Routes outside one organisation (list, create, join): any person or master API key; keys only where noted. */
export const tenantPermissions = {
  /** A person or a master API key. */
  tenant: {
    name: 'IsAuthenticated',
    allows: (principal) => tenantOf(principal) !== undefined,
  } satisfies Permission,
};
