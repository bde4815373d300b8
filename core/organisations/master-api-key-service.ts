import { timingSafeEqual } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import type { Transactor, UnitOfWork } from '../data/unit-of-work.js';
import { domainErrors } from '../errors/domain-error.js';
import { hashMasterApiKey, type MasterApiKeyFields, type MasterApiKeyStore } from './master-api-key-store.js';
import type { MasterApiKeyModel } from './organisation-models.js';
import type { OrganisationAccess } from './organisation-policy.js';
import type { PageRequest } from './pagination.js';

/** Organisation master API keys: created (the key shown once), listed, revoked, and checked on each request. */
export class MasterApiKeyService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: MasterApiKeyStore,
    private readonly audit: AuditLog,
  ) {}

  #record(uow: UnitOfWork, access: OrganisationAccess, row: MasterApiKeyModel, log: string) {
    return this.audit.record(uow, {
      organisationId: access.organisationId,
      actor: access.tenant,
      relatedObjectType: 'MASTER_API_KEY',
      relatedObjectId: row.id,
      log,
    });
  }

  list(access: OrganisationAccess, page: PageRequest) {
    return this.store.list(this.transactor.reads, access.tenant, access.organisationId, page);
  }

  async find(access: OrganisationAccess, prefix: string): Promise<MasterApiKeyModel> {
    const row = await this.store.find(this.transactor.reads, access.tenant, access.organisationId, prefix);
    if (!row) throw domainErrors.notFound();
    return row;
  }

  create(
    access: OrganisationAccess,
    fields: MasterApiKeyFields,
  ): Promise<{ row: MasterApiKeyModel; key: string }> {
    return this.transactor.run(async (uow) => {
      const created = await this.store.create(uow, access.organisationId, access.userId ?? null, fields);
      await this.#record(uow, access, created.row, `New Master API Key created: ${created.row.name}`);
      return created;
    });
  }

  /** Revoking (`revoked: true`) cannot be undone: a revoked key is not found afterwards, as in Flagsmith. */
  update(
    access: OrganisationAccess,
    prefix: string,
    patch: Partial<MasterApiKeyFields>,
  ): Promise<MasterApiKeyModel> {
    return this.transactor.run(async (uow) => {
      const row = await this.store.find(uow, access.tenant, access.organisationId, prefix);
      if (!row) throw domainErrors.notFound();
      if (Object.keys(patch).length === 0) return row;
      const updated = await this.store.update(uow, row.id, patch);
      await this.#record(
        uow,
        access,
        updated,
        patch.revoked === true && !row.revoked
          ? `Master API Key revoked: ${updated.name}`
          : `Master API Key updated: ${updated.name}`,
      );
      return updated;
    });
  }

  async delete(access: OrganisationAccess, prefix: string): Promise<void> {
    await this.transactor.run(async (uow) => {
      const row = await this.store.find(uow, access.tenant, access.organisationId, prefix);
      if (!row) throw domainErrors.notFound();
      await this.store.delete(uow, row.id);
      await this.#record(uow, access, row, `Master API Key deleted: ${row.name}`);
    });
  }

  /** The principal for `Authorization: Api-Key <key>`, or undefined when the key is unknown, revoked or expired. */
  async principalFor(key: string): Promise<Principal | undefined> {
    const [prefix, secret, ...rest] = key.split('.');
    if (!prefix || !secret || rest.length > 0 || prefix.length > 64) return undefined;
    const row = await this.store.byPrefix(this.transactor.reads, prefix);
    if (!row) return undefined;
    const expected = Buffer.from(row.key_hash, 'hex');
    if (!timingSafeEqual(expected, Buffer.from(hashMasterApiKey(key), 'hex'))) return undefined;
    if (row.expiry_date && row.expiry_date.getTime() <= Date.now()) return undefined;
    return {
      kind: 'organisationApiKey',
      organisationId: row.organisation_id,
      keyId: row.id,
      isAdmin: row.is_admin,
    };
  }
}
