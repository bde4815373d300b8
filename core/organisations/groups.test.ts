import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, joinAs, signUp, type Tenancy } from './tenancy-test-fixture.js';

describe('user groups', () => {
  let t: TestApp;
  let f: Tenancy;
  const groups = () => `/api/v1/organisations/${f.home.id}/groups/`;
  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
  });
  after(() => t.close());

  it('creates, lists with members, updates and deletes groups', async () => {
    const created = await request(t.app)
      .post(groups())
      .set(as(f.admin))
      .send({ name: 'Ops', external_id: 'ext-1' });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, {
      id: created.body.id,
      name: 'Ops',
      users: [],
      is_default: false,
      external_id: 'ext-1',
    });
    const added = await request(t.app)
      .post(`${groups()}${created.body.id}/add-users/`)
      .set(as(f.admin))
      .send({ user_ids: [f.user.id] });
    assert.equal(added.status, 200);
    assert.deepEqual(
      added.body.users.map((u: { email: string; group_admin: boolean }) => [u.email, u.group_admin]),
      [[f.user.email, false]],
    );
    const listed = await request(t.app).get(groups()).set(as(f.admin));
    assert.deepEqual(Object.keys(listed.body), ['count', 'next', 'previous', 'results']);
    assert.ok(listed.body.results.some((g: { name: string }) => g.name === 'Ops'));
    const summaries = await request(t.app).get(`${groups()}summaries/`).set(as(f.user));
    assert.ok(
      summaries.body.some((g: { id: number; name: string }) => g.id === created.body.id && g.name === 'Ops'),
    );
    assert.deepEqual(Object.keys(summaries.body[0]).sort(), ['id', 'name']);
    const mine = await request(t.app).get(`${groups()}my-groups/`).set(as(f.user));
    assert.ok(mine.body.some((g: { id: number }) => g.id === created.body.id));

    const renamed = await request(t.app)
      .put(`${groups()}${created.body.id}/`)
      .set(as(f.admin))
      .send({ name: 'Ops 2' });
    assert.equal(renamed.body.name, 'Ops 2');
    assert.equal(
      renamed.body.external_id,
      'ext-1',
      'PUT without external_id keeps it, as DRF keeps unset fields',
    );
    assert.equal(
      (await request(t.app).delete(`${groups()}${created.body.id}/`).set(as(f.admin))).status,
      204,
    );
    assert.equal((await request(t.app).get(`${groups()}${created.body.id}/`).set(as(f.admin))).status, 404);
  });

  it('lets a group admin manage their group, and shows other members only the groups they administer', async () => {
    const created = await request(t.app).post(groups()).set(as(f.admin)).send({ name: 'Led by user' });
    const id = created.body.id;
    await request(t.app)
      .post(`${groups()}${id}/add-users/`)
      .set(as(f.admin))
      .send({ user_ids: [f.user.id] })
      .expect(200);
    assert.equal((await request(t.app).get(`${groups()}${id}/`).set(as(f.user))).status, 403);
    const before = await request(t.app).get(groups()).set(as(f.user));
    assert.equal(before.body.count, 0);

    await request(t.app).post(`${groups()}${id}/users/${f.user.id}/make-admin/`).set(as(f.admin)).expect(200);
    const detail = await request(t.app).get(`${groups()}${id}/`).set(as(f.user));
    assert.equal(detail.status, 200);
    assert.equal(detail.body.users[0].group_admin, true);
    const renamed = await request(t.app)
      .patch(`${groups()}${id}/`)
      .set(as(f.user))
      .send({ name: 'Renamed by user' });
    assert.equal(renamed.status, 200);
    const listed = await request(t.app).get(groups()).set(as(f.user));
    assert.deepEqual(
      listed.body.results.map((g: { id: number }) => g.id),
      [id],
    );
    assert.equal(
      (await request(t.app).delete(`${groups()}${id}/`).set(as(f.user))).status,
      403,
      'only organisation admins delete',
    );
    await request(t.app)
      .post(`${groups()}${id}/users/${f.user.id}/remove-admin/`)
      .set(as(f.admin))
      .expect(200);
    assert.equal((await request(t.app).get(`${groups()}${id}/`).set(as(f.user))).status, 403);
    const notMember = await request(t.app)
      .post(`${groups()}${id}/users/${f.foreigner.id}/make-admin/`)
      .set(as(f.admin));
    assert.equal(notMember.status, 404);
  });

  it('adds only members of the organisation, and never 500s on bad input', async () => {
    const foreign = await request(t.app)
      .post(`${groups()}${f.group.id}/add-users/`)
      .set(as(f.admin))
      .send({ user_ids: [f.foreigner.id] });
    assert.equal(foreign.status, 400);
    assert.deepEqual(foreign.body, {
      user_ids: [`Users ${f.foreigner.id} do not exist in this organisation`],
    });
    const bad: unknown[] = [
      {},
      { user_ids: 'x' },
      { user_ids: ['a'] },
      { user_ids: [1.5] },
      { user_ids: [99999999999] },
      { user_ids: Array.from({ length: 1001 }, (_, i) => i + 1) },
    ];
    for (const body of bad) {
      const response = await request(t.app)
        .post(`${groups()}${f.group.id}/add-users/`)
        .set(as(f.admin))
        .send(body as object);
      assert.equal(response.status, 400, JSON.stringify(body).slice(0, 80));
      assert.ok(
        Object.keys(response.body).every((key) => key.startsWith('user_ids')),
        JSON.stringify(response.body),
      );
    }
    for (const body of [
      {},
      { name: '' },
      { name: 'x'.repeat(201) },
      { name: 'ok', is_default: 'x' },
      { name: 'ok', external_id: 3 },
    ]) {
      const response = await request(t.app).post(groups()).set(as(f.admin)).send(body);
      assert.equal(response.status, 400, JSON.stringify(body));
    }
    await request(t.app).post(groups()).set(as(f.admin)).send({ name: 'A', external_id: 'same' }).expect(201);
    const duplicate = await request(t.app)
      .post(groups())
      .set(as(f.admin))
      .send({ name: 'B', external_id: 'same' });
    assert.equal(duplicate.status, 400);
    assert.ok(duplicate.body.external_id);
    const sameName = await request(t.app).post(groups()).set(as(f.admin)).send({ name: 'A' });
    assert.equal(sameName.status, 201, 'group names need not be unique in Flagsmith');
  });

  it("does not reach another organisation's group through one's own organisation", async () => {
    const away = await request(t.app)
      .post(`/api/v1/organisations/${f.away.id}/groups/`)
      .set(as(f.foreigner))
      .send({ name: 'away group' });
    for (const [method, path] of [
      ['get', `${groups()}${away.body.id}/`],
      ['patch', `${groups()}${away.body.id}/`],
      ['delete', `${groups()}${away.body.id}/`],
      ['post', `${groups()}${away.body.id}/add-users/`],
    ] as const) {
      const response = await request(t.app)
        [method](path)
        .set(as(f.admin))
        .send({ user_ids: [f.user.id], name: 'x' });
      assert.equal(response.status, 404, `${method} ${path}`);
    }
    const still = await request(t.app)
      .get(`/api/v1/organisations/${f.away.id}/groups/${away.body.id}/`)
      .set(as(f.foreigner));
    assert.equal(still.body.name, 'away group');
    assert.deepEqual(still.body.users, []);
  });

  it('puts new members into default groups and invitees into their invite’s groups; removal leaves every group', async () => {
    const defaultGroup = await request(t.app)
      .post(groups())
      .set(as(f.admin))
      .send({ name: 'Everyone', is_default: true });
    const chosen = await request(t.app).post(groups()).set(as(f.admin)).send({ name: 'Chosen' });
    const link = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/invite-links/`)
      .set(as(f.admin))
      .send({ permission_groups: [chosen.body.id] });
    assert.deepEqual(link.body.permission_groups, [chosen.body.id]);
    const newcomer = await signUp(t, 'newcomer');
    await request(t.app).post(`/api/v1/users/join/link/${link.body.hash}/`).set(as(newcomer)).expect(200);
    const mine = await request(t.app).get(`${groups()}my-groups/`).set(as(newcomer));
    assert.deepEqual(
      mine.body.map((g: { id: number }) => g.id).sort((a: number, b: number) => a - b),
      [defaultGroup.body.id, chosen.body.id].sort((a, b) => a - b),
    );

    await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/remove-users/`)
      .set(as(f.admin))
      .send([{ id: newcomer.id }])
      .expect(200);
    const memberships = await t.ctx.database
      .knex('user_permission_group_memberships')
      .where('user_id', newcomer.id);
    assert.equal(memberships.length, 0);
    await joinAs(t, f.admin, f.home.id, newcomer, 'USER');
    const back = await request(t.app).get(`${groups()}my-groups/`).set(as(newcomer));
    assert.deepEqual(
      back.body.map((g: { id: number }) => g.id),
      [defaultGroup.body.id],
    );
  });
});
