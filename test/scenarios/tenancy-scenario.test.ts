import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 14's scenario, driven only through the HTTP API as a script or Flagsmith's dashboard would: an owner
 * creates an organisation and two projects, invites a second person by link, puts them in a group that holds
 * VIEW_PROJECT on one project only, and that person then sees exactly that project and nothing else.
 */
describe('tenancy, end to end through the API', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const signUp = async (label: string) => {
    const response = await request(t.app)
      .post('/api/v1/auth/users/')
      .send({
        email: `${label}@scenario.example`,
        password: 'scenario pw 1',
        first_name: label,
        last_name: 'S',
      });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return { id: response.body.id as number, auth: { Authorization: `Token ${response.body.key}` } };
  };

  it('a person invited by link and granted VIEW_PROJECT through a group sees exactly that project', async () => {
    const owner = await signUp('owner');
    const organisation = await request(t.app)
      .post('/api/v1/organisations/')
      .set(owner.auth)
      .send({ name: 'Acme' });
    assert.equal(organisation.status, 201, JSON.stringify(organisation.body));
    const orgId = organisation.body.id as number;

    const project = async (name: string) => {
      const created = await request(t.app)
        .post('/api/v1/projects/')
        .set(owner.auth)
        .send({ name, organisation: orgId });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id as number;
    };
    const visible = await project('Storefront');
    const hidden = await project('Billing');

    const link = await request(t.app)
      .post(`/api/v1/organisations/${orgId}/invite-links/`)
      .set(owner.auth)
      .send({ role: 'USER' });
    assert.equal(link.status, 201, JSON.stringify(link.body));
    const guest = await signUp('guest');
    const before = await request(t.app).get('/api/v1/projects/').set(guest.auth);
    assert.deepEqual(before.body, [], 'before joining, nothing of the organisation shows');
    const joined = await request(t.app).post(`/api/v1/users/join/link/${link.body.hash}/`).set(guest.auth);
    assert.ok(joined.status < 300, JSON.stringify(joined.body));

    const group = await request(t.app)
      .post(`/api/v1/organisations/${orgId}/groups/`)
      .set(owner.auth)
      .send({ name: 'Storefront viewers' });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const added = await request(t.app)
      .post(`/api/v1/organisations/${orgId}/groups/${group.body.id}/add-users/`)
      .set(owner.auth)
      .send({ user_ids: [guest.id] });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const granted = await request(t.app)
      .post(`/api/v1/projects/${visible}/user-group-permissions/`)
      .set(owner.auth)
      .send({ group: group.body.id, permissions: ['VIEW_PROJECT'] });
    assert.equal(granted.status, 201, JSON.stringify(granted.body));

    const projects = await request(t.app).get('/api/v1/projects/').set(guest.auth);
    assert.equal(projects.status, 200);
    assert.deepEqual(
      projects.body.map((p: { id: number; name: string }) => [p.id, p.name]),
      [[visible, 'Storefront']],
    );
    assert.equal((await request(t.app).get(`/api/v1/projects/${visible}/`).set(guest.auth)).status, 200);
    const other = await request(t.app).get(`/api/v1/projects/${hidden}/`).set(guest.auth);
    assert.equal(other.status, 404, 'a project they may not view does not exist for them');
    assert.equal(JSON.stringify(projects.body).includes('Billing'), false);

    const organisations = await request(t.app).get('/api/v1/organisations/').set(guest.auth);
    assert.deepEqual(
      organisations.body.results.map((o: { id: number; role: string }) => [o.id, o.role]),
      [[orgId, 'USER']],
    );
    const stranger = await signUp('stranger');
    assert.deepEqual((await request(t.app).get('/api/v1/projects/').set(stranger.auth)).body, []);
    assert.equal((await request(t.app).get(`/api/v1/projects/${visible}/`).set(stranger.auth)).status, 404);
  });
});
