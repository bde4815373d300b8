/** What a rule of a granted level (project, environment) looks at: admin, or the permission keys held. */
export interface GrantedAccess {
  readonly isAdmin: boolean;
  readonly keys: ReadonlySet<string>;
}

export interface GrantRule<Access extends GrantedAccess> {
  readonly name: string;
  allows(access: Access): boolean;
}

/**
 * The rules every granted level has, named as Flagsmith names its permission classes (`ViewProject`,
 * `IsProjectAdmin`, `HasProjectPermission(KEY)`): seeing the object at all (its policy already refused
 * anyone who may not), being its admin, and holding one key (admins hold every key).
 */
export function grantRules<Access extends GrantedAccess>(level: string) {
  return {
    view: { name: `View${level}`, allows: () => true } as GrantRule<Access>,
    admin: { name: `Is${level}Admin`, allows: (access) => access.isAdmin } as GrantRule<Access>,
    granted: (key: string): GrantRule<Access> => ({
      name: `Has${level}Permission(${key})`,
      allows: (access) => access.isAdmin || access.keys.has(key),
    }),
  };
}
