import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, type Tenancy } from './tenancy-test-fixture.js';

/** Usage data as a self-hosted Flagsmith without an analytics database answers it. */
describe('organisation usage data', () => {
  let t: TestApp;
  let f: Tenancy;
  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
  });
  after(() => t.close());

  it('answers admins an empty list and a zero count', async () => {
    const usage = await request(t.app).get(`/api/v1/organisations/${f.home.id}/usage-data/`).set(as(f.admin));
    assert.equal(usage.status, 200);
    assert.deepEqual(usage.body, []);
    const filtered = await request(t.app)
      .get(
        `/api/v1/organisations/${f.home.id}/usage-data/?project_id=1&environment_id=2&period=90_day_period`,
      )
      .set(as(f.admin));
    assert.deepEqual(filtered.body, []);
    const total = await request(t.app)
      .get(`/api/v1/organisations/${f.home.id}/usage-data/total-count/`)
      .set('Authorization', `Api-Key ${f.keys.admin}`);
    assert.equal(total.status, 200);
    assert.deepEqual(total.body, { count: 0 });
  });

  it('validates the query as UsageDataQuerySerializer, and has no billing periods', async () => {
    const base = `/api/v1/organisations/${f.home.id}/usage-data/`;
    const badPeriod = await request(t.app).get(`${base}?period=yearly`).set(as(f.admin));
    assert.equal(badPeriod.status, 400);
    assert.deepEqual(badPeriod.body, { period: ['"yearly" is not a valid choice.'] });
    const badProject = await request(t.app).get(`${base}?project_id=abc`).set(as(f.admin));
    assert.equal(badProject.status, 400);
    assert.deepEqual(badProject.body, { project_id: ['A valid integer is required.'] });
    const billing = await request(t.app).get(`${base}?period=current_billing_period`).set(as(f.admin));
    assert.equal(billing.status, 404);
    assert.deepEqual(billing.body, { detail: 'No billing periods found for this organisation.' });
  });

  it('answers get-subscription-metadata/ with the subscription and the limits Vexil applies, to admins', async () => {
    const response = await request(t.app)
      .get(`/api/v1/organisations/${f.home.id}/get-subscription-metadata/`)
      .set(as(f.admin));
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, {
      max_seats: 1,
      max_api_calls: 50000,
      max_projects: null,
      payment_source: null,
      chargebee_email: null,
      feature_history_visibility_days: null,
      audit_log_visibility_days: 0,
    });
    const member = await request(t.app)
      .get(`/api/v1/organisations/${f.home.id}/get-subscription-metadata/`)
      .set(as(f.user));
    assert.equal(member.status, 403);
    const foreign = await request(t.app)
      .get(`/api/v1/organisations/${f.away.id}/get-subscription-metadata/`)
      .set(as(f.admin));
    assert.equal(foreign.status, 404);
  });

  it('refuses members who are not admins (403) and hides other tenants (404)', async () => {
    for (const path of ['usage-data/', 'usage-data/total-count/']) {
      const member = await request(t.app).get(`/api/v1/organisations/${f.home.id}/${path}`).set(as(f.user));
      assert.equal(member.status, 403);
      assert.deepEqual(member.body, {
        detail: 'User does not have sufficient privileges to perform this action',
      });
      const foreign = await request(t.app).get(`/api/v1/organisations/${f.away.id}/${path}`).set(as(f.admin));
      assert.equal(foreign.status, 404);
      assert.equal((await request(t.app).get(`/api/v1/organisations/${f.home.id}/${path}`)).status, 401);
      const odd = await request(t.app).get(`/api/v1/organisations/x1/${path}`).set(as(f.admin));
      assert.equal(odd.status, 404);
    }
  });
});
