/** A permission key and the description Flagsmith lists it with (`GET …/permissions/`). */
export interface PermissionKey {
  readonly key: string;
  readonly description: string;
}

/** Flagsmith's ORGANISATION_PERMISSIONS. */
export const organisationPermissionKeys: readonly PermissionKey[] = [
  { key: 'CREATE_PROJECT', description: 'Allows the user to create projects in this organisation.' },
  { key: 'MANAGE_USERS', description: 'Allows the user to manage and invite users to the organisation.' },
  {
    key: 'MANAGE_USER_GROUPS',
    description: 'Allows the user to manage the groups in the organisation and their members.',
  },
];

/** Flagsmith's PROJECT_PERMISSIONS. */
export const projectPermissionKeys: readonly PermissionKey[] = [
  { key: 'VIEW_PROJECT', description: 'View permission for the given project.' },
  { key: 'CREATE_ENVIRONMENT', description: 'Ability to create an environment in the given project.' },
  { key: 'DELETE_FEATURE', description: 'Ability to delete features in the given project.' },
  { key: 'CREATE_FEATURE', description: 'Ability to create features in the given project.' },
  { key: 'EDIT_FEATURE', description: 'Ability to edit features in the given project.' },
  { key: 'MANAGE_SEGMENTS', description: 'Ability to manage segments in the given project.' },
  { key: 'VIEW_AUDIT_LOG', description: 'Allows the user to view the audit logs for this organisation.' },
  {
    key: 'MANAGE_PROJECT_LEVEL_CHANGE_REQUESTS',
    description: 'Ability to manage change requests associated with a project.',
  },
  {
    key: 'APPROVE_PROJECT_LEVEL_CHANGE_REQUESTS',
    description: 'Ability to approve project level change requests.',
  },
];

/** Flagsmith's tag-based permissions apply to DELETE_FEATURE only. */
export function keysToWire(keys: readonly PermissionKey[]) {
  return keys.map((permission) => ({ ...permission, supports_tag: permission.key === 'DELETE_FEATURE' }));
}
