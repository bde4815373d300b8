import type { PermissionKey } from '../organisations/permission-keys.js';

/** Flagsmith's ENVIRONMENT_PERMISSIONS, in its order and with its descriptions. */
export const environmentPermissionKeys: readonly PermissionKey[] = [
  { key: 'VIEW_ENVIRONMENT', description: 'View permission for the given environment.' },
  { key: 'UPDATE_FEATURE_STATE', description: 'Update the state or value for a given feature state.' },
  { key: 'MANAGE_IDENTITIES', description: 'Manage identities in the given environment.' },
  { key: 'VIEW_IDENTITIES', description: 'View identities in the given environment.' },
  {
    key: 'CREATE_CHANGE_REQUEST',
    description: 'Permission to create change requests in the given environment.',
  },
  {
    key: 'APPROVE_CHANGE_REQUEST',
    description: 'Permission to approve change requests in the given environment.',
  },
  {
    key: 'MANAGE_SEGMENT_OVERRIDES',
    description: 'Permission to manage segment overrides in the given environment',
  },
];

/** Flagsmith's environment tag-based permissions apply to UPDATE_FEATURE_STATE only. */
export function environmentKeysToWire() {
  return environmentPermissionKeys.map((permission) => ({
    ...permission,
    supports_tag: permission.key === 'UPDATE_FEATURE_STATE',
  }));
}
