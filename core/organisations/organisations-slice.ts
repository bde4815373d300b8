import type { Kernel } from '../app-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { UserService } from '../users/user-service.js';
import { groupRoutes } from './group-routes.js';
import { GroupService } from './group-service.js';
import { GroupStore } from './group-store.js';
import { inviteRoutes, joinRoutes } from './invite-routes.js';
import { InviteService } from './invite-service.js';
import { InviteStore } from './invite-store.js';
import { masterApiKeyRoutes } from './master-api-key-routes.js';
import { MasterApiKeyService } from './master-api-key-service.js';
import { MasterApiKeyStore } from './master-api-key-store.js';
import { MasterApiKeyStrategy } from './master-api-key-strategy.js';
import { OrganisationPolicy, organisationGrantLevel } from './organisation-policy.js';
import { organisationRoutes } from './organisation-routes.js';
import { OrganisationService } from './organisation-service.js';
import { OrganisationStore } from './organisation-store.js';
import { PermissionGrants } from './permission-grants.js';
import { usageRoutes } from './usage-routes.js';

/**
 * Organisations, members, invites, groups and master API keys (`/api/v1/organisations/…`,
 * `/api/v1/users/join/…`), the `Api-Key` credential strategy, and the invite gate of closed sign-up.
 */
export function createOrganisationsSlice(kernel: Kernel, deps: { users: UserService; auditLog: AuditLog }) {
  const { settings, transactor, routes, auth } = kernel;
  const policy = new OrganisationPolicy(transactor.reads);
  const organisationStore = new OrganisationStore();
  const { auditLog } = deps;
  const organisations = new OrganisationService(transactor, organisationStore, settings, auditLog);
  const invites = new InviteService(transactor, new InviteStore(), organisationStore, auditLog, settings);
  const masterApiKeys = new MasterApiKeyService(transactor, new MasterApiKeyStore(), auditLog);
  const groups = new GroupService(transactor, new GroupStore(), auditLog);
  const grants = new PermissionGrants(organisationGrantLevel, transactor, auditLog);

  auth.addCredentialStrategy(new MasterApiKeyStrategy(masterApiKeys));
  deps.users.useInviteChecker(invites.checkRegistration);

  const inviteDeps = { invites, organisations, policy };
  routes.mount(
    'organisations',
    'api',
    '/organisations',
    organisationRoutes({ organisations, grants, policy, reads: transactor.reads, settings }),
  );
  routes.mount('organisations', 'api', '/organisations', inviteRoutes(inviteDeps));
  routes.mount('organisations', 'api', '/organisations', masterApiKeyRoutes({ keys: masterApiKeys, policy }));
  routes.mount('organisations', 'api', '/organisations', groupRoutes({ groups, policy }));
  routes.mount('organisations', 'api', '/organisations', usageRoutes({ policy }));
  routes.mount('organisations', 'api', '/users/join', joinRoutes(inviteDeps));
  return { organisations, invites, groups, grants, masterApiKeys, organisationPolicy: policy };
}
