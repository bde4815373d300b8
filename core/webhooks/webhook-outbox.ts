import type { AuditRecord } from '../audit/audit-log.js';
import { auditToWire } from '../audit/audit-serializer.js';
import type { AuditStore } from '../audit/audit-store.js';
import type { UnitOfWork } from '../data/unit-of-work.js';
import { pythonJsonDumps } from './python-json.js';

export type WebhookKind = 'organisation' | 'environment';
export type WebhookEventType = 'AUDIT_LOG_CREATED' | 'FLAG_UPDATED' | 'FLAG_DELETED';

/** A feature state as Flagsmith's environment webhooks describe it (`features/tasks.py`). */
export interface FlagStateWebhookData {
  readonly enabled: boolean;
  readonly environment: { readonly id: number; readonly name: string };
  readonly feature: {
    readonly id: number;
    readonly name: string;
    readonly created_date: string;
    readonly default_enabled: boolean;
    readonly description: string | null;
    readonly initial_value: string | null;
    readonly project: { readonly id: number; readonly name: string };
    readonly type: string;
  };
  readonly feature_segment: unknown;
  readonly feature_state_value: string | number | boolean | null;
  readonly identity: number | null;
  readonly identity_identifier: string | null;
}

/**
 * FLAG_UPDATED / FLAG_DELETED's `data`: the state after the change (null once deleted), the state before
 * it when there was one, who made it (a name or email) and when (ISO 8601).
 */
export interface FlagChangeData {
  readonly new_state: FlagStateWebhookData | null;
  readonly previous_state?: FlagStateWebhookData;
  readonly changed_by: string;
  readonly timestamp: string;
}

/**
 * Writes webhook events to the outbox inside the caller's unit of work: the rows commit with the change
 * (so a crash after commit still delivers them) and the worker is woken once the transaction has committed.
 */
export class WebhookOutbox {
  constructor(
    private readonly auditStore: AuditStore,
    private readonly wake: () => void,
  ) {}

  /** The audit subscriber: every entry goes to every enabled webhook of its organisation. */
  readonly auditRecorded = async (uow: UnitOfWork, record: AuditRecord): Promise<void> => {
    if (record.organisation_id === null) return;
    const webhooks = (await uow
      .knex('organisation_webhooks')
      .where({ organisation_id: record.organisation_id, enabled: true })
      .orderBy('id')
      .select('id')) as { id: number }[];
    if (webhooks.length === 0) return;
    const [view] = await this.auditStore.views(uow, [record]);
    const data = auditToWire(view as NonNullable<typeof view>);
    await this.#enqueue(
      uow,
      'organisation',
      webhooks.map((webhook) => webhook.id),
      'AUDIT_LOG_CREATED',
      data,
    );
  };

  /**
   * For the flags slice: a feature state of `environmentId` changed (FLAG_UPDATED) or was deleted
   * (FLAG_DELETED); every enabled webhook of the environment receives it.
   */
  async flagChanged(
    uow: UnitOfWork,
    environmentId: number,
    eventType: 'FLAG_UPDATED' | 'FLAG_DELETED',
    data: FlagChangeData,
  ): Promise<void> {
    const webhooks = (await uow
      .knex('environment_webhooks')
      .where({ environment_id: environmentId, enabled: true })
      .orderBy('id')
      .select('id')) as { id: number }[];
    if (webhooks.length === 0) return;
    await this.#enqueue(
      uow,
      'environment',
      webhooks.map((webhook) => webhook.id),
      eventType,
      data,
    );
  }

  async #enqueue(
    uow: UnitOfWork,
    kind: WebhookKind,
    webhookIds: number[],
    eventType: WebhookEventType,
    data: unknown,
  ): Promise<void> {
    const body = pythonJsonDumps({ event_type: eventType, data });
    await uow.knex('webhook_deliveries').insert(
      webhookIds.map((webhookId) => ({
        webhook_kind: kind,
        webhook_id: webhookId,
        event_type: eventType,
        body,
      })),
    );
    uow.afterCommit(this.wake);
  }
}
