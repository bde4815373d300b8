import type { Kernel } from '../app-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EnvironmentPolicy } from '../environments/environment-policy.js';
import type { FeatureStore } from '../features/feature-store.js';
import type { WebhookOutbox } from '../webhooks/webhook-outbox.js';
import { segmentOverrideRoutes } from './segment-override-routes.js';
import { SegmentOverrideService } from './segment-override-service.js';
import { SegmentOverrideStore } from './segment-override-store.js';

/** Segment overrides: `features/feature-segments/` and `create-segment-override/`. */
export function createSegmentOverridesSlice(
  kernel: Kernel,
  deps: {
    auditLog: AuditLog;
    environmentPolicy: EnvironmentPolicy;
    featureStore: FeatureStore;
    webhookOutbox: WebhookOutbox;
  },
) {
  const { transactor, routes } = kernel;
  const store = new SegmentOverrideStore();
  const overrides = new SegmentOverrideService(
    transactor,
    store,
    deps.featureStore,
    deps.auditLog,
    deps.webhookOutbox,
  );
  const mounted = segmentOverrideRoutes({ overrides, policy: deps.environmentPolicy });
  routes.mount('segment-overrides', 'api', '/features', mounted.features);
  routes.mount('segment-overrides', 'api', '/environments', mounted.environments);
  return { segmentOverrides: overrides };
}
