import { strict as assert } from 'node:assert';
import { pino } from 'pino';
import type { Database } from '../../db/database.js';
import { createTestDatabase } from '../../test/support/test-database.js';
import { EventBus } from '../events/event-bus.js';
import { Transactor } from './unit-of-work.js';

const silent = pino({ level: 'silent' });

describe('units of work', () => {
  let database: Database;
  let events: EventBus;
  let transactor: Transactor;
  before(async () => {
    database = await createTestDatabase();
  });
  beforeEach(() => {
    events = new EventBus(silent);
    transactor = new Transactor(database, events);
  });
  after(() => database.close());

  const insertUser = (knex: Database['knex'], email: string) =>
    knex('users').insert({ email, password: 'x' }).returning('id');

  it('emits queued events only after commit, when a listener can already read the row', async () => {
    const seen: { email: string; committedRow: boolean; insideTransaction: boolean }[] = [];
    let transactionOpen = false;
    events.on('user.created', async ({ email }) => {
      const row = await database.knex('users').where({ email }).first();
      seen.push({ email, committedRow: row !== undefined, insideTransaction: transactionOpen });
    });
    await transactor.run(async (uow) => {
      transactionOpen = true;
      const [row] = await insertUser(uow.knex, 'committed@example.com');
      uow.emit('user.created', { userId: Number(row.id), email: 'committed@example.com' });
      assert.equal(seen.length, 0, 'nothing is emitted while the transaction is open');
      transactionOpen = false;
    });
    await events.drain(5_000);
    assert.deepEqual(seen, [
      { email: 'committed@example.com', committedRow: true, insideTransaction: false },
    ]);
  });

  it('drops queued events and after-commit hooks when the work fails', async () => {
    const seen: string[] = [];
    events.on('user.created', ({ email }) => void seen.push(email));
    await assert.rejects(
      transactor.run(async (uow) => {
        await insertUser(uow.knex, 'rolled-back@example.com');
        uow.emit('user.created', { userId: 0, email: 'rolled-back@example.com' });
        uow.afterCommit(() => void seen.push('hook'));
        throw new Error('boom');
      }),
      /boom/,
    );
    await events.drain(1_000);
    assert.deepEqual(seen, []);
    assert.equal(await database.knex('users').where({ email: 'rolled-back@example.com' }).first(), undefined);
  });

  it('runs after-commit hooks once committed, and a failing hook or listener never reaches the caller', async () => {
    const order: string[] = [];
    events.on('user.created', () => {
      throw new Error('listener failed');
    });
    const result = await transactor.run(async (uow) => {
      uow.afterCommit(async () => {
        order.push('hook');
        throw new Error('hook failed');
      });
      uow.emit('user.created', { userId: 1, email: 'x@example.com' });
      order.push('work');
      return 42;
    });
    assert.equal(result, 42);
    await events.drain(1_000);
    assert.deepEqual(order, ['work', 'hook']);
  });

  it('shutdown waits for running listeners, but only up to its bound', async () => {
    let finished = false;
    events.on('user.created', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      finished = true;
    });
    events.emit('user.created', { userId: 1, email: 'a@example.com' });
    assert.equal(events.pending, 1);
    assert.equal(await events.drain(5_000), true);
    assert.equal(finished, true);

    let release: () => void = () => undefined;
    events.on('user.activationRequested', () => new Promise<void>((resolve) => (release = resolve)));
    events.emit('user.activationRequested', {
      userId: 1,
      email: 'a@example.com',
      uid: 'MQ',
      token: 't',
      activationPath: '/activate/MQ/t',
    });
    assert.equal(
      await events.drain(20),
      false,
      'a listener that hangs does not hold shutdown beyond the bound',
    );
    release();
    assert.equal(await events.drain(1_000), true);
  });

  it('delivers a notification sent in a unit of work only when it commits', async () => {
    const heard: string[] = [];
    const stop = await database.listen('vexil_uow_test', (payload) => void heard.push(payload));
    try {
      await assert.rejects(
        transactor.run(async (uow) => {
          await uow.notify('vexil_uow_test', 'rolled back');
          throw new Error('boom');
        }),
      );
      await transactor.run((uow) => uow.notify('vexil_uow_test', 'committed'));
      for (let attempt = 0; attempt < 100 && heard.length === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(heard, ['committed']);
    } finally {
      await stop();
    }
  });

  it('an unsubscribed listener hears nothing', async () => {
    const seen: string[] = [];
    const off = events.on('user.created', ({ email }) => void seen.push(email));
    off();
    events.emit('user.created', { userId: 1, email: 'a@example.com' });
    assert.deepEqual(seen, []);
  });
});
