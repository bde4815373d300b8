import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, joinAs, type Person, signUp, type Tenancy } from './tenancy-test-fixture.js';

describe('organisation permissions, granted directly and through groups', () => {
  let t: TestApp;
  let f: Tenancy;
  const base = () => `/api/v1/organisations/${f.home.id}`;
  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
  });
  after(() => t.close());

  async function member(label: string): Promise<Person> {
    const person = await signUp(t, label);
    await joinAs(t, f.admin, f.home.id, person, 'USER');
    return person;
  }

  it('lists the keys with Flagsmith’s descriptions', async () => {
    const keys = await request(t.app).get('/api/v1/organisations/permissions/').set(as(f.user));
    assert.deepEqual(
      keys.body.map((k: { key: string }) => k.key),
      ['CREATE_PROJECT', 'MANAGE_USERS', 'MANAGE_USER_GROUPS'],
    );
    assert.equal(typeof keys.body[0].description, 'string');
  });

  it('answers my-permissions: every key for admins, the granted ones for others', async () => {
    const admin = await request(t.app).get(`${base()}/my-permissions/`).set(as(f.admin));
    assert.deepEqual(admin.body, {
      permissions: ['CREATE_PROJECT', 'MANAGE_USERS', 'MANAGE_USER_GROUPS'],
      admin: true,
      tag_based_permissions: [],
    });
    const user = await request(t.app).get(`${base()}/my-permissions/`).set(as(f.user));
    assert.deepEqual(user.body, { permissions: [], admin: false, tag_based_permissions: [] });
  });

  it('a direct MANAGE_USERS grant lets a member invite; revoking it takes that away', async () => {
    const inviter = await member('inviter');
    const invite = () =>
      request(t.app)
        .post(`${base()}/invite/`)
        .set(as(inviter))
        .send({ emails: [`${Math.random().toString(36).slice(2)}@example.com`] });
    assert.equal((await invite()).status, 403);
    const grant = await request(t.app)
      .post(`${base()}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: inviter.id, permissions: ['MANAGE_USERS'] });
    assert.equal(grant.status, 201);
    assert.deepEqual(grant.body, { id: grant.body.id, user: inviter.id, permissions: ['MANAGE_USERS'] });
    assert.equal((await invite()).status, 201);
    const mine = await request(t.app).get(`${base()}/my-permissions/`).set(as(inviter));
    assert.deepEqual(mine.body.permissions, ['MANAGE_USERS']);

    const listed = await request(t.app)
      .get(`${base()}/user-permissions/?user=${inviter.id}`)
      .set(as(f.admin));
    assert.equal(listed.body.length, 1);
    assert.equal(listed.body[0].user.email, inviter.email);
    const changed = await request(t.app)
      .put(`${base()}/user-permissions/${grant.body.id}/`)
      .set(as(f.admin))
      .send({ permissions: ['CREATE_PROJECT'] });
    assert.deepEqual(changed.body.permissions, ['CREATE_PROJECT']);
    assert.equal((await invite()).status, 403);
    assert.equal(
      (await request(t.app).delete(`${base()}/user-permissions/${grant.body.id}/`).set(as(f.admin))).status,
      204,
    );
    assert.equal(
      (await request(t.app).delete(`${base()}/user-permissions/${grant.body.id}/`).set(as(f.admin))).status,
      404,
    );
  });

  it('MANAGE_USER_GROUPS through a group shows every group and lets the member create and delete groups', async () => {
    const manager = await member('manager');
    const managers = await request(t.app)
      .post(`${base()}/groups/`)
      .set(as(f.admin))
      .send({ name: 'Group managers' });
    await request(t.app)
      .post(`${base()}/groups/${managers.body.id}/add-users/`)
      .set(as(f.admin))
      .send({ user_ids: [manager.id] })
      .expect(200);
    assert.equal(
      (await request(t.app).post(`${base()}/groups/`).set(as(manager)).send({ name: 'nope' })).status,
      403,
    );
    assert.equal((await request(t.app).get(`${base()}/groups/`).set(as(manager))).body.count, 0);

    const grant = await request(t.app)
      .post(`${base()}/user-group-permissions/`)
      .set(as(f.admin))
      .send({ group: managers.body.id, permissions: ['MANAGE_USER_GROUPS'] });
    assert.equal(grant.status, 201);
    const listed = await request(t.app).get(`${base()}/user-group-permissions/`).set(as(f.admin));
    const row = listed.body.find((r: { id: number }) => r.id === grant.body.id);
    assert.equal(row.group.name, 'Group managers');
    assert.deepEqual(row.group.users, [manager.id]);

    const all = await request(t.app).get(`${base()}/groups/`).set(as(manager));
    assert.ok(all.body.count >= 2, 'sees every group of the organisation');
    const created = await request(t.app)
      .post(`${base()}/groups/`)
      .set(as(manager))
      .send({ name: 'made by a manager' });
    assert.equal(created.status, 201);
    assert.equal(
      (await request(t.app).delete(`${base()}/groups/${created.body.id}/`).set(as(manager))).status,
      204,
    );

    // Leaving the group takes the permission with it.
    await request(t.app)
      .post(`${base()}/groups/${managers.body.id}/remove-users/`)
      .set(as(f.admin))
      .send({ user_ids: [manager.id] })
      .expect(200);
    assert.equal(
      (await request(t.app).post(`${base()}/groups/`).set(as(manager)).send({ name: 'again' })).status,
      403,
    );
  });

  it('never grants to someone or some group outside the organisation, nor unknown keys, nor twice', async () => {
    const cases: [string, unknown, string][] = [
      ['user-permissions', { user: f.foreigner.id, permissions: [] }, 'user'],
      ['user-permissions', { user: f.user.id, permissions: ['FLY'] }, 'permissions'],
      ['user-permissions', { user: 'me', permissions: [] }, 'user'],
      ['user-permissions', { permissions: [] }, 'user'],
      ['user-permissions', { user: f.user.id, permissions: 'MANAGE_USERS' }, 'permissions'],
      ['user-group-permissions', { group: 2_000_000_000, permissions: [] }, 'group'],
    ];
    for (const [path, body, field] of cases) {
      const response = await request(t.app)
        .post(`${base()}/${path}/`)
        .set(as(f.admin))
        .send(body as object);
      assert.equal(response.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.ok(response.body[field], JSON.stringify(response.body));
    }
    await request(t.app)
      .post(`${base()}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: f.user.id })
      .expect(201);
    const twice = await request(t.app)
      .post(`${base()}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: f.user.id });
    assert.equal(twice.status, 400);
    assert.ok(twice.body.non_field_errors);
    const odd = await request(t.app).get(`${base()}/user-permissions/?user=abc`).set(as(f.admin));
    assert.deepEqual(odd.body, []);

    const away = await request(t.app)
      .post(`/api/v1/organisations/${f.away.id}/user-permissions/`)
      .set(as(f.foreigner))
      .send({ user: f.foreigner.id, permissions: ['CREATE_PROJECT'] });
    assert.equal(away.status, 201);
    for (const method of ['get', 'put', 'delete'] as const) {
      const reached = await request(t.app)
        [method](`${base()}/user-permissions/${away.body.id}/`)
        .set(as(f.admin))
        .send({ permissions: [] });
      assert.equal(
        reached.status,
        404,
        `${method}: another organisation's grant is not reachable through one's own`,
      );
    }
  });

  it('settles concurrent duplicates with one success and 400s, never a 500', async () => {
    const racer = await member('racer');
    const grants = await Promise.all(
      Array.from({ length: 5 }, () =>
        request(t.app).post(`${base()}/user-permissions/`).set(as(f.admin)).send({ user: racer.id }),
      ),
    );
    assert.deepEqual(grants.map((r) => r.status).sort(), [201, 400, 400, 400, 400]);
    const invites = await Promise.all(
      Array.from({ length: 5 }, () =>
        request(t.app).post(`${base()}/invites/`).set(as(f.admin)).send({ email: 'race@example.com' }),
      ),
    );
    assert.deepEqual(invites.map((r) => r.status).sort(), [201, 400, 400, 400, 400]);
  });
});
