import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { type Caller, callers, createTenancy, joinAs, type Tenancy } from './tenancy-test-fixture.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The tenancy plus a source of organisations to destroy: the home admin's, with the home user as USER. */
type Fixture = Tenancy & {
  spareOrganisation(): Promise<{ id: number }>;
  spareGroup(): Promise<{ id: number }>;
  spareMember(): Promise<{ id: number }>;
  spareInvite(): Promise<{ id: number }>;
  spareWebhook(): Promise<{ id: number }>;
  /** An environment of a project of home (the environments slice adds its own rows; this one is inserted). */
  environmentKey: string;
  projectId: number;
};

/**
 * One endpoint as every caller sees it. `path` (and `body`) may create what the call consumes, so that a
 * destructive row (delete, remove) acts on a fresh object for each caller.
 */
interface Row {
  readonly name: string;
  readonly method: Method;
  readonly path: (f: Fixture, caller: Caller) => string | Promise<string>;
  readonly body?: (f: Fixture, caller: Caller) => unknown | Promise<unknown>;
  readonly expect: Record<Caller, number>;
}

// The same endpoint is tried on the home organisation and on the away one: for every caller but the
// foreigner the away organisation is another tenant's, which must be a 404 exactly like an unknown id.
const everyone = (status: number): Record<Caller, number> => ({
  admin: status,
  user: status,
  foreigner: status,
  adminKey: status,
  userKey: status,
  anonymous: 401,
});
const members = (ok: number) => ({ ...everyone(ok), foreigner: 404 });
const admins = (ok: number) => ({ ...members(ok), user: 403, userKey: 403 });
const adminPeople = (ok: number) => ({ ...admins(ok), adminKey: 403 });

let sequence = 0;
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${sequence++}`;

const accessMatrix: Row[] = [
  { name: 'list organisations', method: 'get', path: () => '/api/v1/organisations/', expect: everyone(200) },
  {
    name: 'create an organisation',
    method: 'post',
    path: () => '/api/v1/organisations/',
    body: () => ({ name: unique('created') }),
    expect: { ...everyone(201), adminKey: 403, userKey: 403 },
  },
  {
    name: 'retrieve',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/`,
    expect: admins(200),
  },
  {
    name: 'list permission keys',
    method: 'get',
    path: () => '/api/v1/organisations/permissions/',
    expect: everyone(200),
  },
  {
    name: 'my permissions',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/my-permissions/`,
    expect: members(200),
  },
  {
    name: 'list user permissions',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/user-permissions/`,
    expect: admins(200),
  },
  {
    name: 'grant a user permissions',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/user-permissions/`,
    body: async (f) => ({ user: (await f.spareMember()).id, permissions: ['CREATE_PROJECT'] }),
    expect: admins(201),
  },
  {
    name: 'list group permissions',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/user-group-permissions/`,
    expect: admins(200),
  },
  {
    name: 'grant a group permissions',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/user-group-permissions/`,
    body: async (f) => ({ group: (await f.spareGroup()).id, permissions: ['MANAGE_USER_GROUPS'] }),
    expect: admins(201),
  },
  {
    name: 'update',
    method: 'put',
    path: (f) => `/api/v1/organisations/${f.home.id}/`,
    body: (f) => ({ name: f.home.name }),
    expect: admins(200),
  },
  {
    name: 'partial update',
    method: 'patch',
    path: (f) => `/api/v1/organisations/${f.home.id}/`,
    body: () => ({ restrict_project_create_to_admin: false }),
    expect: admins(200),
  },
  {
    name: 'delete',
    method: 'delete',
    // A fresh organisation of the home admin for each caller; the keys reach only the home organisation.
    path: async (f, caller) =>
      caller === 'adminKey' || caller === 'userKey'
        ? `/api/v1/organisations/${f.away.id}/`
        : `/api/v1/organisations/${(await f.spareOrganisation()).id}/`,
    expect: { ...admins(204), adminKey: 404, userKey: 404 },
  },
  {
    name: 'list members',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/users/`,
    expect: members(200),
  },
  {
    name: 'update a role',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/users/${f.user.id}/update-role/`,
    body: () => ({ role: 'USER' }),
    expect: admins(200),
  },
  {
    name: 'remove users',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/remove-users/`,
    body: () => [],
    expect: admins(200),
  },
  {
    name: 'invite by email',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/invite/`,
    body: () => ({ emails: [`${unique('invitee')}@example.com`] }),
    expect: admins(201),
  },
  {
    name: 'list invites',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/invites/`,
    expect: admins(200),
  },
  {
    name: 'create an invite',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/invites/`,
    body: () => ({ email: `${unique('single')}@example.com` }),
    expect: admins(201),
  },
  {
    name: 'resend an invite',
    method: 'post',
    path: async (f) => `/api/v1/organisations/${f.home.id}/invites/${(await f.spareInvite()).id}/resend/`,
    expect: admins(200),
  },
  {
    name: 'list invite links',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/invite-links/`,
    expect: admins(200),
  },
  {
    name: 'create an invite link',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/invite-links/`,
    body: () => ({ role: 'USER' }),
    expect: admins(201),
  },
  {
    name: 'list master API keys',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/master-api-keys/`,
    expect: adminPeople(200),
  },
  {
    name: 'create a master API key',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/master-api-keys/`,
    body: () => ({ name: 'matrix' }),
    expect: adminPeople(201),
  },
  {
    name: 'list groups',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/`,
    expect: members(200),
  },
  {
    name: 'create a group',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/`,
    body: () => ({ name: unique('group') }),
    expect: admins(201),
  },
  {
    name: 'group summaries',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/summaries/`,
    expect: members(200),
  },
  {
    name: 'my groups',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/my-groups/`,
    expect: members(200),
  },
  {
    name: 'retrieve a group',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/${f.group.id}/`,
    expect: admins(200),
  },
  {
    name: 'update a group',
    method: 'patch',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/${f.group.id}/`,
    body: () => ({ is_default: false }),
    expect: admins(200),
  },
  {
    name: 'add users to a group',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/${f.group.id}/add-users/`,
    body: (f) => ({ user_ids: [f.user.id] }),
    expect: admins(200),
  },
  {
    name: 'remove users from a group',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/${f.group.id}/remove-users/`,
    body: () => ({ user_ids: [] }),
    expect: admins(200),
  },
  {
    name: 'make a group admin',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/${f.group.id}/users/${f.admin.id}/make-admin/`,
    expect: admins(200),
  },
  {
    name: 'remove a group admin',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/groups/${f.group.id}/users/${f.admin.id}/remove-admin/`,
    expect: admins(200),
  },
  {
    name: 'delete a group',
    method: 'delete',
    path: async (f) => `/api/v1/organisations/${f.home.id}/groups/${(await f.spareGroup()).id}/`,
    expect: admins(204),
  },
  { name: 'read the audit log', method: 'get', path: () => '/api/v1/audit/', expect: everyone(200) },
  {
    name: "read an organisation's audit log",
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/audit/`,
    expect: admins(200),
  },
  {
    name: "read a project's audit log",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.projectId}/audit/`,
    expect: { ...members(200), user: 404, userKey: 404 },
  },
  {
    name: 'list organisation webhooks',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/webhooks/`,
    expect: admins(200),
  },
  {
    name: 'create an organisation webhook',
    method: 'post',
    path: (f) => `/api/v1/organisations/${f.home.id}/webhooks/`,
    // A public address, disabled so that nothing tries to reach it from the test.
    body: () => ({ url: 'https://93.184.216.34/hook', enabled: false }),
    expect: admins(201),
  },
  {
    name: 'retrieve an organisation webhook',
    method: 'get',
    path: async (f) => `/api/v1/organisations/${f.home.id}/webhooks/${(await f.spareWebhook()).id}/`,
    expect: admins(200),
  },
  {
    name: 'update an organisation webhook',
    method: 'patch',
    path: async (f) => `/api/v1/organisations/${f.home.id}/webhooks/${(await f.spareWebhook()).id}/`,
    body: () => ({ secret: 'changed' }),
    expect: admins(200),
  },
  {
    name: 'delete an organisation webhook',
    method: 'delete',
    path: async (f) => `/api/v1/organisations/${f.home.id}/webhooks/${(await f.spareWebhook()).id}/`,
    expect: admins(204),
  },
  {
    name: 'list environment webhooks',
    method: 'get',
    path: (f) => `/api/v1/environments/${f.environmentKey}/webhooks/`,
    // Members without a grant on the project do not find its environments at all.
    expect: { ...members(200), user: 404, userKey: 404 },
  },
  {
    name: 'create an environment webhook',
    method: 'post',
    path: (f) => `/api/v1/environments/${f.environmentKey}/webhooks/`,
    body: () => ({ url: 'https://93.184.216.34/flags', enabled: false }),
    expect: { ...members(201), user: 404, userKey: 404 },
  },
  {
    name: 'join by an unknown invite',
    method: 'post',
    path: () => '/api/v1/users/join/unknown-hash/',
    expect: { ...everyone(404), adminKey: 403, userKey: 403 },
  },
];

describe('access matrix: every organisation endpoint × every kind of caller', () => {
  let t: TestApp;
  let f: Fixture;
  before(async () => {
    t = await createTestApp();
    const tenancy = await createTenancy(t);
    const project = await request(t.app)
      .post('/api/v1/projects/')
      .set('Authorization', `Token ${tenancy.admin.token}`)
      .send({ name: unique('matrix project'), organisation: tenancy.home.id });
    const environmentKey = unique('matrixenv');
    await t.ctx.database
      .knex('environments')
      .insert({ name: 'Matrix', project_id: project.body.id, api_key: environmentKey });
    f = {
      ...tenancy,
      environmentKey,
      projectId: project.body.id,
      async spareWebhook() {
        const created = await request(t.app)
          .post(`/api/v1/organisations/${tenancy.home.id}/webhooks/`)
          .set('Authorization', `Token ${tenancy.admin.token}`)
          .send({ url: 'https://93.184.216.34/spare', enabled: false });
        return { id: created.body.id as number };
      },
      async spareOrganisation() {
        const created = await request(t.app)
          .post('/api/v1/organisations/')
          .set('Authorization', `Token ${tenancy.admin.token}`)
          .send({ name: unique('spare') });
        await joinAs(t, tenancy.admin, created.body.id, tenancy.user, 'USER');
        return { id: created.body.id as number };
      },
      async spareInvite() {
        const created = await request(t.app)
          .post(`/api/v1/organisations/${tenancy.home.id}/invites/`)
          .set('Authorization', `Token ${tenancy.admin.token}`)
          .send({ email: `${unique('resend')}@example.com` });
        return { id: created.body.id as number };
      },
      async spareMember() {
        const person = await tenancy.person('spare');
        await joinAs(t, tenancy.admin, tenancy.home.id, person, 'USER');
        return { id: person.id };
      },
      async spareGroup() {
        const created = await request(t.app)
          .post(`/api/v1/organisations/${tenancy.home.id}/groups/`)
          .set('Authorization', `Token ${tenancy.admin.token}`)
          .send({ name: unique('spare group') });
        return { id: created.body.id as number };
      },
    };
  });
  after(() => t.close());

  for (const row of accessMatrix) {
    for (const caller of callers) {
      it(`${row.name}: ${caller} → ${row.expect[caller]}`, async () => {
        const path = await row.path(f, caller);
        let call = request(t.app)[row.method](path);
        const authorization = f.authorization(caller);
        if (authorization) call = call.set('Authorization', authorization);
        const response = row.body ? await call.send((await row.body(f, caller)) as object) : await call;
        assert.equal(
          response.status,
          row.expect[caller],
          `${row.method.toUpperCase()} ${path}: ${response.text}`,
        );
        for (const marker of f.foreignMarkers(caller)) {
          assert.ok(!response.text.includes(marker), `${caller} saw ${marker} in ${response.text}`);
        }
      });
    }
  }

  it("answers another tenant's organisation exactly like one that does not exist", async () => {
    const paths = (id: number | string) => [
      `/api/v1/organisations/${id}/`,
      `/api/v1/organisations/${id}/users/`,
      `/api/v1/organisations/${id}/invites/`,
      `/api/v1/organisations/${id}/invite-links/`,
      `/api/v1/organisations/${id}/master-api-keys/`,
      `/api/v1/organisations/${id}/groups/`,
      `/api/v1/organisations/${id}/groups/summaries/`,
      `/api/v1/organisations/${id}/my-permissions/`,
      `/api/v1/organisations/${id}/user-permissions/`,
      `/api/v1/organisations/${id}/user-group-permissions/`,
      `/api/v1/organisations/${id}/webhooks/`,
    ];
    for (const [foreign, unknown, malformed, huge] of paths(f.away.id).map((path, index) => [
      path,
      paths(2_000_000_000)[index],
      paths('abc')[index],
      paths('99999999999999999999')[index],
    ])) {
      const answers = await Promise.all(
        [foreign, unknown, malformed, huge].map((path) =>
          request(t.app)
            .get(path as string)
            .set('Authorization', `Token ${f.admin.token}`),
        ),
      );
      for (const answer of answers) {
        assert.equal(answer.status, 404, foreign);
        assert.deepEqual(answer.body, { detail: 'Not found.' });
      }
    }
  });
});
