import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import type { PageRequest } from '../organisations/pagination.js';
import type { WebhookKind } from './webhook-outbox.js';

export interface WebhookRow {
  readonly id: number;
  readonly url: string;
  readonly enabled: boolean;
  readonly secret: string;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export interface WebhookFields {
  url: string;
  enabled?: boolean;
  secret?: string;
}

const tables: Record<WebhookKind, { table: string; owner: string }> = {
  organisation: { table: 'organisation_webhooks', owner: 'organisation_id' },
  environment: { table: 'environment_webhooks', owner: 'environment_id' },
};

/**
 * Organisation and environment webhooks, always addressed through their owner (an organisation or an
 * environment the route's policy has already resolved for the caller): a webhook id of another owner is not
 * found.
 */
export class WebhookStore {
  constructor(private readonly kind: WebhookKind) {}

  #rows(scope: DataScope, ownerId: number) {
    const { table, owner } = tables[this.kind];
    return scope.knex(table).where(owner, ownerId);
  }

  async list(
    scope: DataScope,
    ownerId: number,
    page?: PageRequest,
  ): Promise<{ count: number; rows: WebhookRow[] }> {
    const [counted] = await this.#rows(scope, ownerId).count({ count: '*' });
    const query = this.#rows(scope, ownerId).orderBy('id').select('*');
    if (page) query.limit(page.pageSize).offset(page.offset);
    return { count: Number(counted?.count ?? 0), rows: (await query) as WebhookRow[] };
  }

  async find(scope: DataScope, ownerId: number, id: number): Promise<WebhookRow | undefined> {
    return (await this.#rows(scope, ownerId).where('id', id).first()) as WebhookRow | undefined;
  }

  async create(uow: UnitOfWork, ownerId: number, fields: WebhookFields): Promise<WebhookRow> {
    const { table, owner } = tables[this.kind];
    const [row] = (await uow
      .knex(table)
      .insert({
        [owner]: ownerId,
        url: fields.url,
        enabled: fields.enabled ?? true,
        secret: fields.secret ?? '',
      })
      .returning('*')) as WebhookRow[];
    return row as WebhookRow;
  }

  async update(
    uow: UnitOfWork,
    ownerId: number,
    id: number,
    patch: Partial<WebhookFields>,
  ): Promise<WebhookRow | undefined> {
    const [row] = (await this.#rows(uow, ownerId)
      .where('id', id)
      .update({ ...patch, updated_at: uow.knex.fn.now() })
      .returning('*')) as WebhookRow[];
    return row;
  }

  async delete(uow: UnitOfWork, ownerId: number, id: number): Promise<boolean> {
    // `returning`: PGlite's driver answers a bare delete with a result object, pg with a count.
    return (await this.#rows(uow, ownerId).where('id', id).delete().returning('id')).length > 0;
  }
}

export function webhookToWire(row: WebhookRow) {
  return {
    id: row.id,
    url: row.url,
    enabled: row.enabled,
    secret: row.secret,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
