import { strict as assert } from 'node:assert';
import request from 'supertest';
import { type TestApp, withTestApp } from '../../test/support/test-app.js';

const account = {
  email: 'target@example.com',
  password: 'right password 1',
  first_name: 'T',
  last_name: 'U',
};

async function signUp(t: TestApp): Promise<string> {
  const created = await request(t.app).post('/api/v1/auth/users/').send(account);
  assert.equal(created.status, 201);
  return created.body.key as string;
}

const login = (t: TestApp, email: string, password: string) =>
  request(t.app).post('/api/v1/auth/login/').send({ email, password });

function statusCounts(responses: { status: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('login hardening', () => {
  it('evaluates no more concurrent wrong passwords than AXES_FAILURE_LIMIT, and refuses a right one after', async () => {
    // A pool large enough to admit the whole burst, so that only the lockout decides.
    const env = { AXES_FAILURE_LIMIT: '10', PASSWORD_HASH_CONCURRENCY: '4', PASSWORD_HASH_QUEUE: '100' };
    await withTestApp(env, async (t) => {
      await signUp(t);
      const burst = Array.from({ length: 50 }, (_, i) =>
        // The right password rides late in the burst: it must not slip through either.
        login(t, account.email, i === 45 ? account.password : `wrong guess ${i}`),
      );
      const responses = await Promise.all(burst);
      const counts = statusCounts(responses);
      assert.equal(counts[400], 10, `exactly the limit is evaluated: ${JSON.stringify(counts)}`);
      assert.equal(counts[403], 40);
      assert.equal(counts[200], undefined, 'no token is handed out during the burst');
      const late = await login(t, account.email, account.password);
      assert.equal(late.status, 403);
      assert.deepEqual(late.body, {
        detail: 'Account locked: too many login attempts. Please try again later.',
      });
    });
  });

  it("counts set_password's current_password against the same lockout", async () => {
    await withTestApp({ AXES_FAILURE_LIMIT: '10' }, async (t) => {
      const key = await signUp(t);
      const change = (current: string) =>
        request(t.app).post('/api/v1/auth/users/set_password/').set('Authorization', `Token ${key}`).send({
          current_password: current,
          new_password: 'brand new pw 2',
          re_new_password: 'brand new pw 2',
        });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await change(`wrong ${i}`)).status);
      assert.deepEqual(statuses, [...Array(10).fill(400), 403, 403]);
      const right = await change(account.password);
      assert.equal(right.status, 403, 'the right password after 12 wrong ones is refused');
      assert.equal((await login(t, account.email, 'brand new pw 2')).status, 403);
    });
  });

  it('refuses a flood of logins quickly with 429 and Retry-After, and serves a real login after it', async () => {
    const env = { PASSWORD_HASH_CONCURRENCY: '2', PASSWORD_HASH_QUEUE: '4', AXES_FAILURE_LIMIT: '1000' };
    await withTestApp(env, async (t) => {
      await signUp(t);
      const flood = await Promise.all(
        Array.from({ length: 200 }, (_, i) => login(t, `nobody-${i}@example.com`, 'whatever pw')),
      );
      const counts = statusCounts(flood);
      assert.ok((counts[400] ?? 0) <= 6, `at most concurrency + queue are hashed: ${JSON.stringify(counts)}`);
      assert.equal((counts[400] ?? 0) + (counts[429] ?? 0), 200);
      const refused = flood.find((response) => response.status === 429);
      assert.equal(refused?.headers['retry-after'], '1');
      assert.deepEqual(refused?.body, { detail: 'Request was throttled. Expected available in 1 second.' });
      assert.equal((await login(t, account.email, account.password)).status, 200);
    });
  });

  it('purges failures that have left the cool-off window', async () => {
    await withTestApp({ AXES_COOLOFF_TIME: '15' }, async (t) => {
      const knex = t.ctx.database.knex;
      const old = new Date(Date.now() - 16 * 60_000);
      await knex('login_failures').insert([
        { username: 'old@example.com', ip_address: '127.0.0.1', failed_at: old },
        { username: 'old@example.com', ip_address: '127.0.0.1', failed_at: old },
      ]);
      await login(t, 'someone@example.com', 'a wrong pw');
      let remaining = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt < 50 && remaining > 0; attempt++) {
        const [row] = await knex('login_failures')
          .where({ username: 'old@example.com' })
          .count('id as count');
        remaining = Number(row?.count);
        if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(remaining, 0);
      assert.equal((await knex('login_failures').where({ username: 'someone@example.com' })).length, 1);
    });
  });
});

describe('tokens', () => {
  it("a password change revokes the user's other tokens and keeps the one that made it", async () => {
    await withTestApp({}, async (t) => {
      const first = await signUp(t);
      const second = (await login(t, account.email, account.password)).body.key as string;
      const me = (key: string) =>
        request(t.app).get('/api/v1/auth/users/me/').set('Authorization', `Token ${key}`);
      assert.equal((await me(second)).status, 200);
      const changed = await request(t.app)
        .post('/api/v1/auth/users/set_password/')
        .set('Authorization', `Token ${first}`)
        .send({
          current_password: account.password,
          new_password: 'another pw 3',
          re_new_password: 'another pw 3',
        });
      assert.equal(changed.status, 204);
      assert.equal((await me(first)).status, 200, 'the token that changed the password stays valid');
      const revoked = await me(second);
      assert.equal(revoked.status, 401);
      assert.deepEqual(revoked.body, { detail: 'Invalid token.' });
      assert.equal((await login(t, account.email, 'another pw 3')).status, 200);
    });
  });
});
