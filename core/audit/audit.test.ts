import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import {
  as,
  createTenancy,
  joinAs,
  type Person,
  signUp,
  type Tenancy,
} from '../organisations/tenancy-test-fixture.js';

interface Entry {
  id: number;
  log: string;
  author: { id: number; email: string } | null;
  project: { id: number; name: string } | null;
  environment: unknown;
  related_object_id: number | null;
  related_object_type: string | null;
  is_system_event: boolean;
  created_date: string;
}

describe('audit log', () => {
  let t: TestApp;
  let f: Tenancy;
  const api = () => request(t.app);

  /** The entries a change added, oldest first, as the admin reads them. */
  async function entriesOf(change: () => Promise<unknown>, reader: Person = f.admin): Promise<Entry[]> {
    const before = await api().get('/api/v1/audit/?page_size=1').set(as(reader));
    const newestBefore = (before.body.results[0]?.id as number | undefined) ?? 0;
    await change();
    const after = await api().get('/api/v1/audit/?page_size=50').set(as(reader));
    assert.equal(after.status, 200, after.text);
    return (after.body.results as Entry[]).filter((entry) => entry.id > newestBefore).reverse();
  }

  async function only(change: () => Promise<unknown>): Promise<Entry> {
    const entries = await entriesOf(change);
    assert.equal(entries.length, 1, JSON.stringify(entries));
    return entries[0] as Entry;
  }

  const expectStatus = (status: number) => (response: request.Response) => {
    assert.equal(response.status, status, response.text);
    return response;
  };

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
  });
  after(() => t.close());

  it('recorded the tenancy being set up, newest first, with who did it', async () => {
    const listed = await api().get('/api/v1/audit/').set(as(f.admin));
    assert.equal(listed.status, 200);
    assert.deepEqual(Object.keys(listed.body), ['count', 'next', 'previous', 'results']);
    const logs = (listed.body.results as Entry[]).map((entry) => entry.log);
    assert.equal(logs.at(-1), `New Organisation created: ${f.home.name}`);
    assert.ok(logs.includes('New Master API Key created: key-true'), logs.join('\n'));
    assert.ok(logs.includes('New Group created: home group'));
    assert.equal(
      logs[0],
      `Users added to group home group: ${[f.admin, f.user].map((p) => p.email).join(', ')}`,
    );
    const ids = (listed.body.results as Entry[]).map((entry) => entry.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );
    const [newest] = listed.body.results as Entry[];
    assert.deepEqual(Object.keys(newest as Entry), [
      'id',
      'created_date',
      'log',
      'author',
      'environment',
      'project',
      'related_object_id',
      'related_object_uuid',
      'related_object_type',
      'is_system_event',
    ]);
    assert.equal(newest?.author?.email, f.admin.email);
    assert.equal(newest?.related_object_type, 'GROUP');
    assert.equal(newest?.related_object_id, f.group.id);
    assert.equal(newest?.is_system_event, false);
  });

  it('records organisation updates and deletions', async () => {
    const created = await only(() =>
      api().post('/api/v1/organisations/').set(as(f.admin)).send({ name: 'Doomed' }).then(expectStatus(201)),
    );
    assert.equal(created.log, 'New Organisation created: Doomed');
    const id = created.related_object_id as number;
    assert.equal(created.related_object_type, 'ORGANISATION');
    const updated = await only(() =>
      api()
        .patch(`/api/v1/organisations/${id}/`)
        .set(as(f.admin))
        .send({ name: 'Renamed' })
        .then(expectStatus(200)),
    );
    assert.equal(updated.log, 'Organisation updated: Renamed');
    await api().delete(`/api/v1/organisations/${id}/`).set(as(f.admin)).then(expectStatus(204));
    // The entry is kept, but nobody belongs to the organisation any more to read it through the API.
    const deleted = await t.ctx.database
      .knex('audit_logs')
      .where({ organisation_id: id, related_object_type: 'ORGANISATION' })
      .orderBy('id', 'desc')
      .first();
    assert.equal(deleted.log, 'Organisation deleted: Renamed');
    assert.equal(deleted.author_id, f.admin.id);
  });

  it('records members joining, changing role and leaving', async () => {
    const person = await signUp(t, 'member');
    const joined = await entriesOf(() => joinAs(t, f.admin, f.home.id, person, 'USER'));
    assert.deepEqual(
      joined.map((entry) => [entry.log, entry.author?.id]),
      [
        ['New Invite Link created (USER)', f.admin.id],
        [`User joined organisation by an invite link: ${person.email} (USER)`, person.id],
      ],
    );
    const role = await only(() =>
      api()
        .post(`/api/v1/organisations/${f.home.id}/users/${person.id}/update-role/`)
        .set(as(f.admin))
        .send({ role: 'ADMIN' })
        .then(expectStatus(200)),
    );
    assert.equal(role.log, `User role updated: ${person.email} is now ADMIN`);
    assert.equal(role.related_object_type, 'USER');
    assert.equal(role.related_object_id, person.id);
    const removed = await only(() =>
      api()
        .post(`/api/v1/organisations/${f.home.id}/remove-users/`)
        .set(as(f.admin))
        .send([{ id: person.id }])
        .then(expectStatus(200)),
    );
    assert.equal(removed.log, `User removed from organisation: ${person.email}`);
  });

  it('records email invites, their deletion, and joining by one', async () => {
    const invitee = await signUp(t, 'invitee');
    const created = await only(() =>
      api()
        .post(`/api/v1/organisations/${f.home.id}/invites/`)
        .set(as(f.admin))
        .send({ email: invitee.email })
        .then(expectStatus(201)),
    );
    assert.equal(created.log, `New Invite created: ${invitee.email} (USER)`);
    assert.equal(created.related_object_type, 'INVITE');
    const hash = (await t.ctx.database.knex('invites').where('id', created.related_object_id).first('hash'))
      .hash;
    const joined = await only(() =>
      api().post(`/api/v1/users/join/${hash}/`).set(as(invitee)).then(expectStatus(200)),
    );
    assert.equal(joined.log, `User joined organisation by an invite: ${invitee.email} (USER)`);

    const other = await only(() =>
      api()
        .post(`/api/v1/organisations/${f.home.id}/invites/`)
        .set(as(f.admin))
        .send({ email: 'withdrawn@example.com' })
        .then(expectStatus(201)),
    );
    const deleted = await only(() =>
      api()
        .delete(`/api/v1/organisations/${f.home.id}/invites/${other.related_object_id}/`)
        .set(as(f.admin))
        .then(expectStatus(204)),
    );
    assert.equal(deleted.log, 'Invite deleted: withdrawn@example.com');
  });

  it('records invite links being deleted', async () => {
    const created = await only(() =>
      api()
        .post(`/api/v1/organisations/${f.home.id}/invite-links/`)
        .set(as(f.admin))
        .send({ role: 'ADMIN' })
        .then(expectStatus(201)),
    );
    assert.equal(created.log, 'New Invite Link created (ADMIN)');
    const deleted = await only(() =>
      api()
        .delete(`/api/v1/organisations/${f.home.id}/invite-links/${created.related_object_id}/`)
        .set(as(f.admin))
        .then(expectStatus(204)),
    );
    assert.equal(deleted.log, 'Invite Link deleted');
    assert.equal(deleted.related_object_type, 'INVITE_LINK');
  });

  it('records group changes', async () => {
    const base = `/api/v1/organisations/${f.home.id}/groups`;
    const created = await only(() =>
      api().post(`${base}/`).set(as(f.admin)).send({ name: 'Auditors' }).then(expectStatus(201)),
    );
    assert.equal(created.log, 'New Group created: Auditors');
    const id = created.related_object_id as number;
    const logs = await entriesOf(async () => {
      await api().patch(`${base}/${id}/`).set(as(f.admin)).send({ name: 'Checkers' }).then(expectStatus(200));
      await api()
        .post(`${base}/${id}/add-users/`)
        .set(as(f.admin))
        .send({ user_ids: [f.user.id] })
        .then(expectStatus(200));
      await api()
        .post(`${base}/${id}/users/${f.user.id}/make-admin/`)
        .set(as(f.admin))
        .then(expectStatus(200));
      await api()
        .post(`${base}/${id}/users/${f.user.id}/remove-admin/`)
        .set(as(f.admin))
        .then(expectStatus(200));
      await api()
        .post(`${base}/${id}/remove-users/`)
        .set(as(f.admin))
        .send({ user_ids: [f.user.id] })
        .then(expectStatus(200));
      await api().delete(`${base}/${id}/`).set(as(f.admin)).then(expectStatus(204));
    });
    assert.deepEqual(
      logs.map((entry) => entry.log),
      [
        'Group updated: Checkers',
        `Users added to group Checkers: ${f.user.email}`,
        `Group admin added to Checkers: ${f.user.email}`,
        `Group admin removed from Checkers: ${f.user.email}`,
        `Users removed from group Checkers: ${f.user.email}`,
        'Group deleted: Checkers',
      ],
    );
    assert.ok(logs.every((entry) => entry.related_object_type === 'GROUP' && entry.related_object_id === id));
  });

  it('records master API keys, and changes made with one under the key rather than a person', async () => {
    const base = `/api/v1/organisations/${f.home.id}/master-api-keys`;
    let created: { prefix: string; key: string } = { prefix: '', key: '' };
    const entry = await only(async () => {
      created = (
        await api()
          .post(`${base}/`)
          .set(as(f.admin))
          .send({ name: 'ci', is_admin: true })
          .then(expectStatus(201))
      ).body;
    });
    assert.equal(entry.log, 'New Master API Key created: ci');
    assert.equal(entry.related_object_type, 'MASTER_API_KEY');
    const byKey = await only(() =>
      api()
        .post(`/api/v1/organisations/${f.home.id}/groups/`)
        .set('Authorization', `Api-Key ${created.key}`)
        .send({ name: 'made by a key' })
        .then(expectStatus(201)),
    );
    assert.equal(byKey.author, null);
    const stored = await t.ctx.database.knex('audit_logs').where('id', byKey.id).first();
    assert.equal(stored.master_api_key_id, entry.related_object_id);
    assert.equal(stored.author_id, null);
    const logs = await entriesOf(async () => {
      await api()
        .patch(`${base}/${created.prefix}/`)
        .set(as(f.admin))
        .send({ name: 'ci2' })
        .then(expectStatus(200));
      await api().delete(`${base}/${created.prefix}/`).set(as(f.admin)).then(expectStatus(204));
    });
    assert.deepEqual(
      logs.map((e) => e.log),
      ['Master API Key updated: ci2', 'Master API Key deleted: ci2'],
    );
  });

  it('records projects and project and organisation grants, in the project’s log where they belong', async () => {
    const created = await only(() =>
      api()
        .post('/api/v1/projects/')
        .set(as(f.admin))
        .send({ name: 'Audited', organisation: f.home.id })
        .then(expectStatus(201)),
    );
    assert.equal(created.log, 'New Project created: Audited');
    const projectId = created.related_object_id as number;
    assert.equal(created.project?.id, projectId);
    assert.equal(created.project?.name, 'Audited');
    const grant = await only(() =>
      api()
        .post(`/api/v1/projects/${projectId}/user-group-permissions/`)
        .set(as(f.admin))
        .send({ group: f.group.id, permissions: ['VIEW_PROJECT'], admin: false })
        .then(expectStatus(201)),
    );
    assert.equal(grant.log, 'Group project permissions created: home group (VIEW_PROJECT)');
    assert.equal(grant.related_object_type, 'GROUP_PERMISSION');
    assert.equal(grant.project?.id, projectId);
    const changed = await entriesOf(async () => {
      await api()
        .patch(`/api/v1/projects/${projectId}/user-group-permissions/${grant.related_object_id}/`)
        .set(as(f.admin))
        .send({ permissions: ['VIEW_PROJECT', 'CREATE_FEATURE'] })
        .then(expectStatus(200));
      await api()
        .delete(`/api/v1/projects/${projectId}/user-group-permissions/${grant.related_object_id}/`)
        .set(as(f.admin))
        .then(expectStatus(204));
      const orgGrant = await api()
        .post(`/api/v1/organisations/${f.home.id}/user-permissions/`)
        .set(as(f.admin))
        .send({ user: f.user.id, permissions: ['CREATE_PROJECT'] })
        .then(expectStatus(201));
      await api()
        .delete(`/api/v1/organisations/${f.home.id}/user-permissions/${orgGrant.body.id}/`)
        .set(as(f.admin))
        .then(expectStatus(204));
      await api()
        .patch(`/api/v1/projects/${projectId}/`)
        .set(as(f.admin))
        .send({ hide_disabled_flags: true })
        .then(expectStatus(200));
    });
    assert.deepEqual(
      changed.map((entry) => [entry.log, entry.project?.id ?? null]),
      [
        ['Group project permissions updated: home group (VIEW_PROJECT, CREATE_FEATURE)', projectId],
        ['Group project permissions removed: home group', projectId],
        [`User organisation permissions created: ${f.user.email} (CREATE_PROJECT)`, null],
        [`User organisation permissions removed: ${f.user.email}`, null],
        ['Project updated: Audited', projectId],
      ],
    );
    const filtered = await api().get(`/api/v1/audit/?project=${projectId}`).set(as(f.admin));
    assert.equal(filtered.body.count, 5);
    assert.ok((filtered.body.results as Entry[]).every((entry) => entry.project?.id === projectId));
    const deleted = await only(() =>
      api().delete(`/api/v1/projects/${projectId}/`).set(as(f.admin)).then(expectStatus(204)),
    );
    assert.equal(deleted.log, 'Project deleted: Audited');
    // The entry outlives its project, as Flagsmith's DO_NOTHING keeps it; the project no longer nests.
    assert.equal(deleted.project, null);
    assert.equal((await api().get(`/api/v1/audit/?project=${projectId}`).set(as(f.admin))).body.count, 6);
  });

  it('records nothing for a change that failed', async () => {
    const entries = await entriesOf(async () => {
      await api()
        .post(`/api/v1/organisations/${f.home.id}/invites/`)
        .set(as(f.admin))
        .send({ email: 'dup@example.com' })
        .then(expectStatus(201));
      await api()
        .post(`/api/v1/organisations/${f.home.id}/invites/`)
        .set(as(f.admin))
        .send({ email: 'dup@example.com' })
        .then(expectStatus(400));
      // Two invites in one request, the second refused: the first is rolled back with its entry.
      await api()
        .post(`/api/v1/organisations/${f.home.id}/invite/`)
        .set(as(f.admin))
        .send({ emails: ['fresh@example.com', 'dup@example.com'] })
        .then(expectStatus(400));
    });
    assert.deepEqual(
      entries.map((entry) => entry.log),
      ['New Invite created: dup@example.com (USER)'],
    );
  });

  it('shows each caller only what they may read: admins their organisations, members their projects with VIEW_AUDIT_LOG', async () => {
    const foreign = await api().get('/api/v1/audit/').set(as(f.foreigner));
    const foreignLogs = (foreign.body.results as Entry[]).map((entry) => entry.log);
    assert.ok(foreignLogs.includes(`New Organisation created: ${f.away.name}`));
    for (const marker of [f.home.name, f.admin.email, f.user.email])
      assert.ok(!foreign.text.includes(marker), `the foreigner saw ${marker}`);

    assert.equal((await api().get('/api/v1/audit/').set(as(f.user))).body.count, 0);
    assert.equal(
      (await api().get('/api/v1/audit/').set('Authorization', `Api-Key ${f.keys.user}`)).body.count,
      0,
    );
    const byKey = await api().get('/api/v1/audit/').set('Authorization', `Api-Key ${f.keys.admin}`);
    assert.ok(byKey.body.count > 0);
    assert.ok(!byKey.text.includes(f.away.name));

    const project = await api()
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'Watched', organisation: f.home.id });
    await api()
      .post(`/api/v1/projects/${project.body.id}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: f.user.id, permissions: ['VIEW_PROJECT', 'VIEW_AUDIT_LOG'] })
      .then(expectStatus(201));
    const seen = await api().get('/api/v1/audit/').set(as(f.user));
    assert.deepEqual(
      (seen.body.results as Entry[]).map((entry) => entry.log),
      [
        `User project permissions created: ${f.user.email} (VIEW_PROJECT, VIEW_AUDIT_LOG)`,
        'New Project created: Watched',
      ],
    );
    const one = await api()
      .get(`/api/v1/audit/${(seen.body.results as Entry[])[0]?.id}/`)
      .set(as(f.user));
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.change_details, []);
    const hidden = (foreign.body.results as Entry[])[0]?.id;
    assert.equal((await api().get(`/api/v1/audit/${hidden}/`).set(as(f.admin))).status, 404);
    assert.equal((await api().get('/api/v1/audit/').set('Authorization', '')).status, 401);
  });

  it('answers the organisation and project audit logs Flagsmith’s dashboard reads, for those allowed', async () => {
    const project = await api()
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name: 'Dashboard', organisation: f.home.id });
    const organisationLog = await api().get(`/api/v1/organisations/${f.home.id}/audit/`).set(as(f.admin));
    assert.equal(organisationLog.status, 200);
    assert.equal(organisationLog.body.results[0].log, 'New Project created: Dashboard');
    assert.ok(!organisationLog.text.includes(f.away.name));
    assert.equal((await api().get(`/api/v1/organisations/${f.home.id}/audit/`).set(as(f.user))).status, 403);
    assert.equal((await api().get(`/api/v1/organisations/${f.away.id}/audit/`).set(as(f.admin))).status, 404);

    const projectLog = await api().get(`/api/v1/projects/${project.body.id}/audit/`).set(as(f.admin));
    assert.deepEqual(
      (projectLog.body.results as Entry[]).map((entry) => entry.log),
      ['New Project created: Dashboard'],
    );
    assert.equal((await api().get(`/api/v1/projects/${project.body.id}/audit/`).set(as(f.user))).status, 404);
    await api()
      .post(`/api/v1/projects/${project.body.id}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: f.user.id, permissions: ['VIEW_PROJECT'] })
      .then(expectStatus(201));
    assert.equal((await api().get(`/api/v1/projects/${project.body.id}/audit/`).set(as(f.user))).status, 403);
  });

  it('pages and validates its filters as DRF does', async () => {
    const first = await api().get('/api/v1/audit/?page_size=2').set(as(f.admin));
    assert.equal(first.body.results.length, 2);
    assert.match(first.body.next, /page=2/);
    const next = new URL(first.body.next);
    const second = await api().get(`${next.pathname}${next.search}`).set(as(f.admin));
    assert.equal(second.status, 200);
    assert.ok(second.body.results[0].id < first.body.results[1].id);
    assert.deepEqual((await api().get('/api/v1/audit/?project=abc').set(as(f.admin))).body, {
      project: ['A valid integer is required.'],
    });
    assert.equal((await api().get('/api/v1/audit/?environments=x').set(as(f.admin))).status, 400);
    assert.equal((await api().get('/api/v1/audit/?page=0').set(as(f.admin))).status, 404);
    const searched = await api().get('/api/v1/audit/?search=master%20api').set(as(f.admin));
    assert.ok(searched.body.count > 0);
    assert.ok((searched.body.results as Entry[]).every((entry) => /master api/i.test(entry.log)));
    assert.equal((await api().get('/api/v1/audit/?search=100%25_none').set(as(f.admin))).body.count, 0);
    assert.equal((await api().get('/api/v1/audit/?environment=2000000').set(as(f.admin))).body.count, 0);
  });
  it('records each change to an environment and what lives in it, filterable by environment', async () => {
    const project = expectStatus(201)(
      await api()
        .post('/api/v1/projects/')
        .set(as(f.admin))
        .send({ name: 'Audited', organisation: f.home.id }),
    ).body as { id: number };
    let environment = { id: 0, api_key: '' };
    const created = await only(async () => {
      environment = expectStatus(201)(
        await api()
          .post('/api/v1/environments/')
          .set(as(f.admin))
          .send({ name: 'Staging', project: project.id }),
      ).body;
    });
    assert.equal(created.log, 'New Environment created: Staging');
    assert.equal(created.related_object_type, 'ENVIRONMENT');
    assert.equal(created.related_object_id, environment.id);
    assert.equal(created.author?.id, f.admin.id);
    const path = `/api/v1/environments/${environment.api_key}/`;
    const changes: [string, number, () => Promise<request.Response>][] = [
      [
        'Environment updated: Staging 2',
        200,
        async () => api().patch(path).set(as(f.admin)).send({ name: 'Staging 2' }),
      ],
      [
        'New Environment created: Copy (cloned from Staging 2)',
        200,
        async () => api().post(`${path}clone/`).set(as(f.admin)).send({ name: 'Copy' }),
      ],
      [
        'New server-side key created: ci',
        201,
        async () => api().post(`${path}api-keys/`).set(as(f.admin)).send({ name: 'ci' }),
      ],
      [
        'New Identity created: user-42',
        201,
        async () => api().post(`${path}identities/`).set(as(f.admin)).send({ identifier: 'user-42' }),
      ],
    ];
    for (const [log, status, change] of changes) {
      const entry = await only(async () => expectStatus(status)(await change()));
      assert.equal(entry.log, log);
    }
    const keys = await api().get(`${path}api-keys/`).set(as(f.admin));
    const keyId = (keys.body as { id: number }[])[0]?.id;
    const revoked = await only(async () =>
      expectStatus(200)(
        await api().patch(`${path}api-keys/${keyId}/`).set(as(f.admin)).send({ active: false }),
      ),
    );
    assert.equal(revoked.log, 'Server-side key revoked: ci');
    const filtered = await api().get(`/api/v1/audit/?environment=${environment.id}`).set(as(f.admin));
    assert.deepEqual((filtered.body.results as Entry[]).map((entry) => entry.log).reverse(), [
      'New Environment created: Staging',
      'Environment updated: Staging 2',
      'New server-side key created: ci',
      'New Identity created: user-42',
      'Server-side key revoked: ci',
    ]);
    const deleted = await only(async () => expectStatus(204)(await api().delete(path).set(as(f.admin))));
    assert.equal(deleted.log, 'Environment deleted: Staging 2');
  });
});
