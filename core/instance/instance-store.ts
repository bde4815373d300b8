import { randomBytes } from 'node:crypto';
import { Model } from 'objection';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';

export interface SiteSettings {
  readonly name: string;
  readonly domain: string;
}

/** `instance_settings`: installation-wide values that must survive restarts and redeploys. */
export class InstanceSettingModel extends Model {
  static override tableName = 'instance_settings';
  static override idColumn = 'key';

  key!: string;
  value!: string;
}

const secretKeyName = 'secret_key';

/** Installation-wide values kept in the database. Reads take any scope, writes a unit of work. */
export class InstanceStore {
  async get(scope: DataScope, key: string): Promise<string | undefined> {
    return (await InstanceSettingModel.query(scope.knex).findById(key))?.value;
  }

  async set(uow: UnitOfWork, key: string, value: string): Promise<void> {
    await InstanceSettingModel.query(uow.knex).insert({ key, value }).onConflict('key').merge();
  }

  /**
   * Returns the persisted secret key, creating one on first call. Flagsmith makes a new key on every boot
   * when none is configured, which invalidates everything signed with the old one; we keep ours.
   */
  async loadOrCreateSecretKey(uow: UnitOfWork): Promise<{ key: string; created: boolean }> {
    const existing = await this.get(uow, secretKeyName);
    if (existing) return { key: existing, created: false };
    const key = randomBytes(48).toString('base64url');
    // `ignore` then re-read: two processes starting at once must end up agreeing on one key.
    await InstanceSettingModel.query(uow.knex)
      .insert({ key: secretKeyName, value: key })
      .onConflict('key')
      .ignore();
    const stored = (await this.get(uow, secretKeyName)) ?? key;
    return { key: stored, created: stored === key };
  }

  async site(scope: DataScope): Promise<SiteSettings | undefined> {
    const rows = await InstanceSettingModel.query(scope.knex).whereIn('key', ['site_name', 'site_domain']);
    const name = rows.find((row) => row.key === 'site_name')?.value;
    const domain = rows.find((row) => row.key === 'site_domain')?.value;
    return name !== undefined && domain !== undefined ? { name, domain } : undefined;
  }

  async setSite(uow: UnitOfWork, site: SiteSettings): Promise<void> {
    await this.set(uow, 'site_name', site.name);
    await this.set(uow, 'site_domain', site.domain);
  }
}
