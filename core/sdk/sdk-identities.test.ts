import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import type { RequestListener } from 'node:http';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { buildRequestHandler } from '../app.js';
import { hashedPercentage } from '../evaluation/index.js';
import { as, createTenancy, type Tenancy } from '../organisations/tenancy-test-fixture.js';

interface Environment {
  id: number;
  api_key: string;
}
interface Flag {
  id: number | null;
  feature: { id: number; name: string; type: string };
  feature_state_value: unknown;
  environment: number | null;
  identity: number | null;
  feature_segment: number | null;
  enabled: boolean;
  variant: string | null;
}
interface Trait {
  id: number | null;
  trait_key: string;
  trait_value: unknown;
  transient: boolean;
}

describe('SDK identities: /api/v1/identities/ and /api/v1/traits/ on the lean lane', () => {
  let t: TestApp;
  let f: Tenancy;
  let handler: RequestListener;
  let projectId: number;
  let environment: Environment;
  let serverKey: string;
  let colour: { id: number };
  const api = () => request(t.app);
  const sdk = () => request(handler);
  const knex = () => t.ctx.database.knex;

  const created = async (path: string, body: object, who = f.admin) => {
    const response = await api().post(path).set(as(who)).send(body);
    assert.equal(response.status, 201, response.text);
    return response.body as { id: number; name: string; api_key: string };
  };
  const createFeature = (body: object, project = projectId) =>
    created(`/api/v1/projects/${project}/features/`, body);
  const createEnvironment = async (name: string, project = projectId, who = f.admin) =>
    (await created('/api/v1/environments/', { name, project }, who)) as Environment;
  const patchEnvironment = async (env: Environment, body: object) => {
    const response = await api().patch(`/api/v1/environments/${env.api_key}/`).set(as(f.admin)).send(body);
    assert.equal(response.status, 200, response.text);
  };
  /** POSTs a body as raw JSON text, so that `2.0` reaches the server as written. */
  const post = (path: string, key: string, json: string) =>
    sdk().post(path).set('X-Environment-Key', key).set('Content-Type', 'application/json').send(json);
  const identify = async (key: string, body: object | string) => {
    const response = await post(
      '/api/v1/identities/',
      key,
      typeof body === 'string' ? body : JSON.stringify(body),
    );
    assert.equal(response.status, 200, response.text);
    return response;
  };
  const getIdentity = (key: string, query: string) =>
    sdk().get(`/api/v1/identities/?${query}`).set('X-Environment-Key', key);
  const storedTraits = async (env: Environment, identifier: string) =>
    (await knex()('traits')
      .join('identities', 'identities.id', 'traits.identity_id')
      .where({ 'identities.environment_id': env.id, 'identities.identifier': identifier })
      .orderBy('traits.id')
      .select(
        'trait_key',
        'value_type',
        'integer_value',
        'float_value',
        'string_value',
        'boolean_value',
      )) as {
      trait_key: string;
      value_type: string;
      string_value: string | null;
    }[];
  const identityExists = async (env: Environment, identifier: string) =>
    (await knex()('identities').where({ environment_id: env.id, identifier }).first('id')) !== undefined;
  const flagOf = (body: { flags: Flag[] }, name: string) =>
    body.flags.find((flag) => flag.feature.name === name);
  /** The statements the database runs while `work` runs. */
  const statementsDuring = async (work: () => Promise<unknown>) => {
    const statements: string[] = [];
    const onQuery = (query: { sql: string }) => {
      statements.push(query.sql);
    };
    knex().on('query', onQuery);
    try {
      await work();
    } finally {
      knex().removeListener('query', onQuery);
    }
    return statements;
  };

  before(async () => {
    t = await createTestApp();
    handler = buildRequestHandler(t.ctx);
    f = await createTenancy(t);
    projectId = (await created('/api/v1/projects/', { name: 'SDK identities', organisation: f.home.id })).id;
    environment = await createEnvironment('Production');
    await createFeature({
      name: 'banner',
      initial_value: 'hello',
      default_enabled: true,
      description: 'top',
    });
    await createFeature({ name: 'limit', initial_value: '10', default_enabled: false });
    await createFeature({ name: 'backend_only', default_enabled: true, is_server_key_only: true });
    colour = await createFeature({ name: 'colour', initial_value: 'red', default_enabled: true });
    await created(`/api/v1/projects/${projectId}/features/${colour.id}/mv-options/`, {
      type: 'unicode',
      string_value: 'green',
      key: 'green-key',
      default_percentage_allocation: 100,
    });
    serverKey = (await created(`/api/v1/environments/${environment.api_key}/api-keys/`, {
      name: 'backend',
    })) as unknown as string;
    serverKey = (serverKey as unknown as { key: string }).key;
  });
  after(() => t.close());

  describe('GET /api/v1/identities/', () => {
    it('answers a missing identifier with Flagsmith’s 200 and the key errors with its 403s', async () => {
      const missing = await getIdentity(environment.api_key, '');
      assert.equal(missing.status, 200);
      assert.deepEqual(missing.body, { detail: 'Missing identifier' });
      const noKey = await sdk().get('/api/v1/identities/?identifier=a');
      assert.equal(noKey.status, 403);
      assert.deepEqual(noKey.body, { detail: 'Invalid or missing Environment key' });
      const unknown = await getIdentity('nope', 'identifier=a');
      assert.equal(unknown.status, 403);
      assert.deepEqual(unknown.body, { detail: 'Invalid or missing Environment Key' });
    });

    it('creates the identity and answers identifier, traits, flags in that order, flags as /flags/ plus variant', async () => {
      assert.equal(await identityExists(environment, 'get-user'), false);
      const response = await getIdentity(environment.api_key, 'identifier=get-user');
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(Object.keys(response.body), ['identifier', 'traits', 'flags']);
      assert.equal(response.body.identifier, 'get-user');
      assert.deepEqual(response.body.traits, []);
      assert.equal(await identityExists(environment, 'get-user'), true);
      assert.match(response.headers['cache-control'] ?? '', /no-cache/);
      assert.match(response.headers.vary ?? '', /X-Environment-Key/);
      const environmentFlags = await sdk()
        .get('/api/v1/flags/')
        .set('X-Environment-Key', environment.api_key);
      const banner = flagOf(response.body, 'banner') as Flag;
      const plain = (environmentFlags.body as Flag[]).find((flag) => flag.feature.name === 'banner');
      assert.deepEqual(banner, { ...plain, variant: null });
      assert.deepEqual(Object.keys(banner), [
        'id',
        'feature',
        'feature_state_value',
        'environment',
        'identity',
        'feature_segment',
        'enabled',
        'variant',
      ]);
      // The whole colour bucket belongs to green: its option key is the variant.
      const mv = flagOf(response.body, 'colour') as Flag;
      assert.equal(mv.feature_state_value, 'green');
      assert.equal(mv.variant, 'green-key');
      // A client key never sees is_server_key_only features; a server key does.
      assert.equal(flagOf(response.body, 'backend_only'), undefined);
      const server = await getIdentity(serverKey, 'identifier=get-user');
      assert.equal(flagOf(server.body, 'backend_only')?.enabled, true);
    });

    it('with transient=true creates nothing, and refuses a transient that is not a boolean', async () => {
      const response = await getIdentity(environment.api_key, 'identifier=passer-by&transient=true');
      assert.equal(response.status, 200, response.text);
      assert.equal(response.body.identifier, 'passer-by');
      assert.equal(await identityExists(environment, 'passer-by'), false);
      const bad = await getIdentity(environment.api_key, 'identifier=x&transient=maybe');
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body, { transient: ['Must be a valid boolean.'] });
    });

    it('answers ?feature= with that one flag, or Flagsmith’s 404', async () => {
      const one = await getIdentity(environment.api_key, 'identifier=get-user&feature=colour');
      assert.equal(one.status, 200, one.text);
      assert.equal(one.body.feature.name, 'colour');
      assert.equal(one.body.variant, 'green-key');
      const none = await getIdentity(environment.api_key, 'identifier=get-user&feature=nothing');
      assert.equal(none.status, 404);
      assert.deepEqual(none.body, { detail: 'Given feature not found' });
    });
  });

  describe('POST /api/v1/identities/', () => {
    it('stores typed traits: 2 stays an int and 2.0 a float, through the database and back', async () => {
      const response = await identify(
        environment.api_key,
        '{"identifier":"typed","traits":[{"trait_key":"i","trait_value":2},{"trait_key":"f","trait_value":2.0},' +
          '{"trait_key":"b","trait_value":true},{"trait_key":"s","trait_value":"2"},{"trait_key":"o","trait_value":{"a":[1]}}]}',
      );
      assert.match(response.text, /"trait_key":"i","trait_value":2,/);
      assert.match(response.text, /"trait_key":"f","trait_value":2\.0,/);
      assert.deepEqual(
        (response.body.traits as Trait[]).map((trait) => [
          trait.trait_key,
          trait.trait_value,
          trait.transient,
        ]),
        [
          ['i', 2, false],
          ['f', 2, false],
          ['b', true, false],
          ['s', '2', false],
          // Python's str() of anything else.
          ['o', "{'a': [1]}", false],
        ],
      );
      assert.ok((response.body.traits as Trait[]).every((trait) => typeof trait.id === 'number'));
      assert.deepEqual(
        (await storedTraits(environment, 'typed')).map((row) => [row.trait_key, row.value_type]),
        [
          ['i', 'int'],
          ['f', 'float'],
          ['b', 'bool'],
          ['s', 'unicode'],
          ['o', 'unicode'],
        ],
      );
      const again = await getIdentity(environment.api_key, 'identifier=typed');
      assert.match(again.text, /"trait_key":"i","trait_value":2,/);
      assert.match(again.text, /"trait_key":"f","trait_value":2\.0,/);
    });

    it('does no write when the traits sent are those stored: one indexed read', async () => {
      const body = {
        identifier: 'steady',
        traits: [
          { trait_key: 'age', trait_value: 30 },
          { trait_key: 'r', trait_value: 1.5 },
        ],
      };
      await identify(environment.api_key, body);
      const statements = await statementsDuring(() => identify(environment.api_key, body));
      assert.equal(statements.length, 1, statements.join('\n'));
      assert.match(statements[0] as string, /^select /);
      // A changed value is written.
      const changed = await statementsDuring(() =>
        identify(environment.api_key, {
          identifier: 'steady',
          traits: [{ trait_key: 'age', trait_value: 31 }],
        }),
      );
      assert.ok(
        changed.some((sql) => /insert into "traits"/i.test(sql)),
        changed.join('\n'),
      );
      assert.equal((await storedTraits(environment, 'steady')).length, 2);
    });

    it('deletes a trait sent as null, keeps per-trait transient ones out of the database', async () => {
      await identify(environment.api_key, {
        identifier: 'mixed',
        traits: [
          { trait_key: 'keep', trait_value: 'x' },
          { trait_key: 'drop', trait_value: 'y' },
        ],
      });
      const response = await identify(environment.api_key, {
        identifier: 'mixed',
        traits: [
          { trait_key: 'drop', trait_value: null },
          { trait_key: 'session', trait_value: 'abc', transient: true },
        ],
      });
      assert.deepEqual(
        (response.body.traits as Trait[]).map((trait) => [
          trait.trait_key,
          trait.transient,
          trait.id === null,
        ]),
        [
          ['keep', false, false],
          ['session', true, true],
        ],
      );
      assert.deepEqual(
        (await storedTraits(environment, 'mixed')).map((row) => row.trait_key),
        ['keep'],
      );
    });

    it('with transient: true overlays the given traits on what is stored and stores nothing', async () => {
      const response = await identify(environment.api_key, {
        identifier: 'mixed',
        transient: true,
        traits: [{ trait_key: 'keep', trait_value: 'overlaid' }],
      });
      assert.deepEqual(response.body.traits, [
        { id: null, trait_key: 'keep', trait_value: 'overlaid', transient: true },
      ]);
      assert.equal((await storedTraits(environment, 'mixed'))[0]?.string_value, 'x');
      await identify(environment.api_key, { identifier: 'ghost', transient: true, traits: [] });
      assert.equal(await identityExists(environment, 'ghost'), false);
    });

    it('without an identifier answers a transient identity named by the sha256 of its sorted traits', async () => {
      const response = await identify(environment.api_key, {
        traits: [
          { trait_key: 'plan', trait_value: 'pro' },
          { trait_key: 'age', trait_value: 30 },
          { trait_key: 'beta', trait_value: true },
        ],
      });
      const expected = createHash('sha256').update('age30betaTrueplanpro').digest('hex');
      assert.equal(response.body.identifier, expected);
      assert.ok((response.body.traits as Trait[]).every((trait) => trait.id === null && trait.transient));
      assert.equal(await identityExists(environment, expected), false);
      // flagsmith-cli's body: no traits, a random identifier.
      const cli = await identify(environment.api_key, { traits: [] });
      assert.match(cli.body.identifier, /^[0-9a-f]{32}$/);
      assert.ok(flagOf(cli.body, 'banner'));
    });

    it('puts the identity override before the default, with identity set and the state’s id', async () => {
      const identity = await created(`/api/v1/environments/${environment.api_key}/identities/`, {
        identifier: 'overridden',
      });
      const banner = flagOf(
        (await identify(environment.api_key, { identifier: 'overridden' })).body,
        'banner',
      ) as Flag;
      const override = await created(
        `/api/v1/environments/${environment.api_key}/identities/${identity.id}/featurestates/`,
        { feature: banner.feature.id, enabled: false, feature_state_value: 'bye' },
      );
      const after = flagOf(
        (await identify(environment.api_key, { identifier: 'overridden' })).body,
        'banner',
      ) as Flag;
      assert.equal(after.enabled, false);
      assert.equal(after.feature_state_value, 'bye');
      assert.equal(after.identity, identity.id);
      assert.equal(after.id, override.id);
      assert.notEqual(after.id, banner.id);
      // Others still get the default.
      const other = flagOf(
        (await identify(environment.api_key, { identifier: 'someone' })).body,
        'banner',
      ) as Flag;
      assert.equal(other.feature_state_value, 'hello');
      assert.equal(other.identity, null);
    });

    it('puts the identity override before segment overrides, and the lowest priority segment before others', async () => {
      const env = await createEnvironment('Segmented');
      const segment = async (name: string, condition: object) =>
        created(`/api/v1/projects/${projectId}/segments/`, {
          name,
          project: projectId,
          rules: [
            { type: 'ALL', rules: [{ type: 'ANY', rules: [], conditions: [condition] }], conditions: [] },
          ],
        });
      const pro = await segment('pro users', { operator: 'EQUAL', property: 'plan', value: 'pro' });
      const paying = await segment('paying users', { operator: 'IN', property: 'plan', value: 'pro,team' });
      const banner = flagOf((await identify(env.api_key, { identifier: 'seg-0' })).body, 'banner') as Flag;
      const override = async (segmentId: number, value: string, priority: number) =>
        (await created(
          `/api/v1/environments/${env.api_key}/features/${banner.feature.id}/create-segment-override/`,
          {
            enabled: true,
            feature_state_value: {
              type: 'unicode',
              string_value: value,
              integer_value: null,
              boolean_value: null,
            },
            feature_segment: { segment: segmentId, priority },
          },
        )) as unknown as { id: number; feature_segment: { id: number; priority: number } };
      const forPaying = await override(paying.id, 'for paying', 1);
      const forPro = await override(pro.id, 'for pro', 0);
      const listed = await api()
        .get(`/api/v1/features/feature-segments/?environment=${env.id}&feature=${banner.feature.id}`)
        .set(as(f.admin));
      const priorityOf = new Map(
        (listed.body.results as { segment: number; priority: number }[]).map((row) => [
          row.segment,
          row.priority,
        ]),
      );
      assert.ok((priorityOf.get(pro.id) as number) < (priorityOf.get(paying.id) as number), listed.text);
      const asPlan = async (identifier: string, plan: string) =>
        flagOf(
          (await identify(env.api_key, { identifier, traits: [{ trait_key: 'plan', trait_value: plan }] }))
            .body,
          'banner',
        ) as Flag;
      const proFlag = await asPlan('seg-pro', 'pro');
      assert.equal(proFlag.feature_state_value, 'for pro');
      assert.equal(proFlag.id, forPro.id);
      assert.equal(proFlag.feature_segment, forPro.feature_segment.id);
      assert.equal(proFlag.identity, null);
      const teamFlag = await asPlan('seg-team', 'team');
      assert.equal(teamFlag.feature_state_value, 'for paying');
      assert.equal(teamFlag.feature_segment, forPaying.feature_segment.id);
      const freeFlag = await asPlan('seg-free', 'free');
      assert.equal(freeFlag.feature_state_value, 'hello');
      assert.equal(freeFlag.feature_segment, null);
      assert.equal(freeFlag.id, banner.id);
      // The identity's own override beats both segments.
      const identity = (await knex()('identities')
        .where({ environment_id: env.id, identifier: 'seg-pro' })
        .first('id')) as {
        id: number;
      };
      const own = await created(
        `/api/v1/environments/${env.api_key}/identities/${identity.id}/featurestates/`,
        {
          feature: banner.feature.id,
          enabled: false,
          feature_state_value: 'mine',
        },
      );
      const mine = await asPlan('seg-pro', 'pro');
      assert.equal(mine.feature_state_value, 'mine');
      assert.equal(mine.enabled, false);
      assert.equal(mine.id, own.id);
      assert.equal(mine.identity, identity.id);
      assert.equal(mine.feature_segment, null);
    });

    it('applies an identity’s stored overrides when the document leaves them out, and to a numeric identifier', async () => {
      const env = await createEnvironment('Remote overrides only');
      await patchEnvironment(env, { use_identity_overrides_in_local_eval: false });
      const document = await sdk()
        .get('/api/v1/environment-document/')
        .set(
          'X-Environment-Key',
          (
            (await created(`/api/v1/environments/${env.api_key}/api-keys/`, { name: 'd' })) as unknown as {
              key: string;
            }
          ).key,
        );
      assert.deepEqual(document.body.identity_overrides, []);
      const banner = flagOf((await identify(env.api_key, { identifier: 'x' })).body, 'banner') as Flag;
      for (const identifier of ['remote-only', '007']) {
        const identity = await created(`/api/v1/environments/${env.api_key}/identities/`, { identifier });
        const override = await created(
          `/api/v1/environments/${env.api_key}/identities/${identity.id}/featurestates/`,
          {
            feature: banner.feature.id,
            enabled: true,
            feature_state_value: `for ${identifier}`,
          },
        );
        // Its colour override sends the whole bucket to the control value: variant "control".
        await created(`/api/v1/environments/${env.api_key}/identities/${identity.id}/featurestates/`, {
          feature: colour.id,
          enabled: true,
          feature_state_value: 'black',
          multivariate_feature_state_values: [],
        });
        const body = (await identify(env.api_key, { identifier })).body;
        const flag = flagOf(body, 'banner') as Flag;
        assert.equal(flag.feature_state_value, `for ${identifier}`, identifier);
        assert.equal(flag.id, override.id);
        assert.equal(flag.identity, identity.id);
        const mv = flagOf(body, 'colour') as Flag;
        assert.equal(mv.feature_state_value, 'black', identifier);
        assert.equal(mv.variant, 'control', identifier);
      }
      // With the document carrying overrides, "007" is still served its own (Flagsmith links them by id).
      await patchEnvironment(env, { use_identity_overrides_in_local_eval: true });
      assert.equal(
        flagOf((await identify(env.api_key, { identifier: '007' })).body, 'banner')?.feature_state_value,
        'for 007',
      );
      assert.equal(
        flagOf((await identify(env.api_key, { identifier: 'remote-only' })).body, 'banner')
          ?.feature_state_value,
        'for remote-only',
      );
    });

    it('drops a client key’s traits without allow_client_traits; a server key still stores them', async () => {
      const env = await createEnvironment('No client traits');
      await patchEnvironment(env, { allow_client_traits: false });
      const server = await created(`/api/v1/environments/${env.api_key}/api-keys/`, { name: 'b' });
      const body = { identifier: 'u', traits: [{ trait_key: 'age', trait_value: 3 }] };
      const client = await identify(env.api_key, body);
      assert.deepEqual(client.body.traits, []);
      assert.deepEqual(await storedTraits(env, 'u'), []);
      const stored = await identify((server as unknown as { key: string }).key, body);
      assert.equal(stored.body.traits[0].trait_value, 3);
      assert.equal((await storedTraits(env, 'u')).length, 1);
      const single = await post(
        '/api/v1/traits/',
        env.api_key,
        JSON.stringify({ identity: { identifier: 'u' }, trait_key: 'age', trait_value: 4 }),
      );
      assert.equal(single.status, 400);
      assert.deepEqual(single.body, { non_field_errors: ['Setting traits not allowed with client key.'] });
      const bulk = await sdk()
        .put('/api/v1/traits/bulk/')
        .set('X-Environment-Key', env.api_key)
        .send([{ identity: { identifier: 'u' }, trait_key: 'age', trait_value: 4 }]);
      assert.equal(bulk.status, 400);
      assert.deepEqual(bulk.body, { detail: 'Unable to set traits with client key.' });
    });

    it('stores no traits when the organisation does not persist them, yet evaluates with them', async () => {
      await knex()('organisations').where('id', f.home.id).update({ persist_trait_data: false });
      // The document (and its persist_trait_data) is cached per revision: a change of the environment rebuilds it.
      await patchEnvironment(environment, { description: 'persist off' });
      try {
        const response = await identify(environment.api_key, {
          identifier: 'unpersisted',
          traits: [{ trait_key: 'age', trait_value: 3 }],
        });
        assert.deepEqual(response.body.traits, [
          { id: null, trait_key: 'age', trait_value: 3, transient: false },
        ]);
        assert.deepEqual(await storedTraits(environment, 'unpersisted'), []);
        const single = await post(
          '/api/v1/traits/',
          environment.api_key,
          JSON.stringify({ identity: { identifier: 'u' }, trait_key: 'age', trait_value: 4 }),
        );
        assert.equal(single.status, 403);
        assert.deepEqual(single.body, { detail: 'Organisation is not authorised to store traits.' });
      } finally {
        await knex()('organisations').where('id', f.home.id).update({ persist_trait_data: true });
        await patchEnvironment(environment, { description: 'persist on' });
      }
    });

    it('with hide_sensitive_data answers no traits and nulls the flags’ ids', async () => {
      const env = await createEnvironment('Hidden');
      await patchEnvironment(env, { hide_sensitive_data: true });
      const response = await identify(env.api_key, {
        identifier: 'h',
        traits: [{ trait_key: 'age', trait_value: 3 }],
      });
      assert.deepEqual(response.body.traits, []);
      const banner = flagOf(response.body, 'banner') as Flag;
      assert.equal(banner.id, null);
      assert.equal(banner.environment, null);
      assert.equal(banner.identity, null);
      assert.equal(banner.feature_state_value, 'hello');
      // The traits are still stored: hiding is about the answer.
      assert.equal((await storedTraits(env, 'h')).length, 1);
    });

    it('hashes multivariate buckets by the identity id without use_identity_composite_key_for_hashing', async () => {
      const split = await createFeature({
        name: 'split',
        initial_value: 'control-value',
        default_enabled: true,
      });
      await created(`/api/v1/projects/${projectId}/features/${split.id}/mv-options/`, {
        type: 'unicode',
        string_value: 'half',
        key: 'half',
        default_percentage_allocation: 50,
      });
      const env = await createEnvironment('Legacy hashing');
      const composite = new Map<string, string | null>();
      for (const identifier of ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']) {
        const flag = flagOf((await identify(env.api_key, { identifier })).body, 'split') as Flag;
        composite.set(identifier, flag.variant);
        const expected =
          hashedPercentage([String(flag.id), `${env.api_key}_${identifier}`]) < 50 ? 'half' : 'control';
        assert.equal(flag.variant, expected, identifier);
      }
      await patchEnvironment(env, { use_identity_composite_key_for_hashing: false });
      for (const identifier of composite.keys()) {
        const flag = flagOf((await identify(env.api_key, { identifier })).body, 'split') as Flag;
        const id = (await knex()('identities').where({ environment_id: env.id, identifier }).first('id')) as {
          id: number;
        };
        const expected = hashedPercentage([String(flag.id), String(id.id)]) < 50 ? 'half' : 'control';
        assert.equal(flag.variant, expected, identifier);
        assert.equal(flag.feature_state_value, expected === 'half' ? 'half' : 'control-value');
      }
    });

    it('refuses bad bodies with DRF’s 400s naming the field', async () => {
      const cases: [string, unknown][] = [
        ['[]', { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }],
        ['{"identifier": true}', { identifier: ['Not a valid string.'] }],
        ['{"identifier": ""}', { identifier: ['This field may not be blank.'] }],
        [
          '{"identifier": "a", "traits": {}}',
          { traits: { non_field_errors: ['Expected a list of items but got type "dict".'] } },
        ],
        [
          '{"identifier": "a", "traits": [{"trait_value": 1}]}',
          { traits: [{ trait_key: ['This field is required.'] }] },
        ],
        [
          `{"identifier": "a", "traits": [{"trait_key": "k", "trait_value": 1}, {"trait_key": "long", "trait_value": "${'x'.repeat(2001)}"}]}`,
          { traits: [{}, { trait_value: ['Value string is too long. Must be less than 2000 character'] }] },
        ],
        ['{"identifier": "a", "transient": "perhaps"}', { transient: ['Must be a valid boolean.'] }],
        ['{"identifier": ', undefined],
      ];
      for (const [json, expected] of cases) {
        const response = await post('/api/v1/identities/', environment.api_key, json);
        assert.equal(response.status, 400, json.slice(0, 60));
        if (expected !== undefined) assert.deepEqual(response.body, expected, json.slice(0, 60));
      }
      assert.equal(await identityExists(environment, 'a'), false);
    });

    it('keeps tenants apart: the same identifier in another organisation’s environment is another identity', async () => {
      const awayProject = await created(
        '/api/v1/projects/',
        { name: 'Away', organisation: f.away.id },
        f.foreigner,
      );
      const awayEnvironment = await createEnvironment('Away env', awayProject.id, f.foreigner);
      await identify(environment.api_key, {
        identifier: 'shared',
        traits: [{ trait_key: 'home', trait_value: 1 }],
      });
      const away = await identify(awayEnvironment.api_key, { identifier: 'shared' });
      assert.deepEqual(away.body.traits, []);
      assert.equal(flagOf(away.body, 'banner'), undefined);
      const bulk = await sdk()
        .put('/api/v1/traits/bulk/')
        .set('X-Environment-Key', awayEnvironment.api_key)
        .send([{ identity: { identifier: 'shared' }, trait_key: 'home', trait_value: null }]);
      assert.equal(bulk.status, 200, bulk.text);
      assert.equal((await storedTraits(environment, 'shared')).length, 1);
      // A deletion for an identity the other environment does not have created none there either.
      assert.equal(await identityExists(awayEnvironment, 'shared'), true);
      const none = await sdk()
        .put('/api/v1/traits/bulk/')
        .set('X-Environment-Key', awayEnvironment.api_key)
        .send([{ identity: { identifier: 'never-seen' }, trait_key: 'home', trait_value: null }]);
      assert.equal(none.status, 200, none.text);
      assert.deepEqual(none.body, []);
      assert.equal(await identityExists(awayEnvironment, 'never-seen'), false);
    });
  });

  describe('/api/v1/traits/', () => {
    it('POST sets one trait and answers it in the shape sent', async () => {
      const response = await post(
        '/api/v1/traits/',
        environment.api_key,
        '{"identity":{"identifier":"trait-user"},"trait_key":"score","trait_value":2.0}',
      );
      assert.equal(response.status, 200, response.text);
      assert.equal(
        response.text,
        '{"identity":{"identifier":"trait-user"},"trait_value":2.0,"trait_key":"score"}',
      );
      assert.deepEqual(
        (await storedTraits(environment, 'trait-user')).map((row) => row.value_type),
        ['float'],
      );
      const missing = await post(
        '/api/v1/traits/',
        environment.api_key,
        '{"trait_key":"k","trait_value":null}',
      );
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.body, {
        identity: ['This field is required.'],
        trait_value: ['This field may not be null.'],
      });
    });

    it('PUT bulk/ sets and deletes (null) traits of several identities, answering the ones set', async () => {
      await identify(environment.api_key, {
        identifier: 'bulk-a',
        traits: [{ trait_key: 'old', trait_value: 1 }],
      });
      const response = await sdk()
        .put('/api/v1/traits/bulk/')
        .set('X-Environment-Key', environment.api_key)
        .set('Content-Type', 'application/json')
        .send(
          '[{"identity":{"identifier":"bulk-a"},"trait_key":"old","trait_value":null},' +
            '{"identity":{"identifier":"bulk-a"},"trait_key":"new","trait_value":1.0},' +
            '{"identity":{"identifier":"bulk-b"},"trait_key":"x","trait_value":"y"}]',
        );
      assert.equal(response.status, 200, response.text);
      assert.equal(
        response.text,
        '[{"identity":{"identifier":"bulk-a"},"trait_value":1.0,"trait_key":"new"},' +
          '{"identity":{"identifier":"bulk-b"},"trait_value":"y","trait_key":"x"}]',
      );
      assert.deepEqual(
        (await storedTraits(environment, 'bulk-a')).map((row) => row.trait_key),
        ['new'],
      );
      assert.deepEqual(
        (await storedTraits(environment, 'bulk-b')).map((row) => row.trait_key),
        ['x'],
      );
      const bad = await sdk()
        .put('/api/v1/traits/bulk/')
        .set('X-Environment-Key', environment.api_key)
        .send({ identity: { identifier: 'bulk-a' } });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body, { detail: 'Invalid request data' });
    });

    it('POST increment-value/ adds to an int trait, starts a missing one at 0, refuses other types', async () => {
      const increment = (body: object) =>
        post('/api/v1/traits/increment-value/', environment.api_key, JSON.stringify(body));
      const first = await increment({ trait_key: 'clicks', identifier: 'counter', increment_by: 2 });
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(first.body, { trait_key: 'clicks', trait_value: 2, identifier: 'counter' });
      assert.deepEqual(Object.keys(first.body), ['trait_key', 'trait_value', 'identifier']);
      const second = await increment({ trait_key: 'clicks', identifier: 'counter', increment_by: -5 });
      assert.equal(second.body.trait_value, -3);
      await identify(environment.api_key, {
        identifier: 'counter',
        traits: [{ trait_key: 'name', trait_value: 'n' }],
      });
      const wrongType = await increment({ trait_key: 'name', identifier: 'counter', increment_by: 1 });
      assert.equal(wrongType.status, 400);
      assert.deepEqual(wrongType.body, ['Trait is not an integer.']);
      const notInt = await increment({ trait_key: 'clicks', identifier: 'counter', increment_by: 1.5 });
      assert.equal(notInt.status, 400);
      assert.deepEqual(notInt.body, { increment_by: ['A valid integer is required.'] });
    });
  });
});
