import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import type { PageRequest } from '../organisations/pagination.js';
import { randomToken } from '../organisations/random-token.js';
import type { Tenant } from '../organisations/tenant.js';
import { cloneSegmentOverrides } from '../segment-overrides/segment-override-store.js';
import { EnvironmentModel } from './environment-models.js';
import type { EnvironmentPolicy } from './environment-policy.js';
import { cloneFeatureStates, seedFeatureStates } from './feature-state-seeds.js';
import { hashEnvironmentKey } from './key-sealer.js';

export interface EnvironmentFields {
  name: string;
  api_key?: string;
  description?: string | null;
  allow_client_traits?: boolean;
  banner_text?: string | null;
  banner_colour?: string | null;
  hide_disabled_flags?: boolean | null;
  use_identity_composite_key_for_hashing?: boolean;
  hide_sensitive_data?: boolean;
  use_identity_overrides_in_local_eval?: boolean;
}

/** What an `X-Environment-Key` value stands for. */
export interface ResolvedEnvironmentKey {
  readonly environmentId: number;
  /** True for a `ser.` key (local evaluation, the environment document), false for the client key. */
  readonly serverSide: boolean;
  /** When a `ser.` key stops working (present only for a key that expires): caches must not outlive it. */
  readonly expiresAt?: Date;
}

/** Flagsmith's client-side key: a shortuuid, 22 characters. */
export const newClientKey = () => randomToken(22);

/** The client key of an environment named by its numeric id (`?environment=`, a body's `environment`). */
export async function environmentApiKey(
  scope: DataScope,
  environmentId: number,
): Promise<string | undefined> {
  const row = (await scope.knex('environments').where('id', environmentId).first('api_key')) as
    | { api_key: string }
    | undefined;
  return row?.api_key;
}

/** Environments, every read filtered by the environments the tenant may see. */
export class EnvironmentStore {
  constructor(private readonly policy: EnvironmentPolicy) {}

  #visible(scope: DataScope, tenant: Tenant) {
    // objection's typings want its own builder for a subquery; knex's compiles the same.
    const ids = this.policy.visibleEnvironmentIds(scope.knex, tenant) as unknown as number[];
    return EnvironmentModel.query(scope.knex).whereIn('environments.id', ids);
  }

  async list(scope: DataScope, tenant: Tenant, projectId: number, page: PageRequest) {
    const counted = (await this.#visible(scope, tenant)
      .where('project_id', projectId)
      .count('id as count')
      .first()) as unknown as { count: number };
    const rows = await this.#visible(scope, tenant)
      .where('project_id', projectId)
      .orderBy('id')
      .offset(page.offset)
      .limit(page.pageSize);
    return { count: Number(counted.count), rows };
  }

  async find(scope: DataScope, tenant: Tenant, id: number): Promise<EnvironmentModel | undefined> {
    return await this.#visible(scope, tenant).findById(id);
  }

  /** Every environment of the project the tenant may see, in id order, unpaged. */
  async allOfProject(scope: DataScope, tenant: Tenant, projectId: number): Promise<EnvironmentModel[]> {
    return await this.#visible(scope, tenant).where('project_id', projectId).orderBy('id');
  }

  async findByUuid(scope: DataScope, tenant: Tenant, uuid: string): Promise<EnvironmentModel | undefined> {
    return await this.#visible(scope, tenant).where('environments.uuid', uuid).first();
  }

  /** Flagsmith's UniqueTogetherValidator on (name, project). */
  async nameTaken(scope: DataScope, projectId: number, name: string, exceptId?: number): Promise<boolean> {
    const query = scope.knex('environments').where({ project_id: projectId, name });
    if (exceptId !== undefined) query.whereNot('id', exceptId);
    return (await query.first('id')) !== undefined;
  }

  /** Client keys are unique across all environments, and never collide with a server-side key. */
  async apiKeyTaken(scope: DataScope, apiKey: string, exceptId?: number): Promise<boolean> {
    const query = scope.knex('environments').where('api_key', apiKey);
    if (exceptId !== undefined) query.whereNot('id', exceptId);
    if ((await query.first('id')) !== undefined) return true;
    const server = await scope
      .knex('environment_api_keys')
      .where('key_hash', hashEnvironmentKey(apiKey))
      .first('id');
    return server !== undefined;
  }

  /** A new environment with an environment default for every feature of its project. */
  async create(uow: UnitOfWork, projectId: number, fields: EnvironmentFields): Promise<EnvironmentModel> {
    const environment = await EnvironmentModel.query(uow.knex).insertAndFetch({
      ...fields,
      api_key: fields.api_key ?? newClientKey(),
      project_id: projectId,
    });
    await seedFeatureStates(uow, environment.id, projectId);
    return environment;
  }

  /**
   * Flagsmith's Environment.clone: the settings copied under a new name and client key (not the server-side
   * keys, grants or identities), then the live environment defaults with their values.
   */
  async clone(uow: UnitOfWork, source: EnvironmentModel, name: string): Promise<EnvironmentModel> {
    const {
      id: _id,
      uuid: _uuid,
      created_date: _created,
      updated_at: _updated,
      api_key: _key,
      ...settings
    } = source.toJSON() as unknown as EnvironmentModel;
    const clone = await EnvironmentModel.query(uow.knex).insertAndFetch({
      ...settings,
      name,
      api_key: newClientKey(),
      is_creating: false,
    });
    await cloneFeatureStates(uow, source.id, clone.id);
    await cloneSegmentOverrides(uow, source.id, clone.id);
    return clone;
  }

  async update(
    uow: UnitOfWork,
    tenant: Tenant,
    id: number,
    patch: Partial<EnvironmentFields>,
  ): Promise<EnvironmentModel | undefined> {
    if (Object.keys(patch).length > 0)
      await this.#visible(uow, tenant)
        .where('environments.id', id)
        .patch({ ...patch, updated_at: new Date() });
    return await this.find(uow, tenant, id);
  }

  async delete(uow: UnitOfWork, tenant: Tenant, id: number): Promise<boolean> {
    // `returning`: PGlite's driver answers a bare delete with a result object, pg with a count.
    const deleted = await this.#visible(uow, tenant).where('environments.id', id).delete().returning('id');
    return (deleted as unknown as unknown[]).length > 0;
  }

  async grantAdmin(uow: UnitOfWork, environmentId: number, userId: number): Promise<void> {
    await uow
      .knex('environment_permission_grants')
      .insert({ environment_id: environmentId, user_id: userId, admin: true });
  }

  /**
   * For the SDK lane: what an `X-Environment-Key` value stands for, whoever asks. A client key is the
   * environment's `api_key`; a `ser.` key must be active and unexpired (Flagsmith's model has both; its SDK
   * views do not check them, but a revoked key that still works would not be revoked). Environments of an
   * organisation with `stop_serving_flags` resolve to nothing, as Flagsmith refuses them.
   */
  async resolveEnvironmentKey(scope: DataScope, key: string): Promise<ResolvedEnvironmentKey | undefined> {
    if (key.length === 0 || key.length > 100 || key.includes('\0')) return undefined;
    const serving = scope
      .knex('projects as p')
      .join('organisations as o', 'o.id', 'p.organisation_id')
      .where('o.stop_serving_flags', false)
      .select('p.id');
    const client = (await scope
      .knex('environments')
      .where('api_key', key)
      .whereIn('project_id', serving)
      .first('id')) as { id: number } | undefined;
    if (client) return { environmentId: client.id, serverSide: false };
    if (!key.startsWith('ser.')) return undefined;
    const server = (await scope
      .knex('environment_api_keys as k')
      .join('environments as e', 'e.id', 'k.environment_id')
      .where('k.key_hash', hashEnvironmentKey(key))
      .where('k.active', true)
      .where((where) => where.whereNull('k.expires_at').orWhere('k.expires_at', '>', scope.knex.fn.now()))
      .whereIn('e.project_id', serving)
      .first('k.environment_id', 'k.expires_at')) as
      | { environment_id: number; expires_at: Date | string | null }
      | undefined;
    if (!server) return undefined;
    const resolved = { environmentId: server.environment_id, serverSide: true };
    return server.expires_at === null ? resolved : { ...resolved, expiresAt: new Date(server.expires_at) };
  }
}
