import type { Kernel } from '../app-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EnvironmentPolicy } from '../environments/environment-policy.js';
import type { FeatureStore } from '../features/feature-store.js';
import type { ProjectPolicy } from '../projects/project-policy.js';
import type { WebhookOutbox } from '../webhooks/webhook-outbox.js';
import { featureImportExportRoutes } from './feature-import-export-routes.js';
import { FeatureImportExportService } from './feature-import-export-service.js';

/** Flagsmith's feature export and import, in its file format. */
export function createFeatureImportExportSlice(
  kernel: Kernel,
  deps: {
    auditLog: AuditLog;
    environmentPolicy: EnvironmentPolicy;
    projectPolicy: ProjectPolicy;
    featureStore: FeatureStore;
    webhookOutbox: WebhookOutbox;
  },
) {
  const transfers = new FeatureImportExportService(
    kernel.transactor,
    deps.featureStore,
    deps.auditLog,
    deps.webhookOutbox,
  );
  const routes = featureImportExportRoutes({
    transfers,
    environmentPolicy: deps.environmentPolicy,
    projectPolicy: deps.projectPolicy,
  });
  kernel.routes.mount('feature-import-export', 'api', '/features', routes.features);
  kernel.routes.mount('feature-import-export', 'api', '/projects', routes.projects);
  return { featureTransfers: transfers };
}
