import { strict as assert } from 'node:assert';
import type { Knex } from 'knex';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import {
  buildEnvironmentDocument,
  serialiseEnvironmentDocument,
} from '../environment-document/build-environment-document.js';
import {
  type EnvironmentDocument,
  getEvaluationResult,
  mapEnvironmentDocumentToContext,
  PythonFloat,
  parseJson,
} from '../evaluation/index.js';
import { as, createTenancy, joinAs, type Tenancy } from '../organisations/tenancy-test-fixture.js';
import { TestReceiver } from '../webhooks/webhook-test-receiver.js';
import { IdentityStore } from './identity-store.js';
import { traitColumns } from './trait-value.js';

describe('identities, traits and identity overrides', () => {
  let t: TestApp;
  let f: Tenancy;
  let receiver: TestReceiver;
  let projectId: number;
  let environment: { id: number; api_key: string };
  let awayEnvironment: { id: number; api_key: string };
  const api = () => request(t.app);
  const knex = () => t.ctx.database.knex;
  const scope = () => ({ knex: knex() });
  const env = (rest = '') => `/api/v1/environments/${environment.api_key}/${rest}`;
  const created = async (path: string, body: object, person = f.admin) => {
    const response = await api().post(path).set(as(person)).send(body);
    assert.equal(response.status, 201, `${path}: ${response.text}`);
    return response.body;
  };
  const createIdentity = (identifier: string) =>
    created(env('identities/'), { identifier }) as Promise<{ id: number; identifier: string }>;
  const createFeature = (body: object) => created(`/api/v1/projects/${projectId}/features/`, body);
  const revision = async () =>
    ((await knex()('environments').where('id', environment.id).first('revision')) as { revision: number })
      .revision;

  before(async () => {
    receiver = new TestReceiver();
    await receiver.listen();
    t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    f = await createTenancy(t);
    projectId = (await created('/api/v1/projects/', { name: 'Identities', organisation: f.home.id })).id;
    environment = await created('/api/v1/environments/', { name: 'Live', project: projectId });
    const awayProject = await created(
      '/api/v1/projects/',
      { name: 'Away', organisation: f.away.id },
      f.foreigner,
    );
    awayEnvironment = await created(
      '/api/v1/environments/',
      { name: 'Away live', project: awayProject.id },
      f.foreigner,
    );
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('creates, searches, pages, retrieves, renames and deletes identities as Flagsmith', async () => {
    const alice = await createIdentity('alice@example.com');
    await createIdentity('bob@example.com');
    await createIdentity('alice-2@example.com');
    assert.deepEqual(Object.keys(alice), ['id', 'identifier', 'environment']);
    const search = await api().get(env('identities/?q=ALICE')).set(as(f.admin));
    assert.equal(search.status, 200);
    assert.deepEqual(
      search.body.results.map((identity: { identifier: string }) => identity.identifier),
      ['alice@example.com', 'alice-2@example.com'],
    );
    const exact = await api().get(env('identities/?q="alice@example.com"')).set(as(f.admin));
    assert.equal(exact.body.count, 1);
    const paged = await api().get(env('identities/?page_size=2&page=2')).set(as(f.admin));
    assert.equal(paged.body.count, 3);
    assert.equal(paged.body.results.length, 1);
    assert.equal(paged.body.next, null);
    assert.match(paged.body.previous, /page_size=2/);

    const one = await api()
      .get(env(`identities/${alice.id}/`))
      .set(as(f.admin));
    assert.deepEqual(one.body, {
      id: alice.id,
      identifier: 'alice@example.com',
      environment: environment.id,
    });
    const renamed = await api()
      .patch(env(`identities/${alice.id}/`))
      .set(as(f.admin))
      .send({ identifier: 'alice@example.org' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.identifier, 'alice@example.org');
    const clash = await api()
      .put(env(`identities/${alice.id}/`))
      .set(as(f.admin))
      .send({ identifier: 'bob@example.com' });
    assert.equal(clash.status, 400);
    assert.deepEqual(clash.body, {
      identifier: ["Identity with identifier 'bob@example.com' already exists in this environment"],
    });
    assert.equal(
      (
        await api()
          .delete(env(`identities/${alice.id}/`))
          .set(as(f.admin))
      ).status,
      204,
    );
    assert.equal(
      (
        await api()
          .get(env(`identities/${alice.id}/`))
          .set(as(f.admin))
      ).status,
      404,
    );
  });

  it('stores traits typed as Flagsmith does, keeping 2 and 2.0 apart, with trait-keys and delete-traits', async () => {
    const identity = await createIdentity('typed');
    const traits = env(`identities/${identity.id}/traits/`);
    // The dashboard's body (Utils.valueToTrait): the typed columns and value_type.
    const age = await created(traits, {
      identity: { identifier: 'typed' },
      trait_key: 'age',
      value_type: 'int',
      integer_value: 2,
      string_value: null,
      boolean_value: null,
    });
    assert.deepEqual(Object.keys(age), [
      'id',
      'trait_key',
      'value_type',
      'integer_value',
      'string_value',
      'boolean_value',
      'float_value',
      'created_date',
      'trait_value',
    ]);
    assert.equal(age.trait_value, 2);
    const ratio = await api()
      .post(traits)
      .set(as(f.admin))
      .send({ trait_key: 'ratio', value_type: 'float', float_value: 2 });
    assert.equal(ratio.status, 201, ratio.text);
    assert.match(ratio.text, /"float_value":2\.0,/);
    assert.match(ratio.text, /"trait_value":2\.0\}/);
    await created(traits, { trait_key: 'beta', trait_value: true });
    await created(traits, { trait_key: 'plan', trait_value: 'pro' });
    await created(traits, { trait_key: 'score', trait_value: 1.5 });

    const listed = await api().get(traits).set(as(f.admin));
    assert.equal(listed.status, 200);
    assert.equal(listed.body.count, 5);
    const rows = (await knex()('traits').where('identity_id', identity.id).orderBy('id')) as {
      trait_key: string;
      value_type: string;
    }[];
    assert.deepEqual(
      rows.map((row) => [row.trait_key, row.value_type]),
      [
        ['age', 'int'],
        ['ratio', 'float'],
        ['beta', 'bool'],
        ['plan', 'unicode'],
        ['score', 'float'],
      ],
    );
    const loaded = await new IdentityStore().loadForEvaluation(scope(), environment.id, 'typed');
    const ratioTrait = loaded?.traits.find((trait) => trait.trait_key === 'ratio');
    assert.equal(ratioTrait?.value_type, 'float');

    const updated = await api()
      .patch(`${traits}${age.id}/`)
      .set(as(f.admin))
      .send({ value_type: 'unicode', string_value: 'old' });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.trait_value, 'old');
    const duplicate = await api().post(traits).set(as(f.admin)).send({ trait_key: 'plan', trait_value: 'x' });
    assert.equal(duplicate.status, 400);
    assert.ok(duplicate.body.trait_key, duplicate.text);

    const other = await createIdentity('other');
    await created(env(`identities/${other.id}/traits/`), { trait_key: 'plan', trait_value: 'free' });
    const keys = await api().get(env('trait-keys/')).set(as(f.admin));
    assert.deepEqual(keys.body, { keys: ['age', 'beta', 'plan', 'ratio', 'score'] });
    const plan = listed.body.results.find((trait: { trait_key: string }) => trait.trait_key === 'plan');
    const deleteAll = await api()
      .delete(`${traits}${plan.id}/?deleteAllMatchingTraits=true`)
      .set(as(f.admin));
    assert.equal(deleteAll.status, 204);
    assert.equal(await knex()('traits').where('trait_key', 'plan').first(), undefined);
    const purged = await api().post(env('delete-traits/')).set(as(f.admin)).send({ key: 'beta' });
    assert.equal(purged.status, 200);
    assert.deepEqual((await api().get(env('trait-keys/')).set(as(f.admin))).body, {
      keys: ['age', 'ratio', 'score'],
    });
    await knex()('organisations').where('id', f.home.id).update({ persist_trait_data: false });
    try {
      const refused = await api().post(traits).set(as(f.admin)).send({ trait_key: 'kept', trait_value: 1 });
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body, {
        non_field_errors: ['Not possible to persist traits for this organisation.'],
      });
    } finally {
      await knex()('organisations').where('id', f.home.id).update({ persist_trait_data: true });
    }
    assert.equal((await api().delete(`${traits}${age.id}/`).set(as(f.admin))).status, 204);
    assert.equal((await api().get(`${traits}${age.id}/`).set(as(f.admin))).status, 404);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const identity = await createIdentity('bad-input');
    const feature = await createFeature({ name: 'bad_input_flag' });
    const cases: [string, string, object, string][] = [
      ['post', 'identities/', {}, 'identifier'],
      ['post', 'identities/', { identifier: '' }, 'identifier'],
      ['post', `identities/${identity.id}/traits/`, { trait_value: 1 }, 'trait_key'],
      ['post', `identities/${identity.id}/traits/`, { trait_key: 'k', value_type: 'list' }, 'value_type'],
      [
        'post',
        `identities/${identity.id}/traits/`,
        { trait_key: 'k', value_type: 'int', integer_value: 2 ** 40 },
        'integer_value',
      ],
      ['post', `identities/${identity.id}/traits/`, { trait_key: 'x'.repeat(201) }, 'trait_key'],
      [
        'post',
        `identities/${identity.id}/traits/`,
        { trait_key: 'k', trait_value: 'x'.repeat(2001) },
        'trait_value',
      ],
      ['post', `identities/${identity.id}/featurestates/`, { enabled: true }, 'feature'],
      ['post', `identities/${identity.id}/featurestates/`, { feature: 2_000_000 }, 'feature'],
      ['post', `identities/${identity.id}/featurestates/`, { feature: 'x' }, 'feature'],
      [
        'post',
        `identities/${identity.id}/featurestates/`,
        { feature: feature.id, enabled: 'yes' },
        'enabled',
      ],
      ['post', 'delete-traits/', {}, 'key'],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await api()[method as 'post'](env(path)).set(as(f.admin)).send(body);
      assert.equal(response.status, 400, `${path} ${JSON.stringify(body)}: ${response.text}`);
      assert.ok(Array.isArray(response.body[field]), `${path} ${JSON.stringify(body)}: ${response.text}`);
    }
    // A feature of another project is not a feature of this environment.
    const awayProjectFeature = await created(
      `/api/v1/projects/${(await created('/api/v1/projects/', { name: 'Other', organisation: f.home.id })).id}/features/`,
      { name: 'elsewhere' },
    );
    const foreign = await api()
      .post(env(`identities/${identity.id}/featurestates/`))
      .set(as(f.admin))
      .send({ feature: awayProjectFeature.id });
    assert.equal(foreign.status, 400);
    assert.deepEqual(foreign.body, { feature: ['Feature does not exist in project'] });
    await created(env(`identities/${identity.id}/featurestates/`), { feature: feature.id, enabled: true });
    const twice = await api()
      .post(env(`identities/${identity.id}/featurestates/`))
      .set(as(f.admin))
      .send({ feature: feature.id });
    assert.equal(twice.status, 400);
    assert.ok(twice.body.non_field_errors, twice.text);
  });

  it("answers another tenant's identities, traits and overrides with 404", async () => {
    const away = await created(
      `/api/v1/environments/${awayEnvironment.api_key}/identities/`,
      { identifier: 'away-person' },
      f.foreigner,
    );
    const awayTrait = await created(
      `/api/v1/environments/${awayEnvironment.api_key}/identities/${away.id}/traits/`,
      { trait_key: 'secret', trait_value: 'x' },
      f.foreigner,
    );
    const mine = await createIdentity('mine');
    const paths = [
      `/api/v1/environments/${awayEnvironment.api_key}/identities/`,
      `/api/v1/environments/${awayEnvironment.api_key}/identities/${away.id}/`,
      `/api/v1/environments/${awayEnvironment.api_key}/identities/${away.id}/traits/`,
      `/api/v1/environments/${awayEnvironment.api_key}/identities/${away.id}/featurestates/`,
      `/api/v1/environments/${awayEnvironment.api_key}/identities/${away.id}/featurestates/all/`,
      `/api/v1/environments/${awayEnvironment.api_key}/trait-keys/`,
      // The away identity addressed through the caller's own environment is not found either.
      env(`identities/${away.id}/`),
      env(`identities/${away.id}/traits/`),
      env(`identities/${mine.id}/traits/${awayTrait.id}/`),
      env(`identities/${away.id}/featurestates/all/`),
    ];
    for (const path of paths) {
      const response = await api().get(path).set(as(f.admin));
      assert.equal(response.status, 404, `${path}: ${response.text}`);
      assert.deepEqual(response.body, { detail: 'Not found.' });
    }
    const removed = await api()
      .delete(env(`identities/${away.id}/`))
      .set(as(f.admin));
    assert.equal(removed.status, 404);
    assert.ok(await knex()('identities').where('id', away.id).first());
  });

  it('reads with VIEW_IDENTITIES and writes with MANAGE_IDENTITIES; overrides as environment feature states', async () => {
    const identity = await createIdentity('guarded');
    const feature = await createFeature({ name: 'guarded_flag' });
    const member = async (permissions: string[]) => {
      const person = await f.person('member');
      await joinAs(t, f.admin, f.home.id, person, 'USER');
      await api()
        .post(env('user-permissions/'))
        .set(as(f.admin))
        .send({ user: person.id, permissions: ['VIEW_ENVIRONMENT', ...permissions] })
        .expect(201);
      return person;
    };
    const viewer = await member([]);
    const reader = await member(['VIEW_IDENTITIES']);
    const manager = await member(['VIEW_IDENTITIES', 'MANAGE_IDENTITIES']);
    const updater = await member(['UPDATE_FEATURE_STATE']);
    const traits = env(`identities/${identity.id}/traits/`);
    assert.equal((await api().get(traits).set(as(viewer))).status, 403);
    assert.equal((await api().get(traits).set(as(reader))).status, 200);
    assert.equal(
      (await api().post(traits).set(as(reader)).send({ trait_key: 'a', trait_value: 1 })).status,
      403,
    );
    assert.equal(
      (await api().post(traits).set(as(manager)).send({ trait_key: 'a', trait_value: 1 })).status,
      201,
    );
    assert.equal(
      (
        await api()
          .get(env(`identities/${identity.id}/`))
          .set(as(viewer))
      ).status,
      403,
    );
    assert.equal(
      (
        await api()
          .delete(env(`identities/${identity.id}/`))
          .set(as(reader))
      ).status,
      403,
    );
    const overrides = env(`identities/${identity.id}/featurestates/`);
    assert.equal((await api().get(overrides).set(as(viewer))).status, 200);
    assert.equal((await api().post(overrides).set(as(manager)).send({ feature: feature.id })).status, 403);
    assert.equal((await api().post(overrides).set(as(updater)).send({ feature: feature.id })).status, 201);
    assert.equal((await api().get(`${overrides}all/`).set(as(viewer))).status, 200);
  });

  it('manages identity overrides: audit, FLAG_UPDATED / FLAG_DELETED, revision, num_identity_overrides', async () => {
    const hook = await api()
      .post(env('webhooks/'))
      .set(as(f.admin))
      .send({ url: receiver.url('/identity-flags'), enabled: true });
    assert.equal(hook.status, 201, hook.text);
    const identity = await createIdentity('overridden');
    const feature = await createFeature({
      name: 'override_me',
      initial_value: 'default',
      default_enabled: false,
    });
    const overrides = env(`identities/${identity.id}/featurestates/`);
    const before = await revision();
    const made = await created(overrides, {
      feature: feature.id,
      enabled: true,
      feature_state_value: 'mine',
    });
    assert.equal(made.identity, identity.id);
    assert.equal(made.feature, feature.id);
    assert.equal(made.feature_state_value, 'mine');
    assert.equal(made.enabled, true);
    assert.ok((await revision()) > before);
    const createdHook = JSON.parse((await receiver.next('/identity-flags')).body);
    assert.equal(createdHook.event_type, 'FLAG_UPDATED');
    assert.equal(createdHook.data.new_state.identity, identity.id);
    assert.equal(createdHook.data.new_state.identity_identifier, 'overridden');
    assert.equal(createdHook.data.new_state.feature_state_value, 'mine');

    const listed = await api().get(overrides).set(as(f.admin));
    assert.equal(listed.body.count, 1);
    assert.deepEqual(listed.body.results[0].identity, { id: identity.id, identifier: 'overridden' });
    const counted = await api()
      .get(`/api/v1/projects/${projectId}/features/?environment=${environment.id}&search=override_me`)
      .set(as(f.admin));
    assert.equal(counted.body.results[0].num_identity_overrides, 1);

    const middle = await revision();
    const put = await api().put(`${overrides}${made.id}/`).set(as(f.admin)).send({ feature_state_value: 7 });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.feature_state_value, 7);
    assert.equal(put.body.enabled, true, 'PUT is partial, as Flagsmith');
    assert.ok((await revision()) > middle);
    const updatedHook = JSON.parse((await receiver.next('/identity-flags')).body);
    assert.equal(updatedHook.data.previous_state.feature_state_value, 'mine');
    assert.equal(updatedHook.data.new_state.feature_state_value, 7);

    const last = await revision();
    assert.equal((await api().delete(`${overrides}${made.id}/`).set(as(f.admin))).status, 204);
    assert.ok((await revision()) > last);
    const deletedHook = JSON.parse((await receiver.next('/identity-flags')).body);
    assert.equal(deletedHook.event_type, 'FLAG_DELETED');
    assert.equal(deletedHook.data.new_state, null);
    const audit = (await knex()('audit_logs')
      .where({ related_object_type: 'FEATURE_STATE', related_object_id: made.id })
      .orderBy('id')
      .select('log')) as { log: string }[];
    assert.deepEqual(
      audit.map((row) => row.log),
      [
        "Identity override created for feature 'override_me' and identity 'overridden'",
        "Flag state / Remote config value updated for feature 'override_me' and identity 'overridden'",
        "Flag state / Remote config value deleted for feature 'override_me' and identity 'overridden'",
      ],
    );
  });

  it('clones overrides from another identity of the environment (clone-from-given-identity/)', async () => {
    const kept = await createFeature({ name: 'clone_kept' });
    const dropped = await createFeature({ name: 'clone_dropped' });
    const source = await createIdentity('clone-source');
    const target = await createIdentity('clone-target');
    await created(env(`identities/${source.id}/featurestates/`), {
      feature: kept.id,
      enabled: true,
      feature_state_value: 'from source',
    });
    await created(env(`identities/${target.id}/featurestates/`), { feature: kept.id, enabled: false });
    await created(env(`identities/${target.id}/featurestates/`), { feature: dropped.id, enabled: true });
    const path = env(`identities/${target.id}/featurestates/clone-from-given-identity/`);
    const before = await revision();
    const cloned = await api().post(path).set(as(f.admin)).send({ source_identity_id: source.id });
    assert.equal(cloned.status, 200, cloned.text);
    const item = (
      cloned.body as { feature: { name: string }; overridden_by: string; enabled: boolean }[]
    ).find((flag) => flag.feature.name === 'clone_kept');
    assert.deepEqual(item && [item.overridden_by, item.enabled], ['IDENTITY', true]);
    const overrides = (
      await api()
        .get(env(`identities/${target.id}/featurestates/`))
        .set(as(f.admin))
    ).body;
    assert.deepEqual(
      overrides.results.map((state: { feature: number; feature_state_value: unknown }) => [
        state.feature,
        state.feature_state_value,
      ]),
      [[kept.id, 'from source']],
    );
    assert.ok((await revision()) > before);
    const away = await created(
      `/api/v1/environments/${awayEnvironment.api_key}/identities/`,
      { identifier: 'clone-away' },
      f.foreigner,
    );
    const foreign = await api().post(path).set(as(f.admin)).send({ source_identity_id: away.id });
    assert.equal(foreign.status, 404);
    const missing = await api().post(path).set(as(f.admin)).send({});
    assert.deepEqual(
      [missing.status, missing.body],
      [400, { source_identity_id: ['This field is required.'] }],
    );
  });

  it('deletes an identity with its traits and overrides', async () => {
    const identity = await createIdentity('doomed');
    const feature = await createFeature({ name: 'doomed_flag' });
    await created(env(`identities/${identity.id}/traits/`), { trait_key: 'k', trait_value: 'v' });
    const override = await created(env(`identities/${identity.id}/featurestates/`), { feature: feature.id });
    const before = await revision();
    assert.equal(
      (
        await api()
          .delete(env(`identities/${identity.id}/`))
          .set(as(f.admin))
      ).status,
      204,
    );
    assert.equal(await knex()('traits').where('identity_id', identity.id).first(), undefined);
    assert.equal(await knex()('feature_states').where('id', override.id).first(), undefined);
    assert.equal(
      await knex()('feature_state_values').where('feature_state_id', override.id).first(),
      undefined,
    );
    assert.ok((await revision()) > before, 'the document listed its overrides');
  });

  it('shows an identity’s flags with their source in featurestates/all/ and in the environment document', async () => {
    const banner = await createFeature({ name: 'all_banner', initial_value: 'hello', default_enabled: true });
    const colour = await createFeature({ name: 'all_colour', initial_value: 'red', default_enabled: true });
    const green = await created(`/api/v1/projects/${projectId}/features/${colour.id}/mv-options/`, {
      type: 'unicode',
      string_value: 'green',
      default_percentage_allocation: 0,
    });
    const identity = await createIdentity('evaluated-user');
    await created(env(`identities/${identity.id}/traits/`), { trait_key: 'age', trait_value: 30 });
    await created(env(`identities/${identity.id}/traits/`), {
      trait_key: 'ratio',
      value_type: 'float',
      float_value: 2,
    });
    await created(env(`identities/${identity.id}/featurestates/`), {
      feature: banner.id,
      enabled: false,
      feature_state_value: 'bye',
    });
    // The whole colour bucket goes to green for this identity: an allocation of 100.
    await created(env(`identities/${identity.id}/featurestates/`), {
      feature: colour.id,
      enabled: true,
      feature_state_value: 'blue',
      multivariate_feature_state_values: [
        { multivariate_feature_option: green.id, percentage_allocation: 100 },
      ],
    });

    const all = await api()
      .get(env(`identities/${identity.id}/featurestates/all/`))
      .set(as(f.admin));
    assert.equal(all.status, 200, all.text);
    const byName = new Map(
      (all.body as { feature: { name: string } }[]).map((item) => [item.feature.name, item]),
    );
    assert.deepEqual(byName.get('all_banner'), {
      feature: { id: banner.id, name: 'all_banner', type: 'STANDARD' },
      enabled: false,
      feature_state_value: 'bye',
      overridden_by: 'IDENTITY',
      segment: null,
      multivariate_feature_state_values: [],
    });
    assert.deepEqual(byName.get('all_colour'), {
      feature: { id: colour.id, name: 'all_colour', type: 'MULTIVARIATE' },
      enabled: true,
      feature_state_value: 'green',
      overridden_by: 'IDENTITY',
      segment: null,
      multivariate_feature_state_values: [
        { multivariate_feature_option: { value: 'green' }, percentage_allocation: 100 },
      ],
    });
    assert.match(all.text, /"percentage_allocation":100\.0/);
    const untouched = (await api().get(env('identities/?q=%22bob@example.com%22')).set(as(f.admin))).body
      .results[0];
    const plain = await api()
      .get(env(`identities/${untouched.id}/featurestates/all/`))
      .set(as(f.admin));
    const plainBanner = (plain.body as { feature: { name: string } }[]).find(
      (item) => item.feature.name === 'all_banner',
    );
    assert.deepEqual(plainBanner && { ...plainBanner, feature: undefined }, {
      feature: undefined,
      enabled: true,
      feature_state_value: 'hello',
      overridden_by: null,
      segment: null,
      multivariate_feature_state_values: [],
    });

    // The environment uses identity overrides in local evaluation (Vexil's default, as Flagsmith's API): the
    // document lists the identity with its overrides, and the engine gives an SDK the same flags.
    const built = await buildEnvironmentDocument(scope(), environment.id);
    assert.ok(built);
    const listed = built.document.identity_overrides.find((item) => item.identifier === 'evaluated-user');
    assert.ok(listed, JSON.stringify(built.document.identity_overrides));
    assert.deepEqual(Object.keys(listed), [
      'identifier',
      'environment_api_key',
      'created_date',
      'identity_features',
      'identity_traits',
      'identity_uuid',
      'django_id',
      'dashboard_alias',
      'composite_key',
    ]);
    assert.equal(listed.django_id, identity.id);
    assert.equal(listed.composite_key, `${environment.api_key}_evaluated-user`);
    assert.match(listed.created_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
    assert.deepEqual(
      listed.identity_features.map((state) => [state.feature.name, state.enabled, state.feature_state_value]),
      [
        ['all_banner', false, 'bye'],
        ['all_colour', true, 'blue'],
      ],
    );
    const document = parseJson(serialiseEnvironmentDocument(built.document)) as EnvironmentDocument;
    const result = getEvaluationResult(
      mapEnvironmentDocumentToContext(document, {
        identifier: 'evaluated-user',
        traits: { age: 30, ratio: new PythonFloat(2) },
      }),
    );
    assert.equal(result.flags.all_banner?.value, 'bye');
    assert.equal(result.flags.all_banner?.enabled, false);
    assert.equal(result.flags.all_colour?.value, 'green');
    const again = await buildEnvironmentDocument(scope(), environment.id);
    assert.equal(
      again && serialiseEnvironmentDocument(again.document),
      serialiseEnvironmentDocument(built.document),
      'a rebuild prints the same text (identity_uuid is stored)',
    );

    const off = await api()
      .patch(env())
      .set(as(f.admin))
      .send({ use_identity_overrides_in_local_eval: false });
    assert.equal(off.status, 200, off.text);
    assert.deepEqual(
      (await buildEnvironmentDocument(scope(), environment.id))?.document.identity_overrides,
      [],
    );
    await api()
      .patch(env())
      .set(as(f.admin))
      .send({ use_identity_overrides_in_local_eval: true })
      .expect(200);
  });

  it('builds identity_overrides in the same number of queries for 2 and for 40 identities', async () => {
    const feature = await createFeature({ name: 'counted_flag' });
    const countQueries = async () => {
      let count = 0;
      const listener = () => {
        count++;
      };
      (knex() as Knex).on('query', listener);
      try {
        const built = await buildEnvironmentDocument(scope(), environment.id);
        return { count, identities: built?.document.identity_overrides.length ?? 0 };
      } finally {
        (knex() as Knex).removeListener('query', listener);
      }
    };
    const overrideFor = async (identifier: string) => {
      const identity = await createIdentity(identifier);
      await created(env(`identities/${identity.id}/featurestates/`), { feature: feature.id, enabled: true });
    };
    for (let index = 0; index < 2; index++) await overrideFor(`counted-${index}`);
    const few = await countQueries();
    for (let index = 2; index < 40; index++) await overrideFor(`counted-${index}`);
    const many = await countQueries();
    assert.equal(many.identities - few.identities, 38);
    assert.equal(many.count, few.count);
  });

  it('loads an identity with traits and overrides in one statement, upserts only changed traits, finds or creates', async () => {
    const store = new IdentityStore();
    const identity = await createIdentity('sdk-user');
    const feature = await createFeature({ name: 'sdk_flag' });
    await created(env(`identities/${identity.id}/featurestates/`), {
      feature: feature.id,
      enabled: true,
      feature_state_value: 5,
    });
    const upsert = (traits: { trait_key: string; columns: ReturnType<typeof traitColumns> | null }[]) =>
      t.ctx.transactor.run((uow) => store.upsertTraits(uow, identity.id, traits));
    const first = await upsert([
      { trait_key: 'age', columns: traitColumns(30) },
      { trait_key: 'ratio', columns: traitColumns(new PythonFloat(2)) },
      { trait_key: 'plan', columns: traitColumns('pro') },
    ]);
    assert.deepEqual(first.written.sort(), ['age', 'plan', 'ratio']);
    const same = await upsert([
      { trait_key: 'age', columns: traitColumns(30) },
      { trait_key: 'ratio', columns: traitColumns(new PythonFloat(2)) },
    ]);
    assert.deepEqual(same, { written: [], deleted: [] }, 'unchanged traits are not written');
    const changed = await upsert([
      { trait_key: 'age', columns: traitColumns(30) },
      { trait_key: 'ratio', columns: traitColumns(2) },
      { trait_key: 'plan', columns: null },
    ]);
    assert.deepEqual(changed, { written: ['ratio'], deleted: ['plan'] }, '2 is not 2.0');

    let statements = 0;
    const listener = () => {
      statements++;
    };
    (knex() as Knex).on('query', listener);
    const loaded = await store.loadForEvaluation(scope(), environment.id, 'sdk-user');
    (knex() as Knex).removeListener('query', listener);
    assert.equal(statements, 1);
    assert.ok(loaded);
    assert.equal(loaded.identity.id, identity.id);
    assert.ok(loaded.identity.created_date instanceof Date);
    assert.deepEqual(
      loaded.traits.map((trait) => [trait.trait_key, trait.value_type, trait.integer_value]),
      [
        ['age', 'int', 30],
        ['ratio', 'int', 2],
      ],
    );
    assert.equal(loaded.overrides.length, 1);
    assert.equal(loaded.overrides[0]?.feature_id, feature.id);
    assert.deepEqual(loaded.overrides[0]?.value, {
      type: 'int',
      string_value: null,
      integer_value: 5,
      boolean_value: null,
    });
    assert.ok(loaded.overrides[0]?.created_at instanceof Date);
    assert.equal(await store.loadForEvaluation(scope(), environment.id, 'nobody'), undefined);
    const existing = await t.ctx.transactor.run((uow) => store.findOrCreate(uow, environment.id, 'sdk-user'));
    assert.deepEqual([existing.created, existing.identity.id], [false, identity.id]);
    const fresh = await t.ctx.transactor.run((uow) => store.findOrCreate(uow, environment.id, 'sdk-new'));
    assert.equal(fresh.created, true);
    assert.equal(fresh.identity.identifier, 'sdk-new');
    assert.equal(
      (await store.loadForEvaluation(scope(), environment.id, 'sdk-new'))?.identity.id,
      fresh.identity.id,
    );
    assert.equal(await store.loadForEvaluation(scope(), awayEnvironment.id, 'sdk-user'), undefined);
  });
});
