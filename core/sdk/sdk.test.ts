import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { buildRequestHandler } from '../app.js';
import {
  buildEnvironmentDocument,
  serialiseEnvironmentDocument,
} from '../environment-document/build-environment-document.js';
import { environmentChangedChannel } from '../environments/environment-revision.js';
import { EnvironmentStore } from '../environments/environment-store.js';
import { evaluate } from '../evaluation/index.js';
import { as, createTenancy, signUp, type Tenancy } from '../organisations/tenancy-test-fixture.js';
import { AnalyticsStore } from './analytics-store.js';
import { documentUpdatedAtSeconds } from './document-updated-at.js';
import { EnvironmentKeyCache } from './environment-keys.js';
import { SdkEnvironmentCache } from './sdk-environment-cache.js';

interface Environment {
  id: number;
  api_key: string;
}

describe('SDK endpoints: /flags/, /environment-document/, /analytics/flags/ on the lean lane', () => {
  let t: TestApp;
  let f: Tenancy;
  let handler: RequestListener;
  let projectId: number;
  let environment: Environment;
  let serverKey: string;
  const api = () => request(t.app);
  const sdk = () => request(handler);
  const knex = () => t.ctx.database.knex;

  const createFeature = async (body: object, project = projectId) => {
    const response = await api().post(`/api/v1/projects/${project}/features/`).set(as(f.admin)).send(body);
    assert.equal(response.status, 201, response.text);
    return response.body as { id: number; name: string; created_date: string };
  };
  const createEnvironment = async (name: string, project = projectId, who = f.admin) => {
    const response = await api().post('/api/v1/environments/').set(as(who)).send({ name, project });
    assert.equal(response.status, 201, response.text);
    return response.body as Environment;
  };
  const createServerKey = async (env: Environment, body: object = { name: 'backend' }) => {
    const response = await api()
      .post(`/api/v1/environments/${env.api_key}/api-keys/`)
      .set(as(f.admin))
      .send(body);
    assert.equal(response.status, 201, response.text);
    return response.body as { id: number; key: string };
  };
  const stateOf = async (env: Environment, featureId: number) => {
    const response = await api()
      .get(`/api/v1/environments/${env.api_key}/featurestates/?feature=${featureId}`)
      .set(as(f.admin));
    assert.equal(response.status, 200, response.text);
    return response.body.results[0] as { id: number; enabled: boolean };
  };
  const setState = async (env: Environment, featureId: number, patch: object) => {
    const state = await stateOf(env, featureId);
    const response = await api()
      .patch(`/api/v1/environments/${env.api_key}/featurestates/${state.id}/`)
      .set(as(f.admin))
      .send(patch);
    assert.equal(response.status, 200, response.text);
  };
  const flags = async (key: string, query = '') => {
    const response = await sdk().get(`/api/v1/flags/${query}`).set('X-Environment-Key', key);
    assert.equal(response.status, 200, response.text);
    return response;
  };
  const flagNames = async (key: string) =>
    ((await flags(key)).body as { feature: { name: string } }[]).map((flag) => flag.feature.name);
  /** Counts the statements the database runs while `work` runs. */
  const queriesDuring = async (work: () => Promise<unknown>) => {
    let count = 0;
    const onQuery = () => {
      count++;
    };
    knex().on('query', onQuery);
    try {
      await work();
    } finally {
      knex().removeListener('query', onQuery);
    }
    return count;
  };

  before(async () => {
    t = await createTestApp();
    handler = buildRequestHandler(t.ctx);
    f = await createTenancy(t);
    const project = await api()
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'SDK', organisation: f.home.id });
    projectId = project.body.id;
    environment = await createEnvironment('Production');
    await createFeature({
      name: 'banner',
      initial_value: 'hello',
      default_enabled: true,
      description: 'top',
    });
    await createFeature({ name: 'limit', initial_value: '10', default_enabled: false });
    serverKey = (await createServerKey(environment)).key;
  });
  after(() => t.close());

  describe('environment keys', () => {
    it('answers a missing key, an empty one and an unknown one with Flagsmith 403s', async () => {
      const missing = await sdk().get('/api/v1/flags/');
      assert.equal(missing.status, 403);
      assert.deepEqual(missing.body, { detail: 'Invalid or missing Environment key' });
      const empty = await sdk().get('/api/v1/flags/').set('X-Environment-Key', '');
      assert.equal(empty.status, 403);
      assert.deepEqual(empty.body, { detail: 'Invalid or missing Environment key' });
      for (const key of ['not-a-key', `${environment.api_key}x`, 'ser.unknownunknownunknown']) {
        const unknown = await sdk().get('/api/v1/flags/').set('X-Environment-Key', key);
        assert.equal(unknown.status, 403, key);
        assert.deepEqual(unknown.body, { detail: 'Invalid or missing Environment Key' });
      }
    });

    it('accepts the client key and a server key on /flags/, and only a server key on the document', async () => {
      await flags(environment.api_key);
      await flags(serverKey);
      const client = await sdk()
        .get('/api/v1/environment-document/')
        .set('X-Environment-Key', environment.api_key);
      assert.equal(client.status, 403);
      assert.deepEqual(client.body, { detail: 'Invalid or missing Environment key' });
      const server = await sdk().get('/api/v1/environment-document/').set('X-Environment-Key', serverKey);
      assert.equal(server.status, 200, server.text);
      assert.equal(server.body.api_key, environment.api_key);
    });

    it('refuses a server key at once when it is revoked or deleted, though it was cached', async () => {
      const created = await createServerKey(environment, { name: 'to revoke' });
      await flags(created.key);
      const base = `/api/v1/environments/${environment.api_key}/api-keys/${created.id}/`;
      const revoked = await api().patch(base).set(as(f.admin)).send({ active: false });
      assert.equal(revoked.status, 200, revoked.text);
      const refused = await sdk().get('/api/v1/flags/').set('X-Environment-Key', created.key);
      assert.equal(refused.status, 403);
      assert.deepEqual(refused.body, { detail: 'Invalid or missing Environment Key' });
      await api().patch(base).set(as(f.admin)).send({ active: true });
      await flags(created.key);
      assert.equal((await api().delete(base).set(as(f.admin))).status, 204);
      assert.equal((await sdk().get('/api/v1/flags/').set('X-Environment-Key', created.key)).status, 403);
    });

    it('refuses an expired server key, and one that expires while cached', async () => {
      const expired = await createServerKey(environment, { name: 'old', expires_at: '2020-01-01T00:00:00Z' });
      assert.equal((await sdk().get('/api/v1/flags/').set('X-Environment-Key', expired.key)).status, 403);
      const expiresAt = Date.now() + 3000;
      const soon = await createServerKey(environment, {
        name: 'soon',
        expires_at: new Date(expiresAt).toISOString(),
      });
      const before = await sdk().get('/api/v1/flags/').set('X-Environment-Key', soon.key);
      // A machine too busy to answer within the key's life has cached nothing to test; otherwise it was served.
      if (Date.now() < expiresAt) assert.equal(before.status, 200, before.text);
      // Waits for the expiry itself (not a timing assertion): the cached key must stop working from then on.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 100));
      const after = await sdk().get('/api/v1/flags/').set('X-Environment-Key', soon.key);
      assert.equal(after.status, 403);
    });

    it('refuses the keys of the environments of a deleted project and of a deleted organisation', async () => {
      const owner = await signUp(t, 'owner');
      const organisation = await api()
        .post('/api/v1/organisations/')
        .set(as(owner))
        .send({ name: 'Short-lived' });
      const makeProject = async (name: string) =>
        (
          await api()
            .post('/api/v1/projects/')
            .set(as(owner))
            .send({ name, organisation: organisation.body.id })
        ).body as { id: number };
      const projectA = await makeProject('A');
      const projectB = await makeProject('B');
      const envA = await createEnvironment('A', projectA.id, owner);
      const envB = await createEnvironment('B', projectB.id, owner);
      await flags(envA.api_key);
      await flags(envB.api_key);
      assert.equal((await api().delete(`/api/v1/projects/${projectA.id}/`).set(as(owner))).status, 204);
      assert.equal((await sdk().get('/api/v1/flags/').set('X-Environment-Key', envA.api_key)).status, 403);
      await flags(envB.api_key);
      const gone = await api().delete(`/api/v1/organisations/${organisation.body.id}/`).set(as(owner));
      assert.equal(gone.status, 204, gone.text);
      assert.equal((await sdk().get('/api/v1/flags/').set('X-Environment-Key', envB.api_key)).status, 403);
    });

    it('refuses the keys of a deleted environment', async () => {
      const doomed = await createEnvironment('Doomed');
      const doomedServer = await createServerKey(doomed);
      await flags(doomed.api_key);
      await flags(doomedServer.key);
      assert.equal(
        (await api().delete(`/api/v1/environments/${doomed.api_key}/`).set(as(f.admin))).status,
        204,
      );
      for (const key of [doomed.api_key, doomedServer.key]) {
        const refused = await sdk().get('/api/v1/flags/').set('X-Environment-Key', key);
        assert.equal(refused.status, 403, key);
      }
    });
  });

  describe('GET /api/v1/flags/', () => {
    it("prints SDKFeatureStateSerializer's fields in its order, with the environment's defaults", async () => {
      const response = await flags(environment.api_key);
      const banner = (response.body as Record<string, unknown>[]).find(
        (flag) => (flag.feature as { name: string }).name === 'banner',
      ) as Record<string, unknown>;
      assert.deepEqual(Object.keys(banner), [
        'id',
        'feature',
        'feature_state_value',
        'environment',
        'identity',
        'feature_segment',
        'enabled',
      ]);
      const feature = banner.feature as Record<string, unknown>;
      assert.deepEqual(Object.keys(feature), [
        'id',
        'name',
        'created_date',
        'description',
        'initial_value',
        'default_enabled',
        'type',
      ]);
      const state = await stateOf(environment, feature.id as number);
      assert.equal(banner.id, state.id);
      assert.equal(banner.feature_state_value, 'hello');
      assert.equal(banner.environment, environment.id);
      assert.equal(banner.identity, null);
      assert.equal(banner.feature_segment, null);
      assert.equal(banner.enabled, true);
      assert.equal(feature.description, 'top');
      assert.equal(feature.initial_value, 'hello');
      assert.equal(feature.default_enabled, true);
      assert.equal(feature.type, 'STANDARD');
      assert.match(feature.created_date as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
      const limit = (response.body as { feature: { name: string }; feature_state_value: unknown }[]).find(
        (flag) => flag.feature.name === 'limit',
      );
      assert.equal(limit?.feature_state_value, 10);
    });

    it('sends the headers SDKs read: updated-at as epoch seconds, ETag, no-cache, CORS exposure', async () => {
      const response = await flags(environment.api_key);
      const row = (await knex()('environments').where('id', environment.id).first('updated_at')) as {
        updated_at: Date;
      };
      const header = response.headers['x-flagsmith-document-updated-at'] as string;
      assert.match(header, /^\d+\.\d+$/);
      // Milliseconds from the driver's Date; the header keeps the microseconds.
      assert.ok(Math.abs(Number(header) * 1000 - row.updated_at.getTime()) < 1, header);
      assert.match(response.headers.etag as string, /^W\/"\d+\.\d+\.[\w-]{12}\.c"$/);
      assert.equal(response.headers['cache-control'], 'private, no-cache');
      assert.equal(response.headers.pragma, undefined);
      assert.match(response.headers.vary as string, /X-Environment-Key/);
      assert.equal(
        response.headers['access-control-expose-headers'],
        'X-Flagsmith-Document-Updated-At, ETag',
      );
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      const server = await flags(serverKey);
      assert.notEqual(server.headers.etag, response.headers.etag);
    });

    it('answers ?feature= with one flag, matched without regard to case, or 404 as Flagsmith', async () => {
      const one = await flags(environment.api_key, '?feature=BANNER');
      assert.equal(one.body.feature.name, 'banner');
      assert.equal(one.body.feature_state_value, 'hello');
      assert.ok(one.headers['x-flagsmith-document-updated-at']);
      const missing = await sdk()
        .get('/api/v1/flags/?feature=nope')
        .set('X-Environment-Key', environment.api_key);
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { detail: 'Given feature not found' });
    });

    it('honours hide_disabled_flags of the environment, and of the project when the environment has none', async () => {
      const env = await createEnvironment('Hiding');
      await createFeature({ name: 'dark', default_enabled: false });
      assert.ok((await flagNames(env.api_key)).includes('dark'));
      const hide = await api()
        .patch(`/api/v1/environments/${env.api_key}/`)
        .set(as(f.admin))
        .send({ hide_disabled_flags: true });
      assert.equal(hide.status, 200, hide.text);
      const names = await flagNames(env.api_key);
      assert.ok(!names.includes('dark'));
      assert.ok(names.includes('banner'));
      await api()
        .patch(`/api/v1/environments/${env.api_key}/`)
        .set(as(f.admin))
        .send({ hide_disabled_flags: null });
      assert.ok((await flagNames(env.api_key)).includes('dark'));
      const project = await api()
        .patch(`/api/v1/projects/${projectId}/`)
        .set(as(f.admin))
        .send({ hide_disabled_flags: true });
      assert.equal(project.status, 200, project.text);
      assert.ok(!(await flagNames(env.api_key)).includes('dark'));
      await api()
        .patch(`/api/v1/projects/${projectId}/`)
        .set(as(f.admin))
        .send({ hide_disabled_flags: false });
      assert.ok((await flagNames(env.api_key)).includes('dark'));
    });

    it('shows is_server_key_only features to server keys only, even with hide_disabled_flags', async () => {
      const secret = await createFeature({
        name: 'secret_sauce',
        default_enabled: true,
        is_server_key_only: true,
      });
      assert.ok(!(await flagNames(environment.api_key)).includes('secret_sauce'));
      assert.ok((await flagNames(serverKey)).includes('secret_sauce'));
      const single = await sdk()
        .get('/api/v1/flags/?feature=secret_sauce')
        .set('X-Environment-Key', environment.api_key);
      assert.equal(single.status, 404);
      const env = await createEnvironment('Hidden and secret');
      await api()
        .patch(`/api/v1/environments/${env.api_key}/`)
        .set(as(f.admin))
        .send({ hide_disabled_flags: true });
      assert.ok(!(await flagNames(env.api_key)).includes(secret.name));
    });

    it('nulls what hide_sensitive_data names', async () => {
      const env = await createEnvironment('Sensitive');
      await api()
        .patch(`/api/v1/environments/${env.api_key}/`)
        .set(as(f.admin))
        .send({ hide_sensitive_data: true });
      const banner = ((await flags(env.api_key)).body as Record<string, unknown>[]).find(
        (flag) => (flag.feature as { name: string }).name === 'banner',
      ) as Record<string, unknown>;
      assert.equal(banner.id, null);
      assert.equal(banner.environment, null);
      assert.equal(banner.enabled, true);
      assert.deepEqual(banner.feature, {
        id: (banner.feature as { id: number }).id,
        name: 'banner',
        created_date: null,
        description: null,
        initial_value: null,
        default_enabled: null,
        type: 'STANDARD',
      });
    });

    it('answers a matching If-None-Match with 304 and no database access', async () => {
      const first = await flags(environment.api_key);
      const etag = first.headers.etag as string;
      let notModified: request.Response | undefined;
      const queries = await queriesDuring(async () => {
        notModified = await sdk()
          .get('/api/v1/flags/')
          .set('X-Environment-Key', environment.api_key)
          .set('If-None-Match', etag);
      });
      assert.equal(notModified?.status, 304);
      assert.equal(notModified?.text, '');
      assert.equal(notModified?.headers.etag, etag);
      assert.equal(notModified?.headers['cache-control'], 'private, no-cache');
      assert.equal(queries, 0);
      const cachedQueries = await queriesDuring(() => flags(environment.api_key));
      assert.equal(cachedQueries, 0, 'a cached body is served from memory');
      const other = await sdk()
        .get('/api/v1/flags/')
        .set('X-Environment-Key', environment.api_key)
        .set('If-None-Match', 'W/"0.0.c"');
      assert.equal(other.status, 200);
    });

    it('shows a feature-state change made through the API on the very next request, with a new ETag', async () => {
      const before = await flags(environment.api_key);
      const banner = (before.body as { feature: { id: number; name: string } }[]).find(
        (flag) => flag.feature.name === 'banner',
      );
      await setState(environment, banner?.feature.id as number, {
        enabled: false,
        feature_state_value: 'bye',
      });
      const stale = await sdk()
        .get('/api/v1/flags/')
        .set('X-Environment-Key', environment.api_key)
        .set('If-None-Match', before.headers.etag as string);
      assert.equal(stale.status, 200);
      assert.notEqual(stale.headers.etag, before.headers.etag);
      const changed = (
        stale.body as { feature: { name: string }; enabled: boolean; feature_state_value: unknown }[]
      ).find((flag) => flag.feature.name === 'banner');
      assert.equal(changed?.enabled, false);
      assert.equal(changed?.feature_state_value, 'bye');
      assert.ok(
        Number(stale.headers['x-flagsmith-document-updated-at']) >
          Number(before.headers['x-flagsmith-document-updated-at']),
      );
      await setState(environment, banner?.feature.id as number, {
        enabled: true,
        feature_state_value: 'hello',
      });
    });

    it('serves a state scheduled with live_from once that time comes, without a write, under a new ETag', async () => {
      const feature = await api()
        .post(`/api/v1/projects/${projectId}/features/`)
        .set(as(f.admin))
        .send({ name: 'scheduled_banner', default_enabled: true });
      assert.equal(feature.status, 201, feature.text);
      const state = (
        await api()
          .get(`/api/v1/environments/${environment.api_key}/featurestates/?feature=${feature.body.id}`)
          .set(as(f.admin))
      ).body.results[0] as { id: number };
      const liveFrom = new Date(Date.now() + 1500);
      const scheduled = await api()
        .patch(`/api/v1/environments/${environment.api_key}/featurestates/${state.id}/`)
        .set(as(f.admin))
        .send({ live_from: liveFrom.toISOString() });
      assert.equal(scheduled.status, 200, scheduled.text);
      const before = await flags(environment.api_key);
      assert.ok(
        !(before.body as { feature: { name: string } }[]).some(
          (flag) => flag.feature.name === 'scheduled_banner',
        ),
      );
      // Revalidating with the ETag seen before live_from: a 304 until then, the scheduled state after it.
      let after = await sdk()
        .get('/api/v1/flags/')
        .set('X-Environment-Key', environment.api_key)
        .set('If-None-Match', before.headers.etag as string);
      for (let attempt = 0; attempt < 200 && after.status === 304; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        after = await sdk()
          .get('/api/v1/flags/')
          .set('X-Environment-Key', environment.api_key)
          .set('If-None-Match', before.headers.etag as string);
      }
      assert.equal(after.status, 200);
      assert.ok(Date.now() >= liveFrom.getTime(), 'not before live_from');
      assert.notEqual(after.headers.etag, before.headers.etag);
      const live = (after.body as { feature: { name: string }; enabled: boolean }[]).find(
        (flag) => flag.feature.name === 'scheduled_banner',
      );
      assert.equal(live?.enabled, true);
    });

    it("serves each environment its own flags only: another organisation's features never appear", async () => {
      const foreignProject = await api()
        .post('/api/v1/projects/')
        .set(as(f.foreigner))
        .send({ name: 'Elsewhere', organisation: f.away.id });
      assert.equal(foreignProject.status, 201, foreignProject.text);
      const foreignEnv = await createEnvironment('Away', foreignProject.body.id, f.foreigner);
      const response = await api()
        .post(`/api/v1/projects/${foreignProject.body.id}/features/`)
        .set(as(f.foreigner))
        .send({ name: 'foreign_only' });
      assert.equal(response.status, 201, response.text);
      assert.deepEqual(await flagNames(foreignEnv.api_key), ['foreign_only']);
      assert.ok(!(await flagNames(environment.api_key)).includes('foreign_only'));
      const document = await sdk().get('/api/v1/environment-document/').set('X-Environment-Key', serverKey);
      assert.ok(!document.text.includes('foreign_only'));
    });

    it('drops what it cached when another process announces a change over the database channel', async () => {
      const before = await flags(environment.api_key);
      const [, revision] = /^W\/"\d+\.(\d+)\.[\w-]{12}\.c"$/.exec(before.headers.etag as string) ?? [];
      // What another process's write leaves behind: a newer revision in the table, and the notification.
      await knex()('environments')
        .where('id', environment.id)
        .update({ revision: knex().raw('revision + 1'), updated_at: knex().fn.now() });
      await t.ctx.database.notify(environmentChangedChannel, `${environment.id}:${Number(revision) + 1}`);
      let after = await flags(environment.api_key);
      // The notification arrives asynchronously on PostgreSQL's listening connection.
      for (let attempt = 0; attempt < 250 && after.headers.etag === before.headers.etag; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        after = await flags(environment.api_key);
      }
      assert.match(
        after.headers.etag as string,
        new RegExp(`^W/"${environment.id}\\.${Number(revision) + 1}\\.`),
      );
    });

    it('answers a CORS preflight carrying X-Environment-Key on the lane, and exposes the headers to pages', async () => {
      const preflight = await sdk()
        .options('/api/v1/flags/')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'x-environment-key');
      assert.equal(preflight.status, 200);
      assert.equal(preflight.headers['access-control-allow-origin'], '*');
      assert.match(preflight.headers['access-control-allow-headers'] as string, /x-environment-key/);
      const real = await sdk()
        .get('/api/v1/flags/')
        .set('Origin', 'https://app.example')
        .set('X-Environment-Key', environment.api_key);
      assert.equal(real.status, 200);
      assert.equal(real.headers['access-control-allow-origin'], '*');
      assert.match(
        real.headers['access-control-expose-headers'] as string,
        /X-Flagsmith-Document-Updated-At/,
      );
    });

    it('refuses other methods with 405 and an Allow header', async () => {
      const response = await sdk().post('/api/v1/flags/').set('X-Environment-Key', environment.api_key);
      assert.equal(response.status, 405);
      assert.match(response.headers.allow as string, /GET/);
    });
  });

  describe('GET /api/v1/environment-document/', () => {
    it("is the builder's document byte for byte, with Last-Modified, ETag and the updated-at header", async () => {
      const response = await sdk().get('/api/v1/environment-document/').set('X-Environment-Key', serverKey);
      assert.equal(response.status, 200, response.text);
      const built = await buildEnvironmentDocument(t.ctx.transactor.reads, environment.id);
      assert.ok(built);
      assert.equal(response.text, serialiseEnvironmentDocument(built.document));
      assert.equal(
        response.headers['x-flagsmith-document-updated-at'],
        documentUpdatedAtSeconds(built.updatedAt),
      );
      assert.equal(
        response.headers['last-modified'],
        new Date(Math.floor(Date.parse(built.updatedAt) / 1000) * 1000).toUTCString(),
      );
      assert.match(response.headers.etag as string, /\.d"$/);
      const byTag = await sdk()
        .get('/api/v1/environment-document/')
        .set('X-Environment-Key', serverKey)
        .set('If-None-Match', response.headers.etag as string);
      assert.equal(byTag.status, 304);
      const byDate = await sdk()
        .get('/api/v1/environment-document/')
        .set('X-Environment-Key', serverKey)
        .set('If-Modified-Since', response.headers['last-modified'] as string);
      assert.equal(byDate.status, 304);
      const older = await sdk()
        .get('/api/v1/environment-document/')
        .set('X-Environment-Key', serverKey)
        .set('If-Modified-Since', new Date(Date.parse(built.updatedAt) - 60_000).toUTCString());
      assert.equal(older.status, 200);
    });
  });

  describe('what else the document carries', () => {
    it('shows a renamed organisation and project at once', async () => {
      const read = async () =>
        (await sdk().get('/api/v1/environment-document/').set('X-Environment-Key', serverKey)).body as {
          project: { name: string; organisation: { name: string } };
        };
      await read();
      const organisation = await api()
        .patch(`/api/v1/organisations/${f.home.id}/`)
        .set(as(f.admin))
        .send({ name: 'Renamed home' });
      assert.equal(organisation.status, 200, organisation.text);
      assert.equal((await read()).project.organisation.name, 'Renamed home');
      const project = await api()
        .patch(`/api/v1/projects/${projectId}/`)
        .set(as(f.admin))
        .send({ name: 'SDK 2' });
      assert.equal(project.status, 200, project.text);
      assert.equal((await read()).project.name, 'SDK 2');
    });
  });

  describe('the cache identity evaluation reads', () => {
    it('gives the compiled environment of a key at its current revision, and nothing for an unknown key', async () => {
      const cache = new SdkEnvironmentCache({
        scope: t.ctx.transactor.reads,
        // resolveEnvironmentKey asks no policy: it answers whoever holds the key.
        keys: new EnvironmentKeyCache(new EnvironmentStore(undefined as never), t.ctx.transactor.reads),
        maxAgeSeconds: [0, 0],
        logger: t.ctx.logger,
      });
      const current = await cache.current(environment.api_key);
      assert.ok(current);
      const row = (await knex()('environments').where('id', environment.id).first('revision')) as {
        revision: number;
      };
      assert.equal(current.revision, row.revision);
      assert.equal(current.environment.apiKey, environment.api_key);
      assert.equal(current.serverSide, false);
      assert.equal((await cache.current(serverKey))?.serverSide, true);
      const result = evaluate(current.compiled, { identifier: 'someone', traits: {} });
      assert.equal(result.flags.banner?.value, 'hello');
      assert.equal(await cache.current('nobody-has-this-key'), undefined);
    });
  });

  describe('POST /api/v1/analytics/flags/', () => {
    it('adds counts per feature per hour, skipping unknown names and non-integers', async () => {
      const env = await createEnvironment('Counting');
      const post = (body: unknown) =>
        sdk()
          .post('/api/v1/analytics/flags/')
          .set('X-Environment-Key', env.api_key)
          .send(body as object);
      const first = await post({ banner: 3, limit: 2, unknown_feature: 5, banner_typo: 1 });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.text, '');
      assert.equal((await post({ banner: 4, limit: 'many', dark: true })).status, 200);
      const rows = await new AnalyticsStore().list(t.ctx.transactor.reads, env.id);
      const features = (await knex()('features').where('project_id', projectId).select('id', 'name')) as {
        id: number;
        name: string;
      }[];
      const nameOf = new Map(features.map((feature) => [feature.id, feature.name]));
      assert.deepEqual(rows.map((row) => [nameOf.get(row.feature_id), row.count]).sort(), [
        ['banner', 7],
        ['limit', 2],
      ]);
      for (const row of rows) assert.equal(row.hour.getTime() % 3_600_000, 0);
    });

    it('answers a body that is not an object with 400 naming non_field_errors, and a bad key with 403', async () => {
      const array = await sdk()
        .post('/api/v1/analytics/flags/')
        .set('X-Environment-Key', environment.api_key)
        .send([1, 2]);
      assert.equal(array.status, 400);
      assert.deepEqual(array.body, { non_field_errors: ['Expected a JSON object.'] });
      const malformed = await sdk()
        .post('/api/v1/analytics/flags/')
        .set('X-Environment-Key', environment.api_key)
        .set('Content-Type', 'application/json')
        .send('{"banner": ');
      assert.equal(malformed.status, 400);
      const refused = await sdk().post('/api/v1/analytics/flags/').send({ banner: 1 });
      assert.equal(refused.status, 403);
    });
  });
});

describe('SDK answers with compression, an access log and a list of CORS origins', () => {
  let t: TestApp;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vexil-sdk-log-'));
    t = await createTestApp({
      ENABLE_GZIP_COMPRESSION: 'true',
      ACCESS_LOG_LOCATION: path.join(dir, 'access.log'),
      CORS_ALLOWED_ORIGINS: 'https://app.example',
    });
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every Vary reason, compresses the cached body and answers 304 to the same ETag', async () => {
    const f = await createTenancy(t);
    const project = await request(t.app)
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'Zipped', organisation: f.home.id });
    const environment = await request(t.app)
      .post('/api/v1/environments/')
      .set(as(f.admin))
      .send({ name: 'Z', project: project.body.id });
    for (let i = 0; i < 30; i++)
      await request(t.app)
        .post(`/api/v1/projects/${project.body.id}/features/`)
        .set(as(f.admin))
        .send({ name: `zipped_feature_${i}`, initial_value: `a value long enough to compress ${i}` });
    const handler = buildRequestHandler(t.ctx);
    const response = await request(handler)
      .get('/api/v1/flags/')
      .set('X-Environment-Key', environment.body.api_key)
      .set('Origin', 'https://app.example')
      .set('Accept-Encoding', 'gzip');
    assert.equal(response.status, 200, response.text);
    assert.equal(response.headers['content-encoding'], 'gzip');
    assert.equal((response.body as unknown[]).length, 30);
    const vary = (response.headers.vary as string).split(/,\s*/);
    for (const reason of ['Origin', 'X-Environment-Key', 'Accept-Encoding'])
      assert.ok(vary.includes(reason), vary.join());
    assert.equal(response.headers['access-control-allow-origin'], 'https://app.example');
    const again = await request(handler)
      .get('/api/v1/flags/')
      .set('X-Environment-Key', environment.body.api_key)
      .set('If-None-Match', response.headers.etag as string);
    assert.equal(again.status, 304);
  });
});
