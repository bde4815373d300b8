import { strict as assert } from 'node:assert';
import type { Knex } from 'knex';
import { StartupError, StartupErrorCode } from '../core/errors/startup-error.js';
import { createTestDatabase, testDatabaseKind } from '../test/support/test-database.js';
import type { Database } from './database.js';
import { coreMigrations } from './migrations/index.js';
import { applyMigrationPlan, migrateToLatest, type PluginMigrations, planMigrations } from './migrator.js';

const databaseVariable = testDatabaseKind === 'embedded' ? 'DATA_DIR' : 'DATABASE_URL';

function createTable(table: string, requires?: string): Knex.Migration {
  return {
    async up(knex) {
      if (requires) assert.ok(await knex.schema.hasTable(requires), `${table} ran before ${requires}`);
      await knex.schema.createTable(table, (t) => t.increments('id'));
    },
    async down(knex) {
      await knex.schema.dropTable(table);
    },
  };
}

async function startupError(promise: Promise<unknown>): Promise<StartupError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StartupError, `expected a StartupError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the migration to fail');
}

function syncStartupError(run: () => unknown): StartupError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof StartupError, `expected a StartupError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

async function recorded(db: Database): Promise<string[]> {
  const rows: { name: string }[] = await db.knex('knex_migrations').select('name').orderBy('id');
  return rows.map((row) => row.name);
}

describe(`migrator (${testDatabaseKind})`, () => {
  let db: Database;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db.close();
  });

  it('records the core migrations under their own names, unprefixed, so existing databases are up to date', async () => {
    assert.deepEqual(await recorded(db), Object.keys(coreMigrations).sort());
    assert.deepEqual(await migrateToLatest(db.knex), []);
  });

  it("applies a plugin's migrations prefixed with its id, once", async () => {
    const plugin: PluginMigrations = {
      id: 'demo-plugin',
      migrations: {
        '20261201000100_second': createTable('demo_plugin_second', 'demo_plugin_first'),
        '20261201000000_first': createTable('demo_plugin_first'),
      },
    };
    assert.deepEqual(await migrateToLatest(db.knex, { plugins: [plugin] }), [
      'demo-plugin/20261201000000_first',
      'demo-plugin/20261201000100_second',
    ]);
    assert.ok(await db.knex.schema.hasTable('demo_plugin_second'));
    assert.deepEqual(await migrateToLatest(db.knex, { plugins: [plugin] }), []);
    assert.deepEqual((await recorded(db)).slice(-2), [
      'demo-plugin/20261201000000_first',
      'demo-plugin/20261201000100_second',
    ]);
  });

  it('applies plugins sorted by id, whatever order they are given in', async () => {
    const later = { id: 'zeta-plugin', migrations: { '20261201000000_z': createTable('zeta_z', 'alpha_a') } };
    const earlier = { id: 'alpha-plugin', migrations: { '20261205000000_a': createTable('alpha_a') } };
    assert.deepEqual(await migrateToLatest(db.knex, { plugins: [later, earlier] }), [
      'alpha-plugin/20261205000000_a',
      'zeta-plugin/20261201000000_z',
    ]);
  });

  it('plans the core first, then plugins by id, each in name order', () => {
    const plan = planMigrations({ '20261125000000_core': createTable('x') }, [
      {
        id: 'b-plugin',
        migrations: { '20260101000000_b2': createTable('x'), '20250101000000_b1': createTable('x') },
      },
      { id: 'a-plugin', migrations: { '20270101000000_a': createTable('x') } },
    ]);
    assert.deepEqual(plan.pluginIds, ['a-plugin', 'b-plugin']);
    assert.deepEqual(
      plan.migrations.map((planned) => [planned.name, planned.pluginId]),
      [
        ['20261125000000_core', undefined],
        ['a-plugin/20270101000000_a', 'a-plugin'],
        ['b-plugin/20250101000000_b1', 'b-plugin'],
        ['b-plugin/20260101000000_b2', 'b-plugin'],
      ],
    );
  });

  it("a switched-off plugin's applied migrations do not stop start-up", async () => {
    const plugin = { id: 'switched-off', migrations: { '20261201000000_t': createTable('switched_off_t') } };
    await migrateToLatest(db.knex, { plugins: [plugin] });
    assert.deepEqual(await migrateToLatest(db.knex), []);
    assert.deepEqual(await migrateToLatest(db.knex, { plugins: [plugin] }), []);
  });

  it('refuses a database migrated by a newer version, naming the unknown migration', async () => {
    await db
      .knex('knex_migrations')
      .insert({ name: '29991231000000_from_the_future', batch: 99, migration_time: new Date() });
    try {
      const error = await startupError(migrateToLatest(db.knex));
      assert.equal(error.code, StartupErrorCode.migrationInvalid);
      assert.equal(error.subject, databaseVariable);
      assert.match(error.message, /29991231000000_from_the_future/);
    } finally {
      await db.knex('knex_migrations').where({ name: '29991231000000_from_the_future' }).delete();
    }
  });

  it('refuses a migration an active plugin no longer has, naming the plugin', async () => {
    const plugin = { id: 'shrinking', migrations: { '20261201000000_t': createTable('shrinking_t') } };
    await migrateToLatest(db.knex, { plugins: [plugin] });
    const error = await startupError(
      migrateToLatest(db.knex, { plugins: [{ id: 'shrinking', migrations: {} }] }),
    );
    assert.equal(error.code, StartupErrorCode.migrationInvalid);
    assert.equal(error.subject, 'shrinking');
    assert.match(error.message, /shrinking\/20261201000000_t/);
  });

  describe('validation, before anything runs', () => {
    const ok = { '20261201000000_ok': createTable('never_created') };
    for (const id of [
      'SendGrid',
      'sendgrid_email',
      '-sendgrid',
      'sendgrid-',
      'send--grid',
      '1password',
      '',
      'a/b',
    ]) {
      it(`refuses the plugin id ${JSON.stringify(id)}`, () => {
        const error = syncStartupError(() => planMigrations(coreMigrations, [{ id, migrations: ok }]));
        assert.equal(error.code, StartupErrorCode.migrationInvalid);
        assert.match(error.message, /plugin id .* is not valid for migrations: expected kebab-case/);
        assert.ok(error.message.includes(JSON.stringify(id)));
      });
    }

    for (const name of [
      'create_x',
      '2026120100000_short',
      '20261201000000-create',
      '20261201000000_Create',
      'x/20261201000000_a',
      '20261201000000_',
    ]) {
      it(`refuses the migration name ${JSON.stringify(name)}, naming the plugin`, () => {
        const error = syncStartupError(() =>
          planMigrations(coreMigrations, [
            { id: 'sendgrid-email', migrations: { [name]: createTable('never_created') } },
          ]),
        );
        assert.equal(error.code, StartupErrorCode.migrationInvalid);
        assert.equal(error.subject, 'sendgrid-email');
        assert.match(error.message, /^plugin "sendgrid-email": migration name .* is not valid/);
      });
    }

    it('refuses a plugin given twice, and a migration without up()', () => {
      const twice = syncStartupError(() =>
        planMigrations(coreMigrations, [
          { id: 'twice', migrations: ok },
          { id: 'twice', migrations: ok },
        ]),
      );
      assert.match(twice.message, /plugin "twice" contributes migrations twice/);
      const noUp = syncStartupError(() =>
        planMigrations(coreMigrations, [
          { id: 'no-up', migrations: { '20261201000000_x': {} as Knex.Migration } },
        ]),
      );
      assert.match(noUp.message, /plugin "no-up": migration 20261201000000_x has no up\(\) function/);
    });

    it('accepts the core list as it stands', () => {
      assert.equal(planMigrations(coreMigrations).migrations.length, Object.keys(coreMigrations).length);
    });

    it('rejects through the promise, so callers see one kind of failure', async () => {
      const error = await startupError(
        migrateToLatest(db.knex, { plugins: [{ id: 'Bad', migrations: ok }] }),
      );
      assert.equal(error.code, StartupErrorCode.migrationInvalid);
      assert.equal(await db.knex.schema.hasTable('never_created'), false);
    });
  });

  describe('a migration that fails', () => {
    const failing: PluginMigrations = {
      id: 'failing-plugin',
      migrations: {
        '20261201000000_boom': {
          async up(knex) {
            await knex.schema.createTable('half_done', (t) => t.increments('id'));
            throw new Error('column "nope" does not exist');
          },
        },
      },
    };

    it('is VEXIL_MIGRATION_FAILED naming the migration and its plugin, and leaves nothing behind', async () => {
      const error = await startupError(migrateToLatest(db.knex, { plugins: [failing] }));
      assert.equal(error.code, StartupErrorCode.migrationFailed);
      assert.equal(error.subject, 'failing-plugin');
      assert.equal(
        error.toLine(),
        'VEXIL_MIGRATION_FAILED: migration failing-plugin/20261201000000_boom failed (plugin "failing-plugin"): column "nope" does not exist',
      );
      assert.equal(await db.knex.schema.hasTable('half_done'), false);
      assert.ok(!(await recorded(db)).includes('failing-plugin/20261201000000_boom'));
    });

    it('in the core, names the database variable of the engine in use', async () => {
      const plan = planMigrations({
        ...coreMigrations,
        '29990101000000_broken_core': {
          async up(knex) {
            await knex.raw('select * from no_such_table');
          },
        },
      });
      const error = await startupError(applyMigrationPlan(db.knex, plan));
      assert.equal(error.code, StartupErrorCode.migrationFailed);
      assert.equal(error.subject, databaseVariable);
      assert.match(error.message, /^migration 29990101000000_broken_core failed: .*no_such_table/);
    });

    it('an unreachable database is still VEXIL_DATABASE_UNAVAILABLE, naming the right variable', async () => {
      const closed = await createTestDatabase();
      await closed.close();
      const plan = planMigrations({ ...coreMigrations, '29990101000000_pending': createTable('pending') });
      const error = await startupError(applyMigrationPlan(closed.knex, plan));
      assert.equal(error.code, StartupErrorCode.databaseUnavailable);
      assert.equal(error.subject, databaseVariable);
    });
  });
});
