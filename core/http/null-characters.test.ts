import { strict as assert } from 'node:assert';
import request from 'supertest';
import { z } from 'zod';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { fields, parseBody } from './validation.js';

const refused = ['Null characters are not allowed.'];
const account = { email: 'nul@example.com', password: 'a long password', first_name: 'N', last_name: 'U' };

// PostgreSQL cannot store U+0000 in text or jsonb; before this check each of these was a 500.
describe('NUL characters in request bodies', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await createTestApp();
    const created = await request(t.app).post('/api/v1/auth/users/').send(account);
    assert.equal(created.status, 201);
    token = created.body.key;
  });
  after(() => t.close());

  it('registration refuses them in any field, naming each', async () => {
    const response = await request(t.app)
      .post('/api/v1/auth/users/')
      .send({
        ...account,
        email: 'other@example.com',
        first_name: 'A\u0000',
        password: '\u0000long password',
      });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { first_name: refused, password: refused });
  });

  it('keeps the other fields’ own errors alongside', async () => {
    const response = await request(t.app)
      .post('/api/v1/auth/users/')
      .send({ email: 'other@example.com', password: 'a long password', first_name: '\u0000' });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { first_name: refused, last_name: ['This field is required.'] });
  });

  it('names nested paths as other errors do, even in fields the schema ignores', async () => {
    const response = await request(t.app)
      .post('/api/v1/auth/users/')
      .send({ ...account, email: 'other@example.com', extra: { tags: ['ok', 'bad\u0000'] } });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { 'extra.tags.1': refused });
  });

  it('login refuses them, as JSON and as a form', async () => {
    const json = await request(t.app)
      .post('/api/v1/auth/login/')
      .send({ email: 'nul@example.com\u0000', password: account.password });
    assert.equal(json.status, 400);
    assert.deepEqual(json.body, { email: refused });
    const form = await request(t.app)
      .post('/api/v1/auth/login/')
      .type('form')
      .send(`email=nul%40example.com&password=a%00long`);
    assert.equal(form.status, 400);
    assert.deepEqual(form.body, { password: refused });
    const [row] = await t.ctx.database.knex('login_failures').count('id as count');
    assert.equal(Number(row?.count), 0, 'nothing reached the database');
  });

  it('PATCH /users/me/ refuses them and changes nothing', async () => {
    const response = await request(t.app)
      .patch('/api/v1/auth/users/me/')
      .set('Authorization', `Token ${token}`)
      .send({ last_name: 'Lid\u0000dell' });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { last_name: refused });
    const me = await request(t.app).get('/api/v1/auth/users/me/').set('Authorization', `Token ${token}`);
    assert.equal(me.body.last_name, 'U');
  });

  it('a key holding one is reported against the object that holds it', async () => {
    const response = await request(t.app)
      .post('/api/v1/auth/users/')
      .send({ ...account, email: 'other@example.com', 'bad\u0000key': 'x' });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { non_field_errors: refused });
  });
});

describe('NUL characters on the first-run form', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const form = {
    username: 'admin',
    email: 'admin@example.com',
    password: 'a long password',
    site_name: 'Acme\u0000',
    site_domain: 'flags.acme.test',
  };
  const origin = { Host: 'flags.acme.test', Origin: 'http://flags.acme.test' };

  it('answers JSON with a 400 naming the field, and creates nothing', async () => {
    const response = await request(t.app).post('/api/v1/users/config/init/').set(origin).send(form);
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { site_name: refused });
    assert.equal(await t.ctx.users.superuserExists(), false);
  });

  it('re-renders the browser form with the error', async () => {
    const response = await request(t.app)
      .post('/api/v1/users/config/init/')
      .set({ ...origin, Accept: 'text/html' })
      .type('form')
      .send({ ...form, site_name: 'Acme', site_domain: 'flags\u0000.test' });
    assert.equal(response.status, 400);
    assert.match(response.text, /site_domain: Null characters are not allowed\./);
    assert.equal(await t.ctx.users.superuserExists(), false);
  });
});

describe('fields.string() and its kin', () => {
  it('refuse a NUL with DRF’s message and nothing else', () => {
    for (const schema of [fields.string(), fields.string({ max: 3 }), fields.password(), fields.email()]) {
      const result = schema.safeParse('a\u0000bcdef@example.com');
      assert.equal(result.success, false);
      assert.deepEqual(
        result.error?.issues.map((issue) => issue.message),
        refused,
      );
    }
    assert.equal(fields.string({ allowBlank: true }).safeParse('\u0000').success, false);
    assert.equal(fields.string().parse(' plain '), 'plain');
  });

  it('parseBody names a NUL where zod names its own errors', () => {
    const schema = z.object({ items: z.array(fields.string()) });
    assert.throws(
      () => parseBody(schema, { items: ['ok', 3, 'x\u0000'] }),
      (error: unknown) => {
        assert.deepEqual((error as { fields: unknown }).fields, {
          'items.1': ['Not a valid string.'],
          'items.2': refused,
        });
        return true;
      },
    );
    assert.deepEqual(parseBody(schema, { items: ['ok'] }), { items: ['ok'] });
  });
});
