import type { Request } from 'express';
import { domainErrors } from '../errors/domain-error.js';
import { anonymous, type Principal } from './principal.js';

/**
 * What a route declares about who may call it. `route()` refuses to mount a handler without one, so that no
 * endpoint is open by omission; the tenancy slice adds policies that look at the object too (an organisation,
 * a project) and throw not-found for another tenant's.
 */
export interface Permission {
  /** A name for logs and errors, DRF's class name where there is one. */
  readonly name: string;
  /** True to allow. False refuses: 401 for an anonymous caller, 403 for anyone else, as DRF does. */
  allows(principal: Principal, req: Request): boolean | Promise<boolean>;
}

export const permissions = {
  /** Anyone, signed in or not (DRF's AllowAny): sign-up, login, the first-run page, health probes. */
  allowAny: { name: 'AllowAny', allows: () => true } satisfies Permission,
  /** A signed-in person (DRF's IsAuthenticated for user tokens). API keys are not people. */
  isAuthenticatedUser: {
    name: 'IsAuthenticated',
    allows: (principal) => principal.kind === 'user',
  } satisfies Permission,
  /** Every listed permission must allow, as DRF combines `permission_classes`. */
  all(name: string, list: readonly Permission[]): Permission {
    return {
      name,
      async allows(principal, req) {
        for (const permission of list) if (!(await permission.allows(principal, req))) return false;
        return true;
      },
    };
  },
};

/** Throws DRF's refusal unless `permission` allows the request's principal. */
export async function enforce(permission: Permission, req: Request): Promise<void> {
  const principal = req.principal ?? anonymous;
  if (await permission.allows(principal, req)) return;
  throw principal.kind === 'anonymous' ? domainErrors.notAuthenticated() : domainErrors.permissionDenied();
}
