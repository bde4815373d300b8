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

/**
 * A file as Flagsmith's dashboard downloads it (DRF's compact JSON of the export task's payload): Python
 * floats for the allocations, a non-ASCII value kept as it is.
 */
const flagsmithExport =
  '[{"name":"banner","default_enabled":true,"is_server_key_only":false,"initial_value":"hello","value":"grüße","type":"unicode","enabled":true,"multivariate":[]},' +
  '{"name":"max_items","default_enabled":false,"is_server_key_only":true,"initial_value":"10","value":25,"type":"int","enabled":true,"multivariate":[]},' +
  '{"name":"dark_mode","default_enabled":false,"is_server_key_only":false,"initial_value":null,"value":true,"type":"bool","enabled":false,"multivariate":[]},' +
  '{"name":"empty","default_enabled":false,"is_server_key_only":false,"initial_value":null,"value":null,"type":"unicode","enabled":false,"multivariate":[]},' +
  '{"name":"colour","default_enabled":true,"is_server_key_only":false,"initial_value":"red","value":"red","type":"unicode","enabled":true,"multivariate":[' +
  '{"percentage_allocation":30.0,"default_percentage_allocation":20.0,"value":"green","type":"unicode"},' +
  '{"percentage_allocation":10.5,"default_percentage_allocation":5.0,"value":7,"type":"int"}]}]';

describe('feature import and export', () => {
  let t: TestApp;
  let f: Tenancy;
  let sequence = 0;
  const api = () => request(t.app);
  const created = async (path: string, body: object, person: Person = f.admin) => {
    const response = await api().post(path).set(as(person)).send(body);
    assert.equal(response.status, 201, `${path}: ${response.text}`);
    return response.body;
  };
  const createProject = () =>
    created('/api/v1/projects/', { name: `Transfers ${sequence++}`, organisation: f.home.id }) as Promise<{
      id: number;
    }>;
  const createEnvironment = (projectId: number) =>
    created('/api/v1/environments/', { name: `Env ${sequence++}`, project: projectId }) as Promise<{
      id: number;
      api_key: string;
      name: string;
    }>;
  const upload = (
    environmentId: number,
    text: string,
    strategy = 'OVERWRITE_DESTRUCTIVE',
    person = f.admin,
  ) =>
    api()
      .post(`/api/v1/features/feature-import/${environmentId}`)
      .set(as(person))
      .field('strategy', strategy)
      .attach('file', Buffer.from(text, 'utf8'), 'feature_export.json');
  const exportOf = async (environmentId: number, tagIds: number[] = []) => {
    const made = await created('/api/v1/features/create-feature-export/', {
      environment_id: environmentId,
      tag_ids: tagIds,
    });
    const download = await api().get(`/api/v1/features/download-feature-export/${made.id}/`).set(as(f.admin));
    assert.equal(download.status, 200, download.text);
    return { made, download };
  };
  const stateOf = async (apiKey: string, featureId: number) =>
    (await api().get(`/api/v1/environments/${apiKey}/featurestates/?feature=${featureId}`).set(as(f.admin)))
      .body.results[0];
  const featuresOf = async (projectId: number) =>
    (await api().get(`/api/v1/projects/${projectId}/features/`).set(as(f.admin))).body.results as {
      id: number;
      name: string;
      type: string;
      initial_value: string | null;
      default_enabled: boolean;
      is_server_key_only: boolean;
    }[];

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
  });
  after(() => t.close());

  it('imports a Flagsmith export file, then exports it again byte for byte', async () => {
    const project = await createProject();
    const environment = await createEnvironment(project.id);
    const other = await createEnvironment(project.id);
    const imported = await upload(environment.id, flagsmithExport);
    assert.equal(imported.status, 201, imported.text);
    assert.deepEqual(Object.keys(imported.body), [
      'id',
      'environment_id',
      'strategy',
      'status',
      'created_at',
    ]);
    assert.equal(imported.body.status, 'SUCCESS');
    assert.equal(imported.body.strategy, 'OVERWRITE_DESTRUCTIVE');
    assert.equal(imported.body.environment_id, environment.id);

    const features = await featuresOf(project.id);
    assert.deepEqual(features.map((feature) => feature.name).sort(), [
      'banner',
      'colour',
      'dark_mode',
      'empty',
      'max_items',
    ]);
    const byName = new Map(features.map((feature) => [feature.name, feature]));
    assert.equal(byName.get('colour')?.type, 'MULTIVARIATE');
    assert.equal(byName.get('max_items')?.is_server_key_only, true);
    assert.equal(byName.get('banner')?.initial_value, 'hello');
    // The file's values are this environment's; another environment keeps the feature's defaults.
    assert.equal(
      (await stateOf(environment.api_key, byName.get('banner')?.id as number)).feature_state_value,
      'grüße',
    );
    assert.equal(
      (await stateOf(other.api_key, byName.get('banner')?.id as number)).feature_state_value,
      'hello',
    );
    assert.equal(
      (await stateOf(environment.api_key, byName.get('max_items')?.id as number)).feature_state_value,
      25,
    );

    const { made, download } = await exportOf(environment.id);
    assert.deepEqual(Object.keys(made), ['id', 'name', 'environment_id', 'status', 'created_at']);
    assert.equal(made.status, 'SUCCESS');
    assert.match(made.name, new RegExp(`^${environment.name} \\| \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`));
    assert.equal(
      download.headers['content-disposition'],
      `attachment; filename=feature_export.${made.id}.json`,
    );
    assert.match(String(download.headers['content-type']), /^application\/json/);
    assert.equal(download.text, flagsmithExport);
    assert.deepEqual(JSON.parse(download.text), JSON.parse(flagsmithExport));

    // The export loads into another installation's project the same way, and exports the same again.
    const copyProject = await createProject();
    const copy = await createEnvironment(copyProject.id);
    assert.equal((await upload(copy.id, download.text)).body.status, 'SUCCESS');
    assert.equal((await exportOf(copy.id)).download.text, flagsmithExport);

    const exports = await api().get(`/api/v1/projects/${project.id}/feature-exports/`).set(as(f.admin));
    assert.equal(exports.status, 200, exports.text);
    assert.deepEqual(exports.body.results[0], made);
    const imports = await api().get(`/api/v1/projects/${project.id}/feature-imports/`).set(as(f.admin));
    assert.equal(imports.status, 200, imports.text);
    assert.deepEqual(imports.body.results[0], imported.body);
  });

  it('skips existing features with SKIP and overwrites them, overrides dropped, with OVERWRITE_DESTRUCTIVE', async () => {
    const project = await createProject();
    const environment = await createEnvironment(project.id);
    const other = await createEnvironment(project.id);
    const banner = await created(`/api/v1/projects/${project.id}/features/`, {
      name: 'banner',
      initial_value: 'mine',
    });
    const segment = await created(`/api/v1/projects/${project.id}/segments/`, {
      name: 'beta',
      rules: [{ type: 'ALL', conditions: [{ operator: 'EQUAL', property: 'beta', value: 'true' }] }],
    });
    for (const target of [environment, other])
      await created(`/api/v1/environments/${target.api_key}/features/${banner.id}/create-segment-override/`, {
        feature_state_value: 'beta value',
        feature_segment: { segment: segment.id },
      });
    const revision = async () =>
      (
        (await t.ctx.database.knex('environments').where('id', environment.id).first('revision')) as {
          revision: number;
        }
      ).revision;

    const skipped = await upload(environment.id, flagsmithExport, 'SKIP');
    assert.equal(skipped.body.status, 'SUCCESS', skipped.text);
    assert.equal((await stateOf(environment.api_key, banner.id)).feature_state_value, 'mine');
    assert.equal((await featuresOf(project.id)).length, 5, 'the missing features are created');

    const before = await revision();
    const overwritten = await upload(environment.id, flagsmithExport, 'OVERWRITE_DESTRUCTIVE');
    assert.equal(overwritten.body.status, 'SUCCESS', overwritten.text);
    assert.ok((await revision()) > before);
    const state = await stateOf(environment.api_key, banner.id);
    assert.equal(state.feature_state_value, 'grüße');
    assert.equal(state.enabled, true);
    const overrides = (environmentId: number) =>
      api()
        .get(`/api/v1/features/feature-segments/?environment=${environmentId}&feature=${banner.id}`)
        .set(as(f.admin));
    assert.equal((await overrides(environment.id)).body.count, 0, 'overrides in the target environment go');
    assert.equal((await overrides(other.id)).body.count, 1, 'other environments keep theirs');
    const audit = await t.ctx.database
      .knex('audit_logs')
      .where({ environment_id: environment.id, related_object_type: 'FEATURE_STATE' })
      .where('log', 'Flag state / Remote Config value updated for feature: banner');
    assert.ok(audit.length > 0);
  });

  it('exports only the features with the given tags, and never archived ones', async () => {
    const project = await createProject();
    const environment = await createEnvironment(project.id);
    const tag = await created(`/api/v1/projects/${project.id}/tags/`, { label: 'exported' });
    await created(`/api/v1/projects/${project.id}/features/`, { name: 'tagged', tags: [tag.id] });
    await created(`/api/v1/projects/${project.id}/features/`, { name: 'untagged' });
    await created(`/api/v1/projects/${project.id}/features/`, { name: 'archived', is_archived: true });
    const all = JSON.parse((await exportOf(environment.id)).download.text) as { name: string }[];
    assert.deepEqual(
      all.map((feature) => feature.name),
      ['tagged', 'untagged'],
    );
    const tagged = JSON.parse((await exportOf(environment.id, [tag.id])).download.text) as { name: string }[];
    assert.deepEqual(
      tagged.map((feature) => feature.name),
      ['tagged'],
    );
  });

  it('records a file it cannot apply as FAILED and changes nothing', async () => {
    const project = await createProject();
    const environment = await createEnvironment(project.id);
    const overAllocated = JSON.stringify([
      {
        name: 'split',
        default_enabled: false,
        is_server_key_only: false,
        initial_value: null,
        value: null,
        type: 'unicode',
        enabled: true,
        multivariate: [
          { percentage_allocation: 60, default_percentage_allocation: 0, value: 'a', type: 'unicode' },
          { percentage_allocation: 60, default_percentage_allocation: 0, value: 'b', type: 'unicode' },
        ],
      },
    ]);
    const response = await upload(environment.id, overAllocated);
    assert.equal(response.status, 201, response.text);
    assert.equal(response.body.status, 'FAILED');
    assert.deepEqual(await featuresOf(project.id), []);
    const imports = await api().get(`/api/v1/projects/${project.id}/feature-imports/`).set(as(f.admin));
    assert.equal(imports.body.results[0].status, 'FAILED');
  });

  it('refuses bad input with 400 naming the field', async () => {
    const project = await createProject();
    const environment = await createEnvironment(project.id);
    const noFile = await api()
      .post(`/api/v1/features/feature-import/${environment.id}`)
      .set(as(f.admin))
      .field('strategy', 'SKIP');
    assert.equal(noFile.status, 400, noFile.text);
    assert.deepEqual(noFile.body, { file: ['No file was submitted.'] });
    const badStrategy = await upload(environment.id, flagsmithExport, 'MERGE');
    assert.equal(badStrategy.status, 400, badStrategy.text);
    assert.deepEqual(badStrategy.body, { strategy: ['"MERGE" is not a valid choice.'] });
    for (const text of ['not json', '{"name": "x"}', '[{"name": "x"}]']) {
      const response = await upload(environment.id, text);
      assert.equal(response.status, 400, `${text}: ${response.text}`);
      assert.deepEqual(Object.keys(response.body), ['file']);
    }
    const noTags = await api()
      .post('/api/v1/features/create-feature-export/')
      .set(as(f.admin))
      .send({ environment_id: environment.id });
    assert.equal(noTags.status, 400, noTags.text);
    assert.deepEqual(Object.keys(noTags.body), ['tag_ids']);
    const noEnvironment = await api()
      .post('/api/v1/features/create-feature-export/')
      .set(as(f.admin))
      .send({ tag_ids: [] });
    assert.equal(noEnvironment.status, 400, noEnvironment.text);
    assert.ok(noEnvironment.body.environment_id, noEnvironment.text);
    const [failed] = (await t.ctx.database
      .knex('feature_exports')
      .insert({ environment_id: environment.id, status: 'FAILED' })
      .returning('id')) as { id: number }[];
    const notReady = await api()
      .get(`/api/v1/features/download-feature-export/${failed?.id}/`)
      .set(as(f.admin));
    assert.equal(notReady.status, 400, notReady.text);
    assert.deepEqual(notReady.body, { detail: "Unable to download export with status 'FAILED'." });
  });

  it("answers another tenant's environments and exports as ones that do not exist, and asks for admins", async () => {
    const project = await createProject();
    const environment = await createEnvironment(project.id);
    const { made } = await exportOf(environment.id);
    const foreignDownload = await api()
      .get(`/api/v1/features/download-feature-export/${made.id}/`)
      .set(as(f.foreigner));
    assert.equal(foreignDownload.status, 404, foreignDownload.text);
    const foreignExport = await api()
      .post('/api/v1/features/create-feature-export/')
      .set(as(f.foreigner))
      .send({ environment_id: environment.id, tag_ids: [] });
    assert.equal(foreignExport.status, 404, foreignExport.text);
    const foreignImport = await upload(environment.id, flagsmithExport, 'SKIP', f.foreigner);
    assert.equal(foreignImport.status, 404, foreignImport.text);
    const foreignList = await api()
      .get(`/api/v1/projects/${project.id}/feature-exports/`)
      .set(as(f.foreigner));
    assert.equal(foreignList.status, 404, foreignList.text);
    assert.deepEqual(await featuresOf(project.id), [], 'nothing was imported by the foreigner');

    // A member holding everything on the environment but not its admin: no export, no import, empty lists.
    const member = await f.person('member');
    await joinAs(t, f.admin, f.home.id, member, 'USER');
    await api()
      .post(`/api/v1/projects/${project.id}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: member.id, permissions: ['VIEW_PROJECT'] })
      .expect(201);
    await api()
      .post(`/api/v1/environments/${environment.api_key}/user-permissions/`)
      .set(as(f.admin))
      .send({ user: member.id, permissions: ['VIEW_ENVIRONMENT', 'UPDATE_FEATURE_STATE'] })
      .expect(201);
    const memberExport = await api()
      .post('/api/v1/features/create-feature-export/')
      .set(as(member))
      .send({ environment_id: environment.id, tag_ids: [] });
    assert.equal(memberExport.status, 403, memberExport.text);
    assert.equal((await upload(environment.id, flagsmithExport, 'SKIP', member)).status, 403);
    const memberList = await api().get(`/api/v1/projects/${project.id}/feature-exports/`).set(as(member));
    assert.equal(memberList.status, 200, memberList.text);
    assert.equal(memberList.body.count, 0);
  });
});
