import { strict as assert } from 'node:assert';
import request from 'supertest';
import { withTestApp } from '../../test/support/test-app.js';
import { hashPassword, unusablePasswordHash, verifyPassword } from './password-hasher.js';

const secret = 'a long password';

describe('stored password hashes that are malformed', () => {
  let parts: string[];
  before(async () => {
    parts = (await hashPassword(secret)).split('$');
  });
  const replaced = (index: number, value: string) =>
    parts.map((part, i) => (i === index ? value : part)).join('$');

  it('verify a well-formed hash, and only with its password', async () => {
    const encoded = parts.join('$');
    assert.equal(await verifyPassword(secret, encoded), true);
    assert.equal(await verifyPassword(`${secret} `, encoded), false);
  });

  it('match no password when a part is missing, empty or garbled, and never throw', async () => {
    const malformed: Record<string, string> = {
      empty: '',
      'a plain-text password': secret,
      'another algorithm': replaced(0, 'pbkdf2_sha256'),
      'no hash': parts.slice(0, 5).join('$'),
      'empty hash': replaced(5, ''),
      'empty salt': replaced(4, ''),
      'empty N': replaced(1, ''),
      'empty r': replaced(2, ''),
      'empty p': replaced(3, ''),
      'garbled hash': replaced(5, '%%%%'),
      'truncated hash': replaced(5, (parts[5] as string).slice(0, 20)),
      'garbled salt': replaced(4, '!!!!'),
      'the unusable hash': unusablePasswordHash,
    };
    for (const [name, encoded] of Object.entries(malformed)) {
      assert.equal(await verifyPassword(secret, encoded), false, name);
    }
  });

  it('a login against such a hash is the usual 400, not a 500', async () => {
    await withTestApp({}, async (t) => {
      const created = await request(t.app)
        .post('/api/v1/auth/users/')
        .send({ email: 'broken@example.com', password: secret, first_name: 'B', last_name: 'R' });
      assert.equal(created.status, 201);
      await t.ctx.database
        .knex('users')
        .where({ email: 'broken@example.com' })
        .update({ password: 'scrypt$$$$$' });
      const response = await request(t.app)
        .post('/api/v1/auth/login/')
        .send({ email: 'broken@example.com', password: secret });
      assert.equal(response.status, 400);
      assert.deepEqual(response.body, { non_field_errors: ['Unable to log in with provided credentials.'] });
    });
  });
});
