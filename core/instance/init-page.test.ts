import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp, withTestApp } from '../../test/support/test-app.js';

const form = {
  username: 'admin',
  email: 'Admin@Example.com',
  password: 'a long password',
  site_name: 'Acme Flags',
  site_domain: 'flags.acme.test',
};

// The form refuses posts that do not prove they come from this server's own page (see init-origin.test.ts).
const host = 'flags.acme.test:8000';
const sameOrigin = 'http://flags.acme.test:8000';

describe('first-run page /api/v1/users/config/init/', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('serves the form with the five fields while no superuser exists', async () => {
    const response = await request(t.app).get('/api/v1/users/config/init/');
    assert.equal(response.status, 200);
    assert.match(response.headers['content-type'] ?? '', /text\/html/);
    for (const field of ['username', 'email', 'password', 'site_name', 'site_domain']) {
      assert.match(response.text, new RegExp(`name="${field}"`));
    }
  });

  it('re-renders the form with errors, keeping what was typed (and escaping it)', async () => {
    const response = await request(t.app)
      .post('/api/v1/users/config/init/')
      .set({ Host: host, Origin: sameOrigin })
      .type('form')
      .send({ ...form, email: '<b>not-an-email', password: '123' });
    assert.equal(response.status, 400);
    assert.match(response.text, /Enter a valid email address/);
    assert.match(response.text, /value="&lt;b&gt;not-an-email"/);
    assert.doesNotMatch(response.text, /<b>not-an-email/);
    assert.equal(await t.ctx.users.userForToken('x'), undefined);
  });

  it('rejects a cross-site form post', async () => {
    const response = await request(t.app)
      .post('/api/v1/users/config/init/')
      .set('Origin', 'https://evil.test')
      .set('Accept', 'application/json')
      .send(form);
    assert.equal(response.status, 403);
    assert.match(response.body.detail, /CSRF Failed/);
  });

  it('creates the superuser and site from a form post; the superuser can log in', async () => {
    const response = await request(t.app)
      .post('/api/v1/users/config/init/')
      .set({ Host: host, Origin: sameOrigin })
      .type('form')
      .send(form);
    assert.equal(response.status, 201);
    assert.match(response.text, /Superuser admin@example.com created/);

    assert.deepEqual(await t.ctx.instance.site(t.ctx.transactor.reads), {
      name: 'Acme Flags',
      domain: 'flags.acme.test',
    });
    const login = await request(t.app)
      .post('/api/v1/auth/login/')
      .send({ email: form.email, password: form.password });
    assert.equal(login.status, 200);
    const me = await request(t.app)
      .get('/api/v1/auth/users/me/')
      .set('Authorization', `Token ${login.body.key}`);
    assert.equal(me.body.is_superuser, true);
    assert.equal(me.body.email, 'admin@example.com');
  });

  it('once initialised, says so and creates nothing', async () => {
    const page = await request(t.app).get('/api/v1/users/config/init/');
    assert.equal(page.status, 200);
    assert.match(page.text, /already initialised/);
    assert.doesNotMatch(page.text, /<form/);

    const again = await request(t.app)
      .post('/api/v1/users/config/init/')
      .set({ Host: host, Origin: sameOrigin })
      .send({ ...form, username: 'second', email: 'second@example.com' });
    assert.equal(again.status, 403);
    assert.match(again.body.detail, /already initialised/);
    const users = await t.ctx.database.knex('users').select('email');
    assert.deepEqual(
      users.map((u) => u.email),
      ['admin@example.com'],
    );
  });
});

describe('first-run page with JSON and concurrent posts', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('accepts JSON, answers JSON, and lets only one of several simultaneous posts win', async () => {
    const responses = await Promise.all(
      [1, 2, 3].map((n) =>
        request(t.app)
          .post('/api/v1/users/config/init/')
          .set({ Host: host, Origin: sameOrigin })
          .send({ ...form, username: `admin${n}`, email: `admin${n}@example.com` }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 403, 403]);
    const winner = responses.find((r) => r.status === 201);
    assert.match(winner?.body.message, /created/);
    const [row] = await t.ctx.database.knex('users').count('id as count');
    assert.equal(Number(row?.count), 1);
  });

  it('names the missing fields in a JSON 400', async () => {
    await withTestApp({}, async (fresh) => {
      const response = await request(fresh.app)
        .post('/api/v1/users/config/init/')
        .set({ Host: host, Origin: sameOrigin })
        .send({ email: 'x@example.com' });
      assert.equal(response.status, 400);
      for (const field of ['username', 'password', 'site_name', 'site_domain']) {
        assert.deepEqual(response.body[field], ['This field is required.'], field);
      }
    });
  });
});

describe("what Flagsmith's dashboard reads on load", () => {
  it('GET /version/ says self-hosted, and whether anyone has signed up and signed in', async () => {
    await withTestApp({}, async (t) => {
      const fresh = await request(t.app).get('/version/');
      assert.equal(fresh.status, 200);
      assert.equal(fresh.body.is_saas, false);
      assert.equal(fresh.body.is_enterprise, false);
      assert.equal(fresh.body.has_email_provider, false);
      assert.match(fresh.body.image_tag, /^\d+\.\d+\.\d+/);
      assert.deepEqual(fresh.body.self_hosted_data, { has_users: false, has_logins: false });

      const user = { email: 'v@example.com', password: 'version pw 1', first_name: 'V', last_name: 'W' };
      await request(t.app).post('/api/v1/auth/users/').send(user);
      assert.deepEqual((await request(t.app).get('/version/')).body.self_hosted_data, {
        has_users: true,
        has_logins: false,
      });
      const login = await request(t.app).post('/api/v1/auth/login/').send(user);
      assert.deepEqual((await request(t.app).get('/version/')).body.self_hosted_data, {
        has_users: true,
        has_logins: true,
      });
      const methods = await request(t.app)
        .get('/api/v1/auth/mfa/user-active-methods/')
        .set('Authorization', `Token ${login.body.key}`);
      assert.equal(methods.status, 200);
      assert.deepEqual(methods.body, []);
      assert.equal((await request(t.app).get('/api/v1/auth/mfa/user-active-methods/')).status, 401);
    });
  });
});
