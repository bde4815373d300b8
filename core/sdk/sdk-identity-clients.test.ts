import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createFlagsmithInstance } from 'flagsmith/isomorphic';
import { Flagsmith } from 'flagsmith-nodejs';
import { pino } from 'pino';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { buildRequestHandler } from '../app.js';
import { as, createTenancy, type Tenancy } from '../organisations/tenancy-test-fixture.js';

// The clients whose versions clash with the root's live in test/sdk-clients (own package.json and lockfile).
const clientsPackage = new URL('../../test/sdk-clients/package.json', import.meta.url);
const requireClient = createRequire(clientsPackage);
const cliBin = path.join(path.dirname(fileURLToPath(clientsPackage)), 'node_modules', '.bin', 'flagsmith');
const run = promisify(execFile);

interface OpenFeatureClient {
  getBooleanValue(key: string, fallback: boolean, context?: object): Promise<boolean>;
  getStringValue(key: string, fallback: string, context?: object): Promise<string>;
}
interface OpenFeatureApi {
  setProviderAndWait(provider: unknown): Promise<void>;
  getClient(): OpenFeatureClient;
  clearProviders(): Promise<void>;
}

describe("Flagsmith's SDKs, CLI and OpenFeature provider identify against Vexil", function () {
  // Child processes and SDK retries on a busy machine: a bound, not a timing assertion.
  this.timeout(60_000);
  let t: TestApp;
  let f: Tenancy;
  let server: Server;
  let baseUrl: string;
  let apiUrl: string;
  let environment: { id: number; api_key: string };
  let serverKey: string;
  let workDir: string;
  const api = () => request(t.app);
  const quiet = pino({ level: 'silent' });

  const created = async (route: string, body: object) => {
    const response = await api().post(route).set(as(f.admin)).send(body);
    assert.equal(response.status, 201, response.text);
    return response.body as { id: number; api_key: string; key: string };
  };
  const storedTraits = async (identifier: string) =>
    Object.fromEntries(
      (
        (await t.ctx.database
          .knex('traits')
          .join('identities', 'identities.id', 'traits.identity_id')
          .where({ 'identities.environment_id': environment.id, 'identities.identifier': identifier })
          .select('trait_key', 'value_type')) as { trait_key: string; value_type: string }[]
      ).map((row) => [row.trait_key, row.value_type]),
    );

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    server = createServer(buildRequestHandler(t.ctx));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    apiUrl = `${baseUrl}/api/v1/`;
    const project = await created('/api/v1/projects/', { name: 'Identify', organisation: f.home.id });
    environment = (await created('/api/v1/environments/', { name: 'Prod', project: project.id })) as never;
    serverKey = (await created(`/api/v1/environments/${environment.api_key}/api-keys/`, { name: 'b' })).key;
    await created(`/api/v1/projects/${project.id}/features/`, {
      name: 'banner',
      initial_value: 'hello',
      default_enabled: true,
    });
    await created(`/api/v1/projects/${project.id}/features/`, { name: 'dark_mode', default_enabled: false });
    const colour = await created(`/api/v1/projects/${project.id}/features/`, {
      name: 'colour',
      initial_value: 'red',
      default_enabled: true,
    });
    await created(`/api/v1/projects/${project.id}/features/${colour.id}/mv-options/`, {
      type: 'unicode',
      string_value: 'green',
      default_percentage_allocation: 100,
    });
    // One identity with an override, so that values differ from the environment's.
    const vip = await created(`/api/v1/environments/${environment.api_key}/identities/`, {
      identifier: 'vip',
    });
    const features = await api().get(`/api/v1/projects/${project.id}/features/`).set(as(f.admin));
    const darkMode = (features.body.results as { id: number; name: string }[]).find(
      (x) => x.name === 'dark_mode',
    );
    await created(`/api/v1/environments/${environment.api_key}/identities/${vip.id}/featurestates/`, {
      feature: darkMode?.id,
      enabled: true,
      feature_state_value: 'midnight',
    });
    workDir = await mkdtemp(path.join(tmpdir(), 'vexil-cli-'));
  });
  after(async () => {
    server.close();
    await t.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('flagsmith-nodejs 8 getIdentityFlags sends traits (stored, typed) and transient ones (not stored)', async () => {
    const client = new Flagsmith({ environmentKey: serverKey, apiUrl, logger: quiet });
    try {
      const flags = await client.getIdentityFlags('node-user', {
        age: 30,
        ratio: 1.5,
        beta: true,
        session: { value: 'abc', transient: true },
      });
      assert.equal(flags.getFeatureValue('banner'), 'hello');
      assert.equal(flags.getFeatureValue('colour'), 'green');
      assert.equal(flags.isFeatureEnabled('dark_mode'), false);
      assert.deepEqual(await storedTraits('node-user'), { age: 'int', ratio: 'float', beta: 'bool' });
      const vip = await client.getIdentityFlags('vip', {});
      assert.equal(vip.isFeatureEnabled('dark_mode'), true);
      assert.equal(vip.getFeatureValue('dark_mode'), 'midnight');
      await client.getIdentityFlags('passing-node', { plan: 'pro' }, true);
      const stored = await t.ctx.database
        .knex('identities')
        .where({ environment_id: environment.id, identifier: 'passing-node' })
        .first('id');
      assert.equal(stored, undefined);
    } finally {
      await client.close();
    }
  });

  it('the flagsmith JS client 10 identifies with traits and sets a trait', async () => {
    const client = createFlagsmithInstance();
    await client.init({
      environmentID: environment.api_key,
      api: apiUrl,
      fetch: globalThis.fetch,
      enableAnalytics: false,
    });
    await client.identify('vip', { plan: 'gold' });
    assert.equal(client.hasFeature('dark_mode'), true);
    assert.equal(client.getValue('dark_mode'), 'midnight');
    assert.equal(client.getTrait('plan'), 'gold');
    await client.setTrait('seats', 12);
    assert.equal(client.getTrait('seats'), 12);
    assert.deepEqual(await storedTraits('vip'), { plan: 'unicode', seats: 'int' });
  });

  it('flagsmith-cli writes environment flags, identity flags with traits, and the environment document', async () => {
    const flagsFile = path.join(workDir, 'flags.json');
    await run(cliBin, ['get', environment.api_key, '-a', apiUrl, '-o', flagsFile]);
    const state = JSON.parse(await readFile(flagsFile, 'utf8'));
    assert.equal(state.flags.banner.value, 'hello');
    // Without -i the CLI still identifies (`{"traits": []}`): a transient identity, bucketed into green.
    assert.equal(state.flags.colour.value, 'green');
    assert.equal(state.flags.dark_mode.value, null);
    assert.equal(state.flags.dark_mode.enabled, false);

    const identityFile = path.join(workDir, 'identity.json');
    await run(cliBin, [
      'get',
      environment.api_key,
      '-a',
      apiUrl,
      '-o',
      identityFile,
      '-i',
      'vip',
      '-t',
      'age=30',
    ]);
    const identity = JSON.parse(await readFile(identityFile, 'utf8'));
    assert.equal(identity.flags.dark_mode.enabled, true);
    assert.equal(identity.flags.dark_mode.value, 'midnight');
    assert.equal(identity.flags.colour.value, 'green');
    // The CLI sends trait values as the strings it parsed.
    assert.equal((await storedTraits('vip')).age, 'unicode');

    const documentFile = path.join(workDir, 'document.json');
    await run(cliBin, ['get', serverKey, '-a', apiUrl, '-o', documentFile, '-e', 'environment']);
    // The CLI writes the document after its command returns: wait for the file (bounded).
    let document: { api_key?: string; feature_states?: unknown[] } = {};
    for (let attempt = 0; attempt < 50 && document.api_key === undefined; attempt++) {
      try {
        document = JSON.parse(await readFile(documentFile, 'utf8'));
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.equal(document.api_key, environment.api_key);
    assert.equal(document.feature_states?.length, 3);
  });

  it('the OpenFeature Flagsmith provider (flagsmith-nodejs 6) resolves values with a targeting key and attributes', async () => {
    const { OpenFeature } = requireClient('@openfeature/server-sdk') as { OpenFeature: OpenFeatureApi };
    const { FlagsmithOpenFeatureProvider } = requireClient('@openfeature/flagsmith-provider') as {
      FlagsmithOpenFeatureProvider: new (client: unknown, config?: object) => unknown;
    };
    const { Flagsmith: Flagsmith6 } = requireClient('flagsmith-nodejs') as {
      Flagsmith: new (options: object) => { close?: () => Promise<void> };
    };
    const flagsmith = new Flagsmith6({ environmentKey: serverKey, apiUrl });
    await OpenFeature.setProviderAndWait(new FlagsmithOpenFeatureProvider(flagsmith));
    try {
      const client = OpenFeature.getClient();
      assert.equal(
        await client.getBooleanValue('dark_mode', true, { targetingKey: 'someone', plan: 'free' }),
        false,
      );
      assert.equal(await client.getBooleanValue('dark_mode', false, { targetingKey: 'vip' }), true);
      assert.equal(
        await client.getStringValue('colour', 'none', { targetingKey: 'of-user', traits: { tier: 3 } }),
        'green',
      );
      assert.equal(await client.getStringValue('banner', 'none', { targetingKey: 'of-user' }), 'hello');
      assert.equal((await storedTraits('of-user')).tier, 'int');
    } finally {
      await OpenFeature.clearProviders();
      await flagsmith.close?.();
    }
  });
});
