import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import {
  as,
  createTenancy,
  joinAs,
  type Person,
  type Tenancy,
} from '../organisations/tenancy-test-fixture.js';

describe('feature owners and group owners', () => {
  let t: TestApp;
  let f: Tenancy;
  let projectId: number;
  let viewer: Person;
  let group: { id: number; name: string };
  let sequence = 0;
  const api = () => request(t.app);
  const features = () => `/api/v1/projects/${projectId}/features/`;
  const createFeature = async (body: object = {}, person: Person = f.admin) => {
    const response = await api()
      .post(features())
      .set(as(person))
      .send({ name: `owned_${sequence++}`, ...body });
    assert.equal(response.status, 201, response.text);
    return response.body as {
      id: number;
      owners: { id: number; email: string }[];
      group_owners: { id: number; name: string }[];
    };
  };

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    projectId = (
      await api().post('/api/v1/projects/').set(as(f.admin)).send({ name: 'Owned', organisation: f.home.id })
    ).body.id;
    viewer = await f.person('viewer');
    await joinAs(t, f.admin, f.home.id, viewer, 'USER');
    await api()
      .post(`/api/v1/projects/${projectId}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: viewer.id, permissions: ['VIEW_PROJECT'] })
      .expect(201);
    group = (
      await api().post(`/api/v1/organisations/${f.home.id}/groups/`).set(as(f.admin)).send({ name: 'Owners' })
    ).body;
  });
  after(() => t.close());

  it('makes the creating person the owner unless owners are named; a master API key owns nothing', async () => {
    const mine = await createFeature();
    assert.deepEqual(
      mine.owners.map((owner) => owner.id),
      [f.admin.id],
    );
    assert.deepEqual(Object.keys(mine.owners[0] ?? {}), [
      'id',
      'email',
      'first_name',
      'last_name',
      'last_login',
      'uuid',
    ]);
    const named = await createFeature({ owners: [viewer.id], group_owners: [group.id] });
    assert.deepEqual(
      named.owners.map((owner) => owner.id),
      [viewer.id],
    );
    assert.deepEqual(named.group_owners, [{ id: group.id, name: 'Owners' }]);
    const byKey = await api()
      .post(features())
      .set('Authorization', `Api-Key ${f.keys.admin}`)
      .send({ name: `keyed_${sequence++}` });
    assert.equal(byKey.status, 201, byKey.text);
    assert.deepEqual(byKey.body.owners, []);
  });

  it('adds and removes owners and group owners, and filters the list by them', async () => {
    const feature = await createFeature();
    const path = (action: string) => `${features()}${feature.id}/${action}/`;
    const added = await api()
      .post(path('add-owners'))
      .set(as(f.admin))
      .send({ user_ids: [viewer.id] });
    assert.equal(added.status, 200, added.text);
    assert.deepEqual(Object.keys(added.body), [
      'id',
      'name',
      'created_date',
      'description',
      'initial_value',
      'default_enabled',
      'type',
      'owners',
      'group_owners',
      'is_server_key_only',
    ]);
    assert.deepEqual(
      (added.body.owners as { id: number }[]).map((owner) => owner.id),
      [f.admin.id, viewer.id],
    );
    const grouped = await api()
      .post(path('add-group-owners'))
      .set(as(f.admin))
      .send({ group_ids: [group.id] });
    assert.equal(grouped.status, 200, grouped.text);
    assert.deepEqual(grouped.body.group_owners, [{ id: group.id, name: 'Owners' }]);

    const byOwner = await api().get(`${features()}?owners=${viewer.id}`).set(as(f.admin));
    const owned = byOwner.body.results as { id: number; owners: { id: number }[] }[];
    assert.ok(owned.some((row) => row.id === feature.id));
    assert.ok(owned.every((row) => row.owners.some((owner) => owner.id === viewer.id)));
    const all = await api().get(features()).set(as(f.admin));
    assert.ok(all.body.count > owned.length, 'the filter leaves out features the viewer does not own');
    const byGroup = await api().get(`${features()}?group_owners=${group.id}`).set(as(f.admin));
    assert.ok((byGroup.body.results as { id: number }[]).some((row) => row.id === feature.id));
    const badFilter = await api().get(`${features()}?owners=me`).set(as(f.admin));
    assert.equal(badFilter.status, 400, badFilter.text);
    assert.deepEqual(badFilter.body, { owners: ['Owner IDs must be integers.'] });

    const removed = await api()
      .post(path('remove-owners'))
      .set(as(f.admin))
      .send({ user_ids: [f.admin.id, viewer.id] });
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.body.owners, []);
    const ungrouped = await api()
      .post(path('remove-group-owners'))
      .set(as(f.admin))
      .send({ group_ids: [group.id] });
    assert.deepEqual(ungrouped.body.group_owners, []);
  });

  it('keeps one owner under enforce_feature_owners', async () => {
    const feature = await createFeature();
    await api()
      .patch(`/api/v1/projects/${projectId}/`)
      .set(as(f.admin))
      .send({ enforce_feature_owners: true })
      .expect(200);
    try {
      const refused = await api()
        .post(`${features()}${feature.id}/remove-owners/`)
        .set(as(f.admin))
        .send({ user_ids: [f.admin.id] });
      assert.equal(refused.status, 400, refused.text);
      assert.deepEqual(refused.body, {
        non_field_errors: ['This project requires at least one owner or group owner per feature.'],
      });
      const listed = await api().get(`${features()}${feature.id}/`).set(as(f.admin));
      assert.deepEqual(
        (listed.body.owners as { id: number }[]).map((owner) => owner.id),
        [f.admin.id],
      );
    } finally {
      await api()
        .patch(`/api/v1/projects/${projectId}/`)
        .set(as(f.admin))
        .send({ enforce_feature_owners: false });
    }
  });

  it('refuses owners who cannot see the project and groups of other organisations (400 naming the field)', async () => {
    const outsider = await f.person('outsider');
    await joinAs(t, f.admin, f.home.id, outsider, 'USER');
    const foreignGroup = (
      await api()
        .post(`/api/v1/organisations/${f.away.id}/groups/`)
        .set(as(f.foreigner))
        .send({ name: 'Away' })
    ).body as { id: number };
    const cases: [object, string][] = [
      [{ owners: [outsider.id] }, 'owners'],
      [{ owners: [f.foreigner.id] }, 'owners'],
      [{ owners: ['x'] }, 'owners'],
      [{ group_owners: [foreignGroup.id] }, 'group_owners'],
    ];
    for (const [body, field] of cases) {
      const response = await api()
        .post(features())
        .set(as(f.admin))
        .send({ name: `refused_${sequence++}`, ...body });
      assert.equal(response.status, 400, `${JSON.stringify(body)}: ${response.text}`);
      assert.equal(Object.keys(response.body).length, 1, response.text);
      assert.ok(Object.keys(response.body)[0]?.startsWith(field), response.text);
    }
    const feature = await createFeature();
    const addOutsider = await api()
      .post(`${features()}${feature.id}/add-owners/`)
      .set(as(f.admin))
      .send({ user_ids: [outsider.id] });
    assert.equal(addOutsider.status, 400, addOutsider.text);
    const addForeignGroup = await api()
      .post(`${features()}${feature.id}/add-group-owners/`)
      .set(as(f.admin))
      .send({ group_ids: [foreignGroup.id] });
    assert.equal(addForeignGroup.status, 400, addForeignGroup.text);
    const noIds = await api().post(`${features()}${feature.id}/add-owners/`).set(as(f.admin)).send({});
    assert.equal(noIds.status, 400, noIds.text);
    assert.deepEqual(Object.keys(noIds.body), ['user_ids']);
  });

  it("answers another tenant's feature as not found, and asks CREATE_FEATURE", async () => {
    const feature = await createFeature();
    const foreign = await api()
      .post(`${features()}${feature.id}/add-owners/`)
      .set(as(f.foreigner))
      .send({ user_ids: [f.foreigner.id] });
    assert.equal(foreign.status, 404, foreign.text);
    const byViewer = await api()
      .post(`${features()}${feature.id}/add-owners/`)
      .set(as(viewer))
      .send({ user_ids: [viewer.id] });
    assert.equal(byViewer.status, 403, byViewer.text);
  });
});
