import type { Kernel } from '../app-context.js';
import type { OrganisationPolicy } from '../organisations/organisation-policy.js';
import type { ProjectPolicy } from '../projects/project-policy.js';
import { AuditLog } from './audit-log.js';
import { auditRoutes, scopedAuditRoutes } from './audit-routes.js';
import { AuditStore } from './audit-store.js';

/**
 * The audit log: `auditLog.record(uow, entry)` for every slice that changes something, and
 * `/api/v1/audit/` to read it. Created before the slices that record into it, so the organisation and
 * project audit routes, which need those slices' policies, are mounted afterwards by `mountScopedRoutes`.
 */
export function createAuditSlice(kernel: Kernel) {
  const auditLog = new AuditLog();
  const store = new AuditStore();
  const reads = kernel.transactor.reads;
  kernel.routes.mount('audit', 'api', '/audit', auditRoutes({ store, reads }));
  const mountScopedRoutes = (policies: {
    organisationPolicy: OrganisationPolicy;
    projectPolicy: ProjectPolicy;
  }) => {
    const scoped = scopedAuditRoutes({ store, reads, ...policies });
    kernel.routes.mount('audit', 'api', '/organisations', scoped.organisations);
    kernel.routes.mount('audit', 'api', '/projects', scoped.projects);
  };
  return { auditLog, auditStore: store, mountScopedRoutes };
}
