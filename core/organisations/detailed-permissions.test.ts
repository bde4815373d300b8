import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, type Tenancy } from './tenancy-test-fixture.js';

/** `user-detailed-permissions/{user_id}/` on organisations, projects and environments, as Flagsmith builds it. */
describe('user-detailed-permissions', () => {
  let t: TestApp;
  let f: Tenancy;
  let project: { id: number };
  let environment: { api_key: string };
  let adminGroup: { id: number; name: string };
  const post = async (path: string, body: object) => {
    const response = await request(t.app).post(path).set(as(f.admin)).send(body);
    assert.equal(response.status, 201, `${path} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const get = (path: string, caller = f.admin) => request(t.app).get(path).set(as(caller));
  const groupRef = () => ({ id: f.group.id, name: 'home group' });

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    project = await post('/api/v1/projects/', { name: 'Detailed', organisation: f.home.id });
    environment = await post('/api/v1/environments/', { name: 'Prod', project: project.id });
    // The user: VIEW_PROJECT and CREATE_FEATURE of their own; their group (with the admin) adds VIEW_PROJECT
    // and DELETE_FEATURE.
    await post(`/api/v1/projects/${project.id}/user-permissions/`, {
      user: f.user.id,
      permissions: ['CREATE_FEATURE', 'VIEW_PROJECT'],
    });
    await post(`/api/v1/projects/${project.id}/user-group-permissions/`, {
      group: f.group.id,
      permissions: ['VIEW_PROJECT', 'DELETE_FEATURE'],
    });
    await post(`/api/v1/organisations/${f.home.id}/user-group-permissions/`, {
      group: f.group.id,
      permissions: ['CREATE_PROJECT'],
    });
  });
  after(() => t.close());

  it('explains a member’s project permissions: own grants direct, group grants derived', async () => {
    const response = await get(`/api/v1/projects/${project.id}/user-detailed-permissions/${f.user.id}/`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(Object.keys(response.body), [
      'admin',
      'permissions',
      'is_directly_granted',
      'derived_from',
    ]);
    assert.deepEqual(response.body, {
      admin: false,
      permissions: [
        {
          permission_key: 'VIEW_PROJECT',
          is_directly_granted: true,
          derived_from: { groups: [groupRef()], roles: [] },
        },
        {
          permission_key: 'CREATE_FEATURE',
          is_directly_granted: true,
          derived_from: { groups: [], roles: [] },
        },
        {
          permission_key: 'DELETE_FEATURE',
          is_directly_granted: false,
          derived_from: { groups: [groupRef()], roles: [] },
        },
      ],
      is_directly_granted: false,
      derived_from: { groups: [], roles: [] },
    });
    // The member reads their own too.
    const own = await get(`/api/v1/projects/${project.id}/user-detailed-permissions/${f.user.id}/`, f.user);
    assert.deepEqual(own.body, response.body);
  });

  it('an organisation admin is a direct admin at every level', async () => {
    const response = await get(`/api/v1/projects/${project.id}/user-detailed-permissions/${f.admin.id}/`);
    assert.equal(response.body.admin, true);
    assert.equal(response.body.is_directly_granted, true);
    const organisation = await get(
      `/api/v1/organisations/${f.home.id}/user-detailed-permissions/${f.admin.id}/`,
    );
    assert.equal(organisation.status, 200);
    assert.equal(organisation.body.admin, true);
    assert.equal(organisation.body.is_directly_granted, true);
  });

  it('explains organisation permissions granted through a group', async () => {
    const response = await get(`/api/v1/organisations/${f.home.id}/user-detailed-permissions/${f.user.id}/`);
    assert.deepEqual(response.body, {
      admin: false,
      permissions: [
        {
          permission_key: 'CREATE_PROJECT',
          is_directly_granted: false,
          derived_from: { groups: [groupRef()], roles: [] },
        },
      ],
      is_directly_granted: false,
      derived_from: { groups: [], roles: [] },
    });
  });

  it('on an environment, admin derives from groups that administer the project', async () => {
    const group = await post(`/api/v1/organisations/${f.home.id}/groups/`, { name: 'project admins' });
    adminGroup = { id: group.id, name: 'project admins' };
    await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/groups/${group.id}/add-users/`)
      .set(as(f.admin))
      .send({ user_ids: [f.user.id] })
      .expect(200);
    await post(`/api/v1/projects/${project.id}/user-group-permissions/`, {
      group: group.id,
      permissions: [],
      admin: true,
    });
    await post(`/api/v1/environments/${environment.api_key}/user-permissions/`, {
      user: f.user.id,
      permissions: ['VIEW_ENVIRONMENT'],
    });
    const path = `/api/v1/environments/${environment.api_key}/user-detailed-permissions/${f.user.id}/`;
    const response = await get(path);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body, {
      admin: true,
      permissions: [
        {
          permission_key: 'VIEW_ENVIRONMENT',
          is_directly_granted: true,
          derived_from: { groups: [], roles: [] },
        },
      ],
      is_directly_granted: false,
      derived_from: { groups: [adminGroup], roles: [] },
    });
  });

  it('refuses someone else’s permissions to non-admins (403) and hides other tenants (404)', async () => {
    const plain = await request(t.app)
      .get(`/api/v1/organisations/${f.home.id}/user-detailed-permissions/${f.admin.id}/`)
      .set(as(f.user));
    assert.equal(plain.status, 403);
    for (const path of [
      `/api/v1/organisations/${f.home.id}/user-detailed-permissions/${f.foreigner.id}/`,
      `/api/v1/projects/${project.id}/user-detailed-permissions/${f.foreigner.id}/`,
      `/api/v1/environments/${environment.api_key}/user-detailed-permissions/${f.foreigner.id}/`,
      `/api/v1/projects/${project.id}/user-detailed-permissions/abc/`,
      `/api/v1/projects/${project.id}/user-detailed-permissions/99999999999/`,
    ]) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.ok(!JSON.stringify(response.body).includes(f.foreigner.email));
    }
    for (const path of [
      `/api/v1/organisations/${f.home.id}/user-detailed-permissions/${f.foreigner.id}/`,
      `/api/v1/projects/${project.id}/user-detailed-permissions/${f.foreigner.id}/`,
      `/api/v1/environments/${environment.api_key}/user-detailed-permissions/${f.foreigner.id}/`,
    ]) {
      assert.equal((await get(path, f.foreigner)).status, 404, path);
      assert.equal((await request(t.app).get(path)).status, 401, path);
    }
    const key = await request(t.app)
      .get(`/api/v1/projects/${project.id}/user-detailed-permissions/${f.user.id}/`)
      .set('Authorization', `Api-Key ${f.keys.admin}`);
    assert.equal(key.status, 200);
  });
});
