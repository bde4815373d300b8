import { strict as assert } from 'node:assert';
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

/**
 * Issue #15's walkthrough: one feature with an environment default, a segment override and an identity
 * override, all made through the HTTP API, reaches the environment document built from the database, and the
 * engine (as a local-evaluation SDK runs it) and the dashboard's featurestates/all/ agree on who gets what.
 */
describe('a feature with a segment override and an identity override, end to end', () => {
  let t: TestApp;
  let f: Tenancy;
  const api = () => request(t.app);
  const created = async (path: string, body: object) => {
    const response = await api().post(path).set(as(f.admin)).send(body);
    assert.equal(response.status, 201, `${path}: ${response.text}`);
    return response.body as { id: number; api_key: string; name: string };
  };

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
  });
  after(() => t.close());

  it('serves the identity override, then the segment override, then the default', async () => {
    const project = await created('/api/v1/projects/', { name: 'Walkthrough', organisation: f.home.id });
    const environment = await created('/api/v1/environments/', { name: 'Live', project: project.id });
    const env = (rest: string) => `/api/v1/environments/${environment.api_key}/${rest}`;
    const banner = await created(`/api/v1/projects/${project.id}/features/`, {
      name: 'banner',
      initial_value: 'plain',
      default_enabled: true,
    });
    const adults = await created(`/api/v1/projects/${project.id}/segments/`, {
      name: 'adults',
      rules: [
        {
          type: 'ALL',
          rules: [],
          conditions: [{ operator: 'GREATER_THAN_INCLUSIVE', property: 'age', value: '18' }],
        },
      ],
    });
    await created(env(`features/${banner.id}/create-segment-override/`), {
      enabled: true,
      feature_state_value: {
        type: 'unicode',
        string_value: 'adult',
        integer_value: null,
        boolean_value: null,
      },
      feature_segment: { segment: adults.id },
    });

    const people = new Map<string, number>();
    for (const [identifier, age] of [
      ['alice', 30],
      ['bob', 40],
      ['carl', 10],
    ] as const) {
      const identity = await created(env('identities/'), { identifier });
      await created(env(`identities/${identity.id}/traits/`), { trait_key: 'age', trait_value: age });
      people.set(identifier, identity.id);
    }
    await created(env(`identities/${people.get('alice')}/featurestates/`), {
      feature: banner.id,
      enabled: false,
      feature_state_value: 'alice only',
    });

    const built = await buildEnvironmentDocument({ knex: t.ctx.database.knex }, environment.id);
    assert.ok(built);
    const segment = built.document.project.segments.find((item) => item.name === 'adults');
    assert.deepEqual(
      segment?.feature_states.map((state) => [
        state.feature.name,
        state.feature_state_value,
        state.feature_segment,
      ]),
      [['banner', 'adult', { priority: 0 }]],
    );
    assert.deepEqual(
      built.document.identity_overrides.map((item) => [
        item.identifier,
        item.identity_features.map((state) => [state.feature.name, state.enabled, state.feature_state_value]),
      ]),
      [['alice', [['banner', false, 'alice only']]]],
    );

    // What a local-evaluation SDK computes from the document (its text, as the SDK receives it).
    const document = parseJson(serialiseEnvironmentDocument(built.document)) as EnvironmentDocument;
    const evaluate = (identifier: string, age: number) =>
      getEvaluationResult(mapEnvironmentDocumentToContext(document, { identifier, traits: { age } })).flags
        .banner;
    assert.deepEqual(
      [evaluate('alice', 30), evaluate('bob', 40), evaluate('carl', 10)].map((flag) => [
        flag?.enabled,
        flag?.value,
      ]),
      [
        [false, 'alice only'],
        [true, 'adult'],
        [true, 'plain'],
      ],
    );

    // What the dashboard's identity page shows, with the source of each value.
    const shown = async (identifier: string) => {
      const response = await api()
        .get(env(`identities/${people.get(identifier)}/featurestates/all/`))
        .set(as(f.admin));
      assert.equal(response.status, 200, response.text);
      const flag = (response.body as { feature: { name: string } }[]).find(
        (item) => item.feature.name === 'banner',
      );
      return flag as unknown as {
        enabled: boolean;
        feature_state_value: string;
        overridden_by: string | null;
      };
    };
    assert.deepEqual(
      await Promise.all(['alice', 'bob', 'carl'].map(shown)).then((flags) =>
        flags.map((flag) => [flag.enabled, flag.feature_state_value, flag.overridden_by]),
      ),
      [
        [false, 'alice only', 'IDENTITY'],
        [true, 'adult', 'SEGMENT'],
        [true, 'plain', null],
      ],
    );
    const bob = (await shown('bob')) as unknown as { segment: { id: number; name: string } };
    assert.deepEqual(bob.segment, { id: adults.id, name: 'adults' });
  });
});
