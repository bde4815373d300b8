import { createHash } from 'node:crypto';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { MasterApiKeyModel } from './organisation-models.js';
import { type Tenant, tenantOrganisationIds } from './organisation-policy.js';
import type { PageRequest } from './pagination.js';
import { randomToken } from './random-token.js';

export function hashMasterApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface MasterApiKeyFields {
  name: string;
  is_admin: boolean;
  expiry_date: Date | null;
  revoked?: boolean;
}

/**
 * Master API keys, `<prefix>.<secret>` as djangorestframework-api-key makes them. Only a SHA-256 of the
 * whole key is kept (the key is random, so a slow hash buys nothing); lists never include revoked keys.
 */
export class MasterApiKeyStore {
  #keys(scope: DataScope, tenant: Tenant, organisationId: number) {
    const visible = tenantOrganisationIds(scope.knex, tenant) as unknown as number[];
    return MasterApiKeyModel.query(scope.knex)
      .where('organisation_id', organisationId)
      .whereIn('organisation_id', visible)
      .where('revoked', false);
  }

  async list(scope: DataScope, tenant: Tenant, organisationId: number, page: PageRequest) {
    const counted = (await this.#keys(scope, tenant, organisationId)
      .count('id as count')
      .first()) as unknown as { count: number };
    const rows = await this.#keys(scope, tenant, organisationId)
      .orderBy('id')
      .offset(page.offset)
      .limit(page.pageSize);
    return { count: Number(counted.count), rows };
  }

  async find(
    scope: DataScope,
    tenant: Tenant,
    organisationId: number,
    prefix: string,
  ): Promise<MasterApiKeyModel | undefined> {
    return await this.#keys(scope, tenant, organisationId).where('prefix', prefix).first();
  }

  async create(
    uow: UnitOfWork,
    organisationId: number,
    createdById: number | null,
    fields: MasterApiKeyFields,
  ): Promise<{ row: MasterApiKeyModel; key: string }> {
    const prefix = randomToken(8);
    const key = `${prefix}.${randomToken(32)}`;
    const row = await MasterApiKeyModel.query(uow.knex).insertAndFetch({
      ...fields,
      prefix,
      key_hash: hashMasterApiKey(key),
      organisation_id: organisationId,
      created_by_id: createdById,
    });
    return { row, key };
  }

  async update(uow: UnitOfWork, id: number, patch: Partial<MasterApiKeyFields>): Promise<MasterApiKeyModel> {
    return await MasterApiKeyModel.query(uow.knex).patchAndFetchById(id, patch);
  }

  async delete(uow: UnitOfWork, id: number): Promise<void> {
    await MasterApiKeyModel.query(uow.knex).deleteById(id);
  }

  /** For authentication: the live key with this prefix, whoever asks. */
  async byPrefix(scope: DataScope, prefix: string): Promise<MasterApiKeyModel | undefined> {
    return await MasterApiKeyModel.query(scope.knex).where({ prefix, revoked: false }).first();
  }
}
