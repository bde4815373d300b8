import type { Kernel } from '../app-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { OrganisationPolicy } from '../organisations/organisation-policy.js';
import { PermissionGrants } from '../organisations/permission-grants.js';
import type { ProjectPolicy } from '../projects/project-policy.js';
import { EnvironmentApiKeyStore } from './environment-api-key-store.js';
import { EnvironmentPolicy, environmentGrantLevel } from './environment-policy.js';
import { environmentRoutes, projectEnvironmentRoutes } from './environment-routes.js';
import { EnvironmentService } from './environment-service.js';
import { EnvironmentStore } from './environment-store.js';
import { KeySealer } from './key-sealer.js';

/**
 * Environments: `/api/v1/environments/…` on top of the organisation and project levels. Exports the policy
 * (for slices with environment-scoped routes) and the store, whose `resolveEnvironmentKey` the SDK lane
 * uses to turn an `X-Environment-Key` into an environment.
 */
export function createEnvironmentsSlice(
  kernel: Kernel,
  deps: { organisationPolicy: OrganisationPolicy; projectPolicy: ProjectPolicy; auditLog: AuditLog },
) {
  const { transactor, routes, secretKey } = kernel;
  const policy = new EnvironmentPolicy(deps.organisationPolicy, transactor.reads);
  const store = new EnvironmentStore(policy);
  const environments = new EnvironmentService(
    transactor,
    store,
    new EnvironmentApiKeyStore(new KeySealer(secretKey)),
    deps.organisationPolicy,
    policy,
    deps.auditLog,
  );
  const grants = new PermissionGrants(environmentGrantLevel, transactor, deps.auditLog);
  routes.mount(
    'environments',
    'api',
    '/environments',
    environmentRoutes({ environments, policy, grants, reads: transactor.reads }),
  );
  routes.mount(
    'environments',
    'api',
    '/projects',
    projectEnvironmentRoutes({ environments, projectPolicy: deps.projectPolicy }),
  );
  return { environments, environmentPolicy: policy, environmentStore: store };
}
