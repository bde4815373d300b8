import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFlagsmithInstance } from 'flagsmith/isomorphic';
import { AnalyticsProcessor, Flagsmith } from 'flagsmith-nodejs';
import { pino } from 'pino';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { buildRequestHandler } from '../app.js';
import { as, createTenancy, type Tenancy } from '../organisations/tenancy-test-fixture.js';
import { AnalyticsStore } from './analytics-store.js';

/** Polls `read` until `done` holds of its result, at most `attempts` times (a bound, not a timing assertion). */
async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  attempts = 100,
): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < attempts && !done(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe("Flagsmith's own SDKs against Vexil", function () {
  // Local evaluation waits for the SDK's next poll: allow for a busy machine.
  this.timeout(60_000);
  let t: TestApp;
  let f: Tenancy;
  let server: Server;
  let apiUrl: string;
  let projectId: number;
  let environment: { id: number; api_key: string };
  let serverKey: string;
  const features: Record<string, number> = {};
  const api = () => request(t.app);
  const quiet = pino({ level: 'silent' });

  const createFeature = async (body: object) => {
    const response = await api().post(`/api/v1/projects/${projectId}/features/`).set(as(f.admin)).send(body);
    assert.equal(response.status, 201, response.text);
    return response.body as { id: number; name: string };
  };
  const setState = async (featureId: number, patch: object) => {
    const listed = await api()
      .get(`/api/v1/environments/${environment.api_key}/featurestates/?feature=${featureId}`)
      .set(as(f.admin));
    const state = listed.body.results[0] as { id: number };
    const response = await api()
      .patch(`/api/v1/environments/${environment.api_key}/featurestates/${state.id}/`)
      .set(as(f.admin))
      .send(patch);
    assert.equal(response.status, 200, response.text);
  };

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    server = createServer(buildRequestHandler(t.ctx));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/`;
    const project = await api()
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'Clients', organisation: f.home.id });
    projectId = project.body.id;
    const created = await api()
      .post('/api/v1/environments/')
      .set(as(f.admin))
      .send({ name: 'Prod', project: projectId });
    environment = created.body;
    const key = await api()
      .post(`/api/v1/environments/${environment.api_key}/api-keys/`)
      .set(as(f.admin))
      .send({ name: 'backend' });
    serverKey = key.body.key;
    features.banner = (
      await createFeature({ name: 'banner', initial_value: 'hello', default_enabled: true })
    ).id;
    features.limit = (await createFeature({ name: 'limit', initial_value: '10', default_enabled: false })).id;
    features.flag = (await createFeature({ name: 'plain_flag', default_enabled: true })).id;
    const colour = await createFeature({ name: 'colour', initial_value: 'red', default_enabled: true });
    features.colour = colour.id;
    // Every identity lands in the one option that takes the whole allocation: a value local evaluation must find.
    const option = await api()
      .post(`/api/v1/projects/${projectId}/features/${colour.id}/mv-options/`)
      .set(as(f.admin))
      .send({ type: 'unicode', string_value: 'green', default_percentage_allocation: 100 });
    assert.equal(option.status, 201, option.text);
  });
  after(async () => {
    server.close();
    await t.close();
  });

  it('flagsmith-nodejs 8 reads environment flags remotely with the client key', async () => {
    const client = new Flagsmith({ environmentKey: environment.api_key, apiUrl, logger: quiet });
    const flags = await client.getEnvironmentFlags();
    assert.equal(flags.isFeatureEnabled('banner'), true);
    assert.equal(flags.getFeatureValue('banner'), 'hello');
    assert.equal(flags.isFeatureEnabled('limit'), false);
    assert.equal(flags.getFeatureValue('limit'), 10);
    // Without an identity the environment's control value answers, as Flagsmith's /flags/ does.
    assert.equal(flags.getFeatureValue('colour'), 'red');
    await client.close();
  });

  it('flagsmith-nodejs 8 evaluates locally from /environment-document/ and sees changes on its next poll', async () => {
    const client = new Flagsmith({
      environmentKey: serverKey,
      apiUrl,
      enableLocalEvaluation: true,
      environmentRefreshIntervalSeconds: 1,
      logger: quiet,
    });
    try {
      const flags = await client.getEnvironmentFlags();
      assert.equal(flags.getFeatureValue('banner'), 'hello');
      assert.equal(flags.isFeatureEnabled('plain_flag'), true);
      const identity = await client.getIdentityFlags('user-1', { plan: 'pro' });
      assert.equal(identity.getFeatureValue('colour'), 'green');
      assert.equal(identity.getFeatureValue('limit'), 10);
      await setState(features.banner as number, { feature_state_value: 'changed' });
      const changed = await eventually(
        () => client.getEnvironmentFlags(),
        (current) => current.getFeatureValue('banner') === 'changed',
      );
      assert.equal(changed.getFeatureValue('banner'), 'changed');
    } finally {
      await client.close();
      await setState(features.banner as number, { feature_state_value: 'hello' });
    }
  });

  it("flagsmith-nodejs 8's analytics flush lands in the hourly counts", async () => {
    const processor = new AnalyticsProcessor({
      baseApiUrl: apiUrl,
      environmentKey: environment.api_key,
      logger: quiet,
    });
    processor.trackFeature('banner');
    processor.trackFeature('banner');
    processor.trackFeature('limit');
    await processor.flush();
    const rows = await new AnalyticsStore().list(t.ctx.transactor.reads, environment.id);
    const counts = Object.fromEntries(rows.map((row) => [row.feature_id, row.count]));
    assert.deepEqual(counts, { [features.banner as number]: 2, [features.limit as number]: 1 });
  });

  it('the flagsmith JS client 10 reads environment flags (fetch: globalThis.fetch)', async () => {
    const client = createFlagsmithInstance();
    await client.init({
      environmentID: environment.api_key,
      api: apiUrl,
      fetch: globalThis.fetch,
      enableAnalytics: false,
    });
    assert.equal(client.hasFeature('banner'), true);
    assert.equal(client.getValue('banner'), 'hello');
    assert.equal(client.hasFeature('limit'), false);
    assert.equal(client.getValue('limit'), 10);
    assert.equal(client.hasFeature('plain_flag'), true);
  });
});
