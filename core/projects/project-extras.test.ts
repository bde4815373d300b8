import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, type Tenancy } from '../organisations/tenancy-test-fixture.js';

/** What Flagsmith's ProjectRetrieveSerializer adds, its limits, get-by-uuid and the list's filters. */
describe('project limits, totals and look-up by uuid', () => {
  let t: TestApp;
  let f: Tenancy;
  let home: { id: number; uuid: string; name: string };
  let away: { id: number; uuid: string };
  const createProject = async (token: string, organisation: number, name: string) => {
    const response = await request(t.app)
      .post('/api/v1/projects/')
      .set('Authorization', `Token ${token}`)
      .send({ name, organisation });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return { id: response.body.id as number, uuid: response.body.uuid as string, name };
  };
  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    home = await createProject(f.admin.token, f.home.id, 'Limited');
    away = await createProject(f.foreigner.token, f.away.id, 'Elsewhere');
  });
  after(() => t.close());

  it('retrieves a project with its limits and totals after the list fields, as ProjectRetrieveSerializer', async () => {
    await request(t.app)
      .post(`/api/v1/projects/${home.id}/features/`)
      .set(as(f.admin))
      .send({ name: 'counted_feature' })
      .expect(201);
    await request(t.app)
      .post(`/api/v1/projects/${home.id}/segments/`)
      .set(as(f.admin))
      .send({ name: 'counted', project: home.id, rules: [{ type: 'ALL', rules: [], conditions: [] }] })
      .expect(201);
    const got = await request(t.app).get(`/api/v1/projects/${home.id}/`).set(as(f.admin));
    assert.equal(got.status, 200);
    const keys = Object.keys(got.body);
    assert.deepEqual(keys.slice(-5), [
      'max_segments_allowed',
      'max_features_allowed',
      'max_segment_overrides_allowed',
      'total_features',
      'total_segments',
    ]);
    assert.deepEqual(keys.slice(0, 3), ['id', 'uuid', 'name']);
    assert.equal(got.body.max_segments_allowed, 500);
    assert.equal(got.body.max_features_allowed, 1000);
    assert.equal(got.body.max_segment_overrides_allowed, 2000);
    assert.equal(got.body.total_features, 1);
    assert.equal(got.body.total_segments, 1);
    assert.equal(got.body.show_edge_identity_overrides_for_feature, false);
    assert.equal(got.body.edge_v2_migration_status, 'NOT_STARTED');
    // The list keeps ProjectListSerializer's fields only.
    const listed = await request(t.app).get('/api/v1/projects/').set(as(f.admin));
    assert.equal(listed.body[0].total_features, undefined);
    // The limits are read-only, as in Flagsmith.
    const patched = await request(t.app)
      .patch(`/api/v1/projects/${home.id}/`)
      .set(as(f.admin))
      .send({ max_features_allowed: 5000 });
    assert.equal(patched.status, 200);
    const again = await request(t.app).get(`/api/v1/projects/${home.id}/`).set(as(f.admin));
    assert.equal(again.body.max_features_allowed, 1000);
  });

  it('refuses a feature beyond max_features_allowed with Flagsmith’s 400', async () => {
    const knex = t.ctx.database.knex;
    const limited = await createProject(f.admin.token, f.home.id, 'Two features');
    await knex('projects').where('id', limited.id).update({ max_features_allowed: 2 });
    for (const name of ['one', 'two']) {
      await request(t.app)
        .post(`/api/v1/projects/${limited.id}/features/`)
        .set(as(f.admin))
        .send({ name })
        .expect(201);
    }
    const third = await request(t.app)
      .post(`/api/v1/projects/${limited.id}/features/`)
      .set(as(f.admin))
      .send({ name: 'three' });
    assert.equal(third.status, 400);
    assert.deepEqual(third.body, {
      project: 'The Project has reached the maximum allowed features limit.',
    });
  });

  it('refuses a segment beyond the project’s own max_segments_allowed', async () => {
    const knex = t.ctx.database.knex;
    const limited = await createProject(f.admin.token, f.home.id, 'One segment');
    await knex('projects').where('id', limited.id).update({ max_segments_allowed: 1 });
    const segment = (name: string) =>
      request(t.app)
        .post(`/api/v1/projects/${limited.id}/segments/`)
        .set(as(f.admin))
        .send({ name, project: limited.id, rules: [{ type: 'ALL', rules: [], conditions: [] }] });
    assert.equal((await segment('first')).status, 201);
    const second = await segment('second');
    assert.equal(second.status, 400);
    assert.deepEqual(second.body, {
      project: ['The project has reached the maximum allowed segments limit.'],
    });
  });

  it('finds a project by uuid among those the caller may see; foreign and malformed uuids are 404', async () => {
    const found = await request(t.app).get(`/api/v1/projects/get-by-uuid/${home.uuid}/`).set(as(f.admin));
    assert.equal(found.status, 200);
    assert.equal(found.body.id, home.id);
    assert.equal(found.body.total_features, undefined, 'the list serializer, as Flagsmith’s action answers');
    const upper = await request(t.app)
      .get(`/api/v1/projects/get-by-uuid/${home.uuid.toUpperCase()}/`)
      .set(as(f.admin));
    assert.equal(upper.status, 200);
    for (const uuid of [away.uuid, 'abc', '00000000-0000-0000-0000-000000000000']) {
      const response = await request(t.app).get(`/api/v1/projects/get-by-uuid/${uuid}/`).set(as(f.admin));
      assert.equal(response.status, 404, uuid);
      assert.deepEqual(response.body, { detail: 'Not found.' });
    }
    // A member without VIEW_PROJECT does not find it either.
    assert.equal(
      (await request(t.app).get(`/api/v1/projects/get-by-uuid/${home.uuid}/`).set(as(f.user))).status,
      404,
    );
    assert.equal((await request(t.app).get(`/api/v1/projects/get-by-uuid/${home.uuid}/`)).status, 401);
  });

  it('filters the list by ?uuid=', async () => {
    const one = await request(t.app).get(`/api/v1/projects/?uuid=${home.uuid}`).set(as(f.admin));
    assert.deepEqual(
      one.body.map((p: { id: number }) => p.id),
      [home.id],
    );
    const foreign = await request(t.app).get(`/api/v1/projects/?uuid=${away.uuid}`).set(as(f.admin));
    assert.deepEqual(foreign.body, []);
    const malformed = await request(t.app).get('/api/v1/projects/?uuid=nope').set(as(f.admin));
    assert.equal(malformed.status, 200);
    assert.deepEqual(malformed.body, []);
  });

  it('refuses a second project of the same name in one organisation, on create and on rename', async () => {
    const duplicate = await request(t.app)
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: home.name, organisation: f.home.id });
    assert.equal(duplicate.status, 400);
    assert.deepEqual(duplicate.body, { non_field_errors: ['A project with this name already exists.'] });
    // The same name in another organisation is fine.
    await createProject(f.foreigner.token, f.away.id, home.name);
    const other = await createProject(f.admin.token, f.home.id, 'Renamable');
    const renamed = await request(t.app)
      .patch(`/api/v1/projects/${other.id}/`)
      .set(as(f.admin))
      .send({ name: home.name });
    assert.equal(renamed.status, 400);
    const same = await request(t.app)
      .put(`/api/v1/projects/${other.id}/`)
      .set(as(f.admin))
      .send({ name: 'Renamable' });
    assert.equal(same.status, 200, 'keeping its own name is no clash');
  });
});
