import type { Kernel } from '../app-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AuditStore } from '../audit/audit-store.js';
import type { EnvironmentPolicy } from '../environments/environment-policy.js';
import type { OrganisationPolicy } from '../organisations/organisation-policy.js';
import type { ProjectPolicy } from '../projects/project-policy.js';
import { WebhookOutbox } from './webhook-outbox.js';
import { environmentWebhookRoutes, organisationWebhookRoutes } from './webhook-routes.js';
import { WebhookService } from './webhook-service.js';
import { WebhookStore } from './webhook-store.js';
import { webhookTestRoutes } from './webhook-test-routes.js';
import { defaultDeliveryOptions, type WebhookDeliveryOptions, WebhookWorker } from './webhook-worker.js';

/**
 * Organisation webhooks (every audit entry, as AUDIT_LOG_CREATED) and environment webhooks (FLAG_UPDATED and
 * FLAG_DELETED, written by the flags slice through `outbox.flagChanged`), delivered from the outbox by a
 * worker that the composition root stops at shutdown.
 */
export function createWebhooksSlice(
  kernel: Kernel,
  deps: {
    auditLog: AuditLog;
    auditStore: AuditStore;
    organisationPolicy: OrganisationPolicy;
    projectPolicy: ProjectPolicy;
    environmentPolicy: EnvironmentPolicy;
    delivery?: Partial<WebhookDeliveryOptions> | undefined;
  },
) {
  const { settings, transactor, routes, database, logger } = kernel;
  const allowPrivateTargets = settings.webhookAllowPrivateTargets;
  const delivery = { ...defaultDeliveryOptions, allowPrivateTargets, ...deps.delivery };
  const worker = new WebhookWorker(database.knex, logger, delivery);
  const outbox = new WebhookOutbox(deps.auditStore, worker.wake);
  deps.auditLog.onRecorded(outbox.auditRecorded);

  const service = (kind: 'organisation' | 'environment') =>
    new WebhookService(kind, transactor, new WebhookStore(kind), deps.auditLog, allowPrivateTargets);
  routes.mount(
    'webhooks',
    'api',
    '/organisations',
    organisationWebhookRoutes({ webhooks: service('organisation'), policy: deps.organisationPolicy }),
  );
  routes.mount(
    'webhooks',
    'api',
    '/environments',
    environmentWebhookRoutes({ webhooks: service('environment'), environmentPolicy: deps.environmentPolicy }),
  );
  routes.mount(
    'webhooks',
    'api',
    '/webhooks',
    webhookTestRoutes({
      organisations: deps.organisationPolicy,
      environments: deps.environmentPolicy,
      allowPrivateTargets,
      timeoutMs: delivery.timeoutMs,
    }),
  );
  worker.start();
  return { webhookOutbox: outbox, stopWebhooks: () => worker.stop() };
}
