import type { Knex } from 'knex';
import type { Logger } from '../logging/logger.js';
import type { WebhookKind } from './webhook-outbox.js';
import { postWebhook } from './webhook-sender.js';
import { signatureHeader, signPayload } from './webhook-signature.js';

export interface WebhookDeliveryOptions {
  readonly allowPrivateTargets: boolean;
  /** Per request, connecting included (Flagsmith's `requests.post(..., timeout=10)`). */
  readonly timeoutMs: number;
  /** Attempts before a delivery is given up as failed. */
  readonly maxAttempts: number;
  /** The wait after the first failure; each further failure doubles it, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** How long a claimed row stays claimed: a process that dies mid-delivery leaves it to others after this. */
  readonly leaseMs: number;
  /** Rows claimed (and delivered concurrently) at a time. */
  readonly batchSize: number;
  /** The longest sleep between looks at the outbox, for rows another process wrote. */
  readonly pollMs: number;
  /** How long finished rows (delivered, failed, dropped) stay in the outbox for inspection. */
  readonly retentionMs: number;
  /** False leaves the outbox alone (a process that only serves, or a test simulating a crash). */
  readonly start: boolean;
}

export const defaultDeliveryOptions: Omit<WebhookDeliveryOptions, 'allowPrivateTargets'> = {
  timeoutMs: 10_000,
  maxAttempts: 8,
  baseDelayMs: 5_000,
  maxDelayMs: 60 * 60_000,
  leaseMs: 60_000,
  batchSize: 10,
  pollMs: 30_000,
  retentionMs: 7 * 24 * 60 * 60_000,
  start: true,
};

interface DeliveryRow {
  id: number;
  webhook_kind: WebhookKind;
  webhook_id: number;
  event_type: string;
  body: string;
  attempts: number;
}

const webhookTables: Record<WebhookKind, string> = {
  organisation: 'organisation_webhooks',
  environment: 'environment_webhooks',
};

/**
 * Delivers the outbox in the background: woken after a commit that wrote rows, and at start-up and every
 * `pollMs` for rows left over (a crash, another process, a retry that came due). Each row is claimed by
 * moving its `next_attempt_at` past a lease, so that two processes never send it at once; a failure is
 * retried with exponential backoff until `maxAttempts`. Nothing here runs inside a request.
 */
export class WebhookWorker {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #purgedAt = 0;
  readonly #inFlight = new Set<AbortController>();

  constructor(
    private readonly knex: Knex,
    private readonly logger: Logger,
    private readonly options: WebhookDeliveryOptions,
  ) {}

  start(): void {
    if (!this.options.start) return;
    this.wake();
  }

  /** Looks at the outbox soon; safe to call often (a commit hook calls it). */
  readonly wake = (): void => {
    if (this.#stopped || !this.options.start) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  };

  /**
   * Stops at shutdown: no new claims, requests in flight aborted (their rows handed back at once, not
   * counted as attempts), and resolves when the last outcome is written, before the pool closes.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const controller of this.#inFlight) controller.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    try {
      for (;;) {
        const claimed = await this.#claim();
        if (claimed.length > 0) await Promise.all(claimed.map((row) => this.#deliver(row)));
        if (this.#stopped || claimed.length < this.options.batchSize) break;
      }
      if (!this.#stopped) await this.#purge();
      if (!this.#stopped) await this.#scheduleNext();
    } catch (error) {
      // The database is away (or closing): look again later rather than give up on the outbox.
      this.logger.warn({ err: error }, 'webhook outbox could not be read');
      if (!this.#stopped) this.#sleep(this.options.pollMs);
    }
  }

  async #claim(): Promise<DeliveryRow[]> {
    if (this.#stopped) return [];
    const result = await this.knex.raw(
      `update webhook_deliveries
          set next_attempt_at = now() + (? * interval '1 millisecond'), attempts = attempts + 1
        where id in (select id from webhook_deliveries
                      where status = 'pending' and next_attempt_at <= now()
                      order by next_attempt_at, id
                      limit ? for update skip locked)
        returning id, webhook_kind, webhook_id, event_type, body, attempts`,
      [this.options.leaseMs, this.options.batchSize],
    );
    return (result.rows ?? result) as DeliveryRow[];
  }

  async #deliver(row: DeliveryRow): Promise<void> {
    const webhook = (await this.knex(webhookTables[row.webhook_kind])
      .where('id', row.webhook_id)
      .first('url', 'secret', 'enabled')) as { url: string; secret: string; enabled: boolean } | undefined;
    if (!webhook?.enabled) {
      await this.#finish(row, 'dropped', 'the webhook was deleted or disabled');
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    // Flagsmith signs only when the webhook has a secret.
    if (webhook.secret) headers[signatureHeader] = signPayload(row.body, webhook.secret);
    const controller = new AbortController();
    this.#inFlight.add(controller);
    let failure: string | undefined;
    try {
      const status = await postWebhook(webhook.url, row.body, headers, {
        timeoutMs: this.options.timeoutMs,
        allowPrivateTargets: this.options.allowPrivateTargets,
        signal: controller.signal,
      });
      if (status < 200 || status > 299) failure = `answered ${status}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    } finally {
      this.#inFlight.delete(controller);
    }
    if (failure === undefined) {
      await this.#finish(row, 'delivered', null);
      return;
    }
    if (controller.signal.aborted) {
      // Shutdown cut it short: the next start sends it again, and it does not count against the receiver.
      await this.knex('webhook_deliveries')
        .where('id', row.id)
        .update({ attempts: row.attempts - 1, next_attempt_at: this.knex.fn.now() });
      return;
    }
    this.logger.warn(
      { webhookId: row.webhook_id, kind: row.webhook_kind, attempt: row.attempts, failure },
      'webhook delivery failed',
    );
    if (row.attempts >= this.options.maxAttempts) {
      await this.#finish(row, 'failed', failure);
      return;
    }
    const delay = Math.min(this.options.baseDelayMs * 2 ** (row.attempts - 1), this.options.maxDelayMs);
    await this.knex('webhook_deliveries')
      .where('id', row.id)
      .update({
        last_error: failure.slice(0, 1000),
        next_attempt_at: this.knex.raw(`now() + (? * interval '1 millisecond')`, [delay]),
      });
  }

  async #finish(row: DeliveryRow, status: 'delivered' | 'failed' | 'dropped', error: string | null) {
    await this.knex('webhook_deliveries')
      .where('id', row.id)
      .update({
        status,
        last_error: error?.slice(0, 1000) ?? null,
        delivered_at: status === 'delivered' ? this.knex.fn.now() : null,
      });
  }

  /** At most hourly: finished rows older than the retention go, so that the outbox does not grow forever. */
  async #purge(): Promise<void> {
    if (Date.now() - this.#purgedAt < 60 * 60_000) return;
    this.#purgedAt = Date.now();
    await this.knex('webhook_deliveries')
      .whereNot('status', 'pending')
      .where(
        'created_at',
        '<',
        this.knex.raw(`now() - (? * interval '1 millisecond')`, [this.options.retentionMs]),
      )
      .delete();
  }

  /** Sleeps until the next pending row comes due, or `pollMs`, whichever is sooner. */
  async #scheduleNext(): Promise<void> {
    const result = await this.knex.raw(
      `select extract(epoch from (min(next_attempt_at) - now())) * 1000 as due_in_ms
         from webhook_deliveries where status = 'pending'`,
    );
    const [row] = (result.rows ?? result) as { due_in_ms: string | number | null }[];
    const dueIn = row?.due_in_ms === null || row?.due_in_ms === undefined ? Infinity : Number(row.due_in_ms);
    this.#sleep(Math.max(0, Math.min(dueIn, this.options.pollMs)));
  }

  #sleep(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.wake, ms);
    // A timer alone does not keep the process up: the server or a test decides when it ends.
    this.#timer.unref();
  }
}
