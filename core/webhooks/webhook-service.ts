import type { AuditActor, AuditLog } from '../audit/audit-log.js';
import type { Transactor } from '../data/unit-of-work.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { PageRequest } from '../organisations/pagination.js';
import type { WebhookKind } from './webhook-outbox.js';
import type { WebhookFields, WebhookRow, WebhookStore } from './webhook-store.js';
import { targetRefusal } from './webhook-target.js';

/** Whose webhooks these are, as the route's policy resolved them. */
export interface WebhookOwner {
  readonly ownerId: number;
  readonly organisationId: number;
  readonly projectId?: number;
  readonly environmentId?: number;
  readonly actor: AuditActor;
}

const labels: Record<WebhookKind, string> = {
  organisation: 'Organisation Webhook',
  environment: 'Environment Webhook',
};

/** Webhook CRUD: targets checked before they are stored, and every change audited. */
export class WebhookService {
  constructor(
    private readonly kind: WebhookKind,
    private readonly transactor: Transactor,
    private readonly store: WebhookStore,
    private readonly audit: AuditLog,
    private readonly allowPrivateTargets: boolean,
  ) {}

  list(owner: WebhookOwner, page?: PageRequest) {
    return this.store.list(this.transactor.reads, owner.ownerId, page);
  }

  async find(owner: WebhookOwner, id: number): Promise<WebhookRow> {
    const row = await this.store.find(this.transactor.reads, owner.ownerId, id);
    if (!row) throw domainErrors.notFound();
    return row;
  }

  async #checkTarget(url: string | undefined): Promise<void> {
    if (url === undefined) return;
    const refusal = await targetRefusal(new URL(url), this.allowPrivateTargets);
    if (refusal) throw ValidationError.field('url', `Webhooks may not call this address: ${refusal}`);
  }

  #record(uow: Parameters<AuditLog['record']>[0], owner: WebhookOwner, id: number, change: string) {
    return this.audit.record(uow, {
      organisationId: owner.organisationId,
      projectId: owner.projectId ?? null,
      environmentId: owner.environmentId ?? null,
      actor: owner.actor,
      relatedObjectType: 'WEBHOOK',
      relatedObjectId: id,
      log: change === 'created' ? `New ${labels[this.kind]} created` : `${labels[this.kind]} ${change}`,
    });
  }

  async create(owner: WebhookOwner, fields: WebhookFields): Promise<WebhookRow> {
    await this.#checkTarget(fields.url);
    return this.transactor.run(async (uow) => {
      const row = await this.store.create(uow, owner.ownerId, fields);
      await this.#record(uow, owner, row.id, 'created');
      return row;
    });
  }

  async update(owner: WebhookOwner, id: number, patch: Partial<WebhookFields>): Promise<WebhookRow> {
    await this.#checkTarget(patch.url);
    const row = await this.transactor.run(async (uow) => {
      const updated = await this.store.update(uow, owner.ownerId, id, patch);
      if (updated) await this.#record(uow, owner, id, 'updated');
      return updated;
    });
    if (!row) throw domainErrors.notFound();
    return row;
  }

  async delete(owner: WebhookOwner, id: number): Promise<void> {
    const deleted = await this.transactor.run(async (uow) => {
      if (!(await this.store.delete(uow, owner.ownerId, id))) return false;
      await this.#record(uow, owner, id, 'deleted');
      return true;
    });
    if (!deleted) throw domainErrors.notFound();
  }
}
