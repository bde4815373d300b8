import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, type Tenancy } from './tenancy-test-fixture.js';

/** Inputs that used to reach the database and fail there (500): each is a 400 or 404 now. */
describe('tenancy inputs that never reach the database as a 500', () => {
  let t: TestApp;
  let f: Tenancy;
  let environmentKey: string;
  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    const project = await request(t.app)
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'Inputs', organisation: f.home.id });
    const environment = await request(t.app)
      .post('/api/v1/environments/')
      .set(as(f.admin))
      .send({ name: 'Prod', project: project.body.id });
    environmentKey = environment.body.api_key;
  });
  after(() => t.close());

  it('answers path segments holding NUL (a key prefix, an invite hash) with 404', async () => {
    for (const [method, path] of [
      ['get', `/api/v1/organisations/${f.home.id}/master-api-keys/%00/`],
      ['delete', `/api/v1/organisations/${f.home.id}/master-api-keys/a%00b/`],
      ['post', '/api/v1/users/join/%00/'],
      ['post', '/api/v1/users/join/link/x%00/'],
      ['post', `/api/v1/users/join/link/${'x'.repeat(300)}/`],
    ] as const) {
      const response = await request(t.app)[method](path).set(as(f.admin));
      assert.equal(response.status, 404, `${method} ${path}: ${response.text}`);
      assert.deepEqual(response.body, { detail: 'Not found.' });
    }
  });

  it('refuses dates Python’s datetime would not take (year 0, 30 February, 24:00) with DRF’s 400', async () => {
    const wrong = [
      'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
    ];
    const cases: [string, string, object][] = [
      [`/api/v1/organisations/${f.home.id}/master-api-keys/`, 'expiry_date', { name: 'k' }],
      [`/api/v1/organisations/${f.home.id}/invite-links/`, 'expires_at', {}],
      [`/api/v1/environments/${environmentKey}/api-keys/`, 'expires_at', { name: 'k' }],
    ];
    for (const [path, field, body] of cases) {
      for (const value of [
        '0000-06-01T00:00:00Z',
        '0001-01-01T00:00:00+05:00',
        '2026-02-30T00:00:00Z',
        '2026-13-01T00:00:00Z',
        '2026-01-01T24:00:00Z',
        '9999-12-31T23:00:00-05:00',
      ]) {
        const response = await request(t.app)
          .post(path)
          .set(as(f.admin))
          .send({ ...body, [field]: value });
        assert.equal(response.status, 400, `${path} ${value}: ${response.text}`);
        assert.deepEqual(response.body, { [field]: wrong });
      }
      const leapDay = await request(t.app)
        .post(path)
        .set(as(f.admin))
        .send({ ...body, [field]: '2028-02-29T12:00:00Z' });
      assert.equal(leapDay.status, 201, `${path}: ${leapDay.text}`);
    }
  });

  it('answers a webhook test scope naming an organisation id beyond PostgreSQL’s integer with 404', async () => {
    for (const id of [99_999_999_999, '99999999999', 1.5, 'abc', -1]) {
      const response = await request(t.app)
        .post('/api/v1/webhooks/test/')
        .set(as(f.admin))
        .send({ webhook_url: 'http://127.0.0.1:9/', scope: { type: 'organisation', id } });
      assert.equal(response.status, 404, `${id}: ${response.text}`);
    }
  });
});
