import type { Logger } from '../logging/logger.js';

/** The events core emits for plugins (email, telemetry, usage sinks, webhooks, cache invalidation) to react to. */
export interface CoreEvents {
  'user.created': { userId: number; email: string };
  /** ENABLE_EMAIL_ACTIVATION: an email plugin delivers `activationPath` (relative to the site domain). */
  'user.activationRequested': {
    userId: number;
    email: string;
    uid: string;
    token: string;
    activationPath: string;
  };
  /**
   * Someone asked for a password reset email (the dashboard's "forgot password"); an email plugin delivers
   * `resetPath` (relative to the site domain), the dashboard's `/password-reset/confirm/<uid>/<token>` page.
   */
  'user.passwordResetRequested': {
    userId: number;
    email: string;
    uid: string;
    token: string;
    resetPath: string;
  };
  /**
   * An organisation admin invited someone by email; an email plugin delivers `invitePath` (relative to the
   * site domain), as Flagsmith's invitation email links to `/invite/<hash>`.
   */
  'organisation.inviteCreated': {
    inviteId: number;
    organisationId: number;
    organisationName: string;
    email: string;
    role: 'ADMIN' | 'USER';
    invitedBy: { userId: number; email: string; firstName: string; lastName: string } | null;
    invitePath: string;
  };
  /** A segment was created, changed (name, rules, conditions) or deleted: environment documents change. */
  'segment.changed': { projectId: number; segmentId: number };
  /**
   * Something an SDK of the environment would see changed (a flag, a value, an allocation): its `revision`
   * and `updated_at` were bumped in the same transaction. The SDK and real-time slices rebuild on it.
   */
  'environment.changed': { environmentId: number; revision: number };
}

export type CoreEvent = { [K in keyof CoreEvents]: { name: K; payload: CoreEvents[K] } }[keyof CoreEvents];

type Listener<K extends keyof CoreEvents> = (payload: CoreEvents[K]) => void | Promise<void>;

/**
 * A small typed event bus. Events that describe a write are queued on the unit of work and reach `emit` only
 * after its transaction commits (core/data/unit-of-work.ts), so a listener never sees a rolled-back row.
 * A listener that throws or rejects is logged and never breaks the request that emitted the event: a flaky
 * email server must not fail a sign-up. Listeners still running are tracked so that shutdown can wait for them.
 */
export class EventBus {
  readonly #listeners = new Map<keyof CoreEvents, Listener<never>[]>();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  on<K extends keyof CoreEvents>(event: K, listener: Listener<K>): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.#listeners.set(event, list);
    return () => {
      const current = this.#listeners.get(event) ?? [];
      this.#listeners.set(
        event,
        current.filter((candidate) => candidate !== (listener as Listener<never>)),
      );
    };
  }

  emit<K extends keyof CoreEvents>(event: K, payload: CoreEvents[K]): void {
    for (const listener of (this.#listeners.get(event) ?? []) as Listener<K>[]) {
      this.run(event, () => listener(payload));
    }
  }

  /**
   * Runs `task` as a listener runs: a throw or rejection is logged under `label`, never raised, and an
   * asynchronous task is tracked until it settles. The unit of work runs its after-commit hooks here.
   */
  run(label: string, task: () => void | Promise<void>): void {
    let outcome: void | Promise<void>;
    try {
      outcome = task();
    } catch (error) {
      this.#report(label, error);
      return;
    }
    if (!(outcome instanceof Promise)) return;
    const tracked: Promise<void> = outcome
      .catch((error: unknown) => this.#report(label, error))
      .finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  /** Listeners still running (asynchronous ones). */
  get pending(): number {
    return this.#inFlight.size;
  }

  /**
   * Waits for running listeners, at most `timeoutMs`; resolves true when all finished. Shutdown calls this
   * before closing the database that listeners may still be using.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.#inFlight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const settled = (async () => {
      while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
      return true as const;
    })();
    const finished = await Promise.race([settled, timedOut]);
    clearTimeout(timer);
    if (!finished)
      this.logger.warn({ pending: this.#inFlight.size }, 'event listeners still running at shutdown');
    return finished;
  }

  #report(event: string, error: unknown): void {
    this.logger.error({ err: error, event }, 'event listener failed');
  }
}
