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

  describe('with kept answers', () => {
    const kept = new PreparedStatement<{ id: number; name: string; note: string | null }>(
      'vexil_test_kept',
      'select id, name, note from prepared_things where kind = ? and name = ? order by id',
      ['integer', 'text'],
      { embeddedCacheEntries: 3 },
    );
    const notes = async (name: string, kind = 5) =>
      (await kept.rows(db.knex, [kind, name])).map((r) => r.note);
    let statements: string[] = [];
    const onQuery = (query: { sql: string }) => statements.push(query.sql);
    before(async () => {
      await db.knex('prepared_things').insert([
        { kind: 5, name: 'a', note: 'a1' },
        { kind: 5, name: 'b', note: 'b1' },
      ]);
      db.knex.on('query', onQuery);
    });
    after(() => {
      db.knex.removeListener('query', onQuery);
    });
    beforeEach(() => {
      statements = [];
    });

    it('answers a repeated read from memory on the embedded database only', async () => {
      assert.deepEqual(await notes('a'), ['a1']);
      statements = [];
      assert.deepEqual(await notes('a'), ['a1']);
      assert.equal(statements.length, testDatabaseKind === 'embedded' ? 0 : 1);
    });

    it('reads again after any statement that may write, on any table, and sees the write', async () => {
      await notes('a');
      await db.knex('prepared_things').where({ kind: 5, name: 'a' }).update({ note: 'a2' });
      assert.deepEqual(await notes('a'), ['a2']);
      await notes('a');
      await db.knex.schema.createTable('prepared_other', (table) => table.increments('id'));
      statements = [];
      await notes('a');
      assert.equal(statements.length, 1, 'DDL elsewhere voids kept answers too');
      await db.knex.raw(
        'with gone as (delete from prepared_things where kind = 5 and name = ? returning id) select * from gone',
        ['b'],
      );
      assert.deepEqual(await notes('b'), []);
      await db.knex('prepared_things').insert({ kind: 5, name: 'b', note: 'b2' });
      assert.deepEqual(await notes('b'), ['b2']);
    });

    it('sees a transaction’s writes once it commits, and nothing of one rolled back', async () => {
      await notes('a');
      await db.knex.transaction(async (trx) => {
        await trx('prepared_things').where({ kind: 5, name: 'a' }).update({ note: 'a3' });
      });
      assert.deepEqual(await notes('a'), ['a3']);
      await db.knex
        .transaction(async (trx) => {
          await trx('prepared_things').where({ kind: 5, name: 'a' }).update({ note: 'never' });
          throw new Error('roll back');
        })
        .catch(() => undefined);
      assert.deepEqual(await notes('a'), ['a3']);
    });

    it('answers what a transaction under way committed, for a read issued during it and for later reads', async () => {
      await notes('a');
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let updated!: () => void;
      const updatedYet = new Promise<void>((resolve) => {
        updated = resolve;
      });
      const transaction = db.knex.transaction(async (trx) => {
        await trx('prepared_things').where({ kind: 5, name: 'a' }).update({ note: 'a4' });
        updated();
        await held;
      });
      await updatedYet;
      const during = notes('a');
      release();
      await transaction;
      // On PostgreSQL the read may run beside the transaction and see the old note; either way it is not kept.
      assert.ok(['a3', 'a4'].includes((await during)[0] as string));
      if (testDatabaseKind === 'embedded') assert.deepEqual(await during, ['a4']);
      assert.deepEqual(await notes('a'), ['a4']);
    });

    it('keeps at most the given number of answers, dropping the least recently used', async () => {
      await db.knex('prepared_things').insert(['c', 'd', 'e'].map((name) => ({ kind: 5, name, note: name })));
      for (const name of ['a', 'b', 'c']) await notes(name);
      await notes('a'); // a is now the most recent; b the least
      await notes('d'); // evicts b
      statements = [];
      await notes('a');
      await notes('c');
      await notes('d');
      assert.equal(statements.length, testDatabaseKind === 'embedded' ? 0 : 3);
      await notes('b');
      assert.equal(statements.length, testDatabaseKind === 'embedded' ? 1 : 4, 'b was dropped');
    });

    it('keeps nothing for a transaction’s reads, which see its own writes', async () => {
      await notes('e');
      await db.knex.transaction(async (trx) => {
        await trx('prepared_things').where({ kind: 5, name: 'e' }).update({ note: 'e2' });
        assert.deepEqual(
          (await kept.rows(trx, [5, 'e'])).map((r) => r.note),
          ['e2'],
        );
      });
      assert.deepEqual(await notes('e'), ['e2']);
    });
  });

  it('refuses a name that is not an identifier', () => {
    assert.throws(() => new PreparedStatement('bad name; drop', 'select 1', []));
  });
});
