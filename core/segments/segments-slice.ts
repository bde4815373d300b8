import type { Kernel } from '../app-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ProjectPolicy } from '../projects/project-policy.js';
import { segmentRoutes } from './segment-routes.js';
import { SegmentService } from './segment-service.js';
import { SegmentStore } from './segment-store.js';

/**
 * Segments: `/api/v1/projects/{id}/segments/…`. Exports the store, whose `liveSegmentsOfProject` the
 * environment-document builder calls.
 */
export function createSegmentsSlice(
  kernel: Kernel,
  deps: { projectPolicy: ProjectPolicy; auditLog: AuditLog },
) {
  const segmentStore = new SegmentStore();
  const segments = new SegmentService(kernel.transactor, segmentStore, deps.auditLog);
  kernel.routes.mount(
    'segments',
    'api',
    '/projects',
    segmentRoutes({ segments, policy: deps.projectPolicy }),
  );
  return { segments, segmentStore };
}
