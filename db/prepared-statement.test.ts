import { strict as assert } from 'node:assert';
import { createTestDatabase, testDatabaseKind } from '../test/support/test-database.js';
import type { Database } from './database.js';
import { PreparedStatement } from './prepared-statement.js';

describe(`prepared statements (${testDatabaseKind})`, () => {
  let db: Database;
  const byName = new PreparedStatement<{ id: number; name: string; note: string | null }>(
    'vexil_test_by_name',
    'select id, name, note from prepared_things where kind = ? and name = ? order by id',
    ['integer', 'text'],
  );
  // Strings a hand-made literal would get wrong, and `?` and `$1`, which a query builder would read as
  // placeholders.
  const awkward = [
    "o'brien",
    "''",
    'back\\slash\\',
    "\\'",
    'what?',
    '$1 and $2',
    'ünïcödé 🚀 \u2028',
    '',
    ' padded ',
    'line\nbreak\ttab',
    "'); drop table prepared_things; --",
  ];

  before(async () => {
    db = await createTestDatabase();
    await db.knex.schema.createTable('prepared_things', (table) => {
      table.increments('id');
      table.integer('kind').notNullable();
      table.text('name').notNullable();
      table.text('note');
    });
    await db
      .knex('prepared_things')
      .insert([
        ...awkward.map((name, i) => ({ kind: 1, name, note: `n${i}` })),
        { kind: 2, name: "o'brien", note: 'other kind' },
      ]);
  });
  after(async () => {
    await db.close();
  });

  it('finds each awkward string as the plain query does, on first and later calls', async () => {
    for (let round = 0; round < 2; round++)
      for (const [i, name] of awkward.entries()) {
        const rows = await byName.rows(db.knex, [1, name]);
        const plain = await db.knex('prepared_things').where({ kind: 1, name }).select('id', 'name', 'note');
        assert.deepEqual(rows, plain, JSON.stringify(name));
        assert.equal(rows.length, 1, JSON.stringify(name));
        assert.equal(rows[0]?.note, `n${i}`);
      }
    assert.deepEqual(
      (await byName.rows(db.knex, [2, "o'brien"])).map((row) => row.note),
      ['other kind'],
    );
    assert.deepEqual(await byName.rows(db.knex, [1, 'nobody']), []);
    assert.equal(
      await db
        .knex('prepared_things')
        .count('* as n')
        .first()
        .then((row) => Number(row?.n)),
      12,
    );
    if (testDatabaseKind === 'embedded') {
      // The embedded session holds it as a PREPAREd statement (the EXECUTE path was taken).
      const prepared = (await db.knex.raw('select name, statement from pg_prepared_statements')) as {
        rows: { name: string; statement: string }[];
      };
      const ours = prepared.rows.find((row) => row.name === 'vexil_test_by_name');
      assert.match(
        ours?.statement ?? '',
        /^prepare vexil_test_by_name \(integer, text\) as select .* kind = \$1 and name = \$2/,
      );
    }
  });

  it('refuses a NUL as the plain query does, and goes on working after it', async () => {
    await assert.rejects(byName.rows(db.knex, [1, 'nul\0byte']));
    assert.equal((await byName.rows(db.knex, [1, 'what?'])).length, 1);
  });

  it('inside a transaction, sees the transaction', async () => {
    await db.knex
      .transaction(async (trx) => {
        await trx('prepared_things').insert({ kind: 3, name: 'in flight' });
        assert.equal((await byName.rows(trx, [3, 'in flight'])).length, 1);
        await trx.rollback();
      })
      .catch(() => undefined);
    assert.equal((await byName.rows(db.knex, [3, 'in flight'])).length, 0);
  });

  it('outside a transaction, never sees what an open transaction has not committed', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted!: () => void;
    const insertedYet = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const transaction = db.knex.transaction(async (trx) => {
      await trx('prepared_things').insert({ kind: 4, name: 'later' });
      inserted();
      await held;
    });
    await insertedYet;
    // On the embedded engine the read waits for the one connection; on PostgreSQL it runs beside the
    // transaction. Either way it must not see the uncommitted row.
    const read = byName.rows(db.knex, [4, 'later']);
    const early = await Promise.race([read, new Promise((resolve) => setTimeout(resolve, 50, 'waiting'))]);
    if (early !== 'waiting') assert.deepEqual(early, []);
    release();
    await transaction;
    const rows = await read;
    if (testDatabaseKind === 'embedded') assert.equal(rows.length, 1, 'read after the commit it waited for');
    else assert.equal(rows.length, 0);
    assert.equal((await byName.rows(db.knex, [4, 'later'])).length, 1);
  });

  it('refuses a name that is not an identifier', () => {
    assert.throws(() => new PreparedStatement('bad name; drop', 'select 1', []));
  });
});
