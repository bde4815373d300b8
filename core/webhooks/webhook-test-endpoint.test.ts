import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp, type TestApp, withTestApp } from '../../test/support/test-app.js';
import { as, createTenancy, type Tenancy } from '../organisations/tenancy-test-fixture.js';
import { pythonJsonDumps } from './python-json.js';
import { signPayload } from './webhook-signature.js';
import { TestReceiver } from './webhook-test-receiver.js';
import { sampleWebhookBodies } from './webhook-test-routes.js';

/** A port on 127.0.0.1 that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** `POST /api/v1/webhooks/test/`: Flagsmith's sample event to a URL, and how the receiver answered. */
describe('webhook test endpoint', () => {
  let t: TestApp;
  let f: Tenancy;
  let receiver: TestReceiver;
  let environment: { api_key: string };
  before(async () => {
    receiver = new TestReceiver();
    await receiver.listen();
    t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    f = await createTenancy(t);
    const project = await request(t.app)
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'Hooks', organisation: f.home.id });
    const created = await request(t.app)
      .post('/api/v1/environments/')
      .set(as(f.admin))
      .send({ name: 'Prod', project: project.body.id });
    environment = created.body;
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('posts the signed organisation sample (AUDIT_LOG_CREATED) and reports success', async () => {
    const response = await request(t.app)
      .post('/api/v1/webhooks/test/')
      .set(as(f.admin))
      .send({
        webhook_url: receiver.url('/org-sample'),
        scope: { type: 'organisation', id: f.home.id },
        secret: 'shh',
      });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body, { detail: 'Webhook test successful', status: 200 });
    const received = await receiver.next('/org-sample');
    assert.equal(received.body, pythonJsonDumps(sampleWebhookBodies.organisation));
    assert.equal(JSON.parse(received.body).event_type, 'AUDIT_LOG_CREATED');
    assert.equal(received.headers['x-flagsmith-signature'], signPayload(received.body, 'shh'));
    assert.equal(received.headers['content-type'], 'application/json');
  });

  it('posts the environment sample (FLAG_UPDATED) unsigned without a secret', async () => {
    const response = await request(t.app)
      .post('/api/v1/webhooks/test/')
      .set(as(f.admin))
      .send({
        webhook_url: receiver.url('/env-sample'),
        scope: { type: 'environment', id: environment.api_key },
      });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const received = await receiver.next('/env-sample');
    const body = JSON.parse(received.body);
    assert.equal(body.event_type, 'FLAG_UPDATED');
    assert.equal(body.data.new_state.feature.name, 'test_feature');
    assert.equal(body.data.previous_state.enabled, false);
    assert.equal(received.headers['x-flagsmith-signature'], undefined);
  });

  it('reports a receiver’s error status and an unreachable URL as Flagsmith’s 400s', async () => {
    const failing = await request(t.app)
      .post('/api/v1/webhooks/test/')
      .set(as(f.admin))
      .send({ webhook_url: receiver.url('/fail-1'), scope: { type: 'organisation', id: f.home.id } });
    assert.equal(failing.status, 400);
    assert.deepEqual(failing.body, {
      detail: 'Webhook returned error status',
      body: 'Webhook returned HTTP 500.',
      status: 500,
    });
    const port = await closedPort();
    const unreachable = await request(t.app)
      .post('/api/v1/webhooks/test/')
      .set(as(f.admin))
      .send({ webhook_url: `http://127.0.0.1:${port}/`, scope: { type: 'organisation', id: f.home.id } });
    assert.equal(unreachable.status, 400);
    assert.deepEqual(unreachable.body, {
      detail: 'Could not connect to webhook URL',
      body: 'Please check the URL, and ensure it is valid and accessible from the server.',
    });
  });

  it('lets only admins of the scope test, hides other tenants and checks the body', async () => {
    const url = receiver.url('/never');
    const post = (caller: Tenancy['admin'], body: object) =>
      request(t.app).post('/api/v1/webhooks/test/').set(as(caller)).send(body);
    assert.equal(
      (await post(f.user, { webhook_url: url, scope: { type: 'organisation', id: f.home.id } })).status,
      403,
    );
    assert.equal(
      (await post(f.user, { webhook_url: url, scope: { type: 'environment', id: environment.api_key } }))
        .status,
      404,
      'a member without VIEW_ENVIRONMENT does not find the environment',
    );
    assert.equal(
      (await post(f.admin, { webhook_url: url, scope: { type: 'organisation', id: f.away.id } })).status,
      404,
    );
    assert.equal(
      (await post(f.foreigner, { webhook_url: url, scope: { type: 'environment', id: environment.api_key } }))
        .status,
      404,
    );
    assert.equal(
      (await post(f.admin, { webhook_url: url })).status,
      403,
      'no scope: Flagsmith’s permission refuses',
    );
    assert.equal((await post(f.admin, { webhook_url: url, scope: { type: 'project', id: 1 } })).status, 403);
    const badUrl = await post(f.admin, {
      webhook_url: 'not a url',
      scope: { type: 'organisation', id: f.home.id },
    });
    assert.equal(badUrl.status, 400);
    assert.deepEqual(Object.keys(badUrl.body), ['webhook_url']);
    assert.equal((await request(t.app).post('/api/v1/webhooks/test/').send({})).status, 401);
    assert.equal(receiver.count('/never'), 0);
  });

  it('refuses private targets unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set, before sending anything', async () => {
    await withTestApp({}, async (strict) => {
      const g = await createTenancy(strict);
      const response = await request(strict.app)
        .post('/api/v1/webhooks/test/')
        .set(as(g.admin))
        .send({ webhook_url: receiver.url('/private'), scope: { type: 'organisation', id: g.home.id } });
      assert.equal(response.status, 400);
      assert.match(response.body.webhook_url[0], /private or loopback/);
      assert.equal(receiver.count('/private'), 0);
    });
  });
});
