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

/** The part of pg's Client that listening needs (pg ships no types of its own). */
export interface ListeningClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

export interface PostgresNotificationsOptions {
  /** Opens a new, unconnected client on the same database; called again after each lost connection. */
  readonly createClient: () => ListeningClient;
  /** Connection losses, failed reconnects and listeners that throw: none of them may crash the process. */
  readonly onError: (error: unknown) => void;
  /** Backoff between reconnect attempts: doubling from `initialMs`, never above `maxMs`. */
  readonly reconnectDelay?: { readonly initialMs: number; readonly maxMs: number };
}

const defaultReconnectDelay = { initialMs: 100, maxMs: 30_000 };

/**
 * LISTEN holds a session for as long as it listens, so it gets a client of its own outside the knex pool:
 * a pooled connection would be handed to a query, or closed as idle, taking the subscription with it. NOTIFY
 * needs no session and goes through knex, so it can join a caller's transaction. The client is opened on the
 * first listen (a CLI task never pays for it) and reopened, with every channel listened to again, when the
 * connection drops.
 */
export class PostgresNotifications implements Notifications {
  readonly #registry: ListenerRegistry;
  readonly #reconnectDelay: { readonly initialMs: number; readonly maxMs: number };
  #client: ListeningClient | undefined;
  /** LISTEN, UNLISTEN and (re)connecting run one at a time, in call order, so the last word wins. */
  #serial: Promise<unknown> = Promise.resolve();
  #reconnectTimer: NodeJS.Timeout | undefined;
  #failedAttempts = 0;
  /** Set when a connection was lost: the next one to open tells listeners they may have missed something. */
  #lostConnection = false;
  #closed = false;

  constructor(
    private readonly knex: Knex,
    private readonly options: PostgresNotificationsOptions,
  ) {
    this.#registry = new ListenerRegistry(options.onError);
    this.#reconnectDelay = options.reconnectDelay ?? defaultReconnectDelay;
  }

  async listen(
    channel: string,
    listener: NotificationListener,
    options: ListenOptions = {},
  ): Promise<() => Promise<void>> {
    const quoted = quotedChannel(channel);
    if (this.#closed) throw new Error('the database is closed');
    return this.#registry.subscribe(channel, listener, options, {
      start: () =>
        this.#serially(async () => {
          // A new connection listens to every registered channel, this one included.
          if (this.#client) await this.#client.query(`LISTEN ${quoted}`);
          else await this.#connected();
        }),
      stop: () =>
        this.#serially(async () => {
          const client = this.#client;
          if (!client || this.#registry.channels.includes(channel)) return;
          // A lost connection has unlistened already; the reconnect will not listen to this channel again.
          await client.query(`UNLISTEN ${quoted}`).catch(this.options.onError);
        }),
    });
  }

  notify(channel: string, payload: string, options: NotifyOptions = {}): Promise<void> {
    return sendNotification(options.transaction ?? this.knex, channel, payload);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#registry.clear();
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#serial.then(task);
    this.#serial = result.catch(() => undefined);
    return result;
  }

  /** The open client, connecting (and listening to every registered channel) first if there is none. */
  async #connected(): Promise<ListeningClient> {
    if (this.#client) return this.#client;
    const client = this.options.createClient();
    client.on('notification', (message) => this.#registry.dispatch(message.channel, message.payload ?? ''));
    // Kept for the client's whole life: pg can still emit 'error' after a failure, and an 'error' event
    // without a listener would crash the process.
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      for (const channel of this.#registry.channels) await client.query(`LISTEN ${quotedChannel(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      throw new Error('the database is closed');
    }
    this.#client = client;
    if (this.#lostConnection) {
      this.#lostConnection = false;
      this.#failedAttempts = 0;
      this.#registry.reconnected();
    }
    return client;
  }

  #lost(client: ListeningClient, error?: Error): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    this.#lostConnection = true;
    if (error) this.options.onError(error);
    void client.end().catch(() => undefined);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer || this.#registry.channels.length === 0) return;
    const { initialMs, maxMs } = this.#reconnectDelay;
    const delay = Math.min(initialMs * 2 ** this.#failedAttempts, maxMs);
    this.#failedAttempts += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#serially(async () => {
        if (this.#closed || this.#client || this.#registry.channels.length === 0) return;
        await this.#connected();
      }).catch((error: unknown) => {
        this.options.onError(error);
        this.#scheduleReconnect();
      });
    }, delay);
    // A pending reconnect must not keep a process alive that has nothing else to do.
    this.#reconnectTimer.unref();
  }
}
