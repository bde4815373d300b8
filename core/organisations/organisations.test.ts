import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp, withTestApp } from '../../test/support/test-app.js';
import { GroupStore } from './group-store.js';
import { InviteStore } from './invite-store.js';
import { MasterApiKeyStore } from './master-api-key-store.js';
import { OrganisationStore } from './organisation-store.js';
import { as, createOrganisation, createTenancy, signUp, type Tenancy } from './tenancy-test-fixture.js';

describe('organisations, members, invites and master API keys', () => {
  let t: TestApp;
  let f: Tenancy;
  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
  });
  after(() => t.close());

  it('creates an organisation whose creator is its ADMIN, on the free plan, storing traits by default', async () => {
    const created = await request(t.app)
      .post('/api/v1/organisations/')
      .set(as(f.admin))
      .send({ name: 'Acme', persist_trait_data: false, webhook_notification_email: '' });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, 'Acme');
    assert.equal(created.body.role, 'ADMIN');
    assert.equal(created.body.num_seats, 1);
    assert.equal(created.body.persist_trait_data, true, 'read-only in Flagsmith: the setting decides');
    assert.equal(created.body.webhook_notification_email, null);
    assert.equal(created.body.subscription.plan, 'free');
    assert.equal(typeof created.body.subscription.max_seats, 'number');
    assert.match(created.body.uuid, /^[0-9a-f-]{36}$/);

    const listed = await request(t.app).get('/api/v1/organisations/').set(as(f.admin));
    assert.equal(listed.status, 200);
    assert.deepEqual(Object.keys(listed.body), ['count', 'next', 'previous', 'results']);
    const names = listed.body.results.map((o: { name: string }) => o.name);
    assert.deepEqual(names, [f.home.name, 'Acme']);
    assert.equal(listed.body.count, 2);
  });

  it('follows DEFAULT_ORG_STORE_TRAITS_VALUE', async () => {
    await withTestApp({ DEFAULT_ORG_STORE_TRAITS_VALUE: 'false' }, async (other) => {
      const owner = await signUp(other, 'owner');
      const created = await request(other.app)
        .post('/api/v1/organisations/')
        .set(as(owner))
        .send({ name: 'No traits' });
      assert.equal(created.body.persist_trait_data, false);
    });
  });

  it('pages the list as DRF does, and never 500s on odd page parameters', async () => {
    const owner = await signUp(t, 'pager');
    for (const name of ['p1', 'p2', 'p3']) await createOrganisation(t, owner, name);
    const first = await request(t.app).get('/api/v1/organisations/?page_size=2').set(as(owner));
    assert.equal(first.body.count, 3);
    assert.equal(first.body.results.length, 2);
    assert.equal(first.body.previous, null);
    assert.match(first.body.next, /\/api\/v1\/organisations\/\?page_size=2&page=2$/);
    const second = await request(t.app)
      .get(new URL(first.body.next).pathname + new URL(first.body.next).search)
      .set(as(owner));
    assert.deepEqual(
      second.body.results.map((o: { name: string }) => o.name),
      ['p3'],
    );
    assert.ok(second.body.previous);
    for (const query of ['page_size=99999999999', 'page_size=-1', 'page_size=abc']) {
      const response = await request(t.app).get(`/api/v1/organisations/?${query}`).set(as(owner));
      assert.equal(response.status, 200, query);
      assert.equal(response.body.results.length, 3, query);
    }
    for (const query of ['page=0', 'page=abc', 'page=9']) {
      const response = await request(t.app).get(`/api/v1/organisations/?${query}`).set(as(owner));
      assert.equal(response.status, 404, query);
      assert.deepEqual(response.body, { detail: 'Invalid page.' });
    }
  });

  it('validates organisation bodies field by field', async () => {
    const cases: [unknown, Record<string, string[]>][] = [
      [{}, { name: ['This field is required.'] }],
      [{ name: '' }, { name: ['This field may not be blank.'] }],
      [{ name: 7 }, { name: ['Not a valid string.'] }],
      [{ name: 'x'.repeat(2001) }, { name: ['Ensure this field has no more than 2000 characters.'] }],
      [
        { name: 'ok', webhook_notification_email: 'nope' },
        { webhook_notification_email: ['Enter a valid email address.'] },
      ],
      [{ name: 'ok', force_2fa: 'maybe' }, { force_2fa: ['Must be a valid boolean.'] }],
      [[1, 2], { non_field_errors: ['Invalid input: expected object, received array'] }],
    ];
    for (const [body, expected] of cases) {
      const response = await request(t.app)
        .post('/api/v1/organisations/')
        .set(as(f.admin))
        .send(body as object);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(Object.keys(response.body), Object.keys(expected), JSON.stringify(response.body));
    }
  });

  it('lists members as a plain array with their roles, changes a role and removes a member', async () => {
    const users = await request(t.app).get(`/api/v1/organisations/${f.home.id}/users/`).set(as(f.user));
    assert.equal(users.status, 200);
    assert.ok(Array.isArray(users.body));
    const byEmail = Object.fromEntries(
      users.body.map((u: { email: string; role: string }) => [u.email, u.role]),
    );
    assert.deepEqual(byEmail, { [f.admin.email]: 'ADMIN', [f.user.email]: 'USER' });

    const temp = await signUp(t, 'temp');
    const link = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/invite-links/`)
      .set(as(f.admin))
      .send({});
    await request(t.app).post(`/api/v1/users/join/link/${link.body.hash}/`).set(as(temp)).expect(200);
    const promoted = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/users/${temp.id}/update-role/`)
      .set(as(f.admin))
      .send({ role: 'ADMIN' });
    assert.equal(promoted.status, 200);
    assert.deepEqual(promoted.body, { role: 'ADMIN', organisation: { id: f.home.id, name: f.home.name } });
    const badRole = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/users/${temp.id}/update-role/`)
      .set(as(f.admin))
      .send({ role: 'OWNER' });
    assert.deepEqual(badRole.body, { role: ['"OWNER" is not a valid choice.'] });
    const foreignUser = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/users/${f.foreigner.id}/update-role/`)
      .set(as(f.admin))
      .send({ role: 'ADMIN' });
    assert.equal(foreignUser.status, 404, 'a user of another organisation is not found here');

    const removeForeign = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/remove-users/`)
      .set(as(f.admin))
      .send([{ id: f.foreigner.id }]);
    assert.equal(removeForeign.status, 400);
    const removed = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/remove-users/`)
      .set(as(f.admin))
      .send([{ id: temp.id }]);
    assert.equal(removed.status, 200);
    const gone = await request(t.app).get(`/api/v1/organisations/${f.home.id}/`).set(as(temp));
    assert.equal(gone.status, 404);
    for (const body of [{ id: 1 }, [{ id: 'x' }], [{}], 'text']) {
      const response = await request(t.app)
        .post(`/api/v1/organisations/${f.home.id}/remove-users/`)
        .set(as(f.admin))
        .send(body as object);
      assert.equal(response.status, 400, JSON.stringify(body));
    }
  });

  it('leaves the caller out of the members with ?exclude_current=true, and refuses a value that is no boolean', async () => {
    const path = `/api/v1/organisations/${f.home.id}/users/`;
    const all = await request(t.app).get(path).set(as(f.admin));
    assert.ok(all.body.some((member: { id: number }) => member.id === f.admin.id));
    const others = await request(t.app).get(`${path}?exclude_current=true`).set(as(f.admin));
    assert.equal(others.status, 200);
    assert.ok(!others.body.some((member: { id: number }) => member.id === f.admin.id));
    assert.equal(others.body.length, all.body.length - 1);
    const kept = await request(t.app).get(`${path}?exclude_current=False`).set(as(f.admin));
    assert.equal(kept.body.length, all.body.length);
    const odd = await request(t.app).get(`${path}?exclude_current=maybe`).set(as(f.admin));
    assert.equal(odd.status, 400);
    assert.deepEqual(odd.body, { exclude_current: ['Must be a valid boolean.'] });
  });

  it('stores email invites, emits organisation.inviteCreated after commit, and joins by the hash', async () => {
    const events: unknown[] = [];
    const stop = t.ctx.events.on('organisation.inviteCreated', (payload) => void events.push(payload));
    const invited = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/invite/`)
      .set(as(f.admin))
      .send({ invites: [{ email: 'Dora@Example.com', role: 'ADMIN' }], emails: ['eve@example.com'] });
    stop();
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    assert.deepEqual(
      invited.body.invites.map((i: { email: string; role: string }) => [i.email, i.role]),
      [
        ['dora@example.com', 'ADMIN'],
        ['eve@example.com', 'USER'],
      ],
    );
    assert.equal(invited.body.invites[0].invited_by.email, f.admin.email);
    assert.equal(events.length, 2);
    const [first] = events as { invitePath: string; organisationName: string; email: string }[];
    assert.equal(first?.organisationName, f.home.name);
    assert.match(first?.invitePath ?? '', /^\/invite\/[A-Za-z0-9]{22}$/);

    const duplicate = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/invite/`)
      .set(as(f.admin))
      .send({ emails: ['DORA@example.com'] });
    assert.equal(duplicate.status, 400);
    assert.deepEqual(duplicate.body, { emails: ['Invite for email dora@example.com already exists'] });

    const listed = await request(t.app).get(`/api/v1/organisations/${f.home.id}/invites/`).set(as(f.admin));
    assert.equal(listed.status, 200);
    assert.equal(listed.body.count, 2);
    assert.equal(listed.body.results[0].invited_by.email, f.admin.email);
    assert.equal(listed.body.results[0].hash, undefined, 'the hash is the secret the email carries');

    const hash = (first?.invitePath ?? '').split('/').pop();
    const stranger = await signUp(t, 'stranger');
    const wrongPerson = await request(t.app).post(`/api/v1/users/join/${hash}/`).set(as(stranger));
    assert.equal(wrongPerson.status, 400);
    assert.deepEqual(wrongPerson.body, { detail: 'Registration email does not match invite email' });

    const dora = await request(t.app)
      .post('/api/v1/auth/users/')
      .send({ email: 'dora@example.com', password: 'tenancy pw 1', first_name: 'Dora', last_name: 'D' });
    const joined = await request(t.app)
      .post(`/api/v1/users/join/${hash}/`)
      .set('Authorization', `Token ${dora.body.key}`);
    assert.equal(joined.status, 200);
    assert.equal(joined.body.id, f.home.id);
    assert.equal(joined.body.role, 'ADMIN');
    const again = await request(t.app)
      .post(`/api/v1/users/join/${hash}/`)
      .set('Authorization', `Token ${dora.body.key}`);
    assert.equal(again.status, 404, 'an invite is used once');

    const remaining = await request(t.app)
      .get(`/api/v1/organisations/${f.home.id}/invites/`)
      .set(as(f.admin));
    assert.equal(remaining.body.count, 1);
    const id = remaining.body.results[0].id;
    const resent: unknown[] = [];
    const stopResent = t.ctx.events.on('organisation.inviteCreated', (payload) => void resent.push(payload));
    const resend = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/invites/${id}/resend/`)
      .set(as(f.admin));
    stopResent();
    assert.equal(resend.status, 200);
    assert.equal((resent[0] as { email: string }).email, 'eve@example.com');
    assert.equal(
      (await request(t.app).delete(`/api/v1/organisations/${f.home.id}/invites/${id}/`).set(as(f.admin)))
        .status,
      204,
    );
    assert.equal(
      (await request(t.app).delete(`/api/v1/organisations/${f.home.id}/invites/${id}/`).set(as(f.admin)))
        .status,
      404,
    );
  });

  it('invite links carry a role and an expiry; an expired link is refused', async () => {
    const expired = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/invite-links/`)
      .set(as(f.admin))
      .send({ role: 'USER', expires_at: '2020-01-01T00:00:00Z' });
    assert.equal(expired.status, 201);
    assert.equal(expired.body.expires_at, '2020-01-01T00:00:00.000Z');
    assert.match(expired.body.hash, /^[A-Za-z0-9]{22}$/);
    const late = await signUp(t, 'late');
    const refused = await request(t.app).post(`/api/v1/users/join/link/${expired.body.hash}/`).set(as(late));
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body, { detail: 'Invite has expired' });
    const links = await request(t.app)
      .get(`/api/v1/organisations/${f.home.id}/invite-links/`)
      .set(as(f.admin));
    assert.ok(Array.isArray(links.body));
    assert.ok(links.body.some((l: { id: number }) => l.id === expired.body.id));
    for (const body of [
      { role: 'BOSS' },
      { expires_at: 'tomorrow' },
      { permission_groups: [999999] },
      { permission_groups: 'x' },
    ]) {
      const response = await request(t.app)
        .post(`/api/v1/organisations/${f.home.id}/invite-links/`)
        .set(as(f.admin))
        .send(body);
      assert.equal(response.status, 400, JSON.stringify(body));
    }
    const unknownLink = await request(t.app).post('/api/v1/users/join/link/nope/').set(as(late));
    assert.equal(unknownLink.status, 404);
  });

  it('shows a master API key once, stores only its hash, and refuses it once revoked or expired', async () => {
    const created = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/master-api-keys/`)
      .set(as(f.admin))
      .send({ name: 'ci' });
    assert.equal(created.status, 201);
    assert.equal(created.body.is_admin, true, 'is_admin defaults to true, as in Flagsmith');
    const { key, prefix } = created.body;
    assert.match(key, new RegExp(`^${prefix}\\.[A-Za-z0-9]{32}$`));
    const row = await t.ctx.database.knex('master_api_keys').where({ prefix }).first();
    assert.ok(!JSON.stringify(row).includes(key.split('.')[1]), 'the secret is not stored');

    const listed = await request(t.app)
      .get(`/api/v1/organisations/${f.home.id}/master-api-keys/`)
      .set(as(f.admin));
    const listedKey = listed.body.results.find((k: { prefix: string }) => k.prefix === prefix);
    assert.equal(listedKey.key, null, 'never shown again');

    const withKey = await request(t.app)
      .get(`/api/v1/organisations/${f.home.id}/`)
      .set('Authorization', `Api-Key ${key}`);
    assert.equal(withKey.status, 200);
    const wrongSecret = await request(t.app)
      .get(`/api/v1/organisations/${f.home.id}/`)
      .set('Authorization', `Api-Key ${prefix}.${'x'.repeat(32)}`);
    assert.equal(wrongSecret.status, 401);
    assert.deepEqual(wrongSecret.body, { detail: 'Valid Master API Key not found.' });

    const revoked = await request(t.app)
      .patch(`/api/v1/organisations/${f.home.id}/master-api-keys/${prefix}/`)
      .set(as(f.admin))
      .send({ revoked: true });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.revoked, true);
    assert.equal(
      (await request(t.app).get('/api/v1/organisations/').set('Authorization', `Api-Key ${key}`)).status,
      401,
    );
    assert.equal(
      (
        await request(t.app)
          .get(`/api/v1/organisations/${f.home.id}/master-api-keys/${prefix}/`)
          .set(as(f.admin))
      ).status,
      404,
      'a revoked key is gone from the API, as in Flagsmith',
    );

    const expiring = await request(t.app)
      .post(`/api/v1/organisations/${f.home.id}/master-api-keys/`)
      .set(as(f.admin))
      .send({ name: 'old', expiry_date: '2021-06-01T00:00:00Z' });
    assert.equal(expiring.body.has_expired, true);
    assert.equal(
      (
        await request(t.app)
          .get('/api/v1/organisations/')
          .set('Authorization', `Api-Key ${expiring.body.key}`)
      ).status,
      401,
    );
    for (const body of [
      {},
      { name: 'x'.repeat(51) },
      { name: 'ok', is_admin: 'yes' },
      { name: 'ok', expiry_date: 12 },
    ]) {
      const response = await request(t.app)
        .post(`/api/v1/organisations/${f.home.id}/master-api-keys/`)
        .set(as(f.admin))
        .send(body);
      assert.equal(response.status, 400, JSON.stringify(body));
    }
  });

  it('lists only the key’s own organisation for a master API key, without a role', async () => {
    const listed = await request(t.app)
      .get('/api/v1/organisations/')
      .set('Authorization', `Api-Key ${f.keys.user}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.results.map((o: { id: number; role: unknown }) => [o.id, o.role]),
      [[f.home.id, null]],
    );
  });
});

describe('stores scoped to the tenant', () => {
  it("find nothing of another tenant's even when called without any permission check", async () => {
    await withTestApp({}, async (t) => {
      const f = await createTenancy(t);
      const reads = t.ctx.transactor.reads;
      const home = { kind: 'user', userId: f.admin.id } as const;
      const homeKey = { kind: 'masterApiKey', organisationId: f.home.id, keyId: 1, isAdmin: true } as const;
      const page = { page: 1, pageSize: 10, offset: 0 };
      const organisations = new OrganisationStore();
      for (const tenant of [home, homeKey]) {
        assert.equal(await organisations.find(reads, tenant, f.away.id), undefined);
        assert.deepEqual(await organisations.members(reads, tenant, f.away.id), []);
        assert.deepEqual((await new GroupStore().list(reads, tenant, f.away.id, page)).rows, []);
        assert.deepEqual((await new InviteStore().listInvites(reads, tenant, f.away.id, page)).rows, []);
        assert.deepEqual(await new InviteStore().listLinks(reads, tenant, f.away.id), []);
        assert.deepEqual((await new MasterApiKeyStore().list(reads, tenant, f.away.id, page)).rows, []);
        const { rows } = await organisations.list(reads, tenant, page);
        assert.deepEqual(
          rows.map((row) => row.id),
          [f.home.id],
        );
      }
      await t.ctx.transactor.run(async (uow) => {
        assert.equal(await organisations.update(uow, home, f.away.id, { name: 'hijacked' }), undefined);
        assert.equal(await organisations.delete(uow, home, f.away.id), false);
      });
      const away = await t.ctx.database.knex('organisations').where('id', f.away.id).first();
      assert.equal(away.name, f.away.name);
    });
  });
});

describe('sign-up with ALLOW_REGISTRATION_WITHOUT_INVITE=false', () => {
  it('succeeds only with a valid email invite or a live invite link', async () => {
    await withTestApp({ ALLOW_REGISTRATION_WITHOUT_INVITE: 'false' }, async (t) => {
      // The first person is made by the operator (createsuperuser), as closed installs do.
      const owner = await t.ctx.users.createSuperuser({
        email: 'owner@example.com',
        password: 'tenancy pw 1',
      });
      const token = await t.ctx.users.issueToken(owner);
      const admin = { id: owner.id, email: owner.email, token };
      const organisation = await createOrganisation(t, admin, 'Closed');
      const signUpBody = (email: string, extra: Record<string, unknown> = {}) => ({
        email,
        password: 'tenancy pw 1',
        first_name: 'N',
        last_name: 'M',
        ...extra,
      });

      const uninvited = await request(t.app)
        .post('/api/v1/auth/users/')
        .send(signUpBody('nobody@example.com'));
      assert.equal(uninvited.status, 403);
      const fakeLink = await request(t.app)
        .post('/api/v1/auth/users/')
        .send(signUpBody('linky@example.com', { sign_up_type: 'INVITE_LINK', invite_hash: 'made-up' }));
      assert.equal(fakeLink.status, 403, 'unlike Flagsmith, INVITE_LINK alone does not open sign-up');
      const noHash = await request(t.app)
        .post('/api/v1/auth/users/')
        .send(signUpBody('linky@example.com', { sign_up_type: 'INVITE_LINK' }));
      assert.equal(noHash.status, 403);

      await request(t.app)
        .post(`/api/v1/organisations/${organisation.id}/invite/`)
        .set(as(admin))
        .send({ emails: ['invited@example.com'] })
        .expect(201);
      const invited = await request(t.app)
        .post('/api/v1/auth/users/')
        .send(signUpBody('Invited@Example.com', { sign_up_type: 'INVITE_EMAIL' }));
      assert.equal(invited.status, 201, JSON.stringify(invited.body));

      const link = await request(t.app)
        .post(`/api/v1/organisations/${organisation.id}/invite-links/`)
        .set(as(admin))
        .send({ role: 'USER' });
      const linked = await request(t.app)
        .post('/api/v1/auth/users/')
        .send(signUpBody('linky@example.com', { sign_up_type: 'INVITE_LINK', invite_hash: link.body.hash }));
      assert.equal(linked.status, 201);
      const joined = await request(t.app)
        .post(`/api/v1/users/join/link/${link.body.hash}/`)
        .set('Authorization', `Token ${linked.body.key}`);
      assert.equal(joined.status, 200);
      assert.equal(joined.body.role, 'USER');
    });
  });
});
