import { strict as assert } from 'node:assert';
import request from 'supertest';
import { withTestApp } from '../../test/support/test-app.js';
import { as, createOrganisation, joinAs, signUp } from './tenancy-test-fixture.js';

/** RESTRICT_ORG_CREATE_TO_SUPERUSERS and DISABLE_INVITE_LINKS, answered as Flagsmith answers them. */
describe('operator switches for tenancy', () => {
  it('RESTRICT_ORG_CREATE_TO_SUPERUSERS lets only superusers create organisations', async () => {
    await withTestApp({ RESTRICT_ORG_CREATE_TO_SUPERUSERS: 'true' }, async (t) => {
      const root = await signUp(t, 'root', { superuser: true });
      const person = await signUp(t, 'person');
      const refused = await request(t.app)
        .post('/api/v1/organisations/')
        .set(as(person))
        .send({ name: 'Not allowed' });
      assert.equal(refused.status, 403);
      assert.deepEqual(refused.body, { detail: 'You do not have permission to perform this action.' });
      const anonymous = await request(t.app).post('/api/v1/organisations/').send({ name: 'Nobody' });
      assert.equal(anonymous.status, 401);

      const created = await createOrganisation(t, root, 'Superuser org');
      // Joining, listing and everything else stay open to ordinary members.
      await joinAs(t, root, created.id, person, 'USER');
      const listed = await request(t.app).get('/api/v1/organisations/').set(as(person));
      assert.deepEqual(
        listed.body.results.map((o: { name: string }) => o.name),
        ['Superuser org'],
      );
    });
  });

  it('without RESTRICT_ORG_CREATE_TO_SUPERUSERS any signed-in person creates organisations', async () => {
    await withTestApp({}, async (t) => {
      await signUp(t, 'root', { superuser: true });
      const person = await signUp(t, 'person');
      const created = await request(t.app)
        .post('/api/v1/organisations/')
        .set(as(person))
        .send({ name: 'Mine' });
      assert.equal(created.status, 201);
    });
  });

  it('DISABLE_INVITE_LINKS refuses creating (400) and using (403) invite links, as Flagsmith', async () => {
    await withTestApp({ DISABLE_INVITE_LINKS: 'true' }, async (t) => {
      const owner = await signUp(t, 'owner');
      const joiner = await signUp(t, 'joiner');
      const organisation = await createOrganisation(t, owner, 'No links');

      const created = await request(t.app)
        .post(`/api/v1/organisations/${organisation.id}/invite-links/`)
        .set(as(owner))
        .send({ role: 'USER' });
      assert.equal(created.status, 400);
      assert.deepEqual(created.body, { detail: 'Invite links are disabled.' });

      const listed = await request(t.app)
        .get(`/api/v1/organisations/${organisation.id}/invite-links/`)
        .set(as(owner));
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body, []);

      const joined = await request(t.app).post('/api/v1/users/join/link/any-hash/').set(as(joiner));
      assert.equal(joined.status, 403);
      assert.deepEqual(joined.body, { detail: 'Invite links are disabled.' });

      // Email invites are not links: they still work.
      const invite = await request(t.app)
        .post(`/api/v1/organisations/${organisation.id}/invites/`)
        .set(as(owner))
        .send({ email: joiner.email });
      assert.equal(invite.status, 201, JSON.stringify(invite.body));
    });
  });

  it('DISABLE_INVITE_LINKS also closes link sign-up when registration needs an invite', async () => {
    await withTestApp(
      { DISABLE_INVITE_LINKS: 'true', ALLOW_REGISTRATION_WITHOUT_INVITE: 'false' },
      async (t) => {
        const response = await request(t.app).post('/api/v1/auth/users/').send({
          email: 'linked@example.com',
          password: 'tenancy pw 1',
          first_name: 'L',
          last_name: 'Inked',
          sign_up_type: 'INVITE_LINK',
          invite_hash: 'whatever',
        });
        assert.equal(response.status, 403);
      },
    );
  });

  it('links keep working when DISABLE_INVITE_LINKS is off', async () => {
    await withTestApp({}, async (t) => {
      const owner = await signUp(t, 'owner');
      const joiner = await signUp(t, 'joiner');
      const organisation = await createOrganisation(t, owner, 'Links');
      await joinAs(t, owner, organisation.id, joiner, 'USER');
    });
  });
});
