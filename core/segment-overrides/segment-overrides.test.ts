import { strict as assert } from 'node:assert';
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
  parseJson,
} from '../evaluation/index.js';
import {
  as,
  createTenancy,
  joinAs,
  type Person,
  type Tenancy,
} from '../organisations/tenancy-test-fixture.js';
import { TestReceiver } from '../webhooks/webhook-test-receiver.js';

interface Created {
  id: number;
}

describe('segment overrides', () => {
  let t: TestApp;
  let f: Tenancy;
  let receiver: TestReceiver;
  let projectId: number;
  let environment: { id: number; api_key: string };
  let sequence = 0;
  const api = () => request(t.app);
  const created = async (path: string, body: object, person: Person = f.admin) => {
    const response = await api().post(path).set(as(person)).send(body);
    assert.equal(response.status, 201, `${path}: ${response.text}`);
    return response.body;
  };
  const betaRules = [
    { type: 'ALL', rules: [], conditions: [{ operator: 'EQUAL', property: 'beta', value: 'true' }] },
  ];
  const createFeature = (body: object = {}, project = projectId) =>
    created(`/api/v1/projects/${project}/features/`, { name: `feature_${sequence++}`, ...body });
  const createSegment = (body: object = {}, project = projectId): Promise<Created & { name: string }> =>
    created(`/api/v1/projects/${project}/segments/`, {
      name: `segment ${sequence++}`,
      rules: betaRules,
      ...body,
    });
  const overridePath = (featureId: number, apiKey = environment.api_key) =>
    `/api/v1/environments/${apiKey}/features/${featureId}/create-segment-override/`;
  const createOverride = (featureId: number, segmentId: number, extra: object = {}) =>
    created(overridePath(featureId), {
      enabled: true,
      feature_state_value: {
        type: 'unicode',
        string_value: 'override',
        integer_value: null,
        boolean_value: null,
      },
      feature_segment: { segment: segmentId },
      ...extra,
    });
  const listOverrides = async (featureId: number, environmentId = environment.id) => {
    const response = await api()
      .get(`/api/v1/features/feature-segments/?environment=${environmentId}&feature=${featureId}`)
      .set(as(f.admin));
    assert.equal(response.status, 200, response.text);
    return response.body as {
      count: number;
      results: { id: number; segment: number; priority: number; segment_name: string }[];
    };
  };
  const priorities = async (featureId: number) =>
    (await listOverrides(featureId)).results.map((row) => [row.segment, row.priority]);
  const revisionOf = async (id: number) =>
    ((await t.ctx.database.knex('environments').where({ id }).first('revision')) as { revision: number })
      .revision;
  const member = async (grants: string[]) => {
    const person = await f.person('member');
    await joinAs(t, f.admin, f.home.id, person, 'USER');
    await api()
      .post(`/api/v1/environments/${environment.api_key}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: person.id, permissions: grants })
      .expect(201);
    return person;
  };

  before(async () => {
    receiver = new TestReceiver();
    await receiver.listen();
    t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    f = await createTenancy(t);
    projectId = (await created('/api/v1/projects/', { name: 'Overrides', organisation: f.home.id })).id;
    environment = await created('/api/v1/environments/', { name: 'Production', project: projectId });
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('creates an override with its state in one call: shape, audit, revision, environment.changed, webhook', async () => {
    const hook = await created(`/api/v1/environments/${environment.api_key}/webhooks/`, {
      url: receiver.url('/overrides'),
      enabled: true,
    });
    const feature = await createFeature({ initial_value: 'default' });
    const segment = await createSegment();
    const before = await revisionOf(environment.id);
    const events: { environmentId: number }[] = [];
    const off = t.ctx.events.on('environment.changed', (payload) => void events.push(payload));
    const override = await createOverride(feature.id, segment.id);
    off();
    assert.deepEqual(Object.keys(override), [
      'id',
      'feature',
      'enabled',
      'feature_state_value',
      'feature_segment',
      'deleted_at',
      'uuid',
      'created_at',
      'updated_at',
      'live_from',
      'environment',
      'identity',
      'change_request',
      'multivariate_feature_state_values',
    ]);
    assert.equal(override.feature, feature.id);
    assert.equal(override.environment, environment.id);
    assert.equal(override.enabled, true);
    assert.deepEqual(override.feature_state_value, {
      type: 'unicode',
      string_value: 'override',
      integer_value: null,
      boolean_value: null,
    });
    assert.deepEqual(Object.keys(override.feature_segment), ['id', 'segment', 'priority', 'uuid']);
    assert.equal(override.feature_segment.segment, segment.id);
    assert.equal(override.feature_segment.priority, 0);
    assert.equal(await revisionOf(environment.id), before + 1);
    assert.deepEqual(
      events.map((event) => event.environmentId),
      [environment.id],
    );

    const listed = await listOverrides(feature.id);
    assert.equal(listed.count, 1);
    assert.deepEqual(listed.results[0], {
      id: override.feature_segment.id,
      uuid: override.feature_segment.uuid,
      segment: segment.id,
      priority: 0,
      environment: environment.id,
      segment_name: segment.name,
      is_feature_specific: false,
    });
    const single = await api()
      .get(`/api/v1/features/feature-segments/${override.feature_segment.id}/`)
      .set(as(f.admin));
    assert.equal(single.status, 200, single.text);
    assert.deepEqual(single.body, listed.results[0]);
    const byUuid = await api()
      .get(`/api/v1/features/feature-segments/get-by-uuid/${override.feature_segment.uuid}/`)
      .set(as(f.admin));
    assert.equal(byUuid.status, 200, byUuid.text);
    assert.deepEqual(byUuid.body, listed.results[0]);
    const foreignUuid = await api()
      .get(`/api/v1/features/feature-segments/get-by-uuid/${override.feature_segment.uuid}/`)
      .set(as(f.foreigner));
    assert.equal(foreignUuid.status, 404, foreignUuid.text);

    const features = await api()
      .get(`/api/v1/projects/${projectId}/features/?environment=${environment.id}&search=${feature.name}`)
      .set(as(f.admin));
    assert.equal(features.body.results[0].num_segment_overrides, 1);
    assert.equal(features.body.results[0].environment_feature_state.feature_state_value, 'default');

    // The dashboard reads the override's state from /features/featurestates/ and saves it with PUT there.
    const put = await api()
      .put(`/api/v1/features/featurestates/${override.id}/`)
      .set(as(f.admin))
      .send({ enabled: false, feature_state_value: { type: 'int', integer_value: 7 } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.feature_segment, override.feature_segment.id);
    assert.equal(put.body.feature_state_value.integer_value, 7);
    const byEnvironment = await api()
      .get(`/api/v1/features/featurestates/?environment=${environment.id}&feature=${feature.id}`)
      .set(as(f.admin));
    assert.deepEqual(
      (byEnvironment.body.results as { feature_segment: number | null }[]).map(
        (state) => state.feature_segment,
      ),
      [null, override.feature_segment.id],
      'the dashboard finds the override’s state beside the default',
    );
    const environmentDefault = await api()
      .get(`/api/v1/environments/${environment.api_key}/featurestates/?feature=${feature.id}`)
      .set(as(f.admin));
    assert.equal(environmentDefault.body.count, 1, 'the environment default alone, not the override');
    assert.equal(environmentDefault.body.results[0].feature_state_value, 'default');

    const audit = (await t.ctx.database
      .knex('audit_logs')
      .where((where) =>
        where
          .where({ related_object_type: 'FEATURE', related_object_id: feature.id })
          .orWhere({ related_object_type: 'FEATURE_STATE', related_object_id: override.id }),
      )
      .orderBy('id')
      .select('log', 'environment_id')) as { log: string; environment_id: number }[];
    assert.ok(
      audit.some(
        (entry) =>
          entry.log ===
            `Segment override created for feature '${feature.name}' and segment '${segment.name}'` &&
          entry.environment_id === environment.id,
      ),
      JSON.stringify(audit),
    );
    const delivered = JSON.parse((await receiver.next('/overrides')).body);
    assert.equal(delivered.event_type, 'FLAG_UPDATED');
    assert.deepEqual(delivered.data.new_state.feature_segment, {
      segment: { id: segment.id, name: segment.name, description: null },
      priority: 0,
    });
    assert.equal(delivered.data.new_state.feature_state_value, 'override');
    // The dashboard's PUT on the override's state: the webhook and the audit name the segment too.
    const changed = JSON.parse((await receiver.next('/overrides')).body);
    assert.equal(changed.data.new_state.feature_state_value, 7);
    assert.equal(changed.data.previous_state.feature_state_value, 'override');
    assert.equal(changed.data.new_state.feature_segment.segment.id, segment.id);
    assert.ok(
      audit.some(
        (entry) =>
          entry.log ===
          `Flag state / Remote config value updated for feature '${feature.name}' and segment '${segment.name}'`,
      ),
      JSON.stringify(audit),
    );
    await api()
      .delete(`/api/v1/environments/${environment.api_key}/webhooks/${hook.id}/`)
      .set(as(f.admin))
      .expect(204);
  });

  it('keeps priorities unique and in order: insert at a place, reorder, delete closes the gap', async () => {
    const feature = await createFeature();
    const [a, b, c, d] = [
      await createSegment(),
      await createSegment(),
      await createSegment(),
      await createSegment(),
    ];
    const segmentsPath = '/api/v1/features/feature-segments/';
    const first = await created(segmentsPath, {
      feature: feature.id,
      segment: a.id,
      environment: environment.id,
    });
    assert.deepEqual(Object.keys(first), ['id', 'uuid', 'feature', 'segment', 'environment', 'priority']);
    assert.equal(first.priority, 0);
    await created(segmentsPath, { feature: feature.id, segment: b.id, environment: environment.id });
    await createOverride(feature.id, c.id);
    assert.deepEqual(await priorities(feature.id), [
      [a.id, 0],
      [b.id, 1],
      [c.id, 2],
    ]);
    // Flagsmith's priority 0 on create: the new one first, the others moved down.
    await createOverride(feature.id, d.id, { feature_segment: { segment: d.id, priority: 0 } });
    assert.deepEqual(await priorities(feature.id), [
      [d.id, 0],
      [a.id, 1],
      [b.id, 2],
      [c.id, 3],
    ]);
    const ids = new Map((await listOverrides(feature.id)).results.map((row) => [row.segment, row.id]));
    const before = await revisionOf(environment.id);
    const reordered = await api()
      .post('/api/v1/features/feature-segments/update-priorities/')
      .set(as(f.admin))
      .send([
        { id: ids.get(a.id), priority: 0 },
        { id: ids.get(b.id), priority: 1 },
        { id: ids.get(c.id), priority: 2 },
        { id: ids.get(d.id), priority: 3 },
      ]);
    assert.equal(reordered.status, 200, reordered.text);
    assert.deepEqual(
      (reordered.body as { segment: number; priority: number }[])
        .map((row) => [row.segment, row.priority])
        .sort((x, y) => (x[1] as number) - (y[1] as number)),
      [
        [a.id, 0],
        [b.id, 1],
        [c.id, 2],
        [d.id, 3],
      ],
    );
    assert.equal(await revisionOf(environment.id), before + 1);
    // The same priorities again change nothing.
    await api()
      .post('/api/v1/features/feature-segments/update-priorities/')
      .set(as(f.admin))
      .send([{ id: ids.get(a.id), priority: 0 }])
      .expect(200);
    assert.equal(await revisionOf(environment.id), before + 1);
    // Moving one up shifts those it passes.
    await api()
      .post('/api/v1/features/feature-segments/update-priorities/')
      .set(as(f.admin))
      .send([{ id: ids.get(c.id), priority: 0 }])
      .expect(200);
    assert.deepEqual(await priorities(feature.id), [
      [c.id, 0],
      [a.id, 1],
      [b.id, 2],
      [d.id, 3],
    ]);
    const deleted = await api()
      .delete(`/api/v1/features/feature-segments/${ids.get(a.id)}/`)
      .set(as(f.admin));
    assert.equal(deleted.status, 204, deleted.text);
    assert.deepEqual(await priorities(feature.id), [
      [c.id, 0],
      [b.id, 1],
      [d.id, 2],
    ]);
    const states = await t.ctx.database
      .knex('feature_states')
      .where('feature_segment_id', ids.get(a.id) as number);
    assert.equal(states.length, 0);
  });

  it('puts an override made over HTTP into the environment document, and the engine serves it to the segment', async () => {
    const feature = await createFeature({ initial_value: 'plain', default_enabled: false });
    const beta = await createSegment({ name: 'beta testers' });
    const staff = await createSegment({
      name: 'staff',
      rules: [
        { type: 'ALL', rules: [], conditions: [{ operator: 'EQUAL', property: 'staff', value: 'true' }] },
      ],
    });
    await createOverride(feature.id, beta.id, {
      enabled: true,
      feature_state_value: { type: 'unicode', string_value: 'for beta' },
    });
    // Staff first: an identity in both segments gets the staff override.
    await createOverride(feature.id, staff.id, {
      enabled: true,
      feature_state_value: { type: 'int', integer_value: 42 },
      feature_segment: { segment: staff.id, priority: 0 },
    });
    // A segment specific to this feature is in the document once it overrides the feature here.
    const specific = await createSegment({ name: 'specific', feature: feature.id });
    const specificFeatureSegments = await api()
      .get(`/api/v1/features/feature-segments/?environment=${environment.id}&feature=${feature.id}`)
      .set(as(f.admin));
    assert.equal(specificFeatureSegments.body.count, 2);
    const withoutSpecific = await buildEnvironmentDocument({ knex: t.ctx.database.knex }, environment.id);
    assert.ok(!withoutSpecific?.document.project.segments.some((segment) => segment.id === specific.id));
    await createOverride(feature.id, specific.id, { feature_state_value: 'specific' });
    const listedSpecific = (await listOverrides(feature.id)).results.find(
      (row) => row.segment === specific.id,
    );
    assert.equal((listedSpecific as { is_feature_specific?: boolean }).is_feature_specific, true);

    const built = await buildEnvironmentDocument({ knex: t.ctx.database.knex }, environment.id);
    assert.ok(built);
    const segments = new Map(built.document.project.segments.map((segment) => [segment.id, segment]));
    assert.equal(segments.get(specific.id)?.feature_states[0]?.feature_state_value, 'specific');
    const betaStates = segments
      .get(beta.id)
      ?.feature_states.filter((state) => state.feature.id === feature.id);
    assert.equal(betaStates?.length, 1);
    assert.deepEqual(betaStates?.[0]?.feature_segment, { priority: 1 });
    assert.equal(betaStates?.[0]?.feature_state_value, 'for beta');
    assert.equal(betaStates?.[0]?.enabled, true);
    const staffStates = segments.get(staff.id)?.feature_states ?? [];
    assert.deepEqual(staffStates[0]?.feature_segment, { priority: 0 });
    assert.equal(staffStates[0]?.feature_state_value, 42);
    assert.ok(
      built.document.feature_states.every((state) => state.feature_segment === null),
      'overrides stay out of the environment defaults',
    );

    const wire = parseJson(serialiseEnvironmentDocument(built.document)) as EnvironmentDocument;
    const flagOf = (identifier: string, traits: Record<string, boolean>) =>
      getEvaluationResult(mapEnvironmentDocumentToContext(wire, { identifier, traits })).flags[feature.name];
    assert.deepEqual([flagOf('outsider', {})?.value, flagOf('outsider', {})?.enabled], ['plain', false]);
    assert.deepEqual(
      [flagOf('tester', { beta: true })?.value, flagOf('tester', { beta: true })?.enabled],
      ['for beta', true],
    );
    assert.equal(flagOf('both', { beta: true, staff: true })?.value, 42);
  });

  it('copies the overrides, their priorities and values to a clone of the environment', async () => {
    const feature = await createFeature({ initial_value: 'plain' });
    const first = await createSegment();
    const second = await createSegment();
    await createOverride(feature.id, first.id, { feature_state_value: 'first' });
    await createOverride(feature.id, second.id, { feature_state_value: { type: 'int', integer_value: 2 } });
    const cloned = await api()
      .post(`/api/v1/environments/${environment.api_key}/clone/`)
      .set(as(f.admin))
      .send({ name: `clone ${sequence++}` });
    assert.equal(cloned.status, 200, cloned.text);
    const copied = await listOverrides(feature.id, cloned.body.id);
    assert.deepEqual(
      copied.results.map((row) => [row.segment, row.priority]),
      [
        [first.id, 0],
        [second.id, 1],
      ],
    );
    const original = await listOverrides(feature.id);
    assert.ok(copied.results.every((row) => !original.results.some((source) => source.id === row.id)));
    const built = await buildEnvironmentDocument({ knex: t.ctx.database.knex }, cloned.body.id);
    const valueFor = (segmentId: number) =>
      built?.document.project.segments
        .find((segment) => segment.id === segmentId)
        ?.feature_states.find((state) => state.feature.id === feature.id)?.feature_state_value;
    assert.equal(valueFor(first.id), 'first');
    assert.equal(valueFor(second.id), 2);
  });

  it('removes the overrides of a deleted segment and of a deleted feature', async () => {
    const feature = await createFeature();
    const gone = await createSegment();
    const kept = await createSegment();
    await createOverride(feature.id, gone.id);
    await createOverride(feature.id, kept.id);
    const before = await revisionOf(environment.id);
    await api().delete(`/api/v1/projects/${projectId}/segments/${gone.id}/`).set(as(f.admin)).expect(204);
    assert.ok((await revisionOf(environment.id)) > before);
    assert.deepEqual(await priorities(feature.id), [[kept.id, 0]]);
    await api().delete(`/api/v1/projects/${projectId}/features/${feature.id}/`).set(as(f.admin)).expect(204);
    const left = await t.ctx.database.knex('feature_segments').where('feature_id', feature.id);
    assert.equal(left.length, 0);
    const built = await buildEnvironmentDocument({ knex: t.ctx.database.knex }, environment.id);
    for (const segment of built?.document.project.segments ?? [])
      assert.ok(segment.feature_states.every((state) => state.feature.id !== feature.id));
  });

  it('refuses bad input with 400 naming the field', async () => {
    const feature = await createFeature();
    const segment = await createSegment();
    const otherProject = (await created('/api/v1/projects/', { name: 'Other', organisation: f.home.id })).id;
    const foreignSegment = await createSegment({}, otherProject);
    const foreignFeature = await createFeature({}, otherProject);
    const specific = await createSegment({ feature: foreignFeature.id }, otherProject);
    const ownSpecific = await createSegment({ feature: (await createFeature()).id });
    const revision = await revisionOf(environment.id);
    const cases: [string, string, object, string][] = [
      [
        'a negative priority',
        overridePath(feature.id),
        { feature_state_value: 'x', feature_segment: { segment: segment.id, priority: -1 } },
        'feature_segment.priority',
      ],
      [
        'a priority that is not a number',
        '/api/v1/features/feature-segments/',
        { feature: feature.id, segment: segment.id, environment: environment.id, priority: 'first' },
        'priority',
      ],
      [
        'a segment of another project',
        overridePath(feature.id),
        { feature_state_value: 'x', feature_segment: { segment: foreignSegment.id } },
        'segment',
      ],
      [
        'a segment of another project (feature-segments)',
        '/api/v1/features/feature-segments/',
        { feature: feature.id, segment: foreignSegment.id, environment: environment.id },
        'segment',
      ],
      [
        'a feature of another project',
        '/api/v1/features/feature-segments/',
        { feature: foreignFeature.id, segment: segment.id, environment: environment.id },
        'feature',
      ],
      [
        'a segment specific to another feature',
        overridePath(feature.id),
        { feature_state_value: 'x', feature_segment: { segment: ownSpecific.id } },
        'feature',
      ],
      ['no segment', overridePath(feature.id), { feature_state_value: 'x' }, 'feature_segment'],
      [
        'no value',
        overridePath(feature.id),
        { feature_segment: { segment: segment.id } },
        'feature_state_value',
      ],
      [
        'no environment',
        '/api/v1/features/feature-segments/',
        { feature: feature.id, segment: segment.id },
        'environment',
      ],
      [
        'an allocation of another feature’s option',
        overridePath(feature.id),
        {
          feature_state_value: 'x',
          feature_segment: { segment: segment.id },
          multivariate_feature_state_values: [
            { multivariate_feature_option: 999999, percentage_allocation: 10 },
          ],
        },
        'multivariate_feature_state_values',
      ],
    ];
    for (const [label, path, body, field] of cases) {
      const response = await api().post(path).set(as(f.admin)).send(body);
      assert.equal(response.status, 400, `${label}: ${response.text}`);
      assert.ok(Object.keys(response.body).includes(field), `${label}: ${response.text}`);
    }
    assert.ok(specific.id > 0);
    await createOverride(feature.id, segment.id);
    const twice = await api()
      .post('/api/v1/features/feature-segments/')
      .set(as(f.admin))
      .send({ feature: feature.id, segment: segment.id, environment: environment.id });
    assert.equal(twice.status, 400, twice.text);
    assert.ok(twice.body.non_field_errors, twice.text);
    assert.equal(
      await revisionOf(environment.id),
      revision + 1,
      'only the valid override bumped the revision',
    );

    const list = await api().get('/api/v1/features/feature-segments/?feature=1').set(as(f.admin));
    assert.equal(list.status, 400, list.text);
    assert.deepEqual(Object.keys(list.body), ['environment']);
    const noFeature = await api()
      .get(`/api/v1/features/feature-segments/?environment=${environment.id}`)
      .set(as(f.admin));
    assert.equal(noFeature.status, 400, noFeature.text);
    assert.deepEqual(Object.keys(noFeature.body), ['feature']);

    const other = await createFeature();
    const otherOverride = await createOverride(other.id, segment.id);
    const [mine] = (await listOverrides(feature.id)).results;
    const mixed = await api()
      .post('/api/v1/features/feature-segments/update-priorities/')
      .set(as(f.admin))
      .send([
        { id: mine?.id, priority: 0 },
        { id: otherOverride.feature_segment.id, priority: 1 },
      ]);
    assert.equal(mixed.status, 400, mixed.text);
    assert.ok(mixed.body.non_field_errors, mixed.text);
    const unknown = await api()
      .post('/api/v1/features/feature-segments/update-priorities/')
      .set(as(f.admin))
      .send([{ id: 999_999, priority: 0 }]);
    assert.equal(unknown.status, 400, unknown.text);
    const negative = await api()
      .post('/api/v1/features/feature-segments/update-priorities/')
      .set(as(f.admin))
      .send([{ id: mine?.id, priority: -2 }]);
    assert.equal(negative.status, 400, negative.text);
    assert.ok(
      Object.keys(negative.body).some((key) => key.includes('priority')),
      negative.text,
    );
  });

  it("answers another tenant's overrides exactly like ones that do not exist", async () => {
    const feature = await createFeature();
    const segment = await createSegment();
    const override = await createOverride(feature.id, segment.id);
    const id = override.feature_segment.id;
    for (const method of ['get', 'put', 'patch', 'delete'] as const) {
      const foreign = await api()
        [method](`/api/v1/features/feature-segments/${id}/`)
        .set(as(f.foreigner))
        .send({});
      const unknown = await api()
        [method]('/api/v1/features/feature-segments/999999/')
        .set(as(f.foreigner))
        .send({});
      assert.equal(foreign.status, 404, `${method}: ${foreign.text}`);
      assert.deepEqual(foreign.body, unknown.body);
    }
    const list = await api()
      .get(`/api/v1/features/feature-segments/?environment=${environment.id}&feature=${feature.id}`)
      .set(as(f.foreigner));
    assert.equal(list.status, 404, list.text);
    const create = await api()
      .post('/api/v1/features/feature-segments/')
      .set(as(f.foreigner))
      .send({ feature: feature.id, segment: segment.id, environment: environment.id });
    assert.equal(create.status, 404, create.text);
    const oneCall = await api()
      .post(overridePath(feature.id))
      .set(as(f.foreigner))
      .send({ feature_state_value: 'x', feature_segment: { segment: segment.id } });
    assert.equal(oneCall.status, 404, oneCall.text);
    const reorder = await api()
      .post('/api/v1/features/feature-segments/update-priorities/')
      .set(as(f.foreigner))
      .send([{ id, priority: 0 }]);
    assert.equal(reorder.status, 400, reorder.text);
    assert.ok(!reorder.text.includes(segment.name));
    assert.deepEqual(await priorities(feature.id), [[segment.id, 0]]);
  });

  it('asks MANAGE_SEGMENT_OVERRIDES to change overrides that VIEW_ENVIRONMENT may list', async () => {
    const feature = await createFeature();
    const segment = await createSegment();
    const reader = await member(['VIEW_ENVIRONMENT', 'UPDATE_FEATURE_STATE']);
    const manager = await member(['VIEW_ENVIRONMENT', 'MANAGE_SEGMENT_OVERRIDES']);
    const body = { feature: feature.id, segment: segment.id, environment: environment.id };
    assert.equal(
      (await api().post('/api/v1/features/feature-segments/').set(as(reader)).send(body)).status,
      403,
    );
    const made = await created('/api/v1/features/feature-segments/', body, manager);
    const list = `/api/v1/features/feature-segments/?environment=${environment.id}&feature=${feature.id}`;
    assert.equal((await api().get(list).set(as(reader))).status, 200);
    const detail = `/api/v1/features/feature-segments/${made.id}/`;
    assert.equal((await api().get(detail).set(as(reader))).status, 403);
    assert.equal((await api().get(detail).set(as(manager))).status, 200);
    const reorder = [{ id: made.id, priority: 0 }];
    assert.equal(
      (await api().post('/api/v1/features/feature-segments/update-priorities/').set(as(reader)).send(reorder))
        .status,
      403,
    );
    const other = await createSegment();
    const state = await api()
      .post(overridePath(feature.id))
      .set(as(reader))
      .send({ feature_state_value: 'x', feature_segment: { segment: other.id } });
    assert.equal(state.status, 403, state.text);
    const overrideState = await createOverride(feature.id, (await createSegment()).id);
    const statePath = `/api/v1/features/featurestates/${overrideState.id}/`;
    // Not through the environment's featurestates, which hold its defaults only (and ask less).
    const asDefault = `/api/v1/environments/${environment.api_key}/featurestates/${overrideState.id}/`;
    assert.equal((await api().patch(asDefault).set(as(reader)).send({ enabled: false })).status, 404);
    assert.equal((await api().get(asDefault).set(as(manager))).status, 404);
    assert.equal((await api().patch(statePath).set(as(reader)).send({ enabled: false })).status, 403);
    assert.equal((await api().patch(statePath).set(as(manager)).send({ enabled: false })).status, 200);
    assert.equal((await api().delete(detail).set(as(reader))).status, 403);
    assert.equal((await api().delete(detail).set(as(manager))).status, 204);
  });
});
