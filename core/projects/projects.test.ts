import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import {
  as,
  type Caller,
  callers,
  createTenancy,
  joinAs,
  signUp,
  type Tenancy,
} from '../organisations/tenancy-test-fixture.js';

describe('projects and project permissions', () => {
  let t: TestApp;
  let f: Tenancy;
  let homeProject: { id: number; name: string };
  let awayProject: { id: number; name: string };
  const createProject = async (token: string, organisation: number, name: string) => {
    const response = await request(t.app)
      .post('/api/v1/projects/')
      .set('Authorization', `Token ${token}`)
      .send({ name, organisation });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return { id: response.body.id as number, name };
  };
  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    homeProject = await createProject(f.admin.token, f.home.id, `HomeProject-${Date.now()}`);
    awayProject = await createProject(f.foreigner.token, f.away.id, `AwayProject-${Date.now()}`);
  });
  after(() => t.close());

  it('lists projects as a plain array, filtered by ?organisation=, with Flagsmith’s fields', async () => {
    const listed = await request(t.app).get(`/api/v1/projects/?organisation=${f.home.id}`).set(as(f.admin));
    assert.equal(listed.status, 200);
    assert.ok(Array.isArray(listed.body));
    assert.deepEqual(
      listed.body.map((p: { name: string }) => p.name),
      [homeProject.name],
    );
    const [project] = listed.body;
    assert.equal(project.organisation, f.home.id);
    assert.equal(project.stale_flags_limit_days, 30);
    assert.equal(project.only_allow_lower_case_feature_names, true);
    assert.equal(project.use_edge_identities, false);
    // Flagsmith's get_queryset: a filter that is not an integer is a 400 naming it.
    const odd = await request(t.app).get('/api/v1/projects/?organisation=abc').set(as(f.admin));
    assert.equal(odd.status, 400);
    assert.deepEqual(odd.body, { organisation: ['Must be a valid integer.'] });
    const huge = await request(t.app).get('/api/v1/projects/?organisation=99999999999999').set(as(f.admin));
    assert.deepEqual(huge.body, []);
  });

  it('shows a member exactly the projects granted VIEW_PROJECT through a group, and nothing else', async () => {
    const second = await createProject(f.admin.token, f.home.id, 'Second');
    const viewer = await signUp(t, 'viewer');
    await joinAs(t, f.admin, f.home.id, viewer, 'USER');
    assert.deepEqual((await request(t.app).get('/api/v1/projects/').set(as(viewer))).body, []);
    assert.equal((await request(t.app).get(`/api/v1/projects/${second.id}/`).set(as(viewer))).status, 404);

    const group = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/groups/`)
      .set(as(f.admin))
      .send({ name: 'Viewers' });
    await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/groups/${group.body.id}/add-users/`)
      .set(as(f.admin))
      .send({ user_ids: [viewer.id] })
      .expect(200);
    const grant = await request(t.app)
      .post(`/api/v1/projects/${second.id}/user-group-permissions/`)
      .set(as(f.admin))
      .send({ group: group.body.id, permissions: ['VIEW_PROJECT'] });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    assert.deepEqual(grant.body, {
      id: grant.body.id,
      group: group.body.id,
      permissions: ['VIEW_PROJECT'],
      admin: false,
    });

    const seen = await request(t.app).get('/api/v1/projects/').set(as(viewer));
    assert.deepEqual(
      seen.body.map((p: { id: number }) => p.id),
      [second.id],
    );
    assert.equal((await request(t.app).get(`/api/v1/projects/${second.id}/`).set(as(viewer))).status, 200);
    assert.equal(
      (await request(t.app).get(`/api/v1/projects/${homeProject.id}/`).set(as(viewer))).status,
      404,
    );
    const mine = await request(t.app).get(`/api/v1/projects/${second.id}/my-permissions/`).set(as(viewer));
    assert.deepEqual(mine.body, { permissions: ['VIEW_PROJECT'], admin: false, tag_based_permissions: [] });
    assert.equal(
      (
        await request(t.app)
          .patch(`/api/v1/projects/${second.id}/`)
          .set(as(viewer))
          .send({ name: 'mine now' })
      ).status,
      403,
      'viewing is not administering',
    );
  });

  it('lets members with CREATE_PROJECT create projects (making them its admin) unless creation is restricted to admins', async () => {
    const maker = await signUp(t, 'maker');
    await joinAs(t, f.admin, f.home.id, maker, 'USER');
    const attempt = () =>
      request(t.app)
        .post('/api/v1/projects/')
        .set(as(maker))
        .send({ name: 'by maker', organisation: f.home.id });
    assert.equal((await attempt()).status, 403);
    await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: maker.id, permissions: ['CREATE_PROJECT'] })
      .expect(201);
    const made = await attempt();
    assert.equal(made.status, 201);
    const mine = await request(t.app).get(`/api/v1/projects/${made.body.id}/my-permissions/`).set(as(maker));
    assert.equal(mine.body.admin, true);

    await request(t.app)
      .patch(`/api/v1/organisations/${f.home.id}/`)
      .set(as(f.admin))
      .send({ restrict_project_create_to_admin: true })
      .expect(200);
    assert.equal((await attempt()).status, 403);
    await request(t.app)
      .patch(`/api/v1/organisations/${f.home.id}/`)
      .set(as(f.admin))
      .send({ restrict_project_create_to_admin: false })
      .expect(200);

    const foreign = await request(t.app)
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'in away', organisation: f.away.id });
    const unknown = await request(t.app)
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'nowhere', organisation: 2_000_000_000 });
    assert.equal(foreign.status, 403);
    assert.deepEqual(foreign.body, unknown.body, 'another tenant’s organisation looks like none at all');
    for (const body of [
      {},
      { name: 'x' },
      { name: 'x', organisation: 'home' },
      { name: '', organisation: f.home.id },
    ]) {
      const response = await request(t.app).post('/api/v1/projects/').set(as(f.admin)).send(body);
      assert.equal(response.status, 400, JSON.stringify(body));
    }
  });

  it('grants project permissions only to members and groups of the project’s organisation', async () => {
    const bad = await request(t.app)
      .post(`/api/v1/projects/${homeProject.id}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: f.foreigner.id, permissions: ['VIEW_PROJECT'] });
    assert.equal(bad.status, 400);
    const unknownKey = await request(t.app)
      .post(`/api/v1/projects/${homeProject.id}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: f.user.id, permissions: ['CREATE_PROJECT'] });
    assert.deepEqual(unknownKey.body, { permissions: ['Object with key=CREATE_PROJECT does not exist.'] });
    const keys = await request(t.app).get('/api/v1/projects/permissions/').set(as(f.user));
    assert.ok(
      keys.body.some(
        (k: { key: string; supports_tag: boolean }) => k.key === 'DELETE_FEATURE' && k.supports_tag,
      ),
    );
  });

  // The matrix for project endpoints: home project, every caller.
  const rows: {
    name: string;
    method: 'get' | 'post' | 'patch';
    path: () => string;
    body?: () => object;
    expect: Record<Caller, number>;
  }[] = [
    {
      name: 'list projects',
      method: 'get',
      path: () => '/api/v1/projects/',
      expect: { admin: 200, user: 200, foreigner: 200, adminKey: 200, userKey: 200, anonymous: 401 },
    },
    {
      name: 'retrieve a project',
      method: 'get',
      path: () => `/api/v1/projects/${homeProject.id}/`,
      expect: { admin: 200, user: 404, foreigner: 404, adminKey: 200, userKey: 404, anonymous: 401 },
    },
    {
      name: 'update a project',
      method: 'patch',
      path: () => `/api/v1/projects/${homeProject.id}/`,
      body: () => ({ hide_disabled_flags: false }),
      expect: { admin: 200, user: 404, foreigner: 404, adminKey: 200, userKey: 404, anonymous: 401 },
    },
    {
      name: 'list project user permissions',
      method: 'get',
      path: () => `/api/v1/projects/${homeProject.id}/user-permissions/`,
      expect: { admin: 200, user: 404, foreigner: 404, adminKey: 200, userKey: 404, anonymous: 401 },
    },
    {
      name: 'create a project',
      method: 'post',
      path: () => '/api/v1/projects/',
      body: () => ({ name: `m-${Math.random()}`, organisation: f.home.id }),
      expect: { admin: 201, user: 403, foreigner: 403, adminKey: 201, userKey: 403, anonymous: 401 },
    },
  ];
  for (const row of rows) {
    for (const caller of callers) {
      it(`matrix: ${row.name}: ${caller} → ${row.expect[caller]}`, async () => {
        let call = request(t.app)[row.method](row.path());
        const authorization = f.authorization(caller);
        if (authorization) call = call.set('Authorization', authorization);
        const response = row.body ? await call.send(row.body()) : await call;
        assert.equal(response.status, row.expect[caller], response.text);
        const markers = [
          ...f.foreignMarkers(caller),
          ...(caller === 'foreigner' ? [homeProject.name] : [awayProject.name]),
        ];
        for (const marker of markers) assert.ok(!response.text.includes(marker), `${caller} saw ${marker}`);
      });
    }
  }
});
