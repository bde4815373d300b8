import type { Kernel } from '../app-context.js';
import { AuditLog } from './audit-log.js';
import { auditRoutes } from './audit-routes.js';
import { AuditStore } from './audit-store.js';

/**
 * The audit log: `auditLog.record(uow, entry)` for every slice that changes something, and
 * `/api/v1/audit/` to read it. Created before the slices that record into it.
 */
export function createAuditSlice(kernel: Kernel) {
  const auditLog = new AuditLog();
  const store = new AuditStore();
  kernel.routes.mount('audit', 'api', '/audit', auditRoutes({ store, reads: kernel.transactor.reads }));
  return { auditLog, auditStore: store };
}
