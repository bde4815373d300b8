import type { Kernel } from '../app-context.js';
import type { UserService } from '../users/user-service.js';
import { initRoutes } from './init-routes.js';
import type { InstanceStore } from './instance-store.js';

/** The first-run page (`/api/v1/users/config/init/`) over the installation's settings. */
export function createInstanceSlice(kernel: Kernel, deps: { users: UserService; instance: InstanceStore }) {
  kernel.routes.mount('instance', 'api', '/', initRoutes({ settings: kernel.settings, ...deps }));
  return { instance: deps.instance };
}
