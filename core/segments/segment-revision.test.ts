import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, type Tenancy } from '../organisations/tenancy-test-fixture.js';

describe('segment changes reach every environment of the project', () => {
  let t: TestApp;
  let f: Tenancy;
  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
  });
  after(() => t.close());

  it("bumps each environment's revision and announces it after commit", async () => {
    const project = await request(t.app)
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'Revisions', organisation: f.home.id });
    const environments: { id: number }[] = [];
    for (const name of ['Production', 'Development']) {
      const created = await request(t.app)
        .post('/api/v1/environments/')
        .set(as(f.admin))
        .send({ name, project: project.body.id });
      assert.equal(created.status, 201, created.text);
      environments.push(created.body);
    }
    const revisions = async () =>
      (
        await t.ctx.database
          .knex('environments')
          .whereIn(
            'id',
            environments.map((e) => e.id),
          )
          .orderBy('id')
      ).map((row: { revision: number }) => row.revision);
    const before = await revisions();
    const announced: number[] = [];
    const stop = t.ctx.events.on(
      'environment.changed',
      ({ environmentId }) => void announced.push(environmentId),
    );
    try {
      const segment = await request(t.app)
        .post(`/api/v1/projects/${project.body.id}/segments/`)
        .set(as(f.admin))
        .send({
          name: 'beta',
          rules: [
            {
              type: 'ALL',
              rules: [{ type: 'ANY', conditions: [{ operator: 'EQUAL', property: 'plan', value: 'beta' }] }],
            },
          ],
        });
      assert.equal(segment.status, 201, segment.text);
      await t.ctx.events.drain(1_000);
      assert.deepEqual(
        await revisions(),
        before.map((revision) => revision + 1),
      );
      assert.deepEqual(announced.sort(), environments.map((e) => e.id).sort());

      const refused = await request(t.app)
        .post(`/api/v1/projects/${project.body.id}/segments/`)
        .set(as(f.admin))
        .send({
          name: 'broken',
          rules: [{ type: 'ALL', conditions: [{ operator: 'NOPE', property: 'x', value: '1' }] }],
        });
      assert.equal(refused.status, 400);
      assert.deepEqual(
        await revisions(),
        before.map((revision) => revision + 1),
        'a refused change bumps nothing',
      );
    } finally {
      stop();
    }
  });
});
