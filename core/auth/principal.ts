import { domainErrors } from '../errors/domain-error.js';
import type { User } from '../users/user-model.js';

/**
 * Who is calling. Routes receive one on every request (`req.principal`) and policies decide from it; a
 * credential strategy (core's token strategy, later the API-key and environment-key ones, or a plugin's)
 * turns a request's credential into one.
 */
export type Principal =
  | { readonly kind: 'anonymous' }
  /** A person, signed in with an API token (`Authorization: Token …`) or a plugin's strategy. */
  | { readonly kind: 'user'; readonly user: User; readonly token?: string }
  /** An organisation's master API key (`Authorization: Api-Key …`): acts for the organisation, not a person. */
  | {
      readonly kind: 'organisationApiKey';
      readonly organisationId: number;
      readonly keyId: number;
      readonly isAdmin: boolean;
    }
  /** An environment's SDK key (`X-Environment-Key`): client-side keys read flags, server-side keys also the document. */
  | {
      readonly kind: 'environmentKey';
      readonly environmentId: number;
      readonly serverSide: boolean;
    };

export type PrincipalKind = Principal['kind'];

export const anonymous: Principal = Object.freeze({ kind: 'anonymous' });

/** The signed-in person, or DRF's 401 when the caller is not one. */
export function userOf(principal: Principal | undefined): User {
  if (principal?.kind !== 'user') throw domainErrors.notAuthenticated();
  return principal.user;
}
