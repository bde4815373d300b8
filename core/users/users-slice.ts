import type { Kernel } from '../app-context.js';
import { authRoutes } from './auth-routes.js';
import { LoginLockout } from './login-lockout.js';
import { PasswordHashingPool } from './password-hasher.js';
import { userCreatePermission } from './user-policy.js';
import { UserService } from './user-service.js';
import { UserStore } from './user-store.js';
import { passwordLoginStrategy, TokenStrategy } from './user-strategies.js';

/** Accounts, token authentication and login: `/api/v1/auth/…`. */
export function createUsersSlice(kernel: Kernel) {
  const { settings, transactor, auth } = kernel;
  const users = new UserService(
    transactor,
    new UserStore(),
    new LoginLockout(transactor, settings.axes),
    new PasswordHashingPool(settings.passwordHashing),
    settings,
    kernel.secretKey,
  );
  auth.addCredentialStrategy(new TokenStrategy(users));
  auth.addStrategy('local', passwordLoginStrategy(users));
  kernel.routes.mount(
    'users',
    'api',
    '/auth',
    authRoutes({ users, auth, createPermission: userCreatePermission(settings.userCreatePermissions) }),
  );
  return { users };
}
