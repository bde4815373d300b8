import type { Kernel } from '../app-context.js';
import type { UserService } from '../users/user-service.js';
import { initRoutes } from './init-routes.js';
import type { InstanceStore } from './instance-store.js';
import { versionRoutes } from './version-routes.js';

/** The first-run page (`/api/v1/users/config/init/`) over the installation's settings. */
export function createInstanceSlice(kernel: Kernel, deps: { users: UserService; instance: InstanceStore }) {
  kernel.routes.mount('instance', 'api', '/', initRoutes({ settings: kernel.settings, ...deps }));
  kernel.routes.mount(
    'instance',
    'root',
    '/',
    // Until an email plugin is active, the dashboard hides invitations by email.
    versionRoutes({ facts: deps.users, reads: kernel.transactor.reads, hasEmailProvider: () => false }),
  );
  return { instance: deps.instance };
}
