import type { Kernel } from '../app-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EnvironmentPolicy } from '../environments/environment-policy.js';
import type { ProjectPolicy } from '../projects/project-policy.js';
import type { WebhookOutbox } from '../webhooks/webhook-outbox.js';
import { featureRoutes } from './feature-routes.js';
import { FeatureService } from './feature-service.js';
import { featureStateRoutes } from './feature-state-routes.js';
import { FeatureStore } from './feature-store.js';

/**
 * Features, tags, multivariate options and environment feature states. Exports the store, which the
 * environment document builder reads (states, values, allocations, options, in a constant number of queries).
 */
export function createFeaturesSlice(
  kernel: Kernel,
  deps: {
    auditLog: AuditLog;
    projectPolicy: ProjectPolicy;
    environmentPolicy: EnvironmentPolicy;
    webhookOutbox: WebhookOutbox;
  },
) {
  const { transactor, routes } = kernel;
  const store = new FeatureStore();
  const features = new FeatureService(transactor, store, deps.auditLog, deps.webhookOutbox);
  routes.mount('features', 'api', '/projects', featureRoutes({ features, policy: deps.projectPolicy }));
  const states = featureStateRoutes({ features, policy: deps.environmentPolicy });
  routes.mount('features', 'api', '/environments', states.environments);
  routes.mount('features', 'api', '/features', states.byId);
  return { features, featureStore: store };
}
