import type { Settings } from '../config/settings.js';
import { type Database, type OpenDatabaseOptions, openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import type { AppContext, Kernel } from './app-context.js';
import { createAuditSlice } from './audit/audit-slice.js';
import { AuthRegistry } from './auth/auth-registry.js';
import { createCache } from './cache/cache.js';
import { createDashboardSlice } from './dashboard/dashboard-slice.js';
import { Transactor } from './data/unit-of-work.js';
import { createEnvironmentsSlice } from './environments/environments-slice.js';
import { EventBus } from './events/event-bus.js';
import { createFeatureImportExportSlice } from './feature-import-export/feature-import-export-slice.js';
import { createFeaturesSlice } from './features/features-slice.js';
import { createHealthSlice } from './health/health-slice.js';
import { createIdentitiesSlice } from './identities/identities-slice.js';
import { createInstanceSlice } from './instance/instance-slice.js';
import { InstanceStore } from './instance/instance-store.js';
import { createLogger, type Logger } from './logging/logger.js';
import { createOrganisationsSlice } from './organisations/organisations-slice.js';
import { createProjectsSlice } from './projects/projects-slice.js';
import { RouteTable } from './route-table.js';
import { createSdkSlice } from './sdk/sdk-slice.js';
import { createSegmentOverridesSlice } from './segment-overrides/segment-overrides-slice.js';
import { createSegmentsSlice } from './segments/segments-slice.js';
import { createUsersSlice } from './users/users-slice.js';
import type { WebhookDeliveryOptions } from './webhooks/webhook-worker.js';
import { createWebhooksSlice } from './webhooks/webhooks-slice.js';

export interface ComposeOptions {
  readonly logger?: Logger;
  /** An open database to use instead of opening the configured one (tests). */
  readonly database?: Database;
  readonly databaseOptions?: OpenDatabaseOptions;
  /** Skip migrations when the caller has already migrated (test templates). */
  readonly migrate?: boolean;
  /** Webhook retry timings, or `start: false` to leave the outbox undelivered (tests). */
  readonly webhookDelivery?: Partial<WebhookDeliveryOptions>;
}

/** What disposeContext must stop before the pool closes (background workers), per context. */
const stopHooks = new WeakMap<AppContext, () => Promise<void>>();

/** How long shutdown waits for event listeners still running (an email being sent) before closing the pool. */
const listenerDrainMs = 5_000;

/**
 * The composition root: the one place that wires the kernel and the slices; the server and the command-line
 * tasks both start here. A slice is one line below: its factory takes the kernel (and the services of the
 * slices it needs), mounts its routes and registers its strategies, and returns the services it exports.
 */
export async function composeContext(settings: Settings, options: ComposeOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(settings.logLevel);
  const database = options.database ?? (await openDatabase(settings.database, options.databaseOptions));
  if (options.migrate !== false) {
    const applied = await migrateToLatest(database.knex, { kind: database.kind });
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  }

  const events = new EventBus(logger);
  const transactor = new Transactor(database, events);
  const instance = new InstanceStore();
  const secretKey = settings.secretKey ?? (await generatedSecretKey(transactor, instance, logger));
  const kernel: Kernel = {
    settings,
    database,
    logger,
    cache: createCache(),
    events,
    transactor,
    auth: new AuthRegistry(),
    routes: new RouteTable(),
    secretKey,
  };

  createHealthSlice(kernel);
  const { auditLog, auditStore, mountScopedRoutes } = createAuditSlice(kernel);
  const { users } = createUsersSlice(kernel);
  createInstanceSlice(kernel, { users, instance });
  const { organisationPolicy } = createOrganisationsSlice(kernel, { users, auditLog });
  const { projectPolicy } = createProjectsSlice(kernel, { organisationPolicy, auditLog });
  createSegmentsSlice(kernel, { projectPolicy, auditLog });
  const { environmentPolicy, environmentStore } = createEnvironmentsSlice(kernel, {
    organisationPolicy,
    projectPolicy,
    auditLog,
  });
  mountScopedRoutes({ organisationPolicy, projectPolicy });
  createDashboardSlice(kernel, { organisationPolicy, projectPolicy, environmentPolicy });
  const { webhookOutbox, stopWebhooks } = createWebhooksSlice(kernel, {
    auditLog,
    auditStore,
    organisationPolicy,
    projectPolicy,
    environmentPolicy,
    delivery: options.webhookDelivery,
  });
  const { featureStore } = createFeaturesSlice(kernel, {
    auditLog,
    projectPolicy,
    environmentPolicy,
    webhookOutbox,
  });
  createSegmentOverridesSlice(kernel, { auditLog, environmentPolicy, featureStore, webhookOutbox });
  createFeatureImportExportSlice(kernel, {
    auditLog,
    environmentPolicy,
    projectPolicy,
    featureStore,
    webhookOutbox,
  });
  const { identityStore } = createIdentitiesSlice(kernel, { auditLog, environmentPolicy, webhookOutbox });
  await createSdkSlice(kernel, { environmentStore, identityStore });
  const context: AppContext = { ...kernel, users, instance };
  stopHooks.set(context, stopWebhooks);
  return context;
}

async function generatedSecretKey(transactor: Transactor, instance: InstanceStore, logger: Logger) {
  const generated = await transactor.run((uow) => instance.loadOrCreateSecretKey(uow));
  if (generated.created) {
    logger.warn(
      'DJANGO_SECRET_KEY is not set: generated one and stored it in the database; set it explicitly in production',
    );
  }
  return generated.key;
}

/** Releases what composeContext opened: listeners get a bounded time to finish, then the pool closes. */
export async function disposeContext(ctx: AppContext): Promise<void> {
  await stopHooks.get(ctx)?.();
  await ctx.events.drain(listenerDrainMs);
  ctx.cache.close();
  await ctx.database.close();
}
