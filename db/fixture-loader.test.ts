import { strict as assert } from 'node:assert';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StartupError } from '../core/errors/startup-error.js';
import { InstanceStore } from '../core/instance/instance-store.js';
import { createTestDatabase } from '../test/support/test-database.js';
import { transactorFor } from '../test/support/transactor.js';
import type { Database } from './database.js';
import { loadFixture, resolveFixturePath } from './fixture-loader.js';

async function counts(db: Database) {
  const tables = [
    'organisations',
    'projects',
    'environments',
    'identities',
    'features',
    'feature_states',
    'feature_state_values',
  ];
  const result: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await db.knex(table).count('id as count');
    result[table] = Number(row?.count);
  }
  return result;
}

async function fixtureFile(content: string, extension = 'yaml'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vexil-fixture-'));
  const file = path.join(dir, `fixture.${extension}`);
  await writeFile(file, content);
  return file;
}

describe('loaddata', () => {
  let db: Database;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.close());

  it('loads the shipped init_data: an organisation, a project, two environments, features in both', async () => {
    await loadFixture(transactorFor(db), resolveFixturePath('init_data'));
    const loaded = await counts(db);
    assert.equal(loaded.organisations, 1);
    assert.equal(loaded.projects, 1);
    assert.equal(loaded.environments, 2);
    assert.ok((loaded.features ?? 0) >= 3);
    assert.equal(loaded.feature_states, (loaded.features ?? 0) * 2);
    assert.equal(loaded.feature_state_values, loaded.feature_states);
    assert.deepEqual(await new InstanceStore().site({ knex: db.knex }), {
      name: 'Vexil',
      domain: 'localhost:8000',
    });
    const colour = await db
      .knex('feature_states as fs')
      .join('features as f', 'f.id', 'fs.feature_id')
      .join('feature_state_values as v', 'v.feature_state_id', 'fs.id')
      .where({ 'f.name': 'button_colour', 'fs.environment_id': 1 })
      .first('v.string_value', 'fs.enabled');
    assert.deepEqual(colour, { string_value: 'blue', enabled: true });
  });

  it('loading twice leaves one copy of everything', async () => {
    const before = await counts(db);
    await loadFixture(transactorFor(db), resolveFixturePath('init_data.yaml'));
    assert.deepEqual(await counts(db), before);
  });

  it('moves sequences past loaded ids, so new rows do not collide', async () => {
    const [created] = await db.knex('organisations').insert({ name: 'Later' }).returning('id');
    assert.equal(created.id, 2);
  });

  it("loads Flagsmith's own fixture format, reporting fields Vexil does not store", async () => {
    const file = await fixtureFile(`
- model: organisations.organisation
  pk: 10
  fields:
    name: Test Org
    has_requested_features: false
    alerted_over_plan_limit: true
    created_date: 2021-08-02 12:23:25.410055+00:00
- model: permissions.permissionmodel
  pk: CREATE_ENVIRONMENT
  fields:
    description: Ability to create an environment in the given project.
    type: PROJECT
`);
    const report = await loadFixture(transactorFor(db), file);
    assert.deepEqual(report.written, { organisations: 1 });
    assert.deepEqual(report.ignoredFields, {
      'organisations.organisation': ['has_requested_features', 'alerted_over_plan_limit'],
    });
    const org = await db.knex('organisations').where({ id: 10 }).first();
    assert.equal(org.name, 'Test Org');
  });

  it('rejects unknown models and broken files by name, loading nothing', async () => {
    const before = await counts(db);
    const unknown = await fixtureFile(
      '[{"model": "organisations.organisation", "pk": 50, "fields": {"name": "X"}}, {"model": "nope.thing", "pk": 1, "fields": {}}]',
      'json',
    );
    await assert.rejects(loadFixture(transactorFor(db), unknown), (error: unknown) => {
      assert.ok(error instanceof StartupError);
      assert.match(error.message, /unknown model "nope.thing"/);
      return true;
    });
    const broken = await fixtureFile('- model: [unclosed');
    await assert.rejects(loadFixture(transactorFor(db), broken), StartupError);
    const badReference = await fixtureFile(`
- model: organisations.organisation
  pk: 60
  fields: { name: Y }
- model: projects.project
  pk: 60
  fields: { name: P, organisation: 999 }
`);
    await assert.rejects(loadFixture(transactorFor(db), badReference), /projects.project pk=60/);
    assert.deepEqual(await counts(db), before, 'a failed load is rolled back whole');
  });
});
