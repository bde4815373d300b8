import type { Logger } from '../logging/logger.js';

/** The events core emits for plugins (email, telemetry, usage sinks) to react to. */
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
}

type Listener<K extends keyof CoreEvents> = (payload: CoreEvents[K]) => void | Promise<void>;

/**
 * A small typed event bus. A listener that throws or rejects is logged and never breaks the request that
 * emitted the event: a flaky email server must not fail a sign-up.
 */
export class EventBus {
  readonly #listeners = new Map<keyof CoreEvents, Listener<never>[]>();

  constructor(private readonly logger: Logger) {}

  on<K extends keyof CoreEvents>(event: K, listener: Listener<K>): void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.#listeners.set(event, list);
  }

  emit<K extends keyof CoreEvents>(event: K, payload: CoreEvents[K]): void {
    for (const listener of (this.#listeners.get(event) ?? []) as Listener<K>[]) {
      try {
        Promise.resolve(listener(payload)).catch((error: unknown) => this.#report(event, error));
      } catch (error) {
        this.#report(event, error);
      }
    }
  }

  #report(event: string, error: unknown): void {
    this.logger.error({ err: error, event }, 'event listener failed');
  }
}
