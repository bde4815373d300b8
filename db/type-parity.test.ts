import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import { StartupError } from '../core/errors/startup-error.js';
import { createTestDatabase, testDatabaseKind } from '../test/support/test-database.js';
import { assertSupportedVersion, type Database, minimumPostgresMajor } from './database.js';
import { jsonValue } from './json-value.js';
import { parseInt8 } from './type-parsers.js';

/** Each difference measured between PGlite and the pg driver, asserted on whichever engine runs the suite. */
describe(`database type parity (${testDatabaseKind})`, () => {
  let db: Database;
  before(async () => {
    db = await createTestDatabase();
    await db.knex.schema.createTable('parity_rows', (table) => {
      table.bigIncrements('id');
      table.integer('n').notNullable();
      table.jsonb('document').nullable();
    });
  });
  after(async () => {
    await db.close();
  });

  async function selectOne(sql: string): Promise<unknown> {
    const result = (await db.knex.raw(`select ${sql} as value`)) as { rows: { value: unknown }[] };
    return result.rows[0]?.value;
  }

  describe('int8', () => {
    it('a bigint id comes back as a number', async () => {
      const [inserted] = await db.knex('parity_rows').insert({ n: 1 }).returning('id');
      assert.equal(typeof inserted?.id, 'number');
      const row = await db.knex('parity_rows').where({ id: inserted?.id }).first();
      assert.equal(row.id, inserted?.id);
    });

    it('count() comes back as a number, through knex and through raw SQL', async () => {
      await db.knex('parity_rows').insert([{ n: 2 }, { n: 3 }]);
      const expected = (
        (await db.knex.raw('select count(*)::int as value from parity_rows')) as {
          rows: { value: number }[];
        }
      ).rows[0]?.value;
      const [viaKnex] = await db.knex('parity_rows').count({ count: '*' });
      assert.equal(viaKnex?.count, expected);
      assert.equal(await selectOne('(select count(*) from parity_rows)'), expected);
    });

    it('sum() of integers (int8) comes back as a number', async () => {
      const [row] = (
        await db.knex.raw(
          'select sum(x) as value, pg_typeof(sum(x))::text as type from (values (2147483647), (2147483647)) v (x)',
        )
      ).rows as { value: unknown; type: string }[];
      assert.equal(row?.type, 'bigint');
      assert.equal(row?.value, 4294967294);
    });

    it('an int8 array comes back as numbers, nulls kept', async () => {
      assert.deepEqual(await selectOne("'{1,NULL,9007199254740991}'::int8[]"), [1, null, 9007199254740991]);
    });

    it('the largest safe integer is read exactly, at both ends of the range', async () => {
      assert.equal(await selectOne('9007199254740991::int8'), Number.MAX_SAFE_INTEGER);
      assert.equal(await selectOne('(-9007199254740991)::int8'), Number.MIN_SAFE_INTEGER);
    });

    it('a value beyond Number.MAX_SAFE_INTEGER is an error, not a rounded number', async () => {
      await assert.rejects(
        selectOne('9007199254740993::int8'),
        /9007199254740993 is beyond Number.MAX_SAFE_INTEGER/,
      );
      await assert.rejects(selectOne('(-9007199254740992)::int8'), /beyond Number.MAX_SAFE_INTEGER/);
      await assert.rejects(selectOne("'{1,9007199254740993}'::int8[]"), /beyond Number.MAX_SAFE_INTEGER/);
      // The connection survives the refused row.
      assert.equal(await selectOne('9007199254740993::int8::text'), '9007199254740993');
    });

    it("leaves pg's process-wide type registry alone (the parsers are per connection)", () => {
      const pg = createRequire(import.meta.url)('pg') as {
        types: { getTypeParser(oid: number): (text: string) => unknown };
      };
      assert.equal(pg.types.getTypeParser(20)('7'), '7');
    });

    it('parseInt8 accepts exactly the safe range', () => {
      assert.equal(parseInt8('-12'), -12);
      assert.throws(() => parseInt8('9007199254740992'), RangeError);
    });
  });

  it(`runs on PostgreSQL ${minimumPostgresMajor} or later, and refuses an older server by name`, async () => {
    const version = Number(await selectOne("current_setting('server_version_num')"));
    assert.ok(version >= minimumPostgresMajor * 10_000, `server_version_num ${version}`);
    assert.doesNotThrow(() => assertSupportedVersion(minimumPostgresMajor * 10_000));
    assert.throws(
      () => assertSupportedVersion(140_012),
      (error: unknown) =>
        error instanceof StartupError &&
        error.subject === 'DATABASE_URL' &&
        /PostgreSQL 14 is not supported: Vexil needs PostgreSQL 15 or later/.test(error.message),
    );
  });

  it('a date is the string PostgreSQL writes, not a Date at some midnight', async () => {
    assert.equal(await selectOne("'2026-01-02'::date"), '2026-01-02');
    assert.deepEqual(await selectOne("'{2026-01-02,NULL}'::date[]"), ['2026-01-02', null]);
  });

  it('an interval is the string PostgreSQL writes', async () => {
    assert.equal(await selectOne("'36 hours'::interval"), '36:00:00');
    assert.deepEqual(await selectOne("array['1 day'::interval, '2 mons']"), ['1 day', '2 mons']);
  });

  it('timestamps are Dates on both engines', async () => {
    const value = await selectOne("'2026-01-02 03:04:05+00'::timestamptz");
    assert.ok(value instanceof Date);
    assert.equal(value.toISOString(), '2026-01-02T03:04:05.000Z');
  });

  it('numeric stays an exact string on both engines', async () => {
    assert.equal(await selectOne('1.50::numeric'), '1.50');
    assert.equal(await selectOne('12345678901234567890.123::numeric'), '12345678901234567890.123');
  });

  describe('JSON binding through jsonValue()', () => {
    const values: [string, unknown][] = [
      ['an array', [1, 'two', true, null]],
      ['an empty array', []],
      ['an object', { a: 1, b: 'x' }],
      ['a string', 'hello'],
      ['a string that looks like JSON', '[1,2]'],
      ['a number', 42.5],
      ['a boolean', false],
      ['JSON null inside an array', [null]],
      ['nested values', { list: [{ deep: ['y', { z: [1, [2, [3]]] }] }], empty: {}, quote: 'it\'s "q"' }],
      ['unicode', { clé: 'δοκιμή 🚩', emoji: ['🏁'] }],
    ];
    for (const [label, value] of values) {
      it(`${label} reads back equal`, async () => {
        const [row] = await db
          .knex('parity_rows')
          .insert({ n: 10, document: jsonValue(value) })
          .returning('document');
        assert.deepEqual(row?.document, value);
        const typeOf = (
          (await db.knex.raw(
            'select jsonb_typeof(document) as t from parity_rows where document = ?::jsonb',
            [jsonValue(value)],
          )) as { rows: { t: string }[] }
        ).rows[0]?.t;
        assert.equal(typeOf, Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);
      });
    }

    it('null binds SQL NULL, so `is null` finds it', async () => {
      const [row] = await db
        .knex('parity_rows')
        .insert({ n: 11, document: jsonValue(null) })
        .returning('id');
      const found = await db.knex('parity_rows').where({ id: row?.id }).whereNull('document').first();
      assert.ok(found);
    });

    it('updates bind the same way as inserts', async () => {
      const [row] = await db
        .knex('parity_rows')
        .insert({ n: 12, document: jsonValue({ a: 1 }) })
        .returning('id');
      await db
        .knex('parity_rows')
        .where({ id: row?.id })
        .update({ document: jsonValue(['replaced']) });
      const updated = await db.knex('parity_rows').where({ id: row?.id }).first();
      assert.deepEqual(updated.document, ['replaced']);
    });

    it('refuses what JSON or jsonb cannot hold, naming where', () => {
      assert.throws(() => jsonValue({ ratio: Number.NaN }), /the value at "ratio" is NaN/);
      assert.throws(() => jsonValue([Number.POSITIVE_INFINITY]), /Infinity/);
      assert.throws(() => jsonValue({ id: 1n }), /bigint/);
      assert.throws(() => jsonValue({ name: 'a\u0000b' }), /U\+0000/);
      assert.throws(() => jsonValue({ 'a\u0000': 1 }), /U\+0000/);
    });

    it('a raw array (without the helper) is what differs between engines', async () => {
      // Documents the measured difference that jsonValue() exists for.
      const insert = db.knex('parity_rows').insert({ n: 13, document: [1, 2] as unknown as string });
      if (testDatabaseKind === 'postgres') await assert.rejects(insert, /invalid input syntax for type json/);
      else await insert;
    });
  });
});
