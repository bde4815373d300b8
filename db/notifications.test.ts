import { strict as assert } from 'node:assert';
import { EventEmitter, once } from 'node:events';
import { createTestDatabase, testDatabaseKind } from '../test/support/test-database.js';
import type { Database } from './database.js';
import { assertChannelName } from './notifications.js';

/** Collects payloads and lets a test wait for the next one without a timer. */
class Inbox {
  readonly payloads: string[] = [];
  readonly #events = new EventEmitter();
  readonly listener = (payload: string) => {
    this.payloads.push(payload);
    this.#events.emit('payload', payload);
  };
  async next(): Promise<string> {
    const [payload] = (await once(this.#events, 'payload')) as [string];
    return payload;
  }
}

describe(`database notifications (${testDatabaseKind})`, () => {
  let db: Database;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db.close();
  });

  it('delivers a notification to a listener', async () => {
    const inbox = new Inbox();
    const stop = await db.listen('flags_changed', inbox.listener);
    const next = inbox.next();
    await db.notify('flags_changed', 'environment 1');
    assert.equal(await next, 'environment 1');
    await stop();
  });

  it('carries quotes, backslashes, unicode and an empty payload unchanged', async () => {
    const inbox = new Inbox();
    const stop = await db.listen('payloads', inbox.listener);
    const payloads = [`it's "quoted" \\ '); drop table users; --`, 'δοκιμή 🚩 日本', ''];
    for (const payload of payloads) {
      const next = inbox.next();
      await db.notify('payloads', payload);
      assert.equal(await next, payload);
    }
    await stop();
  });

  it('delivers only the channel listened to, to every listener on it', async () => {
    const first = new Inbox();
    const second = new Inbox();
    const other = new Inbox();
    const stops = [
      await db.listen('shared', first.listener),
      await db.listen('shared', second.listener),
      await db.listen('other_channel', other.listener),
    ];
    const both = Promise.all([first.next(), second.next()]);
    await db.notify('shared', 'one');
    assert.deepEqual(await both, ['one', 'one']);
    // A marker on the other channel, sent after: once it arrives, 'one' would have arrived too.
    const marker = other.next();
    await db.notify('other_channel', 'marker');
    await marker;
    assert.deepEqual(other.payloads, ['marker']);
    for (const stop of stops) await stop();
  });

  it('stops delivering after unsubscribe, while other listeners keep hearing', async () => {
    const leaving = new Inbox();
    const staying = new Inbox();
    const stopLeaving = await db.listen('unsubscribe', leaving.listener);
    const stopStaying = await db.listen('unsubscribe', staying.listener);
    await stopLeaving();
    await stopLeaving(); // idempotent
    const next = staying.next();
    await db.notify('unsubscribe', 'after');
    assert.equal(await next, 'after');
    assert.deepEqual(leaving.payloads, []);
    await stopStaying();
  });

  it('a channel with no listeners left is unlistened, and can be listened to again', async () => {
    const inbox = new Inbox();
    await (await db.listen('again', inbox.listener))();
    const marker = new Inbox();
    const stopMarker = await db.listen('again_marker', marker.listener);
    await db.notify('again', 'missed');
    const seen = marker.next();
    await db.notify('again_marker', 'marker');
    await seen;
    assert.deepEqual(inbox.payloads, []);
    const stop = await db.listen('again', inbox.listener);
    const next = inbox.next();
    await db.notify('again', 'heard');
    assert.equal(await next, 'heard');
    await stop();
    await stopMarker();
  });

  it('a notification sent in a transaction arrives only after commit', async () => {
    const inbox = new Inbox();
    const stop = await db.listen('committed', inbox.listener);
    let next: Promise<string> | undefined;
    await db.knex.transaction(async (trx) => {
      await db.notify('committed', 'on commit', { transaction: trx });
      if (testDatabaseKind === 'postgres') {
        // A marker sent on its own connection while the transaction is open arrives first: PostgreSQL
        // delivers in commit order, so had the first been sent at once it would already be here.
        const marker = new Inbox();
        const stopMarker = await db.listen('committed_marker', marker.listener);
        const seen = marker.next();
        await db.notify('committed_marker', 'marker');
        await seen;
        await stopMarker();
      } else {
        // PGlite hands notifications back with the statement that sent them, or with its COMMIT: had it
        // been sent at once it would have been dispatched before this statement returned.
        await trx.raw('select 1');
      }
      assert.deepEqual(inbox.payloads, []);
      next = inbox.next();
    });
    assert.equal(await next, 'on commit');
    await stop();
  });

  it('a notification sent in a transaction that rolls back is never delivered', async () => {
    const inbox = new Inbox();
    const stop = await db.listen('rolled_back', inbox.listener);
    await assert.rejects(
      db.knex.transaction(async (trx) => {
        await db.notify('rolled_back', 'never', { transaction: trx });
        throw new Error('roll back');
      }),
      /roll back/,
    );
    const next = inbox.next();
    await db.notify('rolled_back', 'after the rollback');
    assert.equal(await next, 'after the rollback');
    assert.deepEqual(inbox.payloads, ['after the rollback']);
    await stop();
  });

  it('a listener that throws is reported and does not keep others from hearing', async () => {
    const errors: unknown[] = [];
    const own = await createTestDatabase({ onNotificationError: (error) => errors.push(error) });
    try {
      const inbox = new Inbox();
      const stopThrowing = await own.listen('throwing', () => {
        throw new Error('listener bug');
      });
      const stop = await own.listen('throwing', inbox.listener);
      const next = inbox.next();
      await own.notify('throwing', 'still delivered');
      assert.equal(await next, 'still delivered');
      assert.match(String(errors[0]), /listener bug/);
      await stopThrowing();
      await stop();
    } finally {
      await own.close();
    }
  });

  it('validates channel names instead of splicing them into SQL', async () => {
    for (const bad of [
      '',
      'Flags',
      '1st',
      'a-b',
      'a"; drop table users; --',
      'x'.repeat(64),
      'spaced name',
    ]) {
      assert.throws(() => assertChannelName(bad), /notification channel .* is not valid/);
      await assert.rejects(
        db.listen(bad, () => undefined),
        /is not valid/,
      );
      await assert.rejects(db.notify(bad, 'x'), /is not valid/);
    }
    assert.doesNotThrow(() => assertChannelName(`_${'x'.repeat(62)}`));
  });

  it('refuses payloads PostgreSQL cannot carry, before sending', async () => {
    await assert.rejects(db.notify('payloads', 'a\u0000b'), /U\+0000/);
    await assert.rejects(db.notify('payloads', 'é'.repeat(4000)), /at most 7999 bytes/);
    await db.notify('payloads', 'x'.repeat(7999));
  });

  it('closing the database ends its listeners', async () => {
    const own = await createTestDatabase();
    const inbox = new Inbox();
    await own.listen('closing', inbox.listener);
    const next = inbox.next();
    await own.notify('closing', 'before close');
    await next;
    await own.close();
    await assert.rejects(own.listen('closing', inbox.listener), /closed/);
    assert.deepEqual(inbox.payloads, ['before close']);
  });

  if (testDatabaseKind === 'postgres') {
    it('listens again after the listening connection is killed, and says so', async () => {
      const errors: unknown[] = [];
      const own = await createTestDatabase({ onNotificationError: (error) => errors.push(error) });
      try {
        const inbox = new Inbox();
        let reconnected!: () => void;
        const back = new Promise<void>((resolve) => {
          reconnected = resolve;
        });
        const stop = await own.listen('survives', inbox.listener, { onReconnect: () => reconnected() });
        const killed = (await own.knex.raw(
          `select pg_terminate_backend(pid) as killed from pg_stat_activity
            where datname = current_database() and application_name = 'vexil notifications'`,
        )) as { rows: { killed: boolean }[] };
        assert.deepEqual(
          killed.rows.map((row) => row.killed),
          [true],
        );
        await back;
        assert.match(String(errors[0]), /terminat/);
        const next = inbox.next();
        await own.notify('survives', 'after reconnect');
        assert.equal(await next, 'after reconnect');
        await stop();
      } finally {
        await own.close();
      }
    });
  }
});
