import type { PGlite } from '@electric-sql/pglite';
import type { Knex } from 'knex';
import {
  ListenerRegistry,
  type ListenOptions,
  type NotificationListener,
  type Notifications,
  type NotifyOptions,
  quotedChannel,
  sendNotification,
} from './notifications.js';

/**
 * PGlite is one session, so LISTEN and NOTIFY share it with every query. LISTEN goes through knex rather
 * than `pglite.listen()`: PGlite's own call runs at once, and while a knex transaction is open it would land
 * inside that transaction and be undone by its rollback. Through knex it waits for the one connection like
 * any other query. Notifications arrive with the response to the statement that sent them (or to the COMMIT
 * of their transaction) and are routed here by channel.
 */
export class EmbeddedNotifications implements Notifications {
  readonly #registry: ListenerRegistry;
  readonly #stopRouting: () => void;
  #closed = false;

  constructor(
    pglite: PGlite,
    private readonly knex: Knex,
    onError: (error: unknown) => void,
  ) {
    this.#registry = new ListenerRegistry(onError);
    this.#stopRouting = pglite.onNotification((channel, payload) =>
      this.#registry.dispatch(channel, payload),
    );
  }

  async listen(
    channel: string,
    listener: NotificationListener,
    options: ListenOptions = {},
  ): Promise<() => Promise<void>> {
    const quoted = quotedChannel(channel);
    if (this.#closed) throw new Error('the database is closed');
    return this.#registry.subscribe(channel, listener, options, {
      start: async () => {
        await this.knex.raw(`listen ${quoted}`);
      },
      stop: async () => {
        if (!this.#closed) await this.knex.raw(`unlisten ${quoted}`);
      },
    });
  }

  notify(channel: string, payload: string, options: NotifyOptions = {}): Promise<void> {
    return sendNotification(options.transaction ?? this.knex, channel, payload);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#registry.clear();
    this.#stopRouting();
  }
}
