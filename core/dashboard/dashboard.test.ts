import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, createTenancy, type Tenancy } from '../organisations/tenancy-test-fixture.js';

/** What Flagsmith's dashboard asks for on load, beyond the slices' own endpoints (docs/dashboard-compatibility.md). */
describe("what Flagsmith's dashboard asks for on load", () => {
  let t: TestApp;
  let f: Tenancy;
  let projectId: number;
  let awayProjectId: number;
  let environment: { id: number; api_key: string };
  let awayEnvironment: { api_key: string };
  let sequence = 0;
  const api = () => request(t.app);
  const created = async (path: string, body: object, headers = as(f.admin)) => {
    const response = await api().post(path).set(headers).send(body);
    assert.equal(response.status, 201, `${path}: ${response.text}`);
    return response.body;
  };
  const get = async (path: string, headers = as(f.admin)) => api().get(path).set(headers);

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    projectId = (await created('/api/v1/projects/', { name: 'Dash', organisation: f.home.id })).id;
    environment = await created('/api/v1/environments/', { name: 'Dev', project: projectId });
    awayProjectId = (
      await created('/api/v1/projects/', { name: 'Away', organisation: f.away.id }, as(f.foreigner))
    ).id;
    awayEnvironment = await created(
      '/api/v1/environments/',
      { name: 'Away', project: awayProjectId },
      as(f.foreigner),
    );
  });
  after(() => t.close());

  it('counts the features page summary from real rows: features, enabled, segment and identity overrides', async () => {
    const empty = await get(`/api/v1/environments/${environment.api_key}/metrics/`);
    assert.equal(empty.status, 200, empty.text);
    assert.deepEqual(
      empty.body.metrics.map((metric: { name: string; value: number }) => [metric.name, metric.value]),
      [
        ['total_features', 0],
        ['enabled_features', 0],
        ['segment_overrides', 0],
        ['identity_overrides', 0],
      ],
    );
    assert.deepEqual(Object.keys(empty.body.metrics[0]), ['value', 'description', 'name', 'entity', 'rank']);
    assert.equal(empty.body.metrics[0].description, 'Total features');

    const features = `/api/v1/projects/${projectId}/features/`;
    const on = await created(features, { name: `on_${sequence++}`, default_enabled: true });
    const off = await created(features, { name: `off_${sequence++}` });
    await created(features, { name: `archived_${sequence++}`, default_enabled: true, is_archived: true });
    const segment = await created(`/api/v1/projects/${projectId}/segments/`, {
      name: `beta ${sequence++}`,
      rules: [
        { type: 'ALL', rules: [], conditions: [{ operator: 'EQUAL', property: 'beta', value: 'true' }] },
      ],
    });
    await created(`/api/v1/environments/${environment.api_key}/features/${off.id}/create-segment-override/`, {
      enabled: true,
      feature_state_value: 'x',
      feature_segment: { segment: segment.id },
    });
    const identity = await created(`/api/v1/environments/${environment.api_key}/identities/`, {
      identifier: `user-${sequence++}`,
    });
    for (const feature of [on, off]) {
      await created(`/api/v1/environments/${environment.api_key}/identities/${identity.id}/featurestates/`, {
        feature: feature.id,
        enabled: true,
      });
    }

    const counted = await get(`/api/v1/environments/${environment.api_key}/metrics/`);
    assert.deepEqual(
      counted.body.metrics.map((metric: { name: string; value: number }) => [metric.name, metric.value]),
      [
        ['total_features', 2],
        ['enabled_features', 1],
        ['segment_overrides', 1],
        ['identity_overrides', 2],
      ],
    );

    // Another tenant's environment is not found; one with no name at all neither.
    assert.equal((await get(`/api/v1/environments/${awayEnvironment.api_key}/metrics/`)).status, 404);
    assert.equal((await get('/api/v1/environments/nope/metrics/')).status, 404);
    assert.equal((await api().get(`/api/v1/environments/${environment.api_key}/metrics/`)).status, 401);
  });

  it('lists identity overrides for the identity overrides tab under ?anyIdentity, with the identity nested', async () => {
    const feature = await created(`/api/v1/projects/${projectId}/features/`, { name: `tab_${sequence++}` });
    const other = await created(`/api/v1/projects/${projectId}/features/`, { name: `tab_${sequence++}` });
    const identities = `/api/v1/environments/${environment.api_key}/identities/`;
    const alice = await created(identities, { identifier: `alice-${sequence++}` });
    const bob = await created(identities, { identifier: `bob-${sequence++}` });
    const aliceOverride = await created(`${identities}${alice.id}/featurestates/`, {
      feature: feature.id,
      enabled: true,
    });
    await created(`${identities}${bob.id}/featurestates/`, { feature: other.id, enabled: false });

    const tab = await get(
      `/api/v1/environments/${environment.api_key}/featurestates/?anyIdentity=1&feature=${feature.id}&page=1`,
    );
    assert.equal(tab.status, 200, tab.text);
    assert.equal(tab.body.count, 1);
    const [override] = tab.body.results;
    assert.equal(override.id, aliceOverride.id);
    assert.deepEqual(override.identity, { id: alice.id, identifier: alice.identifier });
    assert.equal(override.enabled, true);
    assert.equal(override.feature, feature.id);

    // Without the feature: every identity override of the environment; without anyIdentity: the default only.
    const all = await get(`/api/v1/environments/${environment.api_key}/featurestates/?anyIdentity=`);
    const identifiers = all.body.results.map(
      (state: { identity: { identifier: string } }) => state.identity.identifier,
    );
    assert.ok(identifiers.includes(alice.identifier) && identifiers.includes(bob.identifier), all.text);
    const defaults = await get(
      `/api/v1/environments/${environment.api_key}/featurestates/?feature=${feature.id}`,
    );
    assert.equal(defaults.body.count, 1);
    assert.equal(defaults.body.results[0].identity, null);

    const bad = await get(
      `/api/v1/environments/${environment.api_key}/featurestates/?anyIdentity=1&feature=x`,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { feature: ['A valid integer is required.'] });
    const foreign = await get(`/api/v1/environments/${awayEnvironment.api_key}/featurestates/?anyIdentity=1`);
    assert.equal(foreign.status, 404);
  });

  it('answers the empty lists an open-source Flagsmith without that data answers, plain or paginated', async () => {
    const plain = [
      `/api/v1/projects/${projectId}/feature-health/events/`,
      `/api/v1/projects/${projectId}/feature-health/providers/`,
      `/api/v1/projects/${projectId}/integrations/datadog/`,
      `/api/v1/projects/${projectId}/integrations/new-relic/`,
      `/api/v1/projects/${projectId}/integrations/gitlab/`,
      `/api/v1/projects/${projectId}/integrations/grafana/`,
      `/api/v1/environments/${environment.api_key}/integrations/amplitude/`,
      `/api/v1/environments/${environment.api_key}/integrations/slack/`,
      `/api/v1/environments/${environment.api_key}/integrations/webhook/`,
      `/api/v1/organisations/${f.home.id}/metadata-model-fields/supported-content-types/`,
    ];
    for (const path of plain) {
      const response = await get(path);
      assert.equal(response.status, 200, `${path}: ${response.text}`);
      assert.deepEqual(response.body, [], path);
    }
    const paginated = [
      `/api/v1/projects/${projectId}/metadata/fields/?entity=feature&include_organisation=true&page_size=100`,
      `/api/v1/environments/${environment.api_key}/list-change-requests/?committed=false&page_size=1`,
      `/api/v1/environments/${environment.api_key}/list-change-requests/?committed=true&live_from_after=2026-12-02T01:00:00.000Z`,
      `/api/v1/organisations/${f.home.id}/integrations/github/`,
      `/api/v1/organisations/${f.home.id}/metadata-model-fields/`,
      `/api/v1/organisations/${f.home.id}/roles/`,
      `/api/v1/metadata/fields/?organisation=${f.home.id}`,
    ];
    for (const path of paginated) {
      const response = await get(path);
      assert.equal(response.status, 200, `${path}: ${response.text}`);
      assert.deepEqual(response.body, { count: 0, next: null, previous: null, results: [] }, path);
    }
    // A page past the (only, empty) first one is DRF's 404, as for any paginated list.
    assert.equal((await get(`/api/v1/organisations/${f.home.id}/roles/?page=2`)).status, 404);
  });

  it("finds none of another tenant's lists, and refuses the anonymous", async () => {
    const foreign = [
      `/api/v1/projects/${awayProjectId}/feature-health/events/`,
      `/api/v1/projects/${awayProjectId}/integrations/gitlab/`,
      `/api/v1/projects/${awayProjectId}/metadata/fields/`,
      `/api/v1/environments/${awayEnvironment.api_key}/integrations/segment/`,
      `/api/v1/environments/${awayEnvironment.api_key}/list-change-requests/`,
      `/api/v1/organisations/${f.away.id}/integrations/github/`,
      `/api/v1/organisations/${f.away.id}/metadata-model-fields/supported-content-types/`,
      `/api/v1/organisations/${f.away.id}/roles/`,
      `/api/v1/metadata/fields/?organisation=${f.away.id}`,
    ];
    for (const path of foreign) {
      const response = await get(path);
      assert.equal(response.status, 404, `${path}: ${response.text}`);
      const anonymous = await api().get(path);
      assert.equal(anonymous.status, 401, `${path}: ${anonymous.text}`);
    }
    // The organisation's members may read what any member reads; only its admins the model fields.
    assert.equal(
      (await get(`/api/v1/organisations/${f.home.id}/integrations/github/`, as(f.user))).status,
      200,
    );
    assert.equal(
      (await get(`/api/v1/organisations/${f.home.id}/metadata-model-fields/`, as(f.user))).status,
      403,
    );
  });

  it('checks the query as Flagsmith does, naming the field', async () => {
    const cases: [string, Record<string, string[]>][] = [
      ['/api/v1/metadata/fields/', { organisation: ['This field is required.'] }],
      ['/api/v1/metadata/fields/?organisation=abc', { organisation: ['A valid integer is required.'] }],
      [
        `/api/v1/projects/${projectId}/metadata/fields/?entity=widget`,
        { entity: ['"widget" is not a valid choice.'] },
      ],
      [
        `/api/v1/projects/${projectId}/metadata/fields/?include_organisation=maybe`,
        { include_organisation: ['Must be a valid boolean.'] },
      ],
      [
        `/api/v1/environments/${environment.api_key}/list-change-requests/?committed=perhaps`,
        { committed: ['Must be a valid boolean.'] },
      ],
    ];
    for (const [path, body] of cases) {
      const response = await get(path);
      assert.equal(response.status, 400, `${path}: ${response.text}`);
      assert.deepEqual(response.body, body, path);
    }
    const badDate = await get(
      `/api/v1/environments/${environment.api_key}/list-change-requests/?live_from_after=yesterday`,
    );
    assert.equal(badDate.status, 400);
    assert.ok(badDate.body.live_from_after, badDate.text);
  });

  it("filters the features page by its environment's state and value, and puts overridden features first", async () => {
    const project = (
      await created('/api/v1/projects/', { name: `Filters ${sequence++}`, organisation: f.home.id })
    ).id;
    const env = await created('/api/v1/environments/', { name: 'Filtered', project });
    const features = `/api/v1/projects/${project}/features/`;
    const text = await created(features, {
      name: 'a_text',
      initial_value: 'Hello World',
      default_enabled: true,
    });
    const number = await created(features, { name: 'b_number', initial_value: '42' });
    const bool = await created(features, { name: 'c_bool', initial_value: 'true', default_enabled: true });
    const truly = await created(features, { name: 'd_truly', initial_value: 'truly' });
    const names = async (query: string) => {
      const response = await get(
        `${features}?environment=${env.id}&sort_field=name&sort_direction=ASC&${query}`,
      );
      assert.equal(response.status, 200, `${query}: ${response.text}`);
      return response.body.results.map((feature: { name: string }) => feature.name);
    };
    assert.deepEqual(await names('value_search=WORLD'), ['a_text']);
    assert.deepEqual(await names('value_search=42'), ['b_number']);
    assert.deepEqual(await names('value_search=True'), ['c_bool']);
    assert.deepEqual(await names('value_search=tru'), ['d_truly']);
    assert.deepEqual(await names('is_enabled=true'), ['a_text', 'c_bool']);
    assert.deepEqual(await names('is_enabled=false'), ['b_number', 'd_truly']);
    assert.deepEqual(await names('is_enabled=false&value_search=42'), ['b_number']);
    const counted = await get(`${features}?environment=${env.id}&is_enabled=true`);
    assert.equal(counted.body.count, 2);

    const segment = await created(`/api/v1/projects/${project}/segments/`, {
      name: 'first',
      rules: [{ type: 'ALL', rules: [], conditions: [] }],
    });
    await created(`/api/v1/environments/${env.api_key}/features/${truly.id}/create-segment-override/`, {
      feature_state_value: 'x',
      feature_segment: { segment: segment.id },
    });
    assert.deepEqual(await names(`segment=${segment.id}`), ['d_truly', 'a_text', 'b_number', 'c_bool']);
    const identity = await created(`/api/v1/environments/${env.api_key}/identities/`, {
      identifier: 'ordered',
    });
    await created(`/api/v1/environments/${env.api_key}/identities/${identity.id}/featurestates/`, {
      feature: number.id,
      enabled: true,
    });
    assert.deepEqual(await names(`identity=${identity.id}`), ['b_number', 'a_text', 'c_bool', 'd_truly']);
    assert.ok(text && bool);

    const bad: [string, Record<string, string[]>][] = [
      [
        'is_enabled=true',
        { environment: ['Environment is required in order to filter by state search or by state enabled'] },
      ],
      [
        'value_search=x',
        { environment: ['Environment is required in order to filter by state search or by state enabled'] },
      ],
      [`environment=${env.id}&value_search=%20`, { value_search: ['This field may not be blank.'] }],
      [`environment=${env.id}&is_enabled=maybe`, { is_enabled: ['Must be a valid boolean.'] }],
      [`environment=${env.id}&identity=x`, { identity: ['Must be a valid integer.'] }],
      [`environment=${env.id}&segment=x`, { segment: ['A valid integer is required.'] }],
    ];
    for (const [query, body] of bad) {
      const response = await get(`${features}?${query}`);
      assert.equal(response.status, 400, `${query}: ${response.text}`);
      assert.deepEqual(response.body, body, query);
    }
    // Another tenant's project is not found, whatever the filters.
    assert.equal(
      (await get(`/api/v1/projects/${awayProjectId}/features/?environment=${env.id}&is_enabled=true`)).status,
      404,
    );
  });

  it("duplicates a segment (the segments list's action) with its rules under a new name", async () => {
    const rules = [
      {
        type: 'ALL',
        rules: [
          {
            type: 'ANY',
            rules: [],
            conditions: [
              { operator: 'EQUAL', property: 'plan', value: 'pro' },
              { operator: 'PERCENTAGE_SPLIT', property: null, value: '25' },
            ],
          },
        ],
        conditions: [{ operator: 'IN', property: 'country', value: 'fr,de', description: 'EU' }],
      },
    ];
    const source = await created(`/api/v1/projects/${projectId}/segments/`, {
      name: `source ${sequence++}`,
      description: 'to copy',
      rules,
    });
    const strip = (list: { id?: number; rules?: unknown[]; conditions: { id?: number }[] }[]): unknown =>
      list.map(({ id: _id, rules: sub, conditions, ...rule }) => ({
        ...rule,
        ...(sub ? { rules: strip(sub as never) } : {}),
        conditions: conditions.map(({ id: _conditionId, ...condition }) => condition),
      }));
    const name = `copy ${sequence++}`;
    const clone = await created(`/api/v1/projects/${projectId}/segments/${source.id}/clone/`, { name });
    assert.notEqual(clone.id, source.id);
    assert.equal(clone.name, name);
    assert.equal(clone.description, 'to copy');
    assert.equal(clone.project, projectId);
    assert.deepEqual(strip(clone.rules), strip(source.rules));
    assert.notEqual(clone.rules[0].id, source.rules[0].id);
    const again = await get(`/api/v1/projects/${projectId}/segments/${source.id}/`);
    assert.equal(again.body.name, source.name);
    const audit = await t.ctx.database
      .knex('audit_logs')
      .where({ related_object_type: 'SEGMENT', related_object_id: clone.id })
      .select('log');
    assert.deepEqual(
      audit.map((row) => row.log),
      [`New Segment created: ${name}`],
    );

    const post = (path: string, body: object, headers = as(f.admin)) =>
      api().post(path).set(headers).send(body);
    const missing = await post(`/api/v1/projects/${projectId}/segments/${source.id}/clone/`, {});
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { name: ['This field is required.'] });
    const blank = await post(`/api/v1/projects/${projectId}/segments/${source.id}/clone/`, { name: ' ' });
    assert.deepEqual(blank.body, { name: ['This field may not be blank.'] });
    const awaySegment = await created(
      `/api/v1/projects/${awayProjectId}/segments/`,
      { name: 'away', rules: [{ type: 'ALL', rules: [], conditions: [] }] },
      as(f.foreigner),
    );
    assert.equal(
      (await post(`/api/v1/projects/${awayProjectId}/segments/${awaySegment.id}/clone/`, { name })).status,
      404,
    );
    assert.equal(
      (await post(`/api/v1/projects/${projectId}/segments/${awaySegment.id}/clone/`, { name })).status,
      404,
    );
    assert.equal(
      (await post(`/api/v1/projects/${projectId}/segments/${source.id}/clone/`, { name }, as(f.user))).status,
      404,
    );
    assert.equal(
      (await api().post(`/api/v1/projects/${projectId}/segments/${source.id}/clone/`).send({ name })).status,
      401,
    );
  });

  it("lists the segments an identity belongs to (the identity page's segments panel)", async () => {
    const project = (
      await created('/api/v1/projects/', { name: `Members ${sequence++}`, organisation: f.home.id })
    ).id;
    const env = await created('/api/v1/environments/', { name: 'Members', project });
    const segment = (name: string, value: string) =>
      created(`/api/v1/projects/${project}/segments/`, {
        name,
        rules: [{ type: 'ALL', rules: [], conditions: [{ operator: 'EQUAL', property: 'plan', value }] }],
      });
    const pro = await segment('pro users', 'pro');
    await segment('free users', 'free');
    const identities = `/api/v1/environments/${env.api_key}/identities/`;
    const member = await created(identities, { identifier: 'paying' });
    await created(`${identities}${member.id}/traits/`, {
      identity: { identifier: 'paying' },
      trait_key: 'plan',
      string_value: 'pro',
    });
    const stranger = await created(identities, { identifier: 'anonymous-ish' });
    const listed = async (query: string) => {
      const response = await get(`/api/v1/projects/${project}/segments/?${query}`);
      assert.equal(response.status, 200, `${query}: ${response.text}`);
      return response.body as { count: number; results: { id: number; name: string }[] };
    };
    const panel = await listed(`identity=${member.id}&q=&page_size=999`);
    assert.deepEqual(
      panel.results.map((result) => result.name),
      ['pro users'],
    );
    assert.equal(panel.count, 1);
    assert.equal(panel.results[0]?.id, pro.id);
    assert.equal((await listed(`identity=${stranger.id}`)).count, 0);
    assert.equal((await listed('')).count, 2);
    // An identity of another project, of another tenant or of nobody belongs to none of these segments.
    const awayIdentity = await created(
      `/api/v1/environments/${awayEnvironment.api_key}/identities/`,
      { identifier: 'paying' },
      as(f.foreigner),
    );
    assert.equal((await listed(`identity=${awayIdentity.id}`)).count, 0);
    assert.equal((await listed('identity=99999999')).count, 0);
    const bad = await get(`/api/v1/projects/${project}/segments/?identity=abc`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { identity: ['A valid integer is required.'] });
  });

  it("changes the signed-in person's email address (account settings), checking the password first", async () => {
    const person = await f.person('mover');
    // The tenancy fixture signs everyone up with this password.
    const password = 'tenancy pw 1';
    const current = person.email;
    const setEmail = (body: object, headers: Record<string, string> = as(person)) =>
      api().post('/api/v1/auth/users/set_email/').set(headers).send(body);

    const cases: [object, Record<string, string[]>][] = [
      [{ new_email: 'x@example.com' }, { current_password: ['This field is required.'] }],
      [{ current_password: password }, { new_email: ['This field is required.'] }],
      [
        { current_password: password, new_email: 'not-an-address' },
        { new_email: ['Enter a valid email address.'] },
      ],
      [
        { current_password: password, new_email: f.admin.email.toUpperCase() },
        { new_email: ['Feature flag admin user with this email already exists.'] },
      ],
    ];
    for (const [body, expected] of cases) {
      const response = await setEmail(body);
      assert.equal(response.status, 400, response.text);
      assert.deepEqual(response.body, expected);
    }
    const wrong = await setEmail({ current_password: 'wrong-password', new_email: 'moved@example.com' });
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.body, { current_password: ['Invalid password.'] });
    assert.equal(
      (
        await api()
          .post('/api/v1/auth/users/set_email/')
          .send({ current_password: password, new_email: 'a@b.co' })
      ).status,
      401,
    );

    const moved = `Moved-${sequence++}@Example.com`;
    const done = await setEmail({ current_password: password, new_email: moved });
    assert.equal(done.status, 204, done.text);
    assert.equal((await get('/api/v1/auth/users/me/', as(person))).body.email, moved.toLowerCase());
    const login = (email: string) => api().post('/api/v1/auth/login/').send({ email, password });
    assert.equal((await login(moved)).status, 200);
    assert.equal((await login(current)).status, 400);
    // Its own address again is no conflict.
    assert.equal(
      (await setEmail({ current_password: password, new_email: moved.toLowerCase() })).status,
      204,
    );
  });

  it('resets a forgotten password through the emailed link, at most five emails a day, telling nobody who exists', async () => {
    const person = await f.person('forgetful');
    const requested: { email: string; uid: string; token: string; resetPath: string }[] = [];
    const stop = t.ctx.events.on('user.passwordResetRequested', (event) => void requested.push(event));
    try {
      const reset = (body: object) => api().post('/api/v1/auth/users/reset_password/').send(body);
      const confirm = (body: object) => api().post('/api/v1/auth/users/reset_password_confirm/').send(body);
      assert.equal((await reset({ email: 'nobody-here@example.com' })).status, 204);
      assert.equal(requested.length, 0);
      assert.equal((await reset({ email: person.email.toUpperCase() })).status, 204);
      assert.equal(requested.length, 1);
      const [sent] = requested;
      assert.ok(sent);
      assert.equal(sent.email, person.email);
      assert.equal(sent.resetPath, `/password-reset/confirm/${sent.uid}/${sent.token}`);

      const badInput: [object, Record<string, string[]>][] = [
        [{}, { email: ['This field is required.'] }],
        [{ email: 'nope' }, { email: ['Enter a valid email address.'] }],
      ];
      for (const [body, expected] of badInput) {
        const response = await reset(body);
        assert.equal(response.status, 400, response.text);
        assert.deepEqual(response.body, expected);
      }
      const newPassword = 'a brand new secret 42';
      const base = {
        uid: sent.uid,
        token: sent.token,
        new_password: newPassword,
        re_new_password: newPassword,
      };
      const refusals: [object, Record<string, string[]>][] = [
        [
          { ...base, uid: Buffer.from('99999999').toString('base64url') },
          { uid: ["Invalid user id or user doesn't exist."] },
        ],
        [{ ...base, token: `${sent.token}x` }, { token: ['Invalid token for given user.'] }],
        [{ ...base, token: 'zz-forged' }, { token: ['Invalid token for given user.'] }],
        [
          { ...base, re_new_password: 'something else entirely' },
          { non_field_errors: ["The two password fields didn't match."] },
        ],
        [
          { uid: sent.uid, token: sent.token },
          { new_password: ['This field is required.'], re_new_password: ['This field is required.'] },
        ],
      ];
      for (const [body, expected] of refusals) {
        const response = await confirm(body);
        assert.equal(response.status, 400, response.text);
        assert.deepEqual(response.body, expected);
      }
      assert.equal((await confirm(base)).status, 204);
      // Signed out everywhere; the new password signs in, the old one does not; the link is used up.
      assert.equal((await get('/api/v1/auth/users/me/', as(person))).status, 401);
      const login = (password: string) =>
        api().post('/api/v1/auth/login/').send({ email: person.email, password });
      assert.equal((await login(newPassword)).status, 200);
      assert.equal((await login('tenancy pw 1')).status, 400);
      const reused = await confirm(base);
      assert.equal(reused.status, 400);
      assert.deepEqual(reused.body, { token: ['Invalid token for given user.'] });

      // Five emails per address a day (one sent above), then silence: still 204.
      for (let attempt = 0; attempt < 6; attempt++)
        assert.equal((await reset({ email: person.email })).status, 204);
      assert.equal(requested.length, 5);
    } finally {
      stop();
    }
  });

  it('answers the Usage tab with the evaluations SDKs reported, per UTC day of the period', async () => {
    const feature = await created(`/api/v1/projects/${projectId}/features/`, { name: `used_${sequence++}` });
    // Rows as the SDK lane's analytics store writes them (one per environment, feature and hour).
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    const dayOf = (date: Date) => date.toISOString().slice(0, 10);
    const thisHour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    await t.ctx.database.knex('feature_evaluation_counts').insert([
      { environment_id: environment.id, feature_id: feature.id, hour: thisHour, count: 7 },
      { environment_id: environment.id, feature_id: feature.id, hour: hoursAgo(72), count: 3 },
      { environment_id: environment.id, feature_id: feature.id, hour: hoursAgo(73), count: 2 },
      { environment_id: environment.id, feature_id: feature.id, hour: hoursAgo(24 * 40), count: 100 },
    ]);
    const path = `/api/v1/projects/${projectId}/features/${feature.id}/evaluation-data/`;
    const usage = await get(`${path}?period=30&environment_id=${environment.id}`);
    assert.equal(usage.status, 200, usage.text);
    const threeDaysAgo = dayOf(hoursAgo(72));
    const expected = new Map<string, number>([[dayOf(new Date()), 7]]);
    expected.set(threeDaysAgo, (expected.get(threeDaysAgo) ?? 0) + 3);
    const seventyThree = dayOf(hoursAgo(73));
    expected.set(seventyThree, (expected.get(seventyThree) ?? 0) + 2);
    assert.deepEqual(
      usage.body,
      [...expected.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([day, count]) => ({ day, count, labels: {} })),
    );
    const defaultPeriod = await get(`${path}?environment_id=${environment.id}`);
    assert.deepEqual(defaultPeriod.body, usage.body);
    const today = await get(`${path}?period=1&environment_id=${environment.id}`);
    assert.deepEqual(today.body, [{ day: dayOf(new Date()), count: 7, labels: {} }]);

    const bad: [string, Record<string, string[]>][] = [
      ['', { environment_id: ['This field is required.'] }],
      [`?environment_id=x`, { environment_id: ['A valid integer is required.'] }],
      [`?environment_id=${environment.id}&period=week`, { period: ['A valid integer is required.'] }],
    ];
    for (const [query, body] of bad) {
      const response = await get(`${path}${query}`);
      assert.equal(response.status, 400, `${query}: ${response.text}`);
      assert.deepEqual(response.body, body);
    }
    const listed = await get(`/api/v1/projects/${projectId}/features/${feature.id}/`);
    assert.deepEqual(listed.body.metadata, []);
    assert.deepEqual(listed.body.code_references_counts, []);
    const references = await get(`/api/v1/projects/${projectId}/features/${feature.id}/code-references/`);
    assert.equal(references.status, 200, references.text);
    assert.deepEqual(references.body, []);
    assert.equal((await get(`/api/v1/projects/${projectId}/features/99999999/code-references/`)).status, 404);
    assert.equal(
      (await get(`/api/v1/projects/${awayProjectId}/features/${feature.id}/code-references/`)).status,
      404,
    );
    const other = await created(
      '/api/v1/environments/',
      { name: `Other ${sequence++}`, project: awayProjectId },
      as(f.foreigner),
    );
    assert.equal((await get(`${path}?environment_id=${other.id}`)).status, 404);
    assert.equal(
      (
        await get(
          `/api/v1/projects/${projectId}/features/99999999/evaluation-data/?environment_id=${environment.id}`,
        )
      ).status,
      404,
    );
    assert.equal(
      (
        await get(
          `/api/v1/projects/${awayProjectId}/features/${feature.id}/evaluation-data/?environment_id=${environment.id}`,
        )
      ).status,
      404,
    );
  });

  it("keeps the getting-started checklist on the person's account (users/me/onboarding/)", async () => {
    const person = await f.person('onboarded');
    const me = async () => (await get('/api/v1/auth/users/me/', as(person))).body;
    assert.equal((await me()).onboarding, null);
    const patch = (body: unknown, headers: Record<string, string> = as(person)) =>
      api()
        .patch('/api/v1/auth/users/me/onboarding/')
        .set(headers)
        .send(body as object);

    const first = await patch({ tasks: [{ name: 'create-feature' }] });
    assert.equal(first.status, 204, first.text);
    const afterFirst = (await me()).onboarding;
    assert.deepEqual(Object.keys(afterFirst), ['tasks']);
    assert.equal(afterFirst.tasks[0].name, 'create-feature');
    assert.ok(!Number.isNaN(Date.parse(afterFirst.tasks[0].completed_at)), afterFirst.tasks[0].completed_at);

    // The dashboard sends the whole list again with the new task; other keys are kept.
    await patch({ tools: { integrations: ['slack'] } });
    await patch({
      tasks: [...afterFirst.tasks, { name: 'invite-team', completed_at: '2026-12-01T10:00:00Z' }],
    });
    const both = (await me()).onboarding;
    assert.deepEqual(Object.keys(both), ['tasks', 'tools']);
    assert.deepEqual(
      both.tasks.map((task: { name: string }) => task.name),
      ['create-feature', 'invite-team'],
    );
    assert.equal(both.tasks[1].completed_at, '2026-12-01T10:00:00.000Z');
    assert.deepEqual(both.tools, { completed: true, integrations: ['slack'] });
    // Another person's checklist is their own.
    assert.equal((await get('/api/v1/auth/users/me/', as(f.user))).body.onboarding ?? null, null);

    // Nested fields are named by their path, as Vexil names them everywhere (`tasks.0.name`).
    const bad: [unknown, Record<string, string[]>][] = [
      [
        {},
        {
          non_field_errors: ["At least one of 'tasks' or 'tools' or 'hosting_preferences' must be provided."],
        },
      ],
      [{ tasks: [{}] }, { 'tasks.0.name': ['This field is required.'] }],
      [{ tools: {} }, { 'tools.integrations': ['This field is required.'] }],
      [{ hosting_preferences: 'cloud' }, { hosting_preferences: ['Expected a list of items.'] }],
      [
        { tasks: [{ name: 'x', completed_at: 'soon' }] },
        {
          'tasks.0.completed_at': [
            'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
          ],
        },
      ],
    ];
    for (const [body, expected] of bad) {
      const response = await patch(body);
      assert.equal(response.status, 400, response.text);
      assert.deepEqual(response.body, expected);
    }
    assert.equal(
      (await api().patch('/api/v1/auth/users/me/onboarding/').send({ hosting_preferences: [] })).status,
      401,
    );
  });

  it("reads one audit log entry of the project (the audit log item page), not another project's", async () => {
    const feature = await created(`/api/v1/projects/${projectId}/features/`, {
      name: `audited_${sequence++}`,
    });
    const entries = await get(`/api/v1/projects/${projectId}/audit/?search=${feature.name}`);
    assert.equal(entries.status, 200, entries.text);
    const [entry] = entries.body.results;
    assert.ok(entry, entries.text);
    const item = await get(`/api/v1/projects/${projectId}/audit/${entry.id}/`);
    assert.equal(item.status, 200, item.text);
    assert.equal(item.body.id, entry.id);
    assert.equal(item.body.log, entry.log);
    assert.deepEqual(item.body.change_details, []);

    const second = await created('/api/v1/projects/', {
      name: `Second ${sequence++}`,
      organisation: f.home.id,
    });
    assert.equal((await get(`/api/v1/projects/${second.id}/audit/${entry.id}/`)).status, 404);
    assert.equal((await get(`/api/v1/projects/${awayProjectId}/audit/${entry.id}/`)).status, 404);
    assert.equal((await get(`/api/v1/projects/${projectId}/audit/x/`)).status, 404);
  });
});
