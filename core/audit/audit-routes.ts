import type { Request } from 'express';
import { Router } from 'express';
import type { DataScope } from '../data/unit-of-work.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import {
  type OrganisationPolicy,
  organisationRules,
  pathId,
  tenantPermissions,
} from '../organisations/organisation-policy.js';
import { pageBody, pageRequest } from '../organisations/pagination.js';
import { type Tenant, tenantOf } from '../organisations/tenant.js';
import { type ProjectPolicy, projectRules } from '../projects/project-policy.js';
import { auditToWire } from './audit-serializer.js';
import type { AuditFilter, AuditStore } from './audit-store.js';

const invalidInteger = 'A valid integer is required.';

function queryValues(req: Request, name: string): string[] {
  const value = req.query[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** A database id from the query string, with DRF's IntegerField message for anything else. */
function queryInteger(raw: string, field: string): number {
  if (!/^\s*\d{1,10}\s*$/.test(raw) || Number(raw) > 2_147_483_647)
    throw ValidationError.field(field, invalidInteger);
  return Number(raw);
}

/** DRF's BooleanField spellings. */
function queryBoolean(raw: string, field: string): boolean {
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw ValidationError.field(field, 'Must be a valid boolean.');
}

/** AuditLogsQueryParamSerializer: `project`, `environments` (repeated; `environment` too), `is_system_event`, `search`. */
function auditFilter(req: Request): AuditFilter {
  const [project] = queryValues(req, 'project');
  const environments = [...queryValues(req, 'environments'), ...queryValues(req, 'environment')];
  const [systemEvent] = queryValues(req, 'is_system_event');
  const [search] = queryValues(req, 'search');
  if (search !== undefined && search.length > 256)
    throw ValidationError.field('search', 'Ensure this field has no more than 256 characters.');
  return {
    projectId: project === undefined || project === '' ? undefined : queryInteger(project, 'project'),
    environmentIds: environments.filter((raw) => raw !== '').map((raw) => queryInteger(raw, 'environments')),
    isSystemEvent:
      systemEvent === undefined || systemEvent === ''
        ? undefined
        : queryBoolean(systemEvent, 'is_system_event'),
    search: search || undefined,
  };
}

interface AuditRouteDeps {
  readonly store: AuditStore;
  readonly reads: DataScope;
}

/** One page of entries, newest first, within what the tenant may read and what `scope` narrows it to. */
async function listed(deps: AuditRouteDeps, req: Request, scope: Partial<AuditFilter> = {}) {
  const tenant = tenantOf(req.principal) as Tenant;
  const filter = { ...auditFilter(req), ...scope };
  const page = pageRequest(req);
  const { count, records } = await deps.store.list(deps.reads, tenant, filter, page);
  const views = await deps.store.views(deps.reads, records);
  return pageBody(req, page, count, views.map(auditToWire));
}

/** `/api/v1/audit/`: the audit log of the caller's organisations, newest first. */
export function auditRoutes(deps: AuditRouteDeps): Router {
  const { store, reads } = deps;
  const router = Router();

  route(router, '/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => void res.json(await listed(deps, req)),
    },
  });

  route(router, '/:id/', {
    get: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const id = pathId(req.params.id);
        const record =
          id === undefined ? undefined : await store.find(reads, tenantOf(req.principal) as Tenant, id);
        if (!record) throw domainErrors.notFound();
        const [view] = await store.views(reads, [record]);
        res.json({ ...auditToWire(view as NonNullable<typeof view>), change_details: [] });
      },
    },
  });

  return router;
}

/**
 * `/organisations/{id}/audit/` (OrganisationAuditLogPermissions: the organisation's admins) and
 * `/projects/{id}/audit/` (ProjectAuditLogPermissions: VIEW_AUDIT_LOG on the project), which Flagsmith's
 * dashboard reads for a project's audit log page.
 */
export function scopedAuditRoutes(
  deps: AuditRouteDeps & { organisationPolicy: OrganisationPolicy; projectPolicy: ProjectPolicy },
) {
  const organisations = Router();
  route(organisations, '/:organisationId/audit/', {
    get: {
      permission: deps.organisationPolicy.permission(organisationRules.admin),
      handle: async (req, res) => {
        const { organisationId } = deps.organisationPolicy.accessOf(req);
        res.json(await listed(deps, req, { organisationId }));
      },
    },
  });
  const projects = Router();
  route(projects, '/:projectId/audit/', {
    get: {
      permission: deps.projectPolicy.permission(projectRules.granted('VIEW_AUDIT_LOG')),
      handle: async (req, res) => {
        const { projectId } = deps.projectPolicy.accessOf(req);
        res.json(await listed(deps, req, { projectId }));
      },
    },
  });
  // The dashboard's audit log item page: one entry of the project (another project's entry is not found).
  route(projects, '/:projectId/audit/:id/', {
    get: {
      permission: deps.projectPolicy.permission(projectRules.granted('VIEW_AUDIT_LOG')),
      handle: async (req, res) => {
        const { projectId } = deps.projectPolicy.accessOf(req);
        const id = pathId(req.params.id);
        const record =
          id === undefined
            ? undefined
            : await deps.store.find(deps.reads, tenantOf(req.principal) as Tenant, id);
        if (!record || record.project_id !== projectId) throw domainErrors.notFound();
        const [view] = await deps.store.views(deps.reads, [record]);
        res.json({ ...auditToWire(view as NonNullable<typeof view>), change_details: [] });
      },
    },
  });
  return { organisations, projects };
}
