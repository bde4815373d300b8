import type { UserCreatePermission } from '../../config/settings.js';
import { type Permission, permissions } from '../auth/permission.js';
import type { Principal } from '../auth/principal.js';

const isStaff = (principal: Principal) =>
  principal.kind === 'user' && (principal.user.is_staff || principal.user.is_superuser);

/**
 * The DRF permission classes USER_CREATE_PERMISSIONS may name, as they answer for a create (a POST has no
 * object yet, so djoser's CurrentUserOrAdmin checks only that the caller is signed in).
 */
const createPermissionClasses: Record<UserCreatePermission, Permission> = {
  'rest_framework.permissions.AllowAny': permissions.allowAny,
  'rest_framework.permissions.IsAuthenticated': permissions.isAuthenticatedUser,
  'djoser.permissions.CurrentUserOrAdmin': { name: 'CurrentUserOrAdmin', allows: (p) => p.kind === 'user' },
  'rest_framework.permissions.IsAdminUser': { name: 'IsAdminUser', allows: isStaff },
};

/** Who may register accounts: every class USER_CREATE_PERMISSIONS lists must allow it, as in DRF. */
export function userCreatePermission(classes: readonly UserCreatePermission[]): Permission {
  return permissions.all(
    'USER_CREATE_PERMISSIONS',
    classes.map((name) => createPermissionClasses[name]),
  );
}
