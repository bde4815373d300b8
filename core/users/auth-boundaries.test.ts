import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp, withTestApp } from '../../test/support/test-app.js';

// Exact boundaries of the sign-up and lockout rules, each checked from both sides through the API.

const password = 'correct horse 9';

function register(t: TestApp, email: string, body: Record<string, unknown> = {}, token?: string) {
  const call = request(t.app).post('/api/v1/auth/users/');
  if (token) call.set('Authorization', `Token ${token}`);
  return call.send({ email, password, first_name: 'A', last_name: 'B', ...body });
}

function login(t: TestApp, email: string, secret = password) {
  return request(t.app).post('/api/v1/auth/login/').send({ email, password: secret });
}

async function tokenFor(t: TestApp, email: string): Promise<string> {
  const response = await login(t, email);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.key;
}

/** The first superuser, made the way an operator makes it: through the first-run form. */
async function initialSuperuser(t: TestApp, email: string): Promise<string> {
  const created = await request(t.app)
    .post('/api/v1/users/config/init/')
    .set({ Host: 'vexil.test', Origin: 'http://vexil.test' })
    .send({ username: 'root', email, password, site_name: 'Vexil', site_domain: 'vexil.test' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return tokenFor(t, email);
}

async function failuresAgo(t: TestApp, username: string, count: number, minutes: number): Promise<void> {
  const failedAt = new Date(Date.now() - minutes * 60_000);
  const rows = Array.from({ length: count }, () => ({
    username,
    ip_address: '192.0.2.1',
    failed_at: failedAt,
  }));
  await t.ctx.database.knex('login_failures').insert(rows);
}

describe('password length boundary', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('refuses 7 characters and accepts 8, at sign-up and on a password change', async () => {
    const short = await register(t, 'short@example.com', { password: 'abcdefg' });
    assert.equal(short.status, 400);
    assert.deepEqual(short.body, {
      password: ['This password is too short. It must contain at least 8 characters.'],
    });
    const enough = await register(t, 'enough@example.com', { password: 'abcdefgh' });
    assert.equal(enough.status, 201);

    const change = (next: string) =>
      request(t.app)
        .post('/api/v1/auth/users/set_password/')
        .set('Authorization', `Token ${enough.body.key}`)
        .send({ current_password: 'abcdefgh', new_password: next, re_new_password: next });
    const tooShort = await change('hgfedcb');
    assert.equal(tooShort.status, 400);
    assert.deepEqual(Object.keys(tooShort.body), ['new_password']);
    assert.equal((await change('hgfedcba')).status, 204);
  });
});

describe('login lockout boundaries', () => {
  it('locks a user at exactly AXES_FAILURE_LIMIT failures, not one before', async () => {
    await withTestApp({ AXES_FAILURE_LIMIT: '3' }, async (t) => {
      await register(t, 'alice@example.com');
      for (let attempt = 0; attempt < 2; attempt++) await login(t, 'alice@example.com', 'wrong');
      assert.equal((await login(t, 'alice@example.com')).status, 200, 'two failures of three');
      for (let attempt = 0; attempt < 3; attempt++) await login(t, 'alice@example.com', 'wrong');
      assert.equal((await login(t, 'alice@example.com')).status, 403, 'three of three');
    });
  });

  it('with AXES_ONLY_USER_FAILURES=false locks an address at exactly the limit, across usernames', async () => {
    await withTestApp({ AXES_FAILURE_LIMIT: '3', AXES_ONLY_USER_FAILURES: 'false' }, async (t) => {
      await register(t, 'alice@example.com');
      await login(t, 'one@example.com', 'x');
      await login(t, 'two@example.com', 'x');
      assert.equal((await login(t, 'alice@example.com')).status, 200, 'two failures from this address');
      await login(t, 'three@example.com', 'x');
      const locked = await login(t, 'alice@example.com');
      assert.equal(locked.status, 403, 'three failures from this address');
      assert.match(locked.body.detail, /locked/i);
    });
  });

  it('counts only failures inside AXES_COOLOFF_TIME', async () => {
    await withTestApp({ AXES_FAILURE_LIMIT: '3', AXES_COOLOFF_TIME: '5' }, async (t) => {
      await register(t, 'old@example.com');
      await register(t, 'recent@example.com');
      // Six minutes ago is outside a five-minute window (and inside the default fifteen).
      await failuresAgo(t, 'old@example.com', 3, 6);
      await failuresAgo(t, 'recent@example.com', 3, 4);
      assert.equal((await login(t, 'old@example.com')).status, 200);
      assert.equal((await login(t, 'recent@example.com')).status, 403);
    });
  });

  it('uses a fifteen-minute window by default', async () => {
    await withTestApp({ AXES_FAILURE_LIMIT: '3' }, async (t) => {
      await register(t, 'old@example.com');
      await register(t, 'recent@example.com');
      await failuresAgo(t, 'old@example.com', 3, 16);
      await failuresAgo(t, 'recent@example.com', 3, 14);
      assert.equal((await login(t, 'old@example.com')).status, 200);
      assert.equal((await login(t, 'recent@example.com')).status, 403);
    });
  });
});

describe('USER_CREATE_PERMISSIONS, class by class', () => {
  it('IsAdminUser: admins create accounts (201), other signed-in users get 403, anonymous callers 401', async () => {
    await withTestApp({ USER_CREATE_PERMISSIONS: 'rest_framework.permissions.IsAdminUser' }, async (t) => {
      const admin = await initialSuperuser(t, 'root@example.com');
      const created = await register(t, 'bob@example.com', {}, admin);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const bob = await tokenFor(t, 'bob@example.com');
      const byBob = await register(t, 'carol@example.com', {}, bob);
      assert.equal(byBob.status, 403);
      assert.deepEqual(byBob.body, { detail: 'You do not have permission to perform this action.' });
      assert.equal((await register(t, 'dave@example.com')).status, 401);
      assert.equal((await login(t, 'carol@example.com')).status, 400, 'carol was not created');
    });
  });

  for (const permission of [
    'rest_framework.permissions.IsAuthenticated',
    'djoser.permissions.CurrentUserOrAdmin',
  ]) {
    it(`${permission.split('.').pop()}: any signed-in user creates accounts, anonymous callers get 401`, async () => {
      await withTestApp({ USER_CREATE_PERMISSIONS: permission }, async (t) => {
        const admin = await initialSuperuser(t, 'root@example.com');
        assert.equal((await register(t, 'bob@example.com', {}, admin)).status, 201);
        const bob = await tokenFor(t, 'bob@example.com');
        assert.equal(
          (await register(t, 'carol@example.com', {}, bob)).status,
          201,
          'not an admin, yet allowed',
        );
        assert.equal((await register(t, 'dave@example.com')).status, 401);
      });
    });
  }

  it('AllowAny (the default): anyone signs up', async () => {
    await withTestApp({}, async (t) => {
      assert.equal((await register(t, 'anyone@example.com')).status, 201);
    });
  });
});
