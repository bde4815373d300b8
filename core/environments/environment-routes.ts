import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { DataScope } from '../data/unit-of-work.js';
import { DomainError, domainErrors, ErrorCode } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import { detailedPermissions, detailedPermissionsSubject } from '../organisations/detailed-permissions.js';
import { canonicalUuid, idField, optionalDateTime } from '../organisations/organisation-fields.js';
import { existingPathId, pathId, tenantPermissions } from '../organisations/organisation-policy.js';
import { pageBody, pageRequest } from '../organisations/pagination.js';
import { grantRoutes } from '../organisations/permission-grant-routes.js';
import type { PermissionGrants } from '../organisations/permission-grants.js';
import { type Tenant, tenantOf } from '../organisations/tenant.js';
import { type ProjectPolicy, projectGrantLevel, projectRules } from '../projects/project-policy.js';
import type { ShownEnvironmentApiKey } from './environment-api-key-store.js';
import type { EnvironmentModel } from './environment-models.js';
import { environmentKeysToWire, environmentPermissionKeys } from './environment-permission-keys.js';
import {
  type EnvironmentPolicy,
  environmentGrantLevel,
  environmentRules as rules,
} from './environment-policy.js';
import type { EnvironmentService } from './environment-service.js';

const optionalText = (max: number) => fields.string({ max, allowBlank: true }).nullable().optional();
const settings = {
  description: optionalText(20_000),
  api_key: fields.string({ max: 100 }).optional(),
  allow_client_traits: fields.boolean().optional(),
  banner_text: optionalText(255),
  banner_colour: optionalText(7),
  hide_disabled_flags: fields.boolean().nullable().optional(),
  use_identity_composite_key_for_hashing: fields.boolean().optional(),
  hide_sensitive_data: fields.boolean().optional(),
  use_identity_overrides_in_local_eval: fields.boolean().optional(),
};
const name = fields.string({ max: 2000 });
const createBody = z.object({ name, project: idField(), ...settings });
const updateBody = z.object({ name, ...settings });
const cloneBody = z.object({ name, clone_feature_states_async: fields.boolean().optional() });
const apiKeyBody = z.object({
  name: fields.string({ max: 100 }),
  active: fields.boolean().optional(),
  expires_at: optionalDateTime(),
});

/** EnvironmentSerializerWithMetadata; metadata fields are an enterprise feature, so always empty. */
export function environmentToWire(environment: EnvironmentModel) {
  return {
    id: environment.id,
    uuid: environment.uuid,
    name: environment.name,
    api_key: environment.api_key,
    description: environment.description,
    project: environment.project_id,
    minimum_change_request_approvals: environment.minimum_change_request_approvals,
    allow_client_traits: environment.allow_client_traits,
    banner_text: environment.banner_text,
    banner_colour: environment.banner_colour,
    hide_disabled_flags: environment.hide_disabled_flags,
    use_mv_v2_evaluation: environment.use_identity_composite_key_for_hashing,
    use_identity_composite_key_for_hashing: environment.use_identity_composite_key_for_hashing,
    hide_sensitive_data: environment.hide_sensitive_data,
    use_v2_feature_versioning: environment.use_v2_feature_versioning,
    use_identity_overrides_in_local_eval: environment.use_identity_overrides_in_local_eval,
    is_creating: environment.is_creating,
    metadata: [],
  };
}

/** EnvironmentSerializerLight: the same fields without `metadata`. */
export function environmentLightToWire(environment: EnvironmentModel) {
  const { metadata: _metadata, ...light } = environmentToWire(environment);
  return light;
}

/** EnvironmentAPIKeySerializer. */
function apiKeyToWire({ row, key }: ShownEnvironmentApiKey) {
  return {
    id: row.id,
    key,
    active: row.active,
    created_at: row.created_at.toISOString(),
    name: row.name,
    expires_at: row.expires_at ? row.expires_at.toISOString() : null,
  };
}

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** The fields the body carries (DRF leaves absent ones alone), without `project`, which is not a setting. */
function defined<T extends object>(body: T): Defined<T> {
  return Object.fromEntries(
    Object.entries(body).filter(([key, value]) => value !== undefined && key !== 'project'),
  ) as Defined<T>;
}

/** `/api/v1/environments/…`: environments, their server-side keys, grants and permissions. */
export function environmentRoutes(deps: {
  environments: EnvironmentService;
  policy: EnvironmentPolicy;
  grants: PermissionGrants;
  reads: DataScope;
}): Router {
  const { environments, policy, grants, reads } = deps;
  const router = Router();

  route(router, '/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const page = pageRequest(req);
        const raw = req.query.project;
        const projectId = typeof raw === 'string' ? pathId(raw) : undefined;
        const { count, rows } = await environments.list(tenantOf(req.principal) as Tenant, projectId, page);
        res.json(pageBody(req, page, count, rows.map(environmentToWire)));
      },
    },
    post: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const body = parseBody(createBody, req.body);
        const environment = await environments.create(tenantOf(req.principal) as Tenant, body.project, {
          ...defined(body),
          name: body.name,
        });
        res.status(201).json(environmentToWire(environment));
      },
    },
  });

  route(router, '/permissions/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: (_req, res) => void res.json(environmentKeysToWire()),
    },
  });

  route(router, '/get-by-uuid/:uuid/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const uuid = canonicalUuid(req.params.uuid);
        if (uuid === undefined) throw domainErrors.notFound();
        res.json(environmentToWire(await environments.findByUuid(tenantOf(req.principal) as Tenant, uuid)));
      },
    },
  });

  route(router, '/:apiKey/', {
    get: {
      permission: policy.permission(rules.granted('VIEW_ENVIRONMENT')),
      handle: async (req, res) => {
        const environment = await environments.view(policy.accessOf(req));
        // Segment overrides arrive with the flags slice; until then an environment has none.
        res.json({ ...environmentToWire(environment), total_segment_overrides: 0 });
      },
    },
    put: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(updateBody, req.body);
        const updated = await environments.update(policy.accessOf(req), {
          ...defined(body),
          name: body.name,
        });
        res.json(environmentToWire(updated));
      },
    },
    patch: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(updateBody.partial(), req.body);
        res.json(environmentToWire(await environments.update(policy.accessOf(req), defined(body))));
      },
    },
    delete: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        await environments.delete(policy.accessOf(req));
        res.status(204).end();
      },
    },
  });

  route(router, '/:apiKey/clone/', {
    post: {
      permission: policy.permission(rules.projectGranted('CREATE_ENVIRONMENT')),
      handle: async (req, res) => {
        const body = parseBody(cloneBody, req.body);
        const clone = await environments.clone(policy.accessOf(req), body.name);
        // CloneEnvironmentSerializer, answered with 200 as Flagsmith does.
        res.json({ id: clone.id, name: clone.name, api_key: clone.api_key, project: clone.project_id });
      },
    },
  });

  route(router, '/:apiKey/my-permissions/', {
    get: {
      permission: policy.permission(rules.view),
      handle: (req, res) => {
        const access = policy.accessOf(req);
        if (access.organisation.tenant.kind !== 'user')
          throw new DomainError(
            ErrorCode.userOnly,
            'This endpoint can only be used with a user and not Master API Key',
          );
        const permissions = environmentPermissionKeys.map((p) => p.key).filter((key) => access.keys.has(key));
        res.json({ permissions, admin: access.isAdmin, tag_based_permissions: [] });
      },
    },
  });

  // Flagsmith's EnvironmentAPIKeyViewSet: environment admins only, a plain array, no retrieve.
  route(router, '/:apiKey/user-detailed-permissions/:userId/', {
    get: {
      // Flagsmith: a caller reads their own; only the environment's admins read someone else's.
      permission: policy.permission(rules.view),
      handle: async (req, res) => {
        const access = policy.accessOf(req);
        const subject = detailedPermissionsSubject(
          access.organisation.tenant,
          access.isAdmin,
          existingPathId(req.params.userId),
        );
        const target = {
          level: environmentGrantLevel,
          objectId: access.environmentId,
          organisationId: access.organisation.organisationId,
          inheritsAdminFrom: { level: projectGrantLevel, objectId: access.projectId },
        };
        res.json(await detailedPermissions(reads, target, subject));
      },
    },
  });

  route(router, '/:apiKey/api-keys/', {
    get: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) =>
        void res.json((await environments.listApiKeys(policy.accessOf(req))).map(apiKeyToWire)),
    },
    post: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(apiKeyBody, req.body);
        const created = await environments.createApiKey(policy.accessOf(req), {
          ...defined(body),
          name: body.name,
        });
        res.status(201).json(apiKeyToWire(created));
      },
    },
  });
  const updateKey = (partial: boolean) => ({
    permission: policy.permission(rules.admin),
    handle: async (req: Request, res: Response) => {
      const body = parseBody(partial ? apiKeyBody.partial() : apiKeyBody, req.body);
      const updated = await environments.updateApiKey(
        policy.accessOf(req),
        existingPathId(req.params.keyId),
        defined(body),
      );
      res.json(apiKeyToWire(updated));
    },
  });
  route(router, '/:apiKey/api-keys/:keyId/', {
    put: updateKey(false),
    patch: updateKey(true),
    delete: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        await environments.deleteApiKey(policy.accessOf(req), existingPathId(req.params.keyId));
        res.status(204).end();
      },
    },
  });

  grantRoutes(router, {
    prefix: '/:apiKey',
    permission: policy.permission(rules.admin),
    scopeOf: (req) => {
      const access = policy.accessOf(req);
      return {
        tenant: access.organisation.tenant,
        objectId: access.environmentId,
        organisationId: access.organisation.organisationId,
      };
    },
    grants,
    supportsAdmin: true,
  });

  return router;
}

/** `GET /api/v1/projects/{id}/environments/`: a plain array, for the project's admins, as Flagsmith's action. */
export function projectEnvironmentRoutes(deps: {
  environments: EnvironmentService;
  projectPolicy: ProjectPolicy;
}): Router {
  const router = Router();
  route(router, '/:projectId/environments/', {
    get: {
      permission: deps.projectPolicy.permission(projectRules.admin),
      handle: async (req, res) => {
        const access = deps.projectPolicy.accessOf(req);
        const rows = await deps.environments.allOfProject(access.organisation.tenant, access.projectId);
        res.json(rows.map(environmentLightToWire));
      },
    },
  });
  return router;
}
