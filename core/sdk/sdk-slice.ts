import type { Kernel } from '../app-context.js';
import type { EnvironmentStore } from '../environments/environment-store.js';
import type { IdentityStore } from '../identities/identity-store.js';
import { AnalyticsStore } from './analytics-store.js';
import { EnvironmentKeyCache } from './environment-keys.js';
import { SdkEnvironmentCache } from './sdk-environment-cache.js';
import { sdkIdentityRoutes } from './sdk-identity-routes.js';
import { sdkRoutes } from './sdk-routes.js';

/**
 * The SDK endpoints (`/api/v1/flags/`, `/api/v1/environment-document/`, `/api/v1/analytics/flags/`) on the
 * dispatcher's lean lane, served from memory per environment revision. Exports the environment cache, from
 * which identity evaluation takes the compiled environment (`sdkEnvironments.current(key)`), and the key cache.
 */
export async function createSdkSlice(
  kernel: Kernel,
  deps: { environmentStore: EnvironmentStore; identityStore: IdentityStore },
) {
  const { transactor, settings } = kernel;
  const keys = new EnvironmentKeyCache(deps.environmentStore, transactor.reads);
  const sdkEnvironments = new SdkEnvironmentCache({
    scope: transactor.reads,
    keys,
    maxAgeSeconds: [settings.cache.flagsSeconds, settings.cache.projectSegmentsSeconds],
    logger: kernel.logger,
  });
  await sdkEnvironments.subscribe(kernel.events, kernel.database);
  for (const route of sdkRoutes({
    keys,
    environments: sdkEnvironments,
    analytics: new AnalyticsStore(),
    transactor,
  }))
    kernel.routes.lean('sdk', route);
  for (const route of sdkIdentityRoutes({
    keys,
    environments: sdkEnvironments,
    store: deps.identityStore,
    transactor,
  }))
    kernel.routes.lean('sdk', route);
  return { sdkEnvironments, environmentKeys: keys };
}
