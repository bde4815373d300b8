import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { DataScope } from '../data/unit-of-work.js';

/**
 * Who acts on tenant data: a person (through their memberships) or an organisation's master API key (for
 * that one organisation). Anonymous callers and environment keys are never tenants of the management API.
 */
export type Tenant =
  | { readonly kind: 'user'; readonly userId: number }
  | {
      readonly kind: 'masterApiKey';
      readonly organisationId: number;
      readonly keyId: number;
      readonly isAdmin: boolean;
    };

export function tenantOf(principal: Principal | undefined): Tenant | undefined {
  if (principal?.kind === 'user') return { kind: 'user', userId: principal.user.id };
  if (principal?.kind === 'organisationApiKey') {
    return {
      kind: 'masterApiKey',
      organisationId: principal.organisationId,
      keyId: principal.keyId,
      isAdmin: principal.isAdmin,
    };
  }
  return undefined;
}

/**
 * The ids of the organisations a tenant belongs to, as a subquery for `whereIn`. Every
 * store read of organisation-owned rows filters by it, so that a route that forgot its permission still
 * finds nothing of another tenant's.
 */
export function tenantOrganisationIds(knex: DataScope['knex'], tenant: Tenant): Knex.QueryBuilder {
  if (tenant.kind === 'masterApiKey')
    return knex('organisations').select('id').where('id', tenant.organisationId);
  return knex('user_organisations').select('organisation_id').where('user_id', tenant.userId);
}
