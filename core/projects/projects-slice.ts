import type { Kernel } from '../app-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { OrganisationPolicy } from '../organisations/organisation-policy.js';
import { PermissionGrants } from '../organisations/permission-grants.js';
import { ProjectPolicy, projectGrantLevel } from './project-policy.js';
import { organisationProjectRoutes, projectRoutes } from './project-routes.js';
import { ProjectService } from './project-service.js';
import { ProjectStore } from './project-store.js';

/** Projects: `/api/v1/projects/…`, on top of the organisation policy. */
export function createProjectsSlice(
  kernel: Kernel,
  deps: { organisationPolicy: OrganisationPolicy; auditLog: AuditLog },
) {
  const { transactor, routes } = kernel;
  const policy = new ProjectPolicy(deps.organisationPolicy, transactor.reads);
  const projects = new ProjectService(
    transactor,
    new ProjectStore(policy),
    deps.organisationPolicy,
    deps.auditLog,
  );
  const grants = new PermissionGrants(projectGrantLevel, transactor, deps.auditLog);
  routes.mount(
    'projects',
    'api',
    '/projects',
    projectRoutes({ projects, policy, grants, reads: transactor.reads }),
  );
  routes.mount(
    'projects',
    'api',
    '/organisations',
    organisationProjectRoutes({ projects, organisationPolicy: deps.organisationPolicy }),
  );
  return { projects, projectPolicy: policy };
}
