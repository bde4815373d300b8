import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';

export interface SiteSettings {
  readonly name: string;
  readonly domain: string;
}

const secretKeyName = 'secret_key';

/** Installation-wide values kept in the database so that they survive restarts and redeploys. */
export class InstanceStore {
  constructor(private readonly knex: Knex) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.knex('instance_settings').where({ key }).first('value');
    return row?.value as string | undefined;
  }

  async set(key: string, value: string, trx: Knex = this.knex): Promise<void> {
    await trx('instance_settings').insert({ key, value }).onConflict('key').merge();
  }

  /**
   * Returns the persisted secret key, creating one on first call. Flagsmith makes a new key on every boot
   * when none is configured, which invalidates everything signed with the old one; we keep ours.
   */
  async loadOrCreateSecretKey(): Promise<{ key: string; created: boolean }> {
    const existing = await this.get(secretKeyName);
    if (existing) return { key: existing, created: false };
    const key = randomBytes(48).toString('base64url');
    // `ignore` then re-read: two processes starting at once must end up agreeing on one key.
    await this.knex('instance_settings')
      .insert({ key: secretKeyName, value: key })
      .onConflict('key')
      .ignore();
    const stored = (await this.get(secretKeyName)) ?? key;
    return { key: stored, created: stored === key };
  }

  async site(): Promise<SiteSettings | undefined> {
    const [name, domain] = await Promise.all([this.get('site_name'), this.get('site_domain')]);
    return name !== undefined && domain !== undefined ? { name, domain } : undefined;
  }

  async setSite(site: SiteSettings, trx: Knex = this.knex): Promise<void> {
    await this.set('site_name', site.name, trx);
    await this.set('site_domain', site.domain, trx);
  }
}
