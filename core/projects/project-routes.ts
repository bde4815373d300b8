import { Router } from 'express';
import { z } from 'zod';
import type { DataScope } from '../data/unit-of-work.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { fields, parseBody, singleQueryValues } from '../http/validation.js';
import { detailedPermissions, detailedPermissionsSubject } from '../organisations/detailed-permissions.js';
import { canonicalUuid, idField } from '../organisations/organisation-fields.js';
import {
  existingPathId,
  type OrganisationPolicy,
  organisationRules,
  pathId,
  tenantPermissions,
} from '../organisations/organisation-policy.js';
import { grantRoutes } from '../organisations/permission-grant-routes.js';
import type { PermissionGrants } from '../organisations/permission-grants.js';
import { keysToWire, projectPermissionKeys } from '../organisations/permission-keys.js';
import { type Tenant, tenantOf } from '../organisations/tenant.js';
import type { ProjectModel } from './project-model.js';
import { type ProjectPolicy, projectGrantLevel, projectRules as rules } from './project-policy.js';
import type { ProjectService } from './project-service.js';
import type { ProjectListFilter } from './project-store.js';

const settings = {
  hide_disabled_flags: fields.boolean().optional(),
  enable_realtime_updates: fields.boolean().optional(),
  prevent_flag_defaults: fields.boolean().optional(),
  only_allow_lower_case_feature_names: fields.boolean().optional(),
  feature_name_regex: fields.string({ max: 255 }).nullable().optional(),
  stale_flags_limit_days: z
    .number({ error: 'A valid integer is required.' })
    .int('A valid integer is required.')
    .min(0, 'Ensure this value is greater than or equal to 0.')
    .max(2_147_483_647, 'Ensure this value is less than or equal to 2147483647.')
    .optional(),
  enforce_feature_owners: fields.boolean().optional(),
};
const createBody = z.object({ name: fields.string({ max: 2000 }), organisation: idField(), ...settings });
const updateBody = z.object({ name: fields.string({ max: 2000 }), ...settings });

/** ProjectListSerializer; the edge (DynamoDB) fields answer as a self-hosted Flagsmith without edge does. */
export function projectToWire(project: ProjectModel) {
  return {
    id: project.id,
    uuid: project.uuid,
    name: project.name,
    organisation: project.organisation_id,
    hide_disabled_flags: project.hide_disabled_flags,
    enable_dynamo_db: false,
    migration_status: 'NOT_APPLICABLE',
    use_edge_identities: false,
    prevent_flag_defaults: project.prevent_flag_defaults,
    enable_realtime_updates: project.enable_realtime_updates,
    only_allow_lower_case_feature_names: project.only_allow_lower_case_feature_names,
    feature_name_regex: project.feature_name_regex,
    show_edge_identity_overrides_for_feature: false,
    stale_flags_limit_days: project.stale_flags_limit_days,
    edge_v2_migration_status: 'NOT_STARTED',
    minimum_change_request_approvals: project.minimum_change_request_approvals,
    enforce_feature_owners: project.enforce_feature_owners,
  };
}

/** ProjectRetrieveSerializer: the list's fields, then the limits and the totals. */
export function projectRetrieveToWire(project: ProjectModel, totals: { features: number; segments: number }) {
  return {
    ...projectToWire(project),
    max_segments_allowed: project.max_segments_allowed,
    max_features_allowed: project.max_features_allowed,
    max_segment_overrides_allowed: project.max_segment_overrides_allowed,
    total_features: totals.features,
    total_segments: totals.segments,
  };
}

/** Flagsmith's list filters: `?organisation=` must be an integer (400 otherwise), `?uuid=` narrows to one. */
function listFilter(query: Record<string, unknown>): ProjectListFilter | undefined {
  const { organisation, uuid } = singleQueryValues(query);
  let organisationId: number | undefined;
  if (organisation !== undefined && organisation !== '') {
    if (typeof organisation !== 'string' || !/^\s*[-+]?\d+\s*$/.test(organisation))
      throw ValidationError.field('organisation', 'Must be a valid integer.');
    // A valid integer that cannot be an id (0, negative, beyond int4) matches nothing, as in Flagsmith.
    organisationId = pathId(organisation.trim()) ?? -1;
  }
  if (uuid === undefined || uuid === '') return { organisationId };
  const canonical = canonicalUuid(uuid);
  // Django would fail on a malformed uuid; nothing can match it, so the list is empty.
  return canonical === undefined ? undefined : { organisationId, uuid: canonical };
}

function defined(body: object) {
  return Object.fromEntries(
    Object.entries(body).filter(([key, value]) => value !== undefined && key !== 'organisation'),
  );
}

/** `/api/v1/projects/…`: projects, their permission keys and grants, and the caller's own permissions. */
export function projectRoutes(deps: {
  projects: ProjectService;
  policy: ProjectPolicy;
  grants: PermissionGrants;
  reads: DataScope;
}): Router {
  const { projects, policy, grants, reads } = deps;
  const router = Router();

  route(router, '/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const filter = listFilter(req.query);
        const rows = filter ? await projects.list(tenantOf(req.principal) as Tenant, filter) : [];
        res.json(rows.map(projectToWire));
      },
    },
    post: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const body = parseBody(createBody, req.body);
        const fieldsOf = { ...defined(body), name: body.name };
        const project = await projects.create(tenantOf(req.principal) as Tenant, body.organisation, fieldsOf);
        res.status(201).json(projectToWire(project));
      },
    },
  });

  route(router, '/permissions/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: (_req, res) => void res.json(keysToWire(projectPermissionKeys)),
    },
  });

  route(router, '/get-by-uuid/:uuid/', {
    get: {
      // Flagsmith looks the uuid up among the projects the caller may see and answers the list serializer.
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const uuid = canonicalUuid(req.params.uuid);
        if (uuid === undefined) throw domainErrors.notFound();
        res.json(projectToWire(await projects.findByUuid(tenantOf(req.principal) as Tenant, uuid)));
      },
    },
  });

  route(router, '/:projectId/', {
    get: {
      permission: policy.permission(rules.view),
      handle: async (req, res) => {
        const project = await projects.view(policy.accessOf(req));
        res.json(projectRetrieveToWire(project, await projects.totals(project)));
      },
    },
    put: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(updateBody, req.body);
        res.json(
          projectToWire(await projects.update(policy.accessOf(req), { ...defined(body), name: body.name })),
        );
      },
    },
    patch: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(updateBody.partial(), req.body);
        res.json(projectToWire(await projects.update(policy.accessOf(req), defined(body))));
      },
    },
    delete: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        await projects.delete(policy.accessOf(req));
        res.status(204).end();
      },
    },
  });

  route(router, '/:projectId/my-permissions/', {
    get: {
      permission: policy.permission(rules.view),
      handle: (req, res) => {
        const access = policy.accessOf(req);
        const permissions = projectPermissionKeys.map((p) => p.key).filter((key) => access.keys.has(key));
        res.json({ permissions, admin: access.isAdmin, tag_based_permissions: [] });
      },
    },
  });

  route(router, '/:projectId/user-detailed-permissions/:userId/', {
    get: {
      // Flagsmith: anyone who sees the project reads their own; only its admins read someone else's.
      permission: policy.permission(rules.view),
      handle: async (req, res) => {
        const access = policy.accessOf(req);
        const subject = detailedPermissionsSubject(
          access.organisation.tenant,
          access.isAdmin,
          existingPathId(req.params.userId),
        );
        const target = {
          level: projectGrantLevel,
          objectId: access.projectId,
          organisationId: access.organisation.organisationId,
        };
        res.json(await detailedPermissions(reads, target, subject));
      },
    },
  });

  grantRoutes(router, {
    prefix: '/:projectId',
    permission: policy.permission(rules.admin),
    scopeOf: (req) => {
      const access = policy.accessOf(req);
      return {
        tenant: access.organisation.tenant,
        objectId: access.projectId,
        organisationId: access.organisation.organisationId,
      };
    },
    grants,
    supportsAdmin: true,
  });

  return router;
}

/**
 * `GET /api/v1/organisations/{id}/projects/`: the organisation's projects as a plain array. Flagsmith lets any
 * member list all of them here; Vexil lists only those the caller may see, as `/projects/?organisation=` does,
 * so that this path does not show a member projects withheld from them everywhere else.
 */
export function organisationProjectRoutes(deps: {
  projects: ProjectService;
  organisationPolicy: OrganisationPolicy;
}): Router {
  const router = Router();
  route(router, '/:organisationId/projects/', {
    get: {
      permission: deps.organisationPolicy.permission(organisationRules.member),
      handle: async (req, res) => {
        const access = deps.organisationPolicy.accessOf(req);
        const rows = await deps.projects.list(access.tenant, { organisationId: access.organisationId });
        res.json(rows.map(projectToWire));
      },
    },
  });
  return router;
}
