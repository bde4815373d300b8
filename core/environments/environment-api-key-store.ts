import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { randomToken } from '../organisations/random-token.js';
import { EnvironmentApiKeyModel } from './environment-models.js';
import { hashEnvironmentKey, type KeySealer } from './key-sealer.js';

/** Flagsmith's SERVER_API_KEY_PREFIX. */
export const serverKeyPrefix = 'ser.';

export interface EnvironmentApiKeyFields {
  name: string;
  active?: boolean;
  expires_at?: Date | null;
}

/** A server-side key as the routes answer it: the key itself, or a masked stand-in when it cannot be unsealed. */
export interface ShownEnvironmentApiKey {
  readonly row: EnvironmentApiKeyModel;
  readonly key: string;
}

/** Server-side SDK keys of one environment (the routes have already resolved the caller's access to it). */
export class EnvironmentApiKeyStore {
  constructor(private readonly sealer: KeySealer) {}

  #shown(row: EnvironmentApiKeyModel): ShownEnvironmentApiKey {
    return { row, key: this.sealer.unseal(row.key_sealed) ?? `${serverKeyPrefix}${'*'.repeat(22)}` };
  }

  async list(scope: DataScope, environmentId: number): Promise<ShownEnvironmentApiKey[]> {
    const rows = await EnvironmentApiKeyModel.query(scope.knex)
      .where('environment_id', environmentId)
      .orderBy('id');
    return rows.map((row) => this.#shown(row));
  }

  async create(
    uow: UnitOfWork,
    environmentId: number,
    fields: EnvironmentApiKeyFields,
  ): Promise<ShownEnvironmentApiKey> {
    const key = `${serverKeyPrefix}${randomToken(22)}`;
    const row = await EnvironmentApiKeyModel.query(uow.knex).insertAndFetch({
      ...fields,
      environment_id: environmentId,
      key_hash: hashEnvironmentKey(key),
      key_sealed: this.sealer.seal(key),
    });
    return { row, key };
  }

  async update(
    uow: UnitOfWork,
    environmentId: number,
    id: number,
    patch: Partial<EnvironmentApiKeyFields>,
  ): Promise<ShownEnvironmentApiKey | undefined> {
    const query = EnvironmentApiKeyModel.query(uow.knex).where({ environment_id: environmentId, id });
    const row =
      Object.keys(patch).length === 0
        ? await query.first()
        : ((await query.patch(patch).returning('*')) as unknown as EnvironmentApiKeyModel[])[0];
    return row ? this.#shown(row) : undefined;
  }

  async delete(uow: UnitOfWork, environmentId: number, id: number): Promise<boolean> {
    // `returning`: PGlite's driver answers a bare delete with a result object, pg with a count.
    const deleted = await uow
      .knex('environment_api_keys')
      .where({ environment_id: environmentId, id })
      .delete()
      .returning('id');
    return deleted.length > 0;
  }
}
