import { Router } from 'express';
import { z } from 'zod';
import { type Permission, permissions } from '../auth/permission.js';
import { userOf } from '../auth/principal.js';
import type { DataScope } from '../data/unit-of-work.js';
import { domainErrors } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { fields, parseBody, singleQueryValues } from '../http/validation.js';
import { detailedPermissions, detailedPermissionsSubject } from './detailed-permissions.js';
import { canonicalUuid, idField, optionalEmail, roleField } from './organisation-fields.js';
import {
  existingPathId,
  grantedOrganisationKeys,
  type OrganisationPolicy,
  organisationGrantLevel,
  pathId,
  organisationRules as rules,
  tenantOf,
  tenantPermissions,
} from './organisation-policy.js';
import {
  memberToWire,
  organisationBasicToWire,
  organisationToWire,
  subscriptionMetadataToWire,
} from './organisation-serializer.js';
import type { OrganisationService } from './organisation-service.js';
import { pageBody, pageRequest } from './pagination.js';
import { grantRoutes } from './permission-grant-routes.js';
import type { PermissionGrants } from './permission-grants.js';
import { keysToWire, organisationPermissionKeys } from './permission-keys.js';

const organisationBody = z.object({
  name: fields.string({ max: 2000 }),
  webhook_notification_email: optionalEmail(),
  restrict_project_create_to_admin: fields.boolean().optional(),
  force_2fa: fields.boolean().optional(),
});

const roleBody = z.object({ role: roleField() });

// DRF's BooleanField reading a query value: its true and false spellings, anything else a 400.
const queryBoolean = z
  .string()
  .refine((value) => /^(true|false|1|0|yes|no|on|off|t|f|y|n)$/i.test(value), 'Must be a valid boolean.')
  .transform((value) => /^(true|1|yes|on|t|y)$/i.test(value))
  .optional();
const usersQuery = z.object({ exclude_current: queryBoolean });
const removeUsersBody = z
  .array(z.object({ id: idField() }), { error: 'Expected a list of items.' })
  .max(1000);

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** The fields a body set, for PATCH semantics under exactOptionalPropertyTypes. */
function defined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}

export interface OrganisationRoutesDeps {
  readonly organisations: OrganisationService;
  readonly grants: PermissionGrants;
  readonly reads: DataScope;
  readonly policy: OrganisationPolicy;
  readonly settings: { readonly restrictOrgCreateToSuperusers: boolean };
}

/**
 * Who may create an organisation: any signed-in person, or with RESTRICT_ORG_CREATE_TO_SUPERUSERS only
 * superusers, as Flagsmith's OrganisationPermission (a 403 with DRF's detail for everyone else).
 */
function organisationCreatePermission(superusersOnly: boolean): Permission {
  if (!superusersOnly) return permissions.isAuthenticatedUser;
  return {
    name: 'OrganisationPermission',
    allows: (principal) => principal.kind === 'user' && principal.user.is_superuser,
  };
}

/** `/api/v1/organisations/…`: the organisations themselves and their members. */
export function organisationRoutes({
  organisations,
  grants,
  policy,
  reads,
  settings,
}: OrganisationRoutesDeps): Router {
  const router = Router();
  const as = (rule: Parameters<OrganisationPolicy['permission']>[0]) => policy.permission(rule);

  route(router, '/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const page = pageRequest(req);
        const { count, views } = await organisations.list(tenantOf(req.principal) as never, page);
        res.json(pageBody(req, page, count, views.map(organisationToWire)));
      },
    },
    post: {
      // Organisations are created by people; a master API key belongs to one organisation already.
      permission: organisationCreatePermission(settings.restrictOrgCreateToSuperusers),
      handle: async (req, res) => {
        const body = parseBody(organisationBody, req.body);
        const view = await organisations.create(userOf(req.principal).id, {
          ...defined(body),
          name: body.name,
        });
        res.status(201).json(organisationToWire(view));
      },
    },
  });

  route(router, '/permissions/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: (_req, res) => void res.json(keysToWire(organisationPermissionKeys)),
    },
  });

  route(router, '/get-by-uuid/:uuid/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const uuid = canonicalUuid(req.params.uuid);
        if (uuid === undefined) throw domainErrors.notFound();
        res.json(organisationToWire(await organisations.findByUuid(tenantOf(req.principal) as never, uuid)));
      },
    },
  });

  route(router, '/:organisationId/', {
    get: {
      // Flagsmith's OrganisationPermission: only admins retrieve an organisation (members see it listed).
      permission: as(rules.admin),
      handle: async (req, res) => {
        const access = policy.accessOf(req);
        res.json(organisationToWire(await organisations.view(access.tenant, access.organisationId)));
      },
    },
    put: {
      permission: as(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(organisationBody, req.body);
        res.json(organisationToWire(await organisations.update(policy.accessOf(req), defined(body))));
      },
    },
    patch: {
      permission: as(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(organisationBody.partial(), req.body);
        res.json(organisationToWire(await organisations.update(policy.accessOf(req), defined(body))));
      },
    },
    delete: {
      permission: as(rules.admin),
      handle: async (req, res) => {
        await organisations.delete(policy.accessOf(req));
        res.status(204).end();
      },
    },
  });

  route(router, '/:organisationId/get-subscription-metadata/', {
    get: {
      // A detail action of Flagsmith's OrganisationViewSet: admins only, like the retrieve.
      permission: as(rules.admin),
      handle: async (req, res) => {
        const access = policy.accessOf(req);
        const { subscription } = await organisations.view(access.tenant, access.organisationId);
        res.json(subscriptionMetadataToWire(subscription));
      },
    },
  });

  route(router, '/:organisationId/my-permissions/', {
    get: {
      permission: as(rules.member),
      handle: async (req, res) => {
        const access = policy.accessOf(req);
        const all = organisationPermissionKeys.map((permission) => permission.key);
        const held =
          access.isAdmin || access.userId === undefined
            ? new Set(access.isAdmin ? all : [])
            : await grantedOrganisationKeys(reads, access.organisationId, access.userId);
        res.json({
          permissions: all.filter((key) => held.has(key)),
          admin: access.isAdmin,
          tag_based_permissions: [],
        });
      },
    },
  });

  route(router, '/:organisationId/user-detailed-permissions/:userId/', {
    get: {
      // Flagsmith: members read their own; only organisation admins read someone else's.
      permission: as(rules.member),
      handle: async (req, res) => {
        const userId = existingPathId(req.params.userId);
        const access = policy.accessOf(req);
        const subject = detailedPermissionsSubject(access.tenant, access.isAdmin, userId);
        res.json(
          await detailedPermissions(
            reads,
            {
              level: organisationGrantLevel,
              objectId: access.organisationId,
              organisationId: access.organisationId,
            },
            subject,
          ),
        );
      },
    },
  });

  grantRoutes(router, {
    prefix: '/:organisationId',
    permission: as(rules.admin),
    scopeOf: (req) => {
      const access = policy.accessOf(req);
      return {
        tenant: access.tenant,
        objectId: access.organisationId,
        organisationId: access.organisationId,
      };
    },
    grants,
    supportsAdmin: false,
  });

  route(router, '/:organisationId/users/', {
    get: {
      permission: as(rules.member),
      handle: async (req, res) => {
        // ListUsersQuerySerializer's `exclude_current`: leave the caller out of the list.
        const { exclude_current: excludeCurrent } = parseBody(usersQuery, singleQueryValues(req.query));
        const access = policy.accessOf(req);
        const members = await organisations.members(access);
        res.json(
          members.filter((member) => !(excludeCurrent && member.id === access.userId)).map(memberToWire),
        );
      },
    },
  });

  route(router, '/:organisationId/users/:userId/update-role/', {
    post: {
      permission: as(rules.admin),
      handle: async (req, res) => {
        const userId = pathId(req.params.userId);
        if (userId === undefined) throw domainErrors.notFound();
        const { role } = parseBody(roleBody, req.body);
        const updated = await organisations.updateRole(policy.accessOf(req), userId, role);
        res.json({ role: updated.role, organisation: organisationBasicToWire(updated.organisation) });
      },
    },
  });

  route(router, '/:organisationId/remove-users/', {
    post: {
      permission: as(rules.granted('MANAGE_USERS')),
      handle: async (req, res) => {
        const users = parseBody(removeUsersBody, req.body);
        await organisations.removeUsers(
          policy.accessOf(req),
          users.map((user) => user.id),
        );
        res.json(users.map((user) => ({ id: user.id })));
      },
    },
  });

  return router;
}
