import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import { type ListeningClient, PostgresNotifications } from './postgres-notifications.js';

/** A stand-in for pg's Client: records the SQL it is sent and can be made to fail or drop. */
class FakeClient extends EventEmitter implements ListeningClient {
  readonly sent: string[] = [];
  ended = false;
  constructor(private readonly failConnect: Error | undefined) {
    super();
  }
  async connect(): Promise<void> {
    if (this.failConnect) throw this.failConnect;
  }
  async query(sql: string): Promise<void> {
    if (this.ended) throw new Error('Client was closed and is not queryable');
    this.sent.push(sql);
  }
  async end(): Promise<void> {
    this.ended = true;
  }
}

/** The reconnect logic, without a server: connection failures are made to order. */
describe('PostgreSQL notifications: the listening connection', () => {
  let clients: FakeClient[];
  let failures: (Error | undefined)[];
  let errors: unknown[];
  let notifications: PostgresNotifications;

  beforeEach(() => {
    clients = [];
    failures = [];
    errors = [];
    notifications = new PostgresNotifications({} as Knex, {
      createClient: () => {
        const client = new FakeClient(failures.shift());
        clients.push(client);
        return client;
      },
      onError: (error) => errors.push(error),
      reconnectDelay: { initialMs: 1, maxMs: 1 },
    });
  });
  afterEach(async () => {
    await notifications.close();
  });

  it('opens no connection until something listens, then one for every channel', async () => {
    assert.equal(clients.length, 0);
    await notifications.listen('a', () => undefined);
    await notifications.listen('b', () => undefined);
    await notifications.listen('b', () => undefined);
    assert.equal(clients.length, 1);
    assert.deepEqual(clients[0]?.sent, ['LISTEN "a"', 'LISTEN "b"']);
  });

  it('a listen whose connection fails rejects and leaves nothing registered; the next one connects', async () => {
    failures.push(new Error('ECONNREFUSED'));
    await assert.rejects(
      notifications.listen('a', () => undefined),
      /ECONNREFUSED/,
    );
    await notifications.listen('b', () => undefined);
    assert.deepEqual(clients[1]?.sent, ['LISTEN "b"']);
  });

  it('after the connection drops, reconnects, listens to every channel again and tells listeners', async () => {
    const heard: string[] = [];
    const reconnected = new Promise<void>((resolve) => {
      void notifications.listen('a', (payload) => heard.push(payload), { onReconnect: resolve });
    });
    await notifications.listen('b', () => undefined);
    failures.push(new Error('still down'));
    clients[0]?.emit('error', new Error('terminating connection due to administrator command'));
    await reconnected;
    // One failed attempt (the backoff retried), then a client listening to both channels.
    assert.equal(clients.length, 3);
    assert.deepEqual(clients[2]?.sent, ['LISTEN "a"', 'LISTEN "b"']);
    assert.deepEqual(
      errors.map((error) => (error as Error).message),
      ['terminating connection due to administrator command', 'still down'],
    );
    clients[2]?.emit('notification', { channel: 'a', payload: 'back' });
    assert.deepEqual(heard, ['back']);
  });

  it('unlistens a channel whose last listener leaves, and does not listen to it again after a drop', async () => {
    const stop = await notifications.listen('a', () => undefined);
    const reconnected = new Promise<void>((resolve) => {
      void notifications.listen('b', () => undefined, { onReconnect: resolve });
    });
    await stop();
    assert.deepEqual(clients[0]?.sent, ['LISTEN "a"', 'LISTEN "b"', 'UNLISTEN "a"']);
    clients[0]?.emit('end');
    await reconnected;
    assert.deepEqual(clients[1]?.sent, ['LISTEN "b"']);
  });

  it('does not reconnect once closed, nor when nothing listens', async () => {
    const stop = await notifications.listen('a', () => undefined);
    await stop();
    clients[0]?.emit('end');
    await notifications.listen('b', () => undefined);
    assert.equal(clients.length, 2);
    await notifications.close();
    assert.equal(clients[1]?.ended, true);
    clients[1]?.emit('end');
    await assert.rejects(
      notifications.listen('c', () => undefined),
      /closed/,
    );
    assert.equal(clients.length, 2);
  });
});
