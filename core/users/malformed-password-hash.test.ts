import { strict as assert } from 'node:assert';
import { randomBytes, scryptSync } from 'node:crypto';
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

  it('verify hashes made with other scrypt parameters, since the parameters travel with the hash', async () => {
    const salt = randomBytes(16);
    const key = scryptSync(secret.normalize('NFKC'), salt, 64, { N: 1024, r: 4, p: 2 });
    const encoded = ['scrypt', 1024, 4, 2, salt.toString('base64'), key.toString('base64')].join('$');
    assert.equal(await verifyPassword(secret, encoded), true);
    assert.equal(await verifyPassword('another password', encoded), false);
  });

  it('the hash spent on unknown users costs what a real one does', async () => {
    // Otherwise a login for an unknown email would answer faster and reveal that it does not exist.
    const [algorithm, n, r, p, salt, hash] = unusablePasswordHash.split('$');
    assert.deepEqual([algorithm, n, r, p], parts.slice(0, 4));
    assert.ok(salt && hash, 'a salt and a hash are present, so scrypt really runs');
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
