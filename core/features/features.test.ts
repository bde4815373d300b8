import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, joinAs, type Tenancy } from '../organisations/tenancy-test-fixture.js';
import { TestReceiver } from '../webhooks/webhook-test-receiver.js';
import { FeatureStore } from './feature-store.js';

describe('features, tags, multivariate options and feature states', () => {
  let t: TestApp;
  let f: Tenancy;
  let projectId: number;
  let environment: { id: number; api_key: string };
  const api = () => request(t.app);
  const createFeature = async (body: object) => {
    const response = await api().post(`/api/v1/projects/${projectId}/features/`).set(as(f.admin)).send(body);
    assert.equal(response.status, 201, response.text);
    return response.body;
  };
  const createEnvironment = async (name: string) => {
    const response = await api()
      .post('/api/v1/environments/')
      .set(as(f.admin))
      .send({ name, project: projectId });
    assert.equal(response.status, 201, response.text);
    return response.body as { id: number; api_key: string };
  };
  const stateOf = async (apiKey: string, featureId: number) => {
    const response = await api()
      .get(`/api/v1/environments/${apiKey}/featurestates/?feature=${featureId}`)
      .set(as(f.admin));
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.count, 1);
    return response.body.results[0];
  };
  const revisionOf = async (id: number) =>
    ((await t.ctx.database.knex('environments').where({ id }).first('revision')) as { revision: number })
      .revision;

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    const project = await api()
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'Flags', organisation: f.home.id });
    projectId = project.body.id;
    environment = await createEnvironment('Development');
  });
  after(() => t.close());

  it('creates a feature whose initial value and default reach every environment, present and later', async () => {
    const feature = await createFeature({ name: 'banner_size', initial_value: '42', default_enabled: true });
    assert.equal(feature.type, 'STANDARD');
    assert.equal(feature.project, projectId);
    assert.deepEqual(feature.tags, []);
    const state = await stateOf(environment.api_key, feature.id);
    assert.equal(state.enabled, true);
    assert.equal(state.feature_state_value, 42);
    const later = await createEnvironment('Production');
    const laterState = await stateOf(later.api_key, feature.id);
    assert.equal(laterState.enabled, true);
    assert.equal(laterState.feature_state_value, 42);
    const audit = await t.ctx.database
      .knex('audit_logs')
      .where({ related_object_type: 'FEATURE', related_object_id: feature.id })
      .select('log');
    assert.deepEqual(
      audit.map((row) => row.log),
      ['New Flag / Remote Config created: banner_size'],
    );
  });

  it('refuses a blank name, a name taken in any case, a bad type and a foreign tag, naming the field', async () => {
    await createFeature({ name: 'Checkout' });
    const post = (body: object) =>
      api().post(`/api/v1/projects/${projectId}/features/`).set(as(f.admin)).send(body);
    const blank = await post({ name: '  ' });
    assert.equal(blank.status, 400);
    assert.deepEqual(blank.body, { name: ['This field may not be blank.'] });
    const taken = await post({ name: 'CHECKOUT' });
    assert.equal(taken.status, 400);
    assert.match(taken.body.name[0], /already exists in this project/);
    const type = await post({ name: 'typed', type: 'BOOLEAN' });
    assert.equal(type.status, 400);
    assert.deepEqual(type.body, { type: ['"BOOLEAN" is not a valid choice.'] });
    const tag = await post({ name: 'tagged', tags: [2_000_000] });
    assert.equal(tag.status, 400);
    assert.deepEqual(tag.body, { tags: ['Invalid pk "2000000" - object does not exist.'] });
    const renamed = await api()
      .patch(`/api/v1/projects/${projectId}/features/${(await createFeature({ name: 'other' })).id}/`)
      .set(as(f.admin))
      .send({ name: 'checkout' });
    assert.equal(renamed.status, 400);
    assert.ok(renamed.body.name);
  });

  it("lists with the dashboard's query, embedding each feature's state in the environment", async () => {
    const tagA = await api()
      .post(`/api/v1/projects/${projectId}/tags/`)
      .set(as(f.admin))
      .send({ label: 'a' });
    const tagB = await api()
      .post(`/api/v1/projects/${projectId}/tags/`)
      .set(as(f.admin))
      .send({ label: 'b' });
    assert.equal(tagA.status, 201, tagA.text);
    assert.equal(tagA.body.color, '#6837FC');
    const both = await createFeature({ name: 'zz_both', tags: [tagA.body.id, tagB.body.id] });
    await createFeature({ name: 'zz_one', tags: [tagA.body.id] });
    await createFeature({ name: 'zz_archived', is_archived: true });
    const query = `?page=1&page_size=50&sort_field=name&sort_direction=ASC&is_archived=false&tag_strategy=INTERSECTION&environment=${environment.id}`;
    const listed = await api().get(`/api/v1/projects/${projectId}/features/${query}`).set(as(f.admin));
    assert.equal(listed.status, 200, listed.text);
    const names = listed.body.results.map((feature: { name: string }) => feature.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(!names.includes('zz_archived'));
    const [first] = listed.body.results;
    assert.equal(first.environment_feature_state.environment, environment.id);
    assert.equal(first.num_identity_overrides, 0);
    assert.equal(first.num_segment_overrides, 0);
    const intersection = await api()
      .get(`/api/v1/projects/${projectId}/features/${query}&tags=${tagA.body.id},${tagB.body.id}`)
      .set(as(f.admin));
    assert.deepEqual(
      intersection.body.results.map((feature: { id: number }) => feature.id),
      [both.id],
    );
    const union = await api()
      .get(`/api/v1/projects/${projectId}/features/?tag_strategy=UNION&tags=${tagA.body.id},${tagB.body.id}`)
      .set(as(f.admin));
    assert.equal(union.body.count, 2);
    const search = await api().get(`/api/v1/projects/${projectId}/features/?search=ZZ_ONE`).set(as(f.admin));
    assert.deepEqual(
      search.body.results.map((feature: { name: string }) => feature.name),
      ['zz_one'],
    );
    const bad = await api().get(`/api/v1/projects/${projectId}/features/?environment=abc`).set(as(f.admin));
    assert.equal(bad.status, 400);
    assert.ok(bad.body.environment);
    const badSort = await api().get(`/api/v1/projects/${projectId}/features/?sort_field=x`).set(as(f.admin));
    assert.equal(badSort.status, 400);
    assert.ok(badSort.body.sort_field);
    const notNumeric = await api().get(`/api/v1/projects/${projectId}/features/abc/`).set(as(f.admin));
    assert.equal(notNumeric.status, 404);
  });

  it('toggles a state with PUT: audit entry, revision bump and environment.changed, typed values', async () => {
    const feature = await createFeature({ name: 'toggle_me' });
    const state = await stateOf(environment.api_key, feature.id);
    const before = await revisionOf(environment.id);
    const events: { environmentId: number }[] = [];
    const off = t.ctx.events.on('environment.changed', (payload) => void events.push(payload));
    const put = await api()
      .put(`/api/v1/environments/${environment.api_key}/featurestates/${state.id}/`)
      .set(as(f.admin))
      .send({ ...state, enabled: true, feature_state_value: 'blue' });
    off();
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.enabled, true);
    assert.equal(put.body.feature_state_value, 'blue');
    assert.equal(await revisionOf(environment.id), before + 1);
    assert.deepEqual(
      events.map((event) => event.environmentId),
      [environment.id],
    );
    const audit = await t.ctx.database
      .knex('audit_logs')
      .where({ related_object_type: 'FEATURE_STATE', related_object_id: state.id })
      .first('log', 'environment_id');
    assert.deepEqual(audit, {
      log: 'Flag state / Remote Config value updated for feature: toggle_me',
      environment_id: environment.id,
    });
    const typed = (type: string, value: Record<string, unknown>) => ({
      type,
      string_value: null,
      integer_value: null,
      boolean_value: null,
      ...value,
    });
    for (const [sent, expected] of [
      [7, typed('int', { integer_value: 7 })],
      [true, typed('bool', { boolean_value: true })],
      [1.5, typed('unicode', { string_value: '1.5' })],
      [{ type: 'int', integer_value: 3 }, typed('int', { integer_value: 3 })],
    ] as const) {
      const patched = await api()
        .patch(`/api/v1/features/featurestates/${state.id}/`)
        .set(as(f.admin))
        .send({ feature_state_value: sent });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.body.feature_state_value, expected);
    }
    assert.equal((await stateOf(environment.api_key, feature.id)).feature_state_value, 3);
    const nested = await api()
      .get(`/api/v1/features/featurestates/?environment=${environment.id}&feature=${feature.id}`)
      .set(as(f.admin));
    assert.equal(nested.status, 200, nested.text);
    assert.deepEqual(
      nested.body.results.map((result: { id: number }) => result.id),
      [state.id],
    );
    assert.deepEqual(nested.body.results[0].feature_state_value, typed('int', { integer_value: 3 }));
    const missing = await api().get('/api/v1/features/featurestates/').set(as(f.admin));
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { environment: ['This field is required.'] });
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = await api()
      .patch(`/api/v1/environments/${environment.api_key}/featurestates/${state.id}/`)
      .set(as(f.admin))
      .send({ live_from: future });
    assert.equal(scheduled.body.live_from, future);
    const unknown = await api()
      .get(`/api/v1/environments/${environment.api_key}/featurestates/abc/`)
      .set(as(f.admin));
    assert.equal(unknown.status, 404);
  });

  it('adds multivariate options to every state and refuses allocations over 100, naming the field', async () => {
    const feature = await createFeature({ name: 'colour' });
    const options = `/api/v1/projects/${projectId}/features/${feature.id}/mv-options/`;
    const red = await api()
      .post(options)
      .set(as(f.admin))
      .send({ type: 'unicode', string_value: 'red', default_percentage_allocation: 60 });
    assert.equal(red.status, 201, red.text);
    assert.equal(red.body.default_percentage_allocation, 60);
    const retrieved = await api()
      .get(`/api/v1/projects/${projectId}/features/${feature.id}/`)
      .set(as(f.admin));
    assert.equal(retrieved.body.type, 'MULTIVARIATE');
    const state = await stateOf(environment.api_key, feature.id);
    assert.deepEqual(
      state.multivariate_feature_state_values.map(
        (value: { percentage_allocation: number }) => value.percentage_allocation,
      ),
      [60],
    );
    const tooMuch = await api()
      .post(options)
      .set(as(f.admin))
      .send({ type: 'unicode', string_value: 'blue', default_percentage_allocation: 50 });
    assert.equal(tooMuch.status, 400);
    assert.ok(tooMuch.body.default_percentage_allocation);
    const numeric = await api()
      .post(options)
      .set(as(f.admin))
      .send({ type: 'int', integer_value: 1, default_percentage_allocation: 0 });
    const renumbered = await api()
      .patch(`${options}${numeric.body.id}/`)
      .set(as(f.admin))
      .send({ integer_value: 5 });
    assert.equal(renumbered.status, 200, renumbered.text);
    assert.deepEqual([renumbered.body.type, renumbered.body.integer_value], ['int', 5]);
    await api().delete(`${options}${numeric.body.id}/`).set(as(f.admin)).expect(204);
    const blue = await api()
      .post(options)
      .set(as(f.admin))
      .send({ type: 'unicode', string_value: 'blue', default_percentage_allocation: 10 });
    const path = `/api/v1/environments/${environment.api_key}/featurestates/${state.id}/`;
    const over = await api()
      .patch(path)
      .set(as(f.admin))
      .send({
        multivariate_feature_state_values: [
          { multivariate_feature_option: red.body.id, percentage_allocation: 70 },
          { multivariate_feature_option: blue.body.id, percentage_allocation: 40 },
        ],
      });
    assert.equal(over.status, 400);
    assert.ok(over.body.multivariate_feature_state_values);
    const revision = await revisionOf(environment.id);
    const foreignOption = await api()
      .patch(path)
      .set(as(f.admin))
      .send({
        multivariate_feature_state_values: [
          { multivariate_feature_option: 2_000_000, percentage_allocation: 1 },
        ],
      });
    assert.equal(foreignOption.status, 400);
    assert.ok(foreignOption.body.multivariate_feature_state_values);
    assert.equal(await revisionOf(environment.id), revision, 'a refused change bumps nothing');
    const fine = await api()
      .patch(path)
      .set(as(f.admin))
      .send({
        multivariate_feature_state_values: [
          { multivariate_feature_option: red.body.id, percentage_allocation: 70 },
          { multivariate_feature_option: blue.body.id, percentage_allocation: 30 },
        ],
      });
    assert.equal(fine.status, 200, fine.text);
    const allocationsOf = (state: {
      multivariate_feature_state_values: { percentage_allocation: number }[];
    }) => state.multivariate_feature_state_values.map((value) => value.percentage_allocation);
    const later = await createEnvironment('Later');
    assert.deepEqual(allocationsOf(await stateOf(later.api_key, feature.id)), [60, 10]);
    const clone = await api()
      .post(`/api/v1/environments/${environment.api_key}/clone/`)
      .set(as(f.admin))
      .send({ name: 'Clone' });
    assert.equal(clone.status, 200, clone.text);
    assert.deepEqual(allocationsOf(await stateOf(clone.body.api_key, feature.id)), [70, 30]);
    const thirds = await api()
      .patch(path)
      .set(as(f.admin))
      .send({
        multivariate_feature_state_values: [
          { multivariate_feature_option: red.body.id, percentage_allocation: 33.3 },
          { multivariate_feature_option: blue.body.id, percentage_allocation: 66.7 },
        ],
      });
    assert.equal(thirds.status, 200, thirds.text);
    await api().delete(`${options}${red.body.id}/`).set(as(f.admin)).expect(204);
    await api().delete(`${options}${blue.body.id}/`).set(as(f.admin)).expect(204);
    const standard = await api()
      .get(`/api/v1/projects/${projectId}/features/${feature.id}/`)
      .set(as(f.admin));
    assert.equal(standard.body.type, 'STANDARD');
  });

  it('answers two racing creates of one name in different cases with one 201 and one 400', async () => {
    const post = (name: string) =>
      api().post(`/api/v1/projects/${projectId}/features/`).set(as(f.admin)).send({ name });
    const answers = await Promise.all([post('racer'), post('RACER')]);
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 400]);
    const refused = answers.find((answer) => answer.status === 400);
    assert.ok(refused?.body.name, refused?.text);
  });

  it("reads an environment's live defaults for the document in the same number of queries for 3 or 13 features", async () => {
    const project = await api()
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'Document', organisation: f.home.id });
    const documentEnvironment = await api()
      .post('/api/v1/environments/')
      .set(as(f.admin))
      .send({ name: 'Doc', project: project.body.id });
    const add = async (count: number, offset: number) => {
      for (let index = 0; index < count; index++) {
        await api()
          .post(`/api/v1/projects/${project.body.id}/features/`)
          .set(as(f.admin))
          .send({ name: `doc_${offset + index}`, initial_value: `${offset + index}` });
      }
    };
    const store = new FeatureStore();
    const knex = t.ctx.database.knex;
    const countQueries = async () => {
      let queries = 0;
      const onQuery = () => void queries++;
      knex.on('query', onQuery);
      const read = await store.liveDefaults({ knex }, documentEnvironment.body.id);
      knex.off('query', onQuery);
      return { queries, read };
    };
    await add(3, 0);
    const few = await countQueries();
    await add(10, 3);
    const many = await countQueries();
    assert.equal(few.read.states.length, 3);
    assert.equal(many.read.states.length, 13);
    assert.equal(many.queries, few.queries);
    assert.equal(many.read.states.find((state) => state.value?.integer_value === 12)?.enabled, false);

    const [first] = many.read.states;
    const future = new Date(Date.now() + 3_600_000);
    await api()
      .patch(`/api/v1/features/featurestates/${first?.id}/`)
      .set(as(f.admin))
      .send({ live_from: future.toISOString() });
    const scheduled = await store.liveDefaults({ knex }, documentEnvironment.body.id);
    assert.equal(scheduled.states.length, 12, 'a state scheduled for later is not live yet');
    assert.equal(scheduled.nextLiveFrom?.toISOString(), future.toISOString());
    const later = await store.liveDefaults(
      { knex },
      documentEnvironment.body.id,
      new Date(future.getTime() + 1),
    );
    assert.equal(later.states.length, 13);
  });

  it('refuses bad options, tags and state values with a 400 naming the field', async () => {
    const feature = await createFeature({ name: 'strict' });
    const options = `/api/v1/projects/${projectId}/features/${feature.id}/mv-options/`;
    const cases: [string, string, object, string][] = [
      ['post', options, { type: 'float', string_value: 'x' }, 'type'],
      [
        'post',
        options,
        { string_value: 'x', default_percentage_allocation: 101 },
        'default_percentage_allocation',
      ],
      ['post', options, { string_value: 'x', key: 'not a slug' }, 'key'],
      ['post', `/api/v1/projects/${projectId}/tags/`, { label: '' }, 'label'],
      [
        'post',
        `/api/v1/projects/${projectId}/features/`,
        { name: 'x', multivariate_options: 'no' },
        'multivariate_options',
      ],
      [
        'post',
        `/api/v1/projects/${projectId}/features/`,
        {
          name: 'over',
          multivariate_options: [
            { string_value: 'a', default_percentage_allocation: 60 },
            { string_value: 'b', default_percentage_allocation: 60 },
          ],
        },
        'multivariate_options',
      ],
    ];
    const state = await stateOf(environment.api_key, feature.id);
    const statePath = `/api/v1/environments/${environment.api_key}/featurestates/${state.id}/`;
    cases.push(
      ['patch', statePath, { feature_state_value: [1, 2] }, 'feature_state_value'],
      ['patch', statePath, { enabled: 'yes' }, 'enabled'],
      ['patch', statePath, { live_from: 'tomorrow' }, 'live_from'],
      [
        'patch',
        statePath,
        {
          multivariate_feature_state_values: [{ multivariate_feature_option: 'a', percentage_allocation: 1 }],
        },
        'multivariate_feature_state_values.0.multivariate_feature_option',
      ],
    );
    for (const [method, path, body, field] of cases) {
      const response = await api()[method as 'post' | 'patch'](path).set(as(f.admin)).send(body);
      assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${response.text}`);
      assert.ok(Array.isArray(response.body[field]), `${field} in ${response.text}`);
    }
    const untouched = await stateOf(environment.api_key, feature.id);
    assert.deepEqual(untouched, state);
  });

  it("bumps the revision for the project's hide_disabled_flags and the environment's own settings", async () => {
    const before = await revisionOf(environment.id);
    await api().patch(`/api/v1/projects/${projectId}/`).set(as(f.admin)).send({ name: 'Flags' }).expect(200);
    assert.equal(await revisionOf(environment.id), before, 'a rename changes nothing an SDK sees');
    await api()
      .patch(`/api/v1/projects/${projectId}/`)
      .set(as(f.admin))
      .send({ hide_disabled_flags: true })
      .expect(200);
    assert.equal(await revisionOf(environment.id), before + 1);
    await api()
      .patch(`/api/v1/environments/${environment.api_key}/`)
      .set(as(f.admin))
      .send({ hide_disabled_flags: false })
      .expect(200);
    assert.equal(await revisionOf(environment.id), before + 2);
  });

  it('deletes a feature with its states', async () => {
    const feature = await createFeature({ name: 'doomed' });
    await api().delete(`/api/v1/projects/${projectId}/features/${feature.id}/`).set(as(f.admin)).expect(204);
    const states = await t.ctx.database.knex('feature_states').where('feature_id', feature.id);
    assert.equal(states.length, 0);
    const gone = await api().get(`/api/v1/projects/${projectId}/features/${feature.id}/`).set(as(f.admin));
    assert.equal(gone.status, 404);
  });
});

describe('feature permissions and FLAG_UPDATED webhooks', () => {
  let t: TestApp;
  let f: Tenancy;
  let receiver: TestReceiver;
  let projectId: number;
  let environment: { id: number; api_key: string };
  let feature: { id: number };
  let stateId: number;
  const api = () => request(t.app);
  const member = async (grants: { project?: string[]; environment?: string[] }) => {
    const person = await f.person('member');
    await joinAs(t, f.admin, f.home.id, person, 'USER');
    if (grants.project) {
      await api()
        .post(`/api/v1/projects/${projectId}/user-permissions/`)
        .set(as(f.admin))
        .send({ user: person.id, permissions: grants.project })
        .expect(201);
    }
    if (grants.environment) {
      await api()
        .post(`/api/v1/environments/${environment.api_key}/user-permissions/`)
        .set(as(f.admin))
        .send({ user: person.id, permissions: grants.environment })
        .expect(201);
    }
    return person;
  };

  before(async () => {
    receiver = new TestReceiver();
    await receiver.listen();
    t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    f = await createTenancy(t);
    projectId = (
      await api().post('/api/v1/projects/').set(as(f.admin)).send({ name: 'Hooks', organisation: f.home.id })
    ).body.id;
    environment = (
      await api().post('/api/v1/environments/').set(as(f.admin)).send({ name: 'Live', project: projectId })
    ).body;
    feature = (
      await api().post(`/api/v1/projects/${projectId}/features/`).set(as(f.admin)).send({ name: 'hooked' })
    ).body;
    stateId = (
      await api()
        .get(`/api/v1/environments/${environment.api_key}/featurestates/?feature=${feature.id}`)
        .set(as(f.admin))
    ).body.results[0].id;
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('asks CREATE_FEATURE, EDIT_FEATURE and DELETE_FEATURE of people who only view the project', async () => {
    const viewer = await member({ project: ['VIEW_PROJECT'] });
    const creator = await member({
      project: ['VIEW_PROJECT', 'CREATE_FEATURE', 'EDIT_FEATURE', 'DELETE_FEATURE'],
    });
    const features = `/api/v1/projects/${projectId}/features/`;
    assert.equal((await api().get(features).set(as(viewer))).status, 200);
    assert.equal((await api().post(features).set(as(viewer)).send({ name: 'nope' })).status, 403);
    const created = await api().post(features).set(as(creator)).send({ name: 'granted' });
    assert.equal(created.status, 201, created.text);
    const path = `${features}${created.body.id}/`;
    assert.equal((await api().patch(path).set(as(viewer)).send({ description: 'x' })).status, 403);
    assert.equal((await api().patch(path).set(as(creator)).send({ description: 'x' })).status, 200);
    assert.equal((await api().delete(path).set(as(viewer))).status, 403);
    assert.equal((await api().delete(path).set(as(creator))).status, 204);
  });

  it('asks UPDATE_FEATURE_STATE to change a state that VIEW_ENVIRONMENT may read', async () => {
    const reader = await member({ environment: ['VIEW_ENVIRONMENT'] });
    const writer = await member({ environment: ['VIEW_ENVIRONMENT', 'UPDATE_FEATURE_STATE'] });
    const path = `/api/v1/environments/${environment.api_key}/featurestates/${stateId}/`;
    assert.equal((await api().get(path).set(as(reader))).status, 200);
    assert.equal((await api().put(path).set(as(reader)).send({ enabled: false })).status, 403);
    assert.equal((await api().put(path).set(as(writer)).send({ enabled: false })).status, 200);
    const byId = `/api/v1/features/featurestates/${stateId}/`;
    assert.equal((await api().patch(byId).set(as(reader)).send({ enabled: false })).status, 403);
    assert.equal((await api().patch(byId).set(as(writer)).send({ enabled: false })).status, 200);
    const outsider = await member({});
    assert.equal((await api().get(byId).set(as(outsider))).status, 404);
  });

  it("sends the environment's webhooks FLAG_UPDATED with the state before and after", async () => {
    const hook = await api()
      .post(`/api/v1/environments/${environment.api_key}/webhooks/`)
      .set(as(f.admin))
      .send({ url: receiver.url('/flags'), enabled: true });
    assert.equal(hook.status, 201, hook.text);
    const put = await api()
      .put(`/api/v1/environments/${environment.api_key}/featurestates/${stateId}/`)
      .set(as(f.admin))
      .send({ enabled: true, feature_state_value: 'on' });
    assert.equal(put.status, 200, put.text);
    const delivered = JSON.parse((await receiver.next('/flags')).body);
    assert.equal(delivered.event_type, 'FLAG_UPDATED');
    assert.equal(delivered.data.new_state.enabled, true);
    assert.equal(delivered.data.new_state.feature_state_value, 'on');
    assert.equal(delivered.data.previous_state.enabled, false);
    assert.equal(delivered.data.new_state.feature.name, 'hooked');
    assert.deepEqual(delivered.data.new_state.environment, { id: environment.id, name: 'Live' });
    assert.equal(delivered.data.changed_by, f.admin.email);
  });
});
