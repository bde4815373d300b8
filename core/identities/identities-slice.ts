import type { Kernel } from '../app-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EnvironmentPolicy } from '../environments/environment-policy.js';
import { FeatureStore } from '../features/feature-store.js';
import type { WebhookOutbox } from '../webhooks/webhook-outbox.js';
import { identityRoutes } from './identity-routes.js';
import { IdentityService } from './identity-service.js';
import { IdentityStore } from './identity-store.js';

/**
 * Identities of an environment, their traits and their overrides: `/api/v1/environments/{key}/identities/…`.
 * Exports the store, whose `loadForEvaluation` and `upsertTraits` the SDK endpoints use.
 */
export function createIdentitiesSlice(
  kernel: Kernel,
  deps: { auditLog: AuditLog; environmentPolicy: EnvironmentPolicy; webhookOutbox: WebhookOutbox },
) {
  const { transactor, routes } = kernel;
  const store = new IdentityStore();
  const identities = new IdentityService(
    transactor,
    store,
    new FeatureStore(),
    deps.auditLog,
    deps.webhookOutbox,
  );
  routes.mount(
    'identities',
    'api',
    '/environments',
    identityRoutes({ identities, policy: deps.environmentPolicy }),
  );
  return { identities, identityStore: store };
}
