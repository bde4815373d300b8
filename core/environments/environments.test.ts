import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { OrganisationPolicy } from '../organisations/organisation-policy.js';
import { as, createTenancy, joinAs, signUp, type Tenancy } from '../organisations/tenancy-test-fixture.js';
import { EnvironmentPolicy } from './environment-policy.js';
import { EnvironmentStore } from './environment-store.js';

describe('environments, server-side keys, clones and environment permissions', () => {
  let t: TestApp;
  let f: Tenancy;
  let store: EnvironmentStore;
  let homeProject: number;
  let awayProject: number;
  let sequence = 0;
  const unique = (label: string) => `${label}-${Date.now().toString(36)}-${sequence++}`;

  const createProject = async (token: string, organisation: number) => {
    const response = await request(t.app)
      .post('/api/v1/projects/')
      .set('Authorization', `Token ${token}`)
      .send({ name: unique('project'), organisation });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.id as number;
  };
  const createEnvironment = async (token: string, project: number, name = unique('env')) => {
    const response = await request(t.app)
      .post('/api/v1/environments/')
      .set('Authorization', `Token ${token}`)
      .send({ name, project });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body as { id: number; api_key: string; name: string };
  };
  const knex = () => t.ctx.database.knex;
  const statesOf = async (environmentId: number) =>
    (await knex()('feature_states as fs')
      .join('features as f', 'f.id', 'fs.feature_id')
      .leftJoin('feature_state_values as v', 'v.feature_state_id', 'fs.id')
      .where('fs.environment_id', environmentId)
      .whereNull('fs.identity_id')
      .orderBy('f.name')
      .select('f.name', 'fs.enabled', 'v.type', 'v.string_value', 'v.integer_value', 'v.boolean_value')) as {
      name: string;
      enabled: boolean;
      type: string | null;
      string_value: string | null;
      integer_value: number | null;
      boolean_value: boolean | null;
    }[];

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    // The store the SDK lane will be handed; resolving a key needs no tenant, so no policy is consulted.
    const reads = t.ctx.transactor.reads;
    store = new EnvironmentStore(new EnvironmentPolicy(new OrganisationPolicy(reads), reads));
    homeProject = await createProject(f.admin.token, f.home.id);
    awayProject = await createProject(f.foreigner.token, f.away.id);
  });
  after(() => t.close());

  it('runs the dashboard’s project creation: a project, two environments, an identity in each', async () => {
    const project = await createProject(f.admin.token, f.home.id);
    for (const name of ['Development', 'Production']) {
      const environment = await createEnvironment(f.admin.token, project, name);
      assert.equal(environment.api_key.length, 22);
      assert.match(environment.api_key, /^[A-Za-z0-9]{22}$/);
      const identity = await request(t.app)
        .post(`/api/v1/environments/${environment.api_key}/identities/`)
        .set(as(f.admin))
        .send({ identifier: 'dashboard-user' });
      assert.equal(identity.status, 201, JSON.stringify(identity.body));
      assert.deepEqual(Object.keys(identity.body).sort(), ['environment', 'id', 'identifier']);
      assert.equal(identity.body.environment, environment.id);
      const again = await request(t.app)
        .post(`/api/v1/environments/${environment.api_key}/identities/`)
        .set(as(f.admin))
        .send({ identifier: 'dashboard-user' });
      assert.equal(again.status, 400);
      assert.ok(again.body.identifier, JSON.stringify(again.body));
      const listed = await request(t.app)
        .get(`/api/v1/environments/${environment.api_key}/identities/?q=dashboard`)
        .set(as(f.admin));
      assert.equal(listed.status, 200);
      assert.equal(listed.body.count, 1);
      assert.equal(listed.body.results[0].identifier, 'dashboard-user');
    }
    const listed = await request(t.app).get(`/api/v1/environments/?project=${project}`).set(as(f.admin));
    assert.equal(listed.status, 200);
    assert.deepEqual(Object.keys(listed.body).sort(), ['count', 'next', 'previous', 'results']);
    assert.deepEqual(
      listed.body.results.map((environment: { name: string }) => environment.name),
      ['Development', 'Production'],
    );
  });

  it('answers Flagsmith’s fields on create, retrieve, update and delete', async () => {
    const created = await request(t.app)
      .post('/api/v1/environments/')
      .set(as(f.admin))
      .send({
        name: unique('fields'),
        project: homeProject,
        description: 'about',
        hide_disabled_flags: true,
      });
    assert.equal(created.status, 201);
    for (const field of [
      'id',
      'uuid',
      'name',
      'api_key',
      'description',
      'project',
      'minimum_change_request_approvals',
      'allow_client_traits',
      'banner_text',
      'banner_colour',
      'hide_disabled_flags',
      'use_mv_v2_evaluation',
      'use_identity_composite_key_for_hashing',
      'hide_sensitive_data',
      'use_v2_feature_versioning',
      'use_identity_overrides_in_local_eval',
      'is_creating',
      'metadata',
    ]) {
      assert.ok(field in created.body, `${field} missing from ${JSON.stringify(created.body)}`);
    }
    assert.equal(created.body.project, homeProject);
    assert.equal(created.body.description, 'about');
    assert.equal(created.body.hide_disabled_flags, true);
    assert.equal(created.body.allow_client_traits, true);
    assert.equal(created.body.use_identity_overrides_in_local_eval, true);
    const path = `/api/v1/environments/${created.body.api_key}/`;
    const retrieved = await request(t.app).get(path).set(as(f.admin));
    assert.equal(retrieved.status, 200);
    assert.equal(retrieved.body.total_segment_overrides, 0);
    const patched = await request(t.app).patch(path).set(as(f.admin)).send({ allow_client_traits: false });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.allow_client_traits, false);
    assert.equal(patched.body.description, 'about');
    const put = await request(t.app)
      .put(path)
      .set(as(f.admin))
      .send({ name: 'renamed', project: awayProject });
    assert.equal(put.status, 200);
    assert.equal(put.body.name, 'renamed');
    assert.equal(put.body.project, homeProject, 'project is read-only on update');
    assert.equal((await request(t.app).delete(path).set(as(f.admin))).status, 204);
    assert.equal((await request(t.app).get(path).set(as(f.admin))).status, 404);
  });

  it('refuses bad input with 400 naming the field, never a 500', async () => {
    const post = (body: unknown) =>
      request(t.app)
        .post('/api/v1/environments/')
        .set(as(f.admin))
        .send(body as object);
    const cases: [unknown, string][] = [
      [{ project: homeProject }, 'name'],
      [{ name: '', project: homeProject }, 'name'],
      [{ name: 'x' }, 'project'],
      [{ name: 'x', project: 'abc' }, 'project'],
      [{ name: 'x', project: 2_000_000_000 }, 'project'],
      [{ name: 'x', project: 99_999_999_999 }, 'project'],
      [{ name: 'x', project: awayProject }, 'project'],
      [{ name: 'x', project: homeProject, hide_sensitive_data: 'yes' }, 'hide_sensitive_data'],
      [{ name: 'x', project: homeProject, banner_colour: '#1234567' }, 'banner_colour'],
      [{ name: 'x'.repeat(2001), project: homeProject }, 'name'],
    ];
    for (const [body, field] of cases) {
      const response = await post(body);
      assert.equal(response.status, 400, `${JSON.stringify(body)}: ${response.text}`);
      assert.ok(Array.isArray(response.body[field]), `${field} not named in ${response.text}`);
    }
    // Another tenant's project answers exactly like one that does not exist (but for the id itself).
    const foreign = await post({ name: 'x', project: awayProject });
    assert.deepEqual(foreign.body, { project: [`Invalid pk "${awayProject}" - object does not exist.`] });

    const name = unique('duplicate');
    await createEnvironment(f.admin.token, homeProject, name);
    const duplicate = await post({ name, project: homeProject });
    assert.equal(duplicate.status, 400);
    assert.deepEqual(duplicate.body, { non_field_errors: ['An environment with this name already exists.'] });
    const other = await createEnvironment(f.admin.token, homeProject);
    const renamed = await request(t.app)
      .patch(`/api/v1/environments/${other.api_key}/`)
      .set(as(f.admin))
      .send({ name });
    assert.equal(renamed.status, 400);
    const takenKey = await request(t.app)
      .patch(`/api/v1/environments/${other.api_key}/`)
      .set(as(f.admin))
      .send({ api_key: (await createEnvironment(f.admin.token, homeProject)).api_key });
    assert.equal(takenKey.status, 400);
    assert.ok(takenKey.body.api_key);

    for (const query of [
      '',
      '?project=',
      '?project=abc',
      `?project=${awayProject}`,
      '?project=99999999999',
    ]) {
      const listed = await request(t.app).get(`/api/v1/environments/${query}`).set(as(f.admin));
      assert.equal(listed.status, 400, query);
      assert.deepEqual(listed.body, { project: ['Invalid or missing value for project parameter.'] });
    }
    const huge = await request(t.app)
      .get(`/api/v1/environments/?project=${homeProject}&page_size=100000000000`)
      .set(as(f.admin));
    assert.equal(huge.status, 200);
    const paged = await request(t.app)
      .get(`/api/v1/environments/?project=${homeProject}&page_size=1&page=2`)
      .set(as(f.admin));
    assert.equal(paged.status, 200);
    assert.equal(paged.body.results.length, 1);
    assert.ok(paged.body.next && paged.body.previous);
    const past = await request(t.app)
      .get(`/api/v1/environments/?project=${homeProject}&page=9999`)
      .set(as(f.admin));
    assert.equal(past.status, 404);
    for (const key of ['x'.repeat(101), '%00', 'does-not-exist']) {
      const response = await request(t.app).get(`/api/v1/environments/${key}/`).set(as(f.admin));
      assert.ok([400, 404].includes(response.status), `${key}: ${response.status}`);
    }
  });

  it('creates a typed environment default for every feature of the project', async () => {
    const project = await createProject(f.admin.token, f.home.id);
    await knex()('features').insert([
      { name: 'a_int', project_id: project, initial_value: '12', default_enabled: true },
      { name: 'b_bool', project_id: project, initial_value: 'False', default_enabled: false },
      { name: 'c_text', project_id: project, initial_value: 'hello', default_enabled: true },
      { name: 'd_none', project_id: project, initial_value: null, default_enabled: false },
      { name: 'e_big', project_id: project, initial_value: '2147483647', default_enabled: false },
      { name: 'f_spaced', project_id: project, initial_value: ' -7 ', default_enabled: false },
    ]);
    const environment = await createEnvironment(f.admin.token, project);
    const empty = { string_value: null, integer_value: null, boolean_value: null };
    assert.deepEqual(await statesOf(environment.id), [
      { name: 'a_int', enabled: true, type: 'int', ...empty, integer_value: 12 },
      { name: 'b_bool', enabled: false, type: 'bool', ...empty, boolean_value: false },
      { name: 'c_text', enabled: true, type: 'unicode', ...empty, string_value: 'hello' },
      { name: 'd_none', enabled: false, type: 'unicode', ...empty },
      { name: 'e_big', enabled: false, type: 'unicode', ...empty, string_value: '2147483647' },
      { name: 'f_spaced', enabled: false, type: 'int', ...empty, integer_value: -7 },
    ]);

    await knex()('projects').where('id', project).update({ prevent_flag_defaults: true });
    const prevented = await createEnvironment(f.admin.token, project);
    for (const state of await statesOf(prevented.id)) {
      assert.equal(state.enabled, false, state.name);
      assert.deepEqual([state.type, state.string_value, state.integer_value], ['unicode', null, null]);
    }
  });

  it('clones an environment with its live defaults and values, not its identity overrides or keys', async () => {
    const project = await createProject(f.admin.token, f.home.id);
    const [feature] = (await knex()('features')
      .insert({ name: 'cloned', project_id: project, initial_value: 'red', default_enabled: true })
      .returning('id')) as { id: number }[];
    const source = await createEnvironment(f.admin.token, project);
    await knex()('feature_state_values')
      .whereIn('feature_state_id', knex()('feature_states').select('id').where('environment_id', source.id))
      .update({ string_value: 'blue' });
    const [identity] = (await knex()('identities')
      .insert({ identifier: 'overridden', environment_id: source.id })
      .returning('id')) as { id: number }[];
    await knex()('feature_states').insert({
      feature_id: feature?.id,
      environment_id: source.id,
      identity_id: identity?.id,
      enabled: false,
    });
    const key = await request(t.app)
      .post(`/api/v1/environments/${source.api_key}/api-keys/`)
      .set(as(f.admin))
      .send({ name: 'server' });
    assert.equal(key.status, 201);

    const cloned = await request(t.app)
      .post(`/api/v1/environments/${source.api_key}/clone/`)
      .set(as(f.admin))
      .send({ name: 'Clone' });
    assert.equal(cloned.status, 200, cloned.text);
    assert.deepEqual(Object.keys(cloned.body).sort(), ['api_key', 'id', 'name', 'project']);
    assert.equal(cloned.body.project, project);
    assert.notEqual(cloned.body.api_key, source.api_key);
    assert.deepEqual(await statesOf(cloned.body.id), [
      {
        name: 'cloned',
        enabled: true,
        type: 'unicode',
        string_value: 'blue',
        integer_value: null,
        boolean_value: null,
      },
    ]);
    const overrides = await knex()('feature_states')
      .where('environment_id', cloned.body.id)
      .whereNotNull('identity_id');
    assert.equal(overrides.length, 0);
    const keys = await request(t.app)
      .get(`/api/v1/environments/${cloned.body.api_key}/api-keys/`)
      .set(as(f.admin));
    assert.deepEqual(keys.body, []);
    assert.equal((await statesOf(source.id)).length, 1, 'the source keeps its states');
    const missing = await request(t.app)
      .post(`/api/v1/environments/${source.api_key}/clone/`)
      .set(as(f.admin))
      .send({});
    assert.equal(missing.status, 400);
    assert.ok(missing.body.name);
  });

  it('issues server-side keys that resolve until revoked or expired, stored only hashed and sealed', async () => {
    const environment = await createEnvironment(f.admin.token, homeProject);
    const base = `/api/v1/environments/${environment.api_key}/api-keys/`;
    const created = await request(t.app).post(base).set(as(f.admin)).send({ name: 'backend' });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(Object.keys(created.body).sort(), [
      'active',
      'created_at',
      'expires_at',
      'id',
      'key',
      'name',
    ]);
    const key = created.body.key as string;
    assert.match(key, /^ser\.[A-Za-z0-9]{22}$/);
    assert.equal(created.body.active, true);
    // As in Flagsmith, whose dashboard copies server-side keys from the list.
    const listed = await request(t.app).get(base).set(as(f.admin));
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, [created.body]);
    const rows = await knex()('environment_api_keys').where('environment_id', environment.id);
    assert.ok(!JSON.stringify(rows).includes(key.slice(4)), 'the key is not stored in clear');

    assert.deepEqual(await store.resolveEnvironmentKey(t.ctx.transactor.reads, key), {
      environmentId: environment.id,
      serverSide: true,
    });
    assert.deepEqual(await store.resolveEnvironmentKey(t.ctx.transactor.reads, environment.api_key), {
      environmentId: environment.id,
      serverSide: false,
    });
    assert.equal(await store.resolveEnvironmentKey(t.ctx.transactor.reads, `${key}x`), undefined);
    assert.equal(await store.resolveEnvironmentKey(t.ctx.transactor.reads, 'ser.unknown'), undefined);

    const revoked = await request(t.app)
      .patch(`${base}${created.body.id}/`)
      .set(as(f.admin))
      .send({ active: false });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.active, false);
    assert.equal(revoked.body.key, key);
    assert.equal(await store.resolveEnvironmentKey(t.ctx.transactor.reads, key), undefined);
    await request(t.app).patch(`${base}${created.body.id}/`).set(as(f.admin)).send({ active: true });
    assert.ok(await store.resolveEnvironmentKey(t.ctx.transactor.reads, key));

    const expired = await request(t.app)
      .post(base)
      .set(as(f.admin))
      .send({ name: 'old', expires_at: '2020-01-01T00:00:00Z' });
    assert.equal(expired.status, 201);
    assert.equal(expired.body.expires_at, '2020-01-01T00:00:00.000Z');
    assert.equal(await store.resolveEnvironmentKey(t.ctx.transactor.reads, expired.body.key), undefined);
    const badDate = await request(t.app)
      .post(base)
      .set(as(f.admin))
      .send({ name: 'bad', expires_at: 'soon' });
    assert.equal(badDate.status, 400);
    assert.ok(badDate.body.expires_at);

    assert.equal((await request(t.app).delete(`${base}${created.body.id}/`).set(as(f.admin))).status, 204);
    assert.equal((await request(t.app).delete(`${base}${created.body.id}/`).set(as(f.admin))).status, 404);
    assert.equal((await request(t.app).patch(`${base}abc/`).set(as(f.admin)).send({})).status, 404);
    assert.equal(await store.resolveEnvironmentKey(t.ctx.transactor.reads, key), undefined);

    // Another environment's key id is not found through this one.
    const other = await createEnvironment(f.admin.token, homeProject);
    const otherKey = await request(t.app)
      .post(`/api/v1/environments/${other.api_key}/api-keys/`)
      .set(as(f.admin))
      .send({ name: 'other' });
    assert.equal((await request(t.app).delete(`${base}${otherKey.body.id}/`).set(as(f.admin))).status, 404);

    await knex()('organisations').where('id', f.home.id).update({ stop_serving_flags: true });
    assert.equal(await store.resolveEnvironmentKey(t.ctx.transactor.reads, other.api_key), undefined);
    assert.equal(await store.resolveEnvironmentKey(t.ctx.transactor.reads, otherKey.body.key), undefined);
    await knex()('organisations').where('id', f.home.id).update({ stop_serving_flags: false });
  });

  it('shows a member an environment only with VIEW_ENVIRONMENT or admin, and project admins all of them', async () => {
    const project = await createProject(f.admin.token, f.home.id);
    const seen = await createEnvironment(f.admin.token, project, 'seen');
    await createEnvironment(f.admin.token, project, 'hidden');
    const member = await signUp(t, 'env-member');
    await joinAs(t, f.admin, f.home.id, member, 'USER');
    const list = async () =>
      (await request(t.app).get(`/api/v1/environments/?project=${project}`).set(as(member))).body.results.map(
        (environment: { name: string }) => environment.name,
      );
    assert.deepEqual(await list(), []);
    assert.equal(
      (await request(t.app).get(`/api/v1/environments/${seen.api_key}/`).set(as(member))).status,
      404,
    );

    const grant = await request(t.app)
      .post(`/api/v1/environments/${seen.api_key}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: member.id, permissions: ['VIEW_ENVIRONMENT'] });
    assert.equal(grant.status, 201, grant.text);
    assert.deepEqual(await list(), ['seen']);
    const mine = await request(t.app)
      .get(`/api/v1/environments/${seen.api_key}/my-permissions/`)
      .set(as(member));
    assert.deepEqual(mine.body, {
      permissions: ['VIEW_ENVIRONMENT'],
      admin: false,
      tag_based_permissions: [],
    });
    assert.equal(
      (await request(t.app).patch(`/api/v1/environments/${seen.api_key}/`).set(as(member)).send({})).status,
      403,
    );

    await request(t.app)
      .post(`/api/v1/projects/${project}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: member.id, permissions: [], admin: true });
    assert.deepEqual(await list(), ['seen', 'hidden']);

    const keyMine = await request(t.app)
      .get(`/api/v1/environments/${seen.api_key}/my-permissions/`)
      .set('Authorization', `Api-Key ${f.keys.admin}`);
    assert.equal(keyMine.status, 400);
    assert.deepEqual(keyMine.body, {
      detail: 'This endpoint can only be used with a user and not Master API Key',
    });

    const keys = await request(t.app).get('/api/v1/environments/permissions/').set(as(member));
    assert.deepEqual(
      keys.body.map((permission: { key: string }) => permission.key),
      [
        'VIEW_ENVIRONMENT',
        'UPDATE_FEATURE_STATE',
        'MANAGE_IDENTITIES',
        'VIEW_IDENTITIES',
        'CREATE_CHANGE_REQUEST',
        'APPROVE_CHANGE_REQUEST',
        'MANAGE_SEGMENT_OVERRIDES',
      ],
    );
  });

  it('lets a CREATE_ENVIRONMENT holder create (and then administer) an environment; others get 403', async () => {
    const project = await createProject(f.admin.token, f.home.id);
    const member = await signUp(t, 'creator');
    await joinAs(t, f.admin, f.home.id, member, 'USER');
    const post = () =>
      request(t.app)
        .post('/api/v1/environments/')
        .set(as(member))
        .send({ name: unique('mine'), project });
    assert.equal((await post()).status, 403);
    await request(t.app)
      .post(`/api/v1/projects/${project}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: member.id, permissions: ['CREATE_ENVIRONMENT'] });
    const created = await post();
    assert.equal(created.status, 201, created.text);
    const mine = await request(t.app)
      .get(`/api/v1/environments/${created.body.api_key}/my-permissions/`)
      .set(as(member));
    assert.equal(mine.body.admin, true);
    const keyCreated = await request(t.app)
      .post('/api/v1/environments/')
      .set('Authorization', `Api-Key ${f.keys.admin}`)
      .send({ name: unique('by key'), project });
    assert.equal(keyCreated.status, 201);
  });

  it("finds nothing of another tenant's even when a caller forgets the permission check", async () => {
    const environment = await createEnvironment(f.admin.token, homeProject);
    const reads = t.ctx.transactor.reads;
    const foreigner = { kind: 'user' as const, userId: f.foreigner.id };
    const userKey = { kind: 'masterApiKey' as const, organisationId: f.home.id, keyId: 0, isAdmin: false };
    assert.equal(await store.find(reads, foreigner, environment.id), undefined);
    assert.equal(await store.find(reads, userKey, environment.id), undefined);
    assert.ok(await store.find(reads, { kind: 'user', userId: f.admin.id }, environment.id));
    const renamed = await t.ctx.transactor.run((uow) =>
      store.update(uow, foreigner, environment.id, { name: 'taken over' }),
    );
    assert.equal(renamed, undefined);
    assert.equal(await t.ctx.transactor.run((uow) => store.delete(uow, foreigner, environment.id)), false);
    const row = await knex()('environments').where('id', environment.id).first('name');
    assert.equal(row?.name, environment.name);
    const listed = await store.list(reads, foreigner, homeProject, { page: 1, pageSize: 10, offset: 0 });
    assert.deepEqual(listed, { count: 0, rows: [] });
  });

  it('answers concurrent creates of the same identity with one 201 and 400s, never a 500', async () => {
    const environment = await createEnvironment(f.admin.token, homeProject);
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        request(t.app)
          .post(`/api/v1/environments/${environment.api_key}/identities/`)
          .set(as(f.admin))
          .send({ identifier: 'racing' }),
      ),
    );
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 400, 400, 400]);
  });
});
