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
  /** A project of home (made by its admin) with one environment, and one of away's (by the foreigner). */
  homeProject: { id: number; uuid: string };
  awayProject: { id: number; uuid: string };
  homeEnvironment: { id: number; uuid: string; api_key: string; name: string };
  awayEnvironment: { id: number; api_key: string; name: string };
  spareEnvironment(): Promise<{ api_key: string }>;
  spareServerKey(): Promise<{ id: number }>;
  spareInvite(): Promise<{ id: number }>;
  spareWebhook(): Promise<{ id: number }>;
  spareSegment(): Promise<{ id: number }>;
  /** An environment of a project of home (the environments slice adds its own rows; this one is inserted). */
  environmentKey: string;
  projectId: number;
  /** A feature of the home project, and its state in the home environment. */
  homeFeature: { id: number; name: string };
  homeState: { id: number };
  spareFeature(): Promise<{ id: number }>;
  spareOption(): Promise<{ id: number }>;
  spareTag(): Promise<{ id: number }>;
  /** An identity of the home environment with a trait and an override, and fresh ones to consume. */
  homeIdentity: { id: number; trait: number; override: number };
  spareIdentity(): Promise<{ id: number }>;
  spareTrait(): Promise<{ id: number }>;
  spareOverride(): Promise<{ identity: number; id: number }>;
  /** A fresh segment override (`feature_segments`) of a fresh feature in the home environment. */
  spareFeatureSegment(): Promise<{ id: number }>;
  featureSegmentUuid(id: number): Promise<string>;
  /** A finished feature export of the home environment. */
  spareFeatureExport(): Promise<{ id: number }>;
  /** An audit log entry of the home project. */
  homeAuditEntry(): Promise<{ id: number }>;
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
    name: 'list segments',
    method: 'get',
    path: (f) => `/api/v1/projects/${f.projectId}/segments/`,
    expect: { ...members(200), user: 404, userKey: 404 },
  },
  {
    name: 'create a segment',
    method: 'post',
    path: (f) => `/api/v1/projects/${f.projectId}/segments/`,
    body: () => ({ name: unique('segment'), rules: [{ type: 'ALL', conditions: [] }] }),
    expect: { ...members(201), user: 404, userKey: 404 },
  },
  {
    name: 'retrieve a segment',
    method: 'get',
    path: async (f) => `/api/v1/projects/${f.projectId}/segments/${(await f.spareSegment()).id}/`,
    expect: { ...members(200), user: 404, userKey: 404 },
  },
  {
    name: 'update a segment',
    method: 'put',
    path: async (f) => `/api/v1/projects/${f.projectId}/segments/${(await f.spareSegment()).id}/`,
    body: () => ({ name: unique('segment'), rules: [{ type: 'ANY', conditions: [] }] }),
    expect: { ...members(200), user: 404, userKey: 404 },
  },
  {
    name: 'partially update a segment',
    method: 'patch',
    path: async (f) => `/api/v1/projects/${f.projectId}/segments/${(await f.spareSegment()).id}/`,
    body: () => ({ description: 'patched' }),
    expect: { ...members(200), user: 404, userKey: 404 },
  },
  {
    name: 'delete a segment',
    method: 'delete',
    path: async (f) => `/api/v1/projects/${f.projectId}/segments/${(await f.spareSegment()).id}/`,
    expect: { ...members(204), user: 404, userKey: 404 },
  },
  {
    name: 'organisation by uuid',
    method: 'get',
    path: (f) => `/api/v1/organisations/get-by-uuid/${f.home.uuid}/`,
    expect: members(200),
  },
  {
    name: "an organisation's projects",
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/projects/`,
    expect: members(200),
  },
  {
    name: "a member's detailed organisation permissions",
    method: 'get',
    // The home user's own: they read it themselves; others need to be admins.
    path: (f) => `/api/v1/organisations/${f.home.id}/user-detailed-permissions/${f.user.id}/`,
    expect: { ...admins(200), user: 200 },
  },
  {
    name: 'subscription metadata',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/get-subscription-metadata/`,
    expect: admins(200),
  },
  {
    name: 'usage data',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/usage-data/`,
    expect: admins(200),
  },
  {
    name: 'usage data total count',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/usage-data/total-count/`,
    expect: admins(200),
  },
  {
    name: 'test an organisation webhook',
    method: 'post',
    path: () => '/api/v1/webhooks/test/',
    // Loopback is refused here (no WEBHOOK_ALLOW_PRIVATE_TARGETS): a 400 on webhook_url shows the caller got
    // past the permission, and nothing is sent anywhere.
    body: (f) => ({ webhook_url: 'http://127.0.0.1:9/hook', scope: { type: 'organisation', id: f.home.id } }),
    expect: admins(400),
  },
  {
    name: 'project by uuid',
    method: 'get',
    path: (f) => `/api/v1/projects/get-by-uuid/${f.homeProject.uuid}/`,
    expect: { ...members(200), user: 404, userKey: 404 },
  },
  {
    name: "a project's environments",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/environments/`,
    expect: { ...members(200), user: 404, userKey: 404 },
  },
  {
    name: "a member's detailed project permissions",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/user-detailed-permissions/${f.user.id}/`,
    expect: { ...members(200), user: 404, userKey: 404 },
  },
  {
    name: 'join by an unknown invite',
    method: 'post',
    path: () => '/api/v1/users/join/unknown-hash/',
    expect: { ...everyone(404), adminKey: 403, userKey: 403 },
  },
];

// Environments: the home user holds no environment permission and the non-admin key none either, so both
// find no environment at all (404); the permission-by-permission cases are in the matrix further down.
const environmentAdmins = (ok: number): Record<Caller, number> => ({
  ...admins(ok),
  user: 404,
  userKey: 404,
});
const environmentPath = (f: Fixture, rest = '') =>
  `/api/v1/environments/${f.homeEnvironment.api_key}/${rest}`;

const environmentMatrix: Row[] = [
  {
    name: 'list environments of a project',
    method: 'get',
    path: (f) => `/api/v1/environments/?project=${f.homeProject.id}`,
    // Another tenant's project is an unknown one: the list's 400 for a missing or invalid project.
    expect: { ...everyone(200), foreigner: 400 },
  },
  {
    name: 'create an environment',
    method: 'post',
    path: () => '/api/v1/environments/',
    body: (f) => ({ name: unique('matrix env'), project: f.homeProject.id }),
    expect: { ...everyone(201), user: 403, userKey: 403, foreigner: 400 },
  },
  {
    name: 'list environment permission keys',
    method: 'get',
    path: () => '/api/v1/environments/permissions/',
    expect: everyone(200),
  },
  {
    name: 'retrieve an environment',
    method: 'get',
    path: (f) => environmentPath(f),
    expect: environmentAdmins(200),
  },
  {
    name: 'update an environment',
    method: 'put',
    path: (f) => environmentPath(f),
    body: (f) => ({ name: f.homeEnvironment.name }),
    expect: environmentAdmins(200),
  },
  {
    name: 'partially update an environment',
    method: 'patch',
    path: (f) => environmentPath(f),
    body: () => ({ allow_client_traits: true }),
    expect: environmentAdmins(200),
  },
  {
    name: 'delete an environment',
    method: 'delete',
    path: async (f) => `/api/v1/environments/${(await f.spareEnvironment()).api_key}/`,
    expect: environmentAdmins(204),
  },
  {
    name: 'clone an environment',
    method: 'post',
    path: (f) => environmentPath(f, 'clone/'),
    body: () => ({ name: unique('clone') }),
    expect: environmentAdmins(200),
  },
  {
    name: 'my environment permissions',
    method: 'get',
    path: (f) => environmentPath(f, 'my-permissions/'),
    // Flagsmith answers a master API key with 400: the endpoint is about a person.
    expect: { ...environmentAdmins(200), adminKey: 400 },
  },
  {
    name: 'list server-side keys',
    method: 'get',
    path: (f) => environmentPath(f, 'api-keys/'),
    expect: environmentAdmins(200),
  },
  {
    name: 'create a server-side key',
    method: 'post',
    path: (f) => environmentPath(f, 'api-keys/'),
    body: () => ({ name: 'matrix key' }),
    expect: environmentAdmins(201),
  },
  {
    name: 'revoke a server-side key',
    method: 'patch',
    path: async (f) => environmentPath(f, `api-keys/${(await f.spareServerKey()).id}/`),
    body: () => ({ active: false }),
    expect: environmentAdmins(200),
  },
  {
    name: 'delete a server-side key',
    method: 'delete',
    path: async (f) => environmentPath(f, `api-keys/${(await f.spareServerKey()).id}/`),
    expect: environmentAdmins(204),
  },
  {
    name: 'list environment user permissions',
    method: 'get',
    path: (f) => environmentPath(f, 'user-permissions/'),
    expect: environmentAdmins(200),
  },
  {
    name: 'grant a user environment permissions',
    method: 'post',
    path: (f) => environmentPath(f, 'user-permissions/'),
    body: async (f) => ({ user: (await f.spareMember()).id, permissions: ['VIEW_ENVIRONMENT'] }),
    expect: environmentAdmins(201),
  },
  {
    name: 'list environment group permissions',
    method: 'get',
    path: (f) => environmentPath(f, 'user-group-permissions/'),
    expect: environmentAdmins(200),
  },
  {
    name: 'grant a group environment permissions',
    method: 'post',
    path: (f) => environmentPath(f, 'user-group-permissions/'),
    body: async (f) => ({ group: (await f.spareGroup()).id, permissions: ['VIEW_IDENTITIES'] }),
    expect: environmentAdmins(201),
  },
  {
    name: 'environment by uuid',
    method: 'get',
    path: (f) => `/api/v1/environments/get-by-uuid/${f.homeEnvironment.uuid}/`,
    expect: environmentAdmins(200),
  },
  {
    name: "a member's detailed environment permissions",
    method: 'get',
    path: (f) => environmentPath(f, `user-detailed-permissions/${f.user.id}/`),
    expect: environmentAdmins(200),
  },
  {
    name: 'test an environment webhook',
    method: 'post',
    path: () => '/api/v1/webhooks/test/',
    body: (f) => ({
      webhook_url: 'http://127.0.0.1:9/hook',
      scope: { type: 'environment', id: f.homeEnvironment.api_key },
    }),
    expect: environmentAdmins(400),
  },
  {
    name: 'list identities',
    method: 'get',
    path: (f) => environmentPath(f, 'identities/'),
    expect: environmentAdmins(200),
  },
  {
    name: 'create an identity',
    method: 'post',
    path: (f) => environmentPath(f, 'identities/'),
    body: () => ({ identifier: unique('identity') }),
    expect: environmentAdmins(201),
  },
];

// Features, tags and multivariate options: the home user and the non-admin key hold nothing on the project
// and do not find it (404); feature states follow the environment's level.
const projectAdmins = (ok: number): Record<Caller, number> => ({ ...members(ok), user: 404, userKey: 404 });
const featuresPath = (f: Fixture, rest = '') => `/api/v1/projects/${f.homeProject.id}/features/${rest}`;
const featureMatrix: Row[] = [
  {
    name: 'list features',
    method: 'get',
    path: (f) => featuresPath(f, `?page=1&page_size=50&environment=${f.homeEnvironment.id}`),
    expect: projectAdmins(200),
  },
  {
    name: 'create a feature',
    method: 'post',
    path: (f) => featuresPath(f),
    body: () => ({ name: unique('matrix_feature') }),
    expect: projectAdmins(201),
  },
  {
    name: 'retrieve a feature',
    method: 'get',
    path: (f) => featuresPath(f, `${f.homeFeature.id}/`),
    expect: projectAdmins(200),
  },
  {
    name: 'update a feature',
    method: 'put',
    path: (f) => featuresPath(f, `${f.homeFeature.id}/`),
    body: (f) => ({ name: f.homeFeature.name }),
    expect: projectAdmins(200),
  },
  {
    name: 'partially update a feature',
    method: 'patch',
    path: (f) => featuresPath(f, `${f.homeFeature.id}/`),
    body: () => ({ description: 'changed' }),
    expect: projectAdmins(200),
  },
  {
    name: 'delete a feature',
    method: 'delete',
    path: async (f) => featuresPath(f, `${(await f.spareFeature()).id}/`),
    expect: projectAdmins(204),
  },
  {
    name: 'add feature owners',
    method: 'post',
    path: (f) => featuresPath(f, `${f.homeFeature.id}/add-owners/`),
    body: (f) => ({ user_ids: [f.admin.id] }),
    expect: projectAdmins(200),
  },
  {
    name: 'remove feature owners',
    method: 'post',
    path: (f) => featuresPath(f, `${f.homeFeature.id}/remove-owners/`),
    body: () => ({ user_ids: [] }),
    expect: projectAdmins(200),
  },
  {
    name: 'add feature group owners',
    method: 'post',
    path: (f) => featuresPath(f, `${f.homeFeature.id}/add-group-owners/`),
    body: (f) => ({ group_ids: [f.group.id] }),
    expect: projectAdmins(200),
  },
  {
    name: 'remove feature group owners',
    method: 'post',
    path: (f) => featuresPath(f, `${f.homeFeature.id}/remove-group-owners/`),
    body: (f) => ({ group_ids: [f.group.id] }),
    expect: projectAdmins(200),
  },
  {
    name: 'list multivariate options',
    method: 'get',
    path: (f) => featuresPath(f, `${f.homeFeature.id}/mv-options/`),
    expect: projectAdmins(200),
  },
  {
    name: 'create a multivariate option',
    method: 'post',
    path: (f) => featuresPath(f, `${f.homeFeature.id}/mv-options/`),
    body: () => ({ type: 'unicode', string_value: 'v', default_percentage_allocation: 0 }),
    expect: projectAdmins(201),
  },
  {
    name: 'retrieve a multivariate option',
    method: 'get',
    path: async (f) => featuresPath(f, `${f.homeFeature.id}/mv-options/${(await f.spareOption()).id}/`),
    expect: projectAdmins(200),
  },
  {
    name: 'update a multivariate option',
    method: 'patch',
    path: async (f) => featuresPath(f, `${f.homeFeature.id}/mv-options/${(await f.spareOption()).id}/`),
    body: () => ({ key: 'variant' }),
    expect: projectAdmins(200),
  },
  {
    name: 'delete a multivariate option',
    method: 'delete',
    path: async (f) => featuresPath(f, `${f.homeFeature.id}/mv-options/${(await f.spareOption()).id}/`),
    expect: projectAdmins(204),
  },
  {
    name: 'list tags',
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/tags/`,
    expect: projectAdmins(200),
  },
  {
    name: 'create a tag',
    method: 'post',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/tags/`,
    body: () => ({ label: unique('tag') }),
    expect: projectAdmins(201),
  },
  {
    name: 'retrieve a tag',
    method: 'get',
    path: async (f) => `/api/v1/projects/${f.homeProject.id}/tags/${(await f.spareTag()).id}/`,
    expect: projectAdmins(200),
  },
  {
    name: 'update a tag',
    method: 'put',
    path: async (f) => `/api/v1/projects/${f.homeProject.id}/tags/${(await f.spareTag()).id}/`,
    body: () => ({ label: unique('renamed') }),
    expect: projectAdmins(200),
  },
  {
    name: 'delete a tag',
    method: 'delete',
    path: async (f) => `/api/v1/projects/${f.homeProject.id}/tags/${(await f.spareTag()).id}/`,
    expect: projectAdmins(204),
  },
  {
    name: 'list feature states',
    method: 'get',
    path: (f) => environmentPath(f, `featurestates/?feature=${f.homeFeature.id}`),
    expect: environmentAdmins(200),
  },
  {
    name: 'retrieve a feature state',
    method: 'get',
    path: (f) => environmentPath(f, `featurestates/${f.homeState.id}/`),
    expect: environmentAdmins(200),
  },
  {
    name: 'toggle a feature state (PUT)',
    method: 'put',
    path: (f) => environmentPath(f, `featurestates/${f.homeState.id}/`),
    body: () => ({ enabled: true, feature_state_value: 'on' }),
    expect: environmentAdmins(200),
  },
  {
    name: 'partially update a feature state',
    method: 'patch',
    path: (f) => environmentPath(f, `featurestates/${f.homeState.id}/`),
    body: () => ({ enabled: false }),
    expect: environmentAdmins(200),
  },
  {
    name: 'list feature states by environment id',
    method: 'get',
    path: (f) => `/api/v1/features/featurestates/?environment=${f.homeEnvironment.id}`,
    expect: environmentAdmins(200),
  },
  {
    name: 'retrieve a feature state by id',
    method: 'get',
    path: (f) => `/api/v1/features/featurestates/${f.homeState.id}/`,
    expect: environmentAdmins(200),
  },
  {
    name: 'update a feature state by id',
    method: 'put',
    path: (f) => `/api/v1/features/featurestates/${f.homeState.id}/`,
    body: () => ({ enabled: true }),
    expect: environmentAdmins(200),
  },
  {
    name: 'partially update a feature state by id',
    method: 'patch',
    path: (f) => `/api/v1/features/featurestates/${f.homeState.id}/`,
    body: () => ({ feature_state_value: 3 }),
    expect: environmentAdmins(200),
  },
];

// Identities, traits and identity overrides (core/identities): environment-level, so environment admins only.
const identityPath = (f: Fixture, rest = '') => environmentPath(f, `identities/${f.homeIdentity.id}/${rest}`);
const identityMatrix: Row[] = [
  {
    name: 'retrieve an identity',
    method: 'get',
    path: (f) => identityPath(f),
    expect: environmentAdmins(200),
  },
  {
    name: 'rename an identity (PUT)',
    method: 'put',
    path: async (f) => environmentPath(f, `identities/${(await f.spareIdentity()).id}/`),
    body: () => ({ identifier: unique('renamed') }),
    expect: environmentAdmins(200),
  },
  {
    name: 'rename an identity (PATCH)',
    method: 'patch',
    path: async (f) => environmentPath(f, `identities/${(await f.spareIdentity()).id}/`),
    body: () => ({ identifier: unique('patched') }),
    expect: environmentAdmins(200),
  },
  {
    name: 'delete an identity',
    method: 'delete',
    path: async (f) => environmentPath(f, `identities/${(await f.spareIdentity()).id}/`),
    expect: environmentAdmins(204),
  },
  {
    name: 'list traits',
    method: 'get',
    path: (f) => identityPath(f, 'traits/'),
    expect: environmentAdmins(200),
  },
  {
    name: 'create a trait',
    method: 'post',
    path: (f) => identityPath(f, 'traits/'),
    body: () => ({ trait_key: unique('key'), trait_value: 1 }),
    expect: environmentAdmins(201),
  },
  {
    name: 'retrieve a trait',
    method: 'get',
    path: (f) => identityPath(f, `traits/${f.homeIdentity.trait}/`),
    expect: environmentAdmins(200),
  },
  {
    name: 'update a trait (PUT)',
    method: 'put',
    path: (f) => identityPath(f, `traits/${f.homeIdentity.trait}/`),
    body: () => ({ trait_key: 'matrix_trait', trait_value: 'put' }),
    expect: environmentAdmins(200),
  },
  {
    name: 'update a trait (PATCH)',
    method: 'patch',
    path: (f) => identityPath(f, `traits/${f.homeIdentity.trait}/`),
    body: () => ({ trait_value: 2 }),
    expect: environmentAdmins(200),
  },
  {
    name: 'delete a trait',
    method: 'delete',
    path: async (f) => identityPath(f, `traits/${(await f.spareTrait()).id}/`),
    expect: environmentAdmins(204),
  },
  {
    name: 'list trait keys',
    method: 'get',
    path: (f) => environmentPath(f, 'trait-keys/'),
    expect: environmentAdmins(200),
  },
  {
    name: 'delete traits by key',
    method: 'post',
    path: (f) => environmentPath(f, 'delete-traits/'),
    body: () => ({ key: unique('no such key') }),
    expect: environmentAdmins(200),
  },
  {
    name: 'list identity overrides',
    method: 'get',
    path: (f) => identityPath(f, 'featurestates/'),
    expect: environmentAdmins(200),
  },
  {
    name: 'create an identity override',
    method: 'post',
    path: async (f) => environmentPath(f, `identities/${(await f.spareIdentity()).id}/featurestates/`),
    body: (f) => ({ feature: f.homeFeature.id, enabled: true }),
    expect: environmentAdmins(201),
  },
  {
    name: 'retrieve an identity override',
    method: 'get',
    path: (f) => identityPath(f, `featurestates/${f.homeIdentity.override}/`),
    expect: environmentAdmins(200),
  },
  {
    name: 'update an identity override (PUT)',
    method: 'put',
    path: (f) => identityPath(f, `featurestates/${f.homeIdentity.override}/`),
    body: () => ({ enabled: true, feature_state_value: 'on' }),
    expect: environmentAdmins(200),
  },
  {
    name: 'update an identity override (PATCH)',
    method: 'patch',
    path: (f) => identityPath(f, `featurestates/${f.homeIdentity.override}/`),
    body: () => ({ enabled: false }),
    expect: environmentAdmins(200),
  },
  {
    name: 'delete an identity override',
    method: 'delete',
    path: async (f) => {
      const spare = await f.spareOverride();
      return environmentPath(f, `identities/${spare.identity}/featurestates/${spare.id}/`);
    },
    expect: environmentAdmins(204),
  },
  {
    name: 'clone overrides from another identity',
    method: 'post',
    path: async (f) =>
      environmentPath(
        f,
        `identities/${(await f.spareIdentity()).id}/featurestates/clone-from-given-identity/`,
      ),
    body: (f) => ({ source_identity_id: f.homeIdentity.id }),
    expect: environmentAdmins(200),
  },
  {
    name: "an identity's evaluated flags",
    method: 'get',
    path: (f) => identityPath(f, 'featurestates/all/'),
    expect: environmentAdmins(200),
  },
];

// Segment overrides: an environment's VIEW_ENVIRONMENT lists them, MANAGE_SEGMENT_OVERRIDES changes them.
const featureSegmentsPath = (rest = '') => `/api/v1/features/feature-segments/${rest}`;
const segmentOverrideMatrix: Row[] = [
  {
    name: 'list segment overrides',
    method: 'get',
    path: (f) => featureSegmentsPath(`?environment=${f.homeEnvironment.id}&feature=${f.homeFeature.id}`),
    expect: environmentAdmins(200),
  },
  {
    name: 'create a segment override',
    method: 'post',
    path: () => featureSegmentsPath(),
    body: async (f) => ({
      feature: (await f.spareFeature()).id,
      segment: (await f.spareSegment()).id,
      environment: f.homeEnvironment.id,
    }),
    expect: environmentAdmins(201),
  },
  {
    name: 'retrieve a segment override',
    method: 'get',
    path: async (f) => featureSegmentsPath(`${(await f.spareFeatureSegment()).id}/`),
    expect: environmentAdmins(200),
  },
  {
    name: 'retrieve a segment override by uuid',
    method: 'get',
    path: async (f) => {
      const { id } = await f.spareFeatureSegment();
      return `/api/v1/features/feature-segments/get-by-uuid/${await f.featureSegmentUuid(id)}/`;
    },
    expect: environmentAdmins(200),
  },
  {
    name: 'update a segment override',
    method: 'patch',
    path: async (f) => featureSegmentsPath(`${(await f.spareFeatureSegment()).id}/`),
    body: () => ({}),
    expect: environmentAdmins(200),
  },
  {
    name: 'delete a segment override',
    method: 'delete',
    path: async (f) => featureSegmentsPath(`${(await f.spareFeatureSegment()).id}/`),
    expect: environmentAdmins(204),
  },
  {
    // Overrides the caller cannot see are "not found" in the body, as Flagsmith words it: a 400.
    name: 'update segment override priorities',
    method: 'post',
    path: () => featureSegmentsPath('update-priorities/'),
    body: async (f) => [{ id: (await f.spareFeatureSegment()).id, priority: 0 }],
    expect: { ...environmentAdmins(200), user: 400, userKey: 400, foreigner: 400 },
  },
  {
    name: 'create a segment override with its state',
    method: 'post',
    path: async (f) => environmentPath(f, `features/${(await f.spareFeature()).id}/create-segment-override/`),
    body: async (f) => ({
      feature_state_value: 'on',
      feature_segment: { segment: (await f.spareSegment()).id },
    }),
    expect: environmentAdmins(201),
  },
  {
    name: 'create a feature export',
    method: 'post',
    path: () => '/api/v1/features/create-feature-export/',
    body: (f) => ({ environment_id: f.homeEnvironment.id, tag_ids: [] }),
    expect: environmentAdmins(201),
  },
  {
    name: 'download a feature export',
    method: 'get',
    path: async (f) => `/api/v1/features/download-feature-export/${(await f.spareFeatureExport()).id}/`,
    expect: environmentAdmins(200),
  },
  {
    name: "list a project's feature exports",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/feature-exports/`,
    expect: projectAdmins(200),
  },
  {
    name: "list a project's feature imports",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/feature-imports/`,
    expect: projectAdmins(200),
  },
  {
    // A 400 for everyone who gets past the policy: the matrix sends JSON, and an import takes a file.
    name: 'import features (the organisation admin, as Flagsmith: an import can be destructive)',
    method: 'post',
    path: (f) => `/api/v1/features/feature-import/${f.homeEnvironment.id}`,
    body: () => ({ strategy: 'SKIP' }),
    expect: environmentAdmins(400),
  },
];

// What Flagsmith's dashboard asks for on load (core/dashboard/): the empty lists follow the permission of the
// Flagsmith view they stand in for; metrics and the audit log item are real.
const dashboardMatrix: Row[] = [
  {
    name: 'duplicate a segment',
    method: 'post',
    path: async (f) => `/api/v1/projects/${f.projectId}/segments/${(await f.spareSegment()).id}/clone/`,
    body: () => ({ name: unique('cloned segment') }),
    expect: projectAdmins(201),
  },
  {
    name: "list a project's feature health events",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/feature-health/events/`,
    expect: projectAdmins(200),
  },
  {
    name: "list a project's feature health providers",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/feature-health/providers/`,
    expect: projectAdmins(200),
  },
  {
    name: "list a project's GitLab integration",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/integrations/gitlab/`,
    expect: projectAdmins(200),
  },
  {
    name: "list a project's metadata fields",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/metadata/fields/?include_organisation=true`,
    expect: projectAdmins(200),
  },
  {
    name: "read one entry of a project's audit log",
    method: 'get',
    path: async (f) => `/api/v1/projects/${f.homeProject.id}/audit/${(await f.homeAuditEntry()).id}/`,
    expect: projectAdmins(200),
  },
  {
    name: "read a feature's daily evaluations (the Usage tab)",
    method: 'get',
    path: (f) =>
      `/api/v1/projects/${f.homeProject.id}/features/${f.homeFeature.id}/evaluation-data/?environment_id=${f.homeEnvironment.id}`,
    expect: projectAdmins(200),
  },
  {
    name: "list a feature's code references",
    method: 'get',
    path: (f) => `/api/v1/projects/${f.homeProject.id}/features/${f.homeFeature.id}/code-references/`,
    expect: projectAdmins(200),
  },
  {
    name: "read an environment's metrics",
    method: 'get',
    path: (f) => environmentPath(f, 'metrics/'),
    expect: environmentAdmins(200),
  },
  {
    name: "list an environment's Slack integration",
    method: 'get',
    path: (f) => environmentPath(f, 'integrations/slack/'),
    expect: environmentAdmins(200),
  },
  {
    name: "list an environment's change requests",
    method: 'get',
    path: (f) => environmentPath(f, 'list-change-requests/?committed=false'),
    expect: environmentAdmins(200),
  },
  {
    name: 'list identity overrides (anyIdentity)',
    method: 'get',
    path: (f) => environmentPath(f, `featurestates/?anyIdentity=1&feature=${f.homeFeature.id}`),
    expect: environmentAdmins(200),
  },
  {
    name: "list an organisation's GitHub integration",
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/integrations/github/`,
    expect: members(200),
  },
  {
    name: "list an organisation's metadata model fields",
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/metadata-model-fields/`,
    expect: admins(200),
  },
  {
    name: 'list the content types metadata may describe',
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/metadata-model-fields/supported-content-types/`,
    expect: members(200),
  },
  {
    name: "list an organisation's roles",
    method: 'get',
    path: (f) => `/api/v1/organisations/${f.home.id}/roles/`,
    expect: members(200),
  },
  {
    name: "list an organisation's metadata fields",
    method: 'get',
    path: (f) => `/api/v1/metadata/fields/?organisation=${f.home.id}`,
    expect: members(200),
  },
];

describe('access matrix: every organisation and environment endpoint × every kind of caller', () => {
  let t: TestApp;
  let f: Fixture;
  before(async () => {
    t = await createTestApp();
    const tenancy = await createTenancy(t);
    const asAdmin = { Authorization: `Token ${tenancy.admin.token}` };
    const asForeigner = { Authorization: `Token ${tenancy.foreigner.token}` };
    const project = async (headers: Record<string, string>, organisation: number) =>
      (
        await request(t.app)
          .post('/api/v1/projects/')
          .set(headers)
          .send({ name: unique('matrix project'), organisation })
      ).body as { id: number; uuid: string };
    const environment = async (headers: Record<string, string>, projectId: number) =>
      (
        await request(t.app)
          .post('/api/v1/environments/')
          .set(headers)
          .send({ name: unique('matrix env'), project: projectId })
      ).body as { id: number; uuid: string; api_key: string; name: string };
    const homeProject = await project(asAdmin, tenancy.home.id);
    const awayProject = await project(asForeigner, tenancy.away.id);
    const homeEnvironment = await environment(asAdmin, homeProject.id);
    const awayEnvironment = await environment(asForeigner, awayProject.id);
    const feature = async (name: string) =>
      (
        await request(t.app)
          .post(`/api/v1/projects/${homeProject.id}/features/`)
          .set(asAdmin)
          .send({ name: unique(name) })
      ).body as { id: number; name: string };
    const homeFeature = await feature('matrix_home_feature');
    const homeState = (
      await request(t.app)
        .get(`/api/v1/environments/${homeEnvironment.api_key}/featurestates/?feature=${homeFeature.id}`)
        .set(asAdmin)
    ).body.results[0] as { id: number };
    const identity = async () =>
      (
        await request(t.app)
          .post(`/api/v1/environments/${homeEnvironment.api_key}/identities/`)
          .set(asAdmin)
          .send({ identifier: unique('matrix identity') })
      ).body as { id: number };
    const trait = async (identityId: number, key: string) =>
      (
        await request(t.app)
          .post(`/api/v1/environments/${homeEnvironment.api_key}/identities/${identityId}/traits/`)
          .set(asAdmin)
          .send({ trait_key: key, trait_value: 'v' })
      ).body as { id: number };
    const override = async (identityId: number) =>
      (
        await request(t.app)
          .post(`/api/v1/environments/${homeEnvironment.api_key}/identities/${identityId}/featurestates/`)
          .set(asAdmin)
          .send({ feature: homeFeature.id })
      ).body as { id: number };
    const homeIdentityRow = await identity();
    const homeIdentity = {
      id: homeIdentityRow.id,
      trait: (await trait(homeIdentityRow.id, 'matrix_trait')).id,
      override: (await override(homeIdentityRow.id)).id,
    };
    const homeMarkers = [homeEnvironment.api_key, homeEnvironment.name];
    const awayMarkers = [awayEnvironment.api_key, awayEnvironment.name];
    f = {
      ...tenancy,
      homeProject,
      awayProject,
      homeEnvironment,
      awayEnvironment,
      foreignMarkers: (caller) => [
        ...tenancy.foreignMarkers(caller),
        ...(caller === 'foreigner' ? homeMarkers : awayMarkers),
        ...(caller === 'anonymous' ? homeMarkers : []),
      ],
      spareEnvironment: () => environment(asAdmin, homeProject.id),
      async spareServerKey() {
        const created = await request(t.app)
          .post(`/api/v1/environments/${homeEnvironment.api_key}/api-keys/`)
          .set(asAdmin)
          .send({ name: unique('spare key') });
        return { id: created.body.id as number };
      },
      environmentKey: homeEnvironment.api_key,
      projectId: homeProject.id,
      homeFeature,
      homeState,
      homeIdentity,
      spareIdentity: identity,
      spareTrait: () => trait(homeIdentity.id, unique('spare trait')),
      async spareOverride() {
        const spare = await identity();
        return { identity: spare.id, id: (await override(spare.id)).id };
      },
      spareFeature: () => feature('matrix_spare_feature'),
      async spareOption() {
        const created = await request(t.app)
          .post(`/api/v1/projects/${homeProject.id}/features/${homeFeature.id}/mv-options/`)
          .set(asAdmin)
          .send({ type: 'unicode', string_value: 'spare', default_percentage_allocation: 0 });
        return { id: created.body.id as number };
      },
      async spareTag() {
        const created = await request(t.app)
          .post(`/api/v1/projects/${homeProject.id}/tags/`)
          .set(asAdmin)
          .send({ label: unique('spare tag') });
        return { id: created.body.id as number };
      },
      async spareFeatureSegment() {
        const spare = await feature('matrix_overridden');
        const segment = await request(t.app)
          .post(`/api/v1/projects/${homeProject.id}/segments/`)
          .set(asAdmin)
          .send({ name: unique('override segment'), rules: [{ type: 'ALL', conditions: [] }] });
        const created = await request(t.app)
          .post('/api/v1/features/feature-segments/')
          .set(asAdmin)
          .send({ feature: spare.id, segment: segment.body.id, environment: homeEnvironment.id });
        return { id: created.body.id as number };
      },
      async featureSegmentUuid(id: number) {
        const row = (await t.ctx.database.knex('feature_segments').where({ id }).first('uuid')) as {
          uuid: string;
        };
        return row.uuid;
      },
      async homeAuditEntry() {
        const row = (await t.ctx.database
          .knex('audit_logs')
          .where({ project_id: homeProject.id })
          .orderBy('id')
          .first('id')) as { id: number };
        return { id: row.id };
      },
      async spareFeatureExport() {
        const created = await request(t.app)
          .post('/api/v1/features/create-feature-export/')
          .set(asAdmin)
          .send({ environment_id: homeEnvironment.id, tag_ids: [] });
        return { id: created.body.id as number };
      },
      async spareWebhook() {
        const created = await request(t.app)
          .post(`/api/v1/organisations/${tenancy.home.id}/webhooks/`)
          .set('Authorization', `Token ${tenancy.admin.token}`)
          .send({ url: 'https://93.184.216.34/spare', enabled: false });
        return { id: created.body.id as number };
      },
      async spareSegment() {
        const created = await request(t.app)
          .post(`/api/v1/projects/${homeProject.id}/segments/`)
          .set(asAdmin)
          .send({ name: unique('spare segment'), rules: [{ type: 'ALL', conditions: [] }] });
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

  for (const row of [
    ...accessMatrix,
    ...environmentMatrix,
    ...featureMatrix,
    ...identityMatrix,
    ...segmentOverrideMatrix,
    ...dashboardMatrix,
  ]) {
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
      `/api/v1/organisations/${id}/projects/`,
      `/api/v1/organisations/${id}/usage-data/`,
      `/api/v1/organisations/${id}/get-subscription-metadata/`,
      `/api/v1/organisations/${id}/usage-data/total-count/`,
      `/api/v1/organisations/${id}/user-detailed-permissions/${f.admin.id}/`,
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

  it("answers another tenant's environment exactly like one that does not exist", async () => {
    const paths = (key: string) =>
      [
        '',
        'clone/',
        'my-permissions/',
        'api-keys/',
        'user-permissions/',
        'user-group-permissions/',
        'identities/',
        'trait-keys/',
        `user-detailed-permissions/${f.admin.id}/`,
      ].map((rest) => `/api/v1/environments/${key}/${rest}`);
    const keys = [f.awayEnvironment.api_key, 'NoSuchEnvironmentKey00', 'x'.repeat(101), '%20'];
    for (const [index, foreign] of paths(keys[0] as string).entries()) {
      for (const key of keys) {
        const path = paths(key)[index] as string;
        const method = path.endsWith('/clone/') ? 'post' : 'get';
        const answer = await request(t.app)
          [method](path)
          .set('Authorization', `Token ${f.admin.token}`)
          .send({ name: 'x' });
        assert.equal(answer.status, 404, `${foreign} as ${path}`);
        assert.deepEqual(answer.body, { detail: 'Not found.' });
      }
    }
  });
});

type Grantee = 'direct' | 'group';

/**
 * One environment endpoint as a member of the home organisation sees it, holding a given grant directly or
 * through a group: `without` is the answer while they hold only `baseline` (what lets them find the
 * environment at all, where one is needed), `with` once they also hold `grant`.
 */
interface PermissionRow {
  readonly name: string;
  readonly method: Method;
  readonly path: (environmentKey: string) => string;
  readonly body?: (projectId: number) => object;
  readonly baseline: { readonly permissions: string[] } | undefined;
  readonly grant: {
    readonly level: 'environment' | 'project';
    readonly permissions: string[];
    readonly admin?: boolean;
  };
  readonly without: number;
  readonly with: number;
}

const view = { permissions: ['VIEW_ENVIRONMENT'] };
const onEnvironment = (permissions: string[], admin = false) => ({
  level: 'environment' as const,
  permissions,
  admin,
});
const permissionMatrix: PermissionRow[] = [
  {
    name: 'retrieve with VIEW_ENVIRONMENT',
    method: 'get',
    path: (key) => `/api/v1/environments/${key}/`,
    baseline: undefined,
    grant: onEnvironment(['VIEW_ENVIRONMENT']),
    without: 404,
    with: 200,
  },
  {
    name: 'retrieve as a project admin, without any environment grant',
    method: 'get',
    path: (key) => `/api/v1/environments/${key}/`,
    baseline: undefined,
    grant: { level: 'project', permissions: [], admin: true },
    without: 404,
    with: 200,
  },
  {
    name: 'my-permissions with VIEW_ENVIRONMENT',
    method: 'get',
    path: (key) => `/api/v1/environments/${key}/my-permissions/`,
    baseline: undefined,
    grant: onEnvironment(['VIEW_ENVIRONMENT']),
    without: 404,
    with: 200,
  },
  {
    name: 'list identities with VIEW_IDENTITIES',
    method: 'get',
    path: (key) => `/api/v1/environments/${key}/identities/`,
    baseline: view,
    grant: onEnvironment(['VIEW_IDENTITIES']),
    without: 403,
    with: 200,
  },
  {
    name: 'create an identity with MANAGE_IDENTITIES',
    method: 'post',
    path: (key) => `/api/v1/environments/${key}/identities/`,
    body: () => ({ identifier: unique('granted identity') }),
    baseline: view,
    grant: onEnvironment(['MANAGE_IDENTITIES']),
    without: 403,
    with: 201,
  },
  {
    name: 'list trait keys with VIEW_ENVIRONMENT',
    method: 'get',
    path: (key) => `/api/v1/environments/${key}/trait-keys/`,
    baseline: undefined,
    grant: onEnvironment(['VIEW_ENVIRONMENT']),
    without: 404,
    with: 200,
  },
  {
    name: 'delete traits by key as an environment admin, not with MANAGE_IDENTITIES',
    method: 'post',
    path: (key) => `/api/v1/environments/${key}/delete-traits/`,
    body: () => ({ key: unique('granted key') }),
    baseline: { permissions: ['VIEW_ENVIRONMENT', 'MANAGE_IDENTITIES'] },
    grant: onEnvironment([], true),
    without: 403,
    with: 200,
  },
  {
    name: 'update as an environment admin',
    method: 'patch',
    path: (key) => `/api/v1/environments/${key}/`,
    body: () => ({ hide_sensitive_data: false }),
    baseline: view,
    grant: onEnvironment([], true),
    without: 403,
    with: 200,
  },
  {
    name: 'update as a project admin',
    method: 'patch',
    path: (key) => `/api/v1/environments/${key}/`,
    body: () => ({ hide_sensitive_data: false }),
    baseline: view,
    grant: { level: 'project', permissions: [], admin: true },
    without: 403,
    with: 200,
  },
  {
    name: 'UPDATE_FEATURE_STATE does not make an environment admin',
    method: 'patch',
    path: (key) => `/api/v1/environments/${key}/`,
    body: () => ({}),
    baseline: view,
    grant: onEnvironment(['UPDATE_FEATURE_STATE', 'MANAGE_IDENTITIES', 'VIEW_IDENTITIES']),
    without: 403,
    with: 403,
  },
  {
    name: 'list server-side keys as an environment admin',
    method: 'get',
    path: (key) => `/api/v1/environments/${key}/api-keys/`,
    baseline: view,
    grant: onEnvironment([], true),
    without: 403,
    with: 200,
  },
  {
    name: 'list environment grants as an environment admin',
    method: 'get',
    path: (key) => `/api/v1/environments/${key}/user-permissions/`,
    baseline: view,
    grant: onEnvironment([], true),
    without: 403,
    with: 200,
  },
  {
    name: "clone with the project's CREATE_ENVIRONMENT",
    method: 'post',
    path: (key) => `/api/v1/environments/${key}/clone/`,
    body: () => ({ name: unique('granted clone') }),
    baseline: view,
    grant: { level: 'project', permissions: ['CREATE_ENVIRONMENT'] },
    without: 403,
    with: 200,
  },
  {
    name: "create with the project's CREATE_ENVIRONMENT",
    method: 'post',
    path: () => '/api/v1/environments/',
    body: (project) => ({ name: unique('granted env'), project }),
    baseline: undefined,
    grant: { level: 'project', permissions: ['CREATE_ENVIRONMENT'] },
    without: 403,
    with: 201,
  },
];

describe('environment permissions matrix: each permission granted directly and through a group', () => {
  let t: TestApp;
  let tenancy: Tenancy;
  let projectId: number;
  let environmentKey: string;
  const asAdmin = () => ({ Authorization: `Token ${tenancy.admin.token}` });

  /** Grants `fields` on the project or the environment to `person`, directly or through a new group. */
  const grantTo = async (
    person: { id: number },
    grantee: Grantee,
    level: 'environment' | 'project',
    fields: { permissions: string[]; admin?: boolean },
  ) => {
    const base =
      level === 'project' ? `/api/v1/projects/${projectId}` : `/api/v1/environments/${environmentKey}`;
    let response: request.Response;
    if (grantee === 'direct') {
      response = await request(t.app)
        .post(`${base}/user-permissions/`)
        .set(asAdmin())
        .send({ user: person.id, ...fields });
    } else {
      const group = await request(t.app)
        .post(`/api/v1/organisations/${tenancy.home.id}/groups/`)
        .set(asAdmin())
        .send({ name: unique('grant group') });
      await request(t.app)
        .post(`/api/v1/organisations/${tenancy.home.id}/groups/${group.body.id}/add-users/`)
        .set(asAdmin())
        .send({ user_ids: [person.id] });
      response = await request(t.app)
        .post(`${base}/user-group-permissions/`)
        .set(asAdmin())
        .send({ group: group.body.id, ...fields });
    }
    assert.equal(response.status, 201, response.text);
  };

  before(async () => {
    t = await createTestApp();
    tenancy = await createTenancy(t);
    const project = await request(t.app)
      .post('/api/v1/projects/')
      .set(asAdmin())
      .send({ name: unique('permission project'), organisation: tenancy.home.id });
    projectId = project.body.id;
    const environment = await request(t.app)
      .post('/api/v1/environments/')
      .set(asAdmin())
      .send({ name: unique('permission env'), project: projectId });
    environmentKey = environment.body.api_key;
  });
  after(() => t.close());

  for (const row of permissionMatrix) {
    for (const grantee of ['direct', 'group'] as const) {
      it(`${row.name} (${grantee}): ${row.without} without, ${row.with} with`, async () => {
        const call = async (person: { token: string }) => {
          const pending = request(t.app)
            [row.method](row.path(environmentKey))
            .set('Authorization', `Token ${person.token}`);
          return row.body ? await pending.send(row.body(projectId)) : await pending;
        };
        const member = async () => {
          const person = await tenancy.person('grantee');
          await joinAs(t, tenancy.admin, tenancy.home.id, person, 'USER');
          return person;
        };
        // Both the baseline and the grant come the same way, so a group member is tested through groups alone.
        const without = await member();
        if (row.baseline) await grantTo(without, grantee, 'environment', row.baseline);
        const refused = await call(without);
        assert.equal(refused.status, row.without, `without: ${refused.text}`);

        const granted = await member();
        const admin = row.grant.admin ? { admin: true } : {};
        if (row.grant.level === 'environment') {
          // One grant per person and environment: the baseline and the grant together.
          const permissions = [...(row.baseline?.permissions ?? []), ...row.grant.permissions];
          await grantTo(granted, grantee, 'environment', { permissions, ...admin });
        } else {
          if (row.baseline) await grantTo(granted, grantee, 'environment', row.baseline);
          await grantTo(granted, grantee, 'project', { permissions: row.grant.permissions, ...admin });
        }
        const allowed = await call(granted);
        assert.equal(allowed.status, row.with, `with: ${allowed.text}`);
      });
    }
  }
});
