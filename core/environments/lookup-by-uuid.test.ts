import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, joinAs, signUp, type Tenancy } from '../organisations/tenancy-test-fixture.js';

/** Flagsmith's get-by-uuid actions on organisations and environments, and the nested list actions. */
describe('look-ups by uuid, organisation projects and project environments', () => {
  let t: TestApp;
  let f: Tenancy;
  let project: { id: number; uuid: string };
  let hidden: { id: number };
  let environment: { id: number; uuid: string; api_key: string };
  let awayEnvironment: { uuid: string };
  const post = async (token: string, path: string, body: object) => {
    const response = await request(t.app).post(path).set('Authorization', `Token ${token}`).send(body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body;
  };
  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    project = await post(f.admin.token, '/api/v1/projects/', { name: 'Looked up', organisation: f.home.id });
    hidden = await post(f.admin.token, '/api/v1/projects/', { name: 'Hidden', organisation: f.home.id });
    environment = await post(f.admin.token, '/api/v1/environments/', { name: 'Prod', project: project.id });
    const awayProject = await post(f.foreigner.token, '/api/v1/projects/', {
      name: 'Away',
      organisation: f.away.id,
    });
    awayEnvironment = await post(f.foreigner.token, '/api/v1/environments/', {
      name: 'Away env',
      project: awayProject.id,
    });
  });
  after(() => t.close());

  it('GET environments/get-by-uuid/{uuid}/ answers the environment to those who may view it', async () => {
    const found = await request(t.app)
      .get(`/api/v1/environments/get-by-uuid/${environment.uuid}/`)
      .set(as(f.admin));
    assert.equal(found.status, 200);
    assert.equal(found.body.api_key, environment.api_key);
    assert.deepEqual(found.body.metadata, []);
    for (const [caller, uuid] of [
      [f.admin, awayEnvironment.uuid],
      [f.user, environment.uuid],
      [f.foreigner, environment.uuid],
      [f.admin, 'not-a-uuid'],
      [f.admin, '12345678-1234-1234-1234-123456789abc'],
    ] as const) {
      const response = await request(t.app).get(`/api/v1/environments/get-by-uuid/${uuid}/`).set(as(caller));
      assert.equal(response.status, 404, `${caller.email} ${uuid}`);
      assert.ok(!JSON.stringify(response.body).includes('Away env'));
    }
    const key = await request(t.app)
      .get(`/api/v1/environments/get-by-uuid/${environment.uuid}/`)
      .set('Authorization', `Api-Key ${f.keys.admin}`);
    assert.equal(key.status, 200);
    assert.equal(
      (await request(t.app).get(`/api/v1/environments/get-by-uuid/${environment.uuid}/`)).status,
      401,
    );
  });

  it('GET organisations/get-by-uuid/{uuid}/ answers any member, never another tenant', async () => {
    const asMember = await request(t.app)
      .get(`/api/v1/organisations/get-by-uuid/${f.home.uuid}/`)
      .set(as(f.user));
    assert.equal(asMember.status, 200);
    assert.equal(asMember.body.id, f.home.id);
    assert.equal(asMember.body.role, 'USER');
    const foreign = await request(t.app)
      .get(`/api/v1/organisations/get-by-uuid/${f.away.uuid}/`)
      .set(as(f.user));
    assert.equal(foreign.status, 404);
    assert.ok(!JSON.stringify(foreign.body).includes(f.away.name));
    const malformed = await request(t.app).get('/api/v1/organisations/get-by-uuid/zzz/').set(as(f.user));
    assert.equal(malformed.status, 404);
  });

  it('GET organisations/{id}/projects/ lists the projects the caller may see there', async () => {
    const asAdmin = await request(t.app).get(`/api/v1/organisations/${f.home.id}/projects/`).set(as(f.admin));
    assert.equal(asAdmin.status, 200);
    assert.deepEqual(
      asAdmin.body.map((p: { id: number }) => p.id),
      [project.id, hidden.id],
    );
    const viewer = await signUp(t, 'viewer');
    await joinAs(t, f.admin, f.home.id, viewer, 'USER');
    await request(t.app)
      .post(`/api/v1/projects/${project.id}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: viewer.id, permissions: ['VIEW_PROJECT'] })
      .expect(201);
    const asViewer = await request(t.app).get(`/api/v1/organisations/${f.home.id}/projects/`).set(as(viewer));
    assert.deepEqual(
      asViewer.body.map((p: { id: number }) => p.id),
      [project.id],
    );
    const foreign = await request(t.app).get(`/api/v1/organisations/${f.away.id}/projects/`).set(as(f.admin));
    assert.equal(foreign.status, 404);
    const odd = await request(t.app).get('/api/v1/organisations/abc/projects/').set(as(f.admin));
    assert.equal(odd.status, 404);
  });

  it('GET projects/{id}/environments/ lists a project’s environments for its admins', async () => {
    const listed = await request(t.app).get(`/api/v1/projects/${project.id}/environments/`).set(as(f.admin));
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.map((e: { api_key: string }) => e.api_key),
      [environment.api_key],
    );
    assert.equal(listed.body[0].metadata, undefined, 'EnvironmentSerializerLight has no metadata');
    assert.equal(listed.body[0].uuid, environment.uuid);
    // A viewer who is not the project's admin is refused, as Flagsmith's object permission refuses them.
    const viewer = await signUp(t, 'env-viewer');
    await joinAs(t, f.admin, f.home.id, viewer, 'USER');
    await request(t.app)
      .post(`/api/v1/projects/${project.id}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: viewer.id, permissions: ['VIEW_PROJECT'] })
      .expect(201);
    assert.equal(
      (await request(t.app).get(`/api/v1/projects/${project.id}/environments/`).set(as(viewer))).status,
      403,
    );
    assert.equal(
      (await request(t.app).get(`/api/v1/projects/${project.id}/environments/`).set(as(f.foreigner))).status,
      404,
    );
  });
});
