import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp, withTestApp } from '../../test/support/test-app.js';

const alice = {
  email: 'Alice@Example.com',
  password: 'correct horse 9',
  first_name: 'Alice',
  last_name: 'Liddell',
};

async function register(t: TestApp, body: Record<string, unknown> = alice) {
  return request(t.app).post('/api/v1/auth/users/').send(body);
}

async function login(t: TestApp, email: string, password: string) {
  return request(t.app).post('/api/v1/auth/login/').send({ email, password });
}

describe('users and token authentication', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('registers, logs in and reads /users/me/ with the token', async () => {
    const created = await register(t);
    assert.equal(created.status, 201);
    assert.equal(created.body.email, 'alice@example.com', 'emails are stored lower-case, as Flagsmith does');
    assert.equal(created.body.is_active, true);
    assert.match(created.body.key, /^[0-9a-f]{40}$/);
    assert.equal(created.body.password, undefined);

    const loggedIn = await login(t, 'ALICE@example.com', alice.password);
    assert.equal(loggedIn.status, 200);
    assert.deepEqual(Object.keys(loggedIn.body), ['key']);

    const me = await request(t.app)
      .get('/api/v1/auth/users/me/')
      .set('Authorization', `Token ${loggedIn.body.key}`);
    assert.equal(me.status, 200);
    assert.equal(me.body.email, 'alice@example.com');
    assert.equal(me.body.first_name, 'Alice');
    assert.equal(me.body.auth_type, 'EMAIL');
    assert.equal(me.body.is_superuser, false);
    assert.equal(me.body.id, created.body.id);
    assert.match(me.body.uuid, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(me.body.date_joined)));
  });

  it('stores passwords with scrypt and tokens only as hashes', async () => {
    const row = await t.ctx.database.knex('users').where({ email: 'alice@example.com' }).first();
    assert.match(row.password, /^scrypt\$16384\$8\$1\$/);
    const tokens = await t.ctx.database.knex('auth_tokens').where({ user_id: row.id });
    assert.ok(tokens.length >= 1);
    for (const token of tokens) assert.match(token.key_hash, /^[0-9a-f]{64}$/);
  });

  it('answers DRF-shaped validation errors naming each field', async () => {
    const missing = await register(t, { password: 'x' });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.email, ['This field is required.']);
    assert.deepEqual(missing.body.first_name, ['This field is required.']);

    const badEmail = await register(t, { ...alice, email: 'not-an-email' });
    assert.deepEqual(badEmail.body, { email: ['Enter a valid email address.'] });

    const weak = await register(t, { ...alice, email: 'weak@example.com', password: '1234567' });
    assert.equal(weak.status, 400);
    assert.deepEqual(weak.body.password, [
      'This password is too short. It must contain at least 8 characters.',
      'This password is entirely numeric.',
    ]);
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    const again = await register(t, { ...alice, email: 'ALICE@EXAMPLE.COM' });
    assert.equal(again.status, 400);
    assert.deepEqual(again.body, { email: ['Email already exists. Please log in.'] });
  });

  it('honours `superuser` only while no user exists', async () => {
    const response = await register(t, { ...alice, email: 'eve@example.com', superuser: true });
    assert.equal(response.status, 400);
    assert.ok(response.body.superuser);
  });

  it('rejects wrong credentials without saying which part was wrong', async () => {
    const wrongPassword = await login(t, alice.email, 'wrong password');
    const unknownUser = await login(t, 'nobody@example.com', alice.password);
    for (const response of [wrongPassword, unknownUser]) {
      assert.equal(response.status, 400);
      assert.deepEqual(response.body, { non_field_errors: ['Unable to log in with provided credentials.'] });
    }
    const noPassword = await request(t.app).post('/api/v1/auth/login/').send({ email: alice.email });
    assert.deepEqual(noPassword.body, { password: ['This field is required.'] });
  });

  it('keeps spaces in passwords exactly as typed', async () => {
    const spaced = { ...alice, email: 'spaced@example.com', password: '  padded secret  ' };
    assert.equal((await register(t, spaced)).status, 201);
    assert.equal((await login(t, spaced.email, spaced.password)).status, 200);
    assert.equal((await login(t, spaced.email, 'padded secret')).status, 400);
  });

  it('accepts form-encoded logins, as DRF does', async () => {
    const response = await request(t.app)
      .post('/api/v1/auth/login/')
      .type('form')
      .send({ email: alice.email, password: alice.password });
    assert.equal(response.status, 200);
    assert.ok(response.body.key);
  });

  it('answers 401 without credentials and for an unknown token', async () => {
    const anonymous = await request(t.app).get('/api/v1/auth/users/me/');
    assert.equal(anonymous.status, 401);
    assert.deepEqual(anonymous.body, { detail: 'Authentication credentials were not provided.' });
    assert.equal(anonymous.headers['www-authenticate'], 'Token');

    const bogus = await request(t.app)
      .get('/api/v1/auth/users/me/')
      .set('Authorization', `Token ${'0'.repeat(40)}`);
    assert.equal(bogus.status, 401);
    assert.deepEqual(bogus.body, { detail: 'Invalid token.' });
  });

  it('updates the profile, changes the password and logs out', async () => {
    const { body } = await login(t, alice.email, alice.password);
    const auth = { Authorization: `Token ${body.key}` };

    const patched = await request(t.app)
      .patch('/api/v1/auth/users/me/')
      .set(auth)
      .send({ last_name: 'Pleasance' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.last_name, 'Pleasance');
    assert.equal(patched.body.first_name, 'Alice');

    const tooLong = await request(t.app)
      .patch('/api/v1/auth/users/me/')
      .set(auth)
      .send({ first_name: 'x'.repeat(151) });
    assert.deepEqual(tooLong.body, { first_name: ['Ensure this field has no more than 150 characters.'] });

    const mismatch = await request(t.app)
      .post('/api/v1/auth/users/set_password/')
      .set(auth)
      .send({ current_password: alice.password, new_password: 'new password 1', re_new_password: 'other' });
    assert.equal(mismatch.status, 400);

    const wrongCurrent = await request(t.app)
      .post('/api/v1/auth/users/set_password/')
      .set(auth)
      .send({ current_password: 'nope', new_password: 'new password 1', re_new_password: 'new password 1' });
    assert.deepEqual(wrongCurrent.body, { current_password: ['Invalid password.'] });

    const changed = await request(t.app).post('/api/v1/auth/users/set_password/').set(auth).send({
      current_password: alice.password,
      new_password: 'new password 1',
      re_new_password: 'new password 1',
    });
    assert.equal(changed.status, 204);
    assert.equal((await login(t, alice.email, alice.password)).status, 400);
    assert.equal((await login(t, alice.email, 'new password 1')).status, 200);

    const out = await request(t.app).post('/api/v1/auth/logout/').set(auth);
    assert.equal(out.status, 204);
    const after = await request(t.app).get('/api/v1/auth/users/me/').set(auth);
    assert.equal(after.status, 401, 'the token is revoked by logout');
  });

  it('deletes an account only with the current password', async () => {
    await register(t, { ...alice, email: 'bob@example.com' });
    const { body } = await login(t, 'bob@example.com', alice.password);
    const auth = { Authorization: `Token ${body.key}` };
    const refused = await request(t.app)
      .delete('/api/v1/auth/users/me/')
      .set(auth)
      .send({ current_password: 'x' });
    assert.equal(refused.status, 400);
    const deleted = await request(t.app)
      .delete('/api/v1/auth/users/me/')
      .set(auth)
      .send({ current_password: alice.password });
    assert.equal(deleted.status, 204);
    assert.equal((await login(t, 'bob@example.com', alice.password)).status, 400);
  });
});

describe('first user registration', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('creates a superuser when asked and no user exists yet', async () => {
    const response = await register(t, { ...alice, superuser: true });
    assert.equal(response.status, 201);
    const me = await request(t.app)
      .get('/api/v1/auth/users/me/')
      .set('Authorization', `Token ${response.body.key}`);
    assert.equal(me.body.is_superuser, true);
  });
});

describe('login lockout (AXES_FAILURE_LIMIT)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ AXES_FAILURE_LIMIT: '3' });
    await register(t);
    await register(t, { ...alice, email: 'carol@example.com' });
  });
  after(() => t.close());

  it('refuses even the right password after the limit, for that user only', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal((await login(t, alice.email, 'wrong')).status, 400);
    }
    const locked = await login(t, alice.email, alice.password);
    assert.equal(locked.status, 403);
    assert.match(locked.body.detail, /locked/i);
    assert.equal(
      (await login(t, 'carol@example.com', alice.password)).status,
      200,
      'other users are unaffected',
    );
  });
});

describe('login lockout by IP (AXES_ONLY_USER_FAILURES=false)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ AXES_FAILURE_LIMIT: '2', AXES_ONLY_USER_FAILURES: 'false' });
    await register(t);
  });
  after(() => t.close());

  it('locks out the address that fails across many usernames', async () => {
    await login(t, 'one@example.com', 'x');
    await login(t, 'two@example.com', 'x');
    const response = await login(t, alice.email, alice.password);
    assert.equal(response.status, 403);
  });
});

describe('sign-up policy', () => {
  it('USER_CREATE_PERMISSIONS=CurrentUserOrAdmin closes public sign-up', async () => {
    await withTestApp({ USER_CREATE_PERMISSIONS: 'djoser.permissions.CurrentUserOrAdmin' }, async (t) => {
      const anonymous = await register(t);
      assert.equal(anonymous.status, 401);
      const admin = await t.ctx.users.createSuperuser({
        email: 'root@example.com',
        password: 'root password 1',
      });
      const key = await t.ctx.users.issueToken(admin);
      const byAdmin = await request(t.app)
        .post('/api/v1/auth/users/')
        .set('Authorization', `Token ${key}`)
        .send(alice);
      assert.equal(byAdmin.status, 201);
    });
  });

  it('USER_CREATE_PERMISSIONS=IsAdminUser refuses ordinary users', async () => {
    await withTestApp({ USER_CREATE_PERMISSIONS: 'rest_framework.permissions.IsAdminUser' }, async (t) => {
      const ordinary = await t.ctx.users.createSuperuser({
        email: 'plain@example.com',
        password: 'plain password 1',
      });
      await t.ctx.database
        .knex('users')
        .where({ id: ordinary.id })
        .update({ is_superuser: false, is_staff: false });
      const key = await t.ctx.users.issueToken(ordinary);
      const response = await request(t.app)
        .post('/api/v1/auth/users/')
        .set('Authorization', `Token ${key}`)
        .send(alice);
      assert.equal(response.status, 403);
    });
  });

  it('ALLOW_REGISTRATION_WITHOUT_INVITE=false refuses uninvited sign-ups', async () => {
    await withTestApp({ ALLOW_REGISTRATION_WITHOUT_INVITE: 'False' }, async (t) => {
      const response = await register(t);
      assert.equal(response.status, 403);
      assert.deepEqual(response.body, {
        detail: 'User registration without an invite is disabled for this installation.',
      });
      assert.equal(
        await t.ctx.database
          .knex('users')
          .count()
          .first()
          .then((r) => Number(r?.count)),
        0,
      );
    });
  });

  it('ENABLE_EMAIL_ACTIVATION holds the account until the emailed link is used', async () => {
    await withTestApp({ ENABLE_EMAIL_ACTIVATION: 'true' }, async (t) => {
      const requested: { uid: string; token: string }[] = [];
      t.ctx.events.on('user.activationRequested', (event) => void requested.push(event));
      const created = await register(t);
      assert.equal(created.status, 201);
      assert.equal(created.body.is_active, false);
      assert.equal(created.body.key, undefined);
      assert.deepEqual((await login(t, alice.email, alice.password)).body, {
        non_field_errors: ['User account is disabled.'],
      });

      const [activation] = requested;
      assert.ok(activation);
      const forged = await request(t.app)
        .post('/api/v1/auth/users/activation/')
        .send({ uid: activation.uid, token: 'forged' });
      assert.equal(forged.status, 400);
      const activated = await request(t.app).post('/api/v1/auth/users/activation/').send(activation);
      assert.equal(activated.status, 204);
      assert.equal((await login(t, alice.email, alice.password)).status, 200);
      const reused = await request(t.app).post('/api/v1/auth/users/activation/').send(activation);
      assert.equal(reused.status, 403, 'an activation link works once');
    });
  });
});

describe('simultaneous sign-ups for one email', () => {
  it('create one account and answer the others with the usual 400, never a 500', async () => {
    await withTestApp({}, async (t) => {
      const responses = await Promise.all([1, 2, 3, 4].map(() => register(t)));
      const statuses = responses.map((response) => response.status).sort();
      assert.deepEqual(statuses, [201, 400, 400, 400]);
      for (const response of responses.filter((r) => r.status === 400)) {
        assert.deepEqual(response.body, { email: ['Email already exists. Please log in.'] });
      }
    });
  });
});
