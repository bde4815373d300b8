import type { Knex } from 'knex';

/** Receives the payload of each notification on a channel it listens to. */
export type NotificationListener = (payload: string) => void;

export interface ListenOptions {
  /**
   * Called when the listening connection was lost and is listening again. Notifications sent in between
   * are lost (PostgreSQL does not queue them for a disconnected session), so a cache must then assume that
   * anything may have changed.
   */
  readonly onReconnect?: () => void;
}

export interface NotifyOptions {
  /**
   * Send as part of this transaction: PostgreSQL delivers the notification when it commits, and not at all
   * when it rolls back. Without it the notification is sent at once on its own.
   */
  readonly transaction?: Knex.Transaction;
}

/** Cross-process signals (cache invalidation) over PostgreSQL's LISTEN/NOTIFY, on both engines. */
export interface Notifications {
  /** Resolves once the channel is listened to; the returned function stops this listener. */
  listen(
    channel: string,
    listener: NotificationListener,
    options?: ListenOptions,
  ): Promise<() => Promise<void>>;
  notify(channel: string, payload: string, options?: NotifyOptions): Promise<void>;
  /** Stops every listener and releases the listening connection. */
  close(): Promise<void>;
}

/**
 * Lower-case only: LISTEN folds an unquoted name to lower case while pg_notify() takes it as written, so a
 * mixed-case name could be listened to under one spelling and notified under another.
 */
const channelPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** Channel names go into LISTEN/UNLISTEN, which take no bind parameters, so they are checked before use. */
export function assertChannelName(channel: string): void {
  if (typeof channel !== 'string' || !channelPattern.test(channel)) {
    throw new TypeError(
      `notification channel ${JSON.stringify(channel)} is not valid: expected lower-case letters, digits and underscores, not starting with a digit, at most 63 characters`,
    );
  }
}

/** PostgreSQL refuses payloads of 8000 bytes or more, and text cannot hold U+0000. */
const maxPayloadBytes = 7999;

function assertPayload(payload: string): void {
  if (typeof payload !== 'string') throw new TypeError('a notification payload must be a string');
  if (payload.includes('\u0000')) throw new TypeError('a notification payload cannot contain U+0000');
  if (Buffer.byteLength(payload, 'utf8') > maxPayloadBytes) {
    throw new RangeError(`a notification payload must be at most ${maxPayloadBytes} bytes of UTF-8`);
  }
}

/** A checked channel name as a quoted identifier. */
export function quotedChannel(channel: string): string {
  assertChannelName(channel);
  return `"${channel}"`;
}

/** pg_notify() takes the channel and payload as bind parameters, so neither is ever spliced into SQL. */
export async function sendNotification(
  runner: Knex | Knex.Transaction,
  channel: string,
  payload: string,
): Promise<void> {
  assertChannelName(channel);
  assertPayload(payload);
  await runner.raw('select pg_notify(?, ?)', [channel, payload]);
}

/** How an engine starts and stops listening to a channel on its connection. */
export interface ChannelHooks {
  /** LISTEN: run when a channel gets its first listener. */
  start(): Promise<void>;
  /** UNLISTEN: run when a channel loses its last listener. */
  stop(): Promise<void>;
}

/** Listeners by channel, each registration its own entry so that one function may listen twice. */
export class ListenerRegistry {
  readonly #channels = new Map<string, Set<{ listener: NotificationListener; options: ListenOptions }>>();
  /** LISTENs in flight, so that a second listener on the channel waits for the first one's. */
  readonly #pending = new Map<string, Promise<void>>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  get channels(): string[] {
    return [...this.#channels.keys()];
  }

  /** Adds a listener; true when it is the channel's first (the channel must then be listened to). */
  add(channel: string, entry: { listener: NotificationListener; options: ListenOptions }): boolean {
    const existing = this.#channels.get(channel);
    if (existing) {
      existing.add(entry);
      return false;
    }
    this.#channels.set(channel, new Set([entry]));
    return true;
  }

  /** Removes a listener; true when the channel has none left (it should then be unlistened). */
  remove(channel: string, entry: { listener: NotificationListener; options: ListenOptions }): boolean {
    const existing = this.#channels.get(channel);
    if (!existing?.delete(entry)) return false;
    if (existing.size > 0) return false;
    this.#channels.delete(channel);
    return true;
  }

  /**
   * Registers a listener, listening to the channel first when it is the channel's first, and returns the
   * function that removes it again (unlistening after the last). A failed LISTEN leaves nothing registered.
   */
  async subscribe(
    channel: string,
    listener: NotificationListener,
    options: ListenOptions,
    hooks: ChannelHooks,
  ): Promise<() => Promise<void>> {
    const entry = { listener, options };
    try {
      if (this.add(channel, entry)) {
        const ready = hooks.start();
        this.#pending.set(channel, ready);
        try {
          await ready;
        } finally {
          if (this.#pending.get(channel) === ready) this.#pending.delete(channel);
        }
      } else {
        await this.#pending.get(channel);
      }
    } catch (error) {
      this.remove(channel, entry);
      throw error;
    }
    let subscribed = true;
    return async () => {
      if (!subscribed) return;
      subscribed = false;
      if (this.remove(channel, entry)) await hooks.stop();
    };
  }

  /** A throwing listener is reported and does not keep the others from hearing the notification. */
  dispatch(channel: string, payload: string): void {
    for (const { listener } of this.#channels.get(channel) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  reconnected(): void {
    for (const entries of this.#channels.values()) {
      for (const { options } of entries) {
        try {
          options.onReconnect?.();
        } catch (error) {
          this.onListenerError(error);
        }
      }
    }
  }

  clear(): void {
    this.#channels.clear();
  }
}
