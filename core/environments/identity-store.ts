import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import type { PageRequest } from '../organisations/pagination.js';
import { IdentityModel } from './environment-models.js';

/** Identities of one environment, for the management API (the SDK lane creates them as well). */
export class IdentityStore {
  #matching(scope: DataScope, environmentId: number, search?: string) {
    const query = IdentityModel.query(scope.knex).where('environment_id', environmentId);
    if (search) {
      // Flagsmith: a quoted search is an exact match, anything else a case-insensitive substring.
      if (search.length >= 2 && search.startsWith('"') && search.endsWith('"'))
        query.where('identifier', search.replaceAll('"', ''));
      else query.whereRaw(`identifier ilike ? escape '\\'`, [`%${search.replace(/[\\%_]/g, '\\$&')}%`]);
    }
    return query;
  }

  async list(scope: DataScope, environmentId: number, page: PageRequest, search?: string) {
    const counted = (await this.#matching(scope, environmentId, search)
      .count('id as count')
      .first()) as unknown as { count: number };
    const rows = await this.#matching(scope, environmentId, search)
      .orderBy([{ column: 'created_date' }, { column: 'id' }])
      .offset(page.offset)
      .limit(page.pageSize);
    return { count: Number(counted.count), rows };
  }

  async exists(scope: DataScope, environmentId: number, identifier: string): Promise<boolean> {
    return (
      (await IdentityModel.query(scope.knex).where({ environment_id: environmentId, identifier }).first()) !==
      undefined
    );
  }

  async create(uow: UnitOfWork, environmentId: number, identifier: string): Promise<IdentityModel> {
    return await IdentityModel.query(uow.knex).insertAndFetch({ environment_id: environmentId, identifier });
  }
}
