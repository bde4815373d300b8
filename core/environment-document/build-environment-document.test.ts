import { strict as assert } from 'node:assert';
import type { Knex } from 'knex';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import {
  type EnvironmentDocument,
  getEvaluationResult,
  mapEnvironmentDocumentToContext,
  parseJson,
} from '../evaluation/index.js';
import { as, createTenancy, type Tenancy } from '../organisations/tenancy-test-fixture.js';
import { buildEnvironmentDocument, serialiseEnvironmentDocument } from './build-environment-document.js';

const featureStateKeys = [
  'feature',
  'enabled',
  'django_id',
  'feature_segment',
  'featurestate_uuid',
  'feature_state_value',
  'multivariate_feature_state_values',
];

describe('environment document', () => {
  let t: TestApp;
  let f: Tenancy;
  const api = () => request(t.app);
  const scope = () => ({ knex: t.ctx.database.knex });
  const created = async (path: string, body: object) => {
    const response = await api().post(path).set(as(f.admin)).send(body);
    assert.equal(response.status, 201, `${path}: ${response.text}`);
    return response.body;
  };
  const createProject = (name: string) =>
    created('/api/v1/projects/', { name, organisation: f.home.id }) as Promise<{ id: number }>;
  const createEnvironment = (projectId: number, name: string) =>
    created('/api/v1/environments/', { name, project: projectId }) as Promise<{
      id: number;
      api_key: string;
    }>;

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
  });
  after(() => t.close());

  it('builds Flagsmith’s shape from what the API created, and the engine evaluates it', async () => {
    const project = await createProject('Web');
    const environment = await createEnvironment(project.id, 'Production');
    const features = `/api/v1/projects/${project.id}/features/`;
    const banner = await created(features, { name: 'banner', initial_value: 'hello', default_enabled: true });
    const hidden = await created(features, {
      name: 'hidden',
      default_enabled: false,
      is_server_key_only: true,
    });
    const colour = await created(features, { name: 'colour', initial_value: 'red', default_enabled: true });
    const green = await created(`${features}${colour.id}/mv-options/`, {
      type: 'unicode',
      string_value: 'green',
      default_percentage_allocation: 50,
    });
    const blue = await created(`${features}${colour.id}/mv-options/`, {
      type: 'unicode',
      string_value: 'blue',
      default_percentage_allocation: 30.5,
    });
    const segments = `/api/v1/projects/${project.id}/segments/`;
    const rules = [
      {
        type: 'ALL',
        rules: [
          { type: 'ANY', rules: [], conditions: [{ operator: 'EQUAL', property: 'beta', value: 'true' }] },
        ],
        conditions: [],
      },
    ];
    const beta = await created(segments, { name: 'beta', rules });
    await created(segments, { name: 'banner only', feature: banner.id, rules });

    const built = await buildEnvironmentDocument(scope(), environment.id);
    assert.ok(built);
    const { document } = built;
    assert.deepEqual(Object.keys(document), [
      'id',
      'api_key',
      'project',
      'feature_states',
      'identity_overrides',
      'name',
      'allow_client_traits',
      'updated_at',
      'hide_sensitive_data',
      'hide_disabled_flags',
      'use_identity_composite_key_for_hashing',
      'use_identity_overrides_in_local_eval',
    ]);
    assert.equal(document.id, environment.id);
    assert.equal(document.api_key, environment.api_key);
    assert.equal(document.name, 'Production');
    assert.match(document.updated_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
    assert.equal(built.updatedAt, document.updated_at);
    const stored = (await t.ctx.database
      .knex('environments')
      .where('id', environment.id)
      .first('revision')) as {
      revision: number;
    };
    assert.equal(built.revision, stored.revision);
    assert.equal(built.nextLiveFrom, null);
    assert.equal(document.hide_disabled_flags, null);
    assert.deepEqual(document.identity_overrides, []);

    assert.deepEqual(Object.keys(document.project), [
      'id',
      'name',
      'organisation',
      'hide_disabled_flags',
      'segments',
      'enable_realtime_updates',
      'server_key_only_feature_ids',
    ]);
    assert.deepEqual(document.project.organisation, {
      id: f.home.id,
      name: f.home.name,
      feature_analytics: false,
      stop_serving_flags: false,
      persist_trait_data: true,
    });
    assert.deepEqual(Object.keys(document.project.organisation), [
      'id',
      'name',
      'feature_analytics',
      'stop_serving_flags',
      'persist_trait_data',
    ]);
    assert.deepEqual(document.project.server_key_only_feature_ids, [hidden.id]);
    assert.deepEqual(
      document.project.segments.map((segment) => segment.id),
      [beta.id],
      'a feature-specific segment without an override in this environment is dropped',
    );
    const [segment] = document.project.segments;
    assert.deepEqual(Object.keys(segment ?? {}), ['id', 'name', 'rules', 'feature_states']);
    assert.deepEqual(segment?.rules, [
      {
        type: 'ALL',
        rules: [
          { type: 'ANY', rules: [], conditions: [{ operator: 'EQUAL', property_: 'beta', value: 'true' }] },
        ],
        conditions: [],
      },
    ]);

    assert.deepEqual(
      document.feature_states.map((state) => state.feature),
      [
        { id: banner.id, name: 'banner', type: 'STANDARD' },
        { id: hidden.id, name: 'hidden', type: 'STANDARD' },
        { id: colour.id, name: 'colour', type: 'MULTIVARIATE' },
      ],
    );
    for (const state of document.feature_states) {
      assert.deepEqual(Object.keys(state), featureStateKeys);
      assert.equal(state.feature_segment, null);
      assert.match(state.featurestate_uuid, /^[0-9a-f-]{36}$/);
    }
    const [bannerState, hiddenState, colourState] = document.feature_states;
    assert.equal(bannerState?.feature_state_value, 'hello');
    assert.equal(bannerState?.enabled, true);
    assert.equal(hiddenState?.enabled, false);
    const listed = await api()
      .get(`/api/v1/environments/${environment.api_key}/featurestates/?feature=${colour.id}`)
      .set(as(f.admin));
    assert.equal(colourState?.django_id, listed.body.results[0].id, 'django_id is the state id, the MV seed');
    const values = colourState?.multivariate_feature_state_values ?? [];
    assert.deepEqual(
      values.map((value) => value.multivariate_feature_option),
      [
        { value: 'green', id: green.id, key: null },
        { value: 'blue', id: blue.id, key: null },
      ],
    );
    for (const value of values) {
      assert.deepEqual(Object.keys(value), [
        'multivariate_feature_option',
        'percentage_allocation',
        'id',
        'mv_fs_value_uuid',
      ]);
      assert.match(String(value.mv_fs_value_uuid), /^[0-9a-f-]{36}$/);
    }

    const text = serialiseEnvironmentDocument(document);
    assert.ok(text.includes('"percentage_allocation":50.0,'), 'an integral allocation prints as a float');
    assert.ok(text.includes('"percentage_allocation":30.5,'));
    assert.ok(text.includes(`"updated_at":"${document.updated_at}"`));

    // The engine reads the wire text, as an SDK in local evaluation would.
    const wire = parseJson(text) as EnvironmentDocument;
    const flagsOf = (identifier: string, traits: Record<string, boolean>) =>
      getEvaluationResult(mapEnvironmentDocumentToContext(wire, { identifier, traits })).flags;
    for (const [identifier, traits] of [
      ['alice', { beta: true }],
      ['bob', {}],
    ] as const) {
      const flags = flagsOf(identifier, traits);
      assert.deepEqual(
        Object.values(flags)
          .map((flag) => flag.name)
          .sort(),
        ['banner', 'colour', 'hidden'],
      );
      assert.equal(flags.banner?.enabled, true);
      assert.equal(flags.banner?.value, 'hello');
      assert.equal(flags.hidden?.enabled, false);
      assert.equal(flags.colour?.enabled, true);
      assert.ok(['red', 'green', 'blue'].includes(String(flags.colour?.value)), String(flags.colour?.value));
    }
    assert.equal(await buildEnvironmentDocument(scope(), 2_000_000_000), undefined);
  });

  it('carries the environment’s and the project’s settings, and a revision that the API’s changes bump', async () => {
    const project = await createProject('Settings');
    const environment = (await created('/api/v1/environments/', {
      name: 'Staging',
      project: project.id,
      use_identity_overrides_in_local_eval: false,
    })) as { id: number; api_key: string };
    const before = await buildEnvironmentDocument(scope(), environment.id);
    assert.equal(before?.document.use_identity_overrides_in_local_eval, false);
    assert.equal(before?.document.project.hide_disabled_flags, false);
    const patchedEnvironment = await api()
      .patch(`/api/v1/environments/${environment.api_key}/`)
      .set(as(f.admin))
      .send({
        use_identity_overrides_in_local_eval: true,
        hide_disabled_flags: true,
        allow_client_traits: false,
      });
    assert.equal(patchedEnvironment.status, 200, patchedEnvironment.text);
    const patchedProject = await api()
      .patch(`/api/v1/projects/${project.id}/`)
      .set(as(f.admin))
      .send({ hide_disabled_flags: true });
    assert.equal(patchedProject.status, 200, patchedProject.text);
    const after = await buildEnvironmentDocument(scope(), environment.id);
    assert.ok(before && after);
    assert.equal(after.document.use_identity_overrides_in_local_eval, true);
    assert.equal(after.document.hide_disabled_flags, true);
    assert.equal(after.document.allow_client_traits, false);
    assert.equal(after.document.project.hide_disabled_flags, true);
    // Identity overrides do not exist yet: the list is there, empty, for the SDKs that read it.
    assert.deepEqual(after.document.identity_overrides, []);
    assert.ok(after.revision > before.revision, `${after.revision} > ${before.revision}`);
  });

  it('issues the same number of queries for 10 and for 1,000 features, each with a segment override', async () => {
    const project = await createProject('Many');
    const environment = await createEnvironment(project.id, 'Load');
    const knex = t.ctx.database.knex;
    const some = await created(`/api/v1/projects/${project.id}/segments/`, {
      name: 'some',
      rules: [{ type: 'ALL', conditions: [{ operator: 'IS_SET', property: 'x', value: null }] }],
    });
    const seed = async (from: number, to: number) => {
      const features = (await knex('features')
        .insert(
          Array.from({ length: to - from }, (_, index) => ({
            name: `f${from + index}`,
            project_id: project.id,
            type: 'MULTIVARIATE',
          })),
        )
        .returning('id')) as { id: number }[];
      const states = (await knex('feature_states')
        .insert(features.map(({ id }) => ({ feature_id: id, environment_id: environment.id, enabled: true })))
        .returning(['id', 'feature_id'])) as { id: number; feature_id: number }[];
      await knex('feature_state_values').insert(
        states.map((state) => ({ feature_state_id: state.id, type: 'int', integer_value: state.feature_id })),
      );
      const options = (await knex('multivariate_feature_options')
        .insert(features.map(({ id }) => ({ feature_id: id, string_value: `v${id}` })))
        .returning(['id', 'feature_id'])) as { id: number; feature_id: number }[];
      // Every feature also overridden for the segment, with its own state and value.
      const overrides = (await knex('feature_segments')
        .insert(
          features.map(({ id }) => ({
            feature_id: id,
            segment_id: some.id,
            environment_id: environment.id,
            priority: 0,
          })),
        )
        .returning(['id', 'feature_id'])) as { id: number; feature_id: number }[];
      const overrideStates = (await knex('feature_states')
        .insert(
          overrides.map((override) => ({
            feature_id: override.feature_id,
            environment_id: environment.id,
            feature_segment_id: override.id,
            enabled: false,
          })),
        )
        .returning('id')) as { id: number }[];
      await knex('feature_state_values').insert(
        overrideStates.map((state) => ({ feature_state_id: state.id, type: 'unicode', string_value: 'o' })),
      );
      const stateOf = new Map(states.map((state) => [state.feature_id, state.id]));
      await knex('multivariate_feature_state_values').insert(
        options.map((option) => ({
          feature_state_id: stateOf.get(option.feature_id),
          multivariate_feature_option_id: option.id,
          percentage_allocation: 25,
        })),
      );
    };
    const countQueries = async () => {
      let count = 0;
      const listener = () => {
        count++;
      };
      (knex as Knex).on('query', listener);
      try {
        const built = await buildEnvironmentDocument(scope(), environment.id);
        return {
          count,
          features: built?.document.feature_states.length,
          overrides: built?.document.project.segments.find((segment) => segment.id === some.id)
            ?.feature_states.length,
        };
      } finally {
        (knex as Knex).removeListener('query', listener);
      }
    };
    await seed(0, 10);
    const few = await countQueries();
    await seed(10, 1000);
    const many = await countQueries();
    assert.equal(few.features, 10);
    assert.equal(many.features, 1000);
    assert.equal(few.overrides, 10);
    assert.equal(many.overrides, 1000);
    assert.ok(few.count > 0);
    assert.equal(many.count, few.count);
  });
});
