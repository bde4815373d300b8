import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { getEvaluationResult, mapEnvironmentDocumentToContext } from '../evaluation/index.js';
import { as, createTenancy, joinAs, signUp, type Tenancy } from '../organisations/tenancy-test-fixture.js';
import { SegmentStore } from './segment-store.js';

type Body = Record<string, unknown>;

const condition = (operator: string, property: string | null, value: unknown, description?: string) => ({
  operator,
  property,
  value,
  ...(description === undefined ? {} : { description }),
});

const beta = {
  name: 'beta testers',
  description: 'people who asked',
  rules: [
    {
      type: 'ALL',
      conditions: [],
      rules: [
        {
          type: 'ANY',
          conditions: [
            condition('EQUAL', 'plan', 'enterprise', 'paying'),
            condition('REGEX', 'email', '.*@example\\.com$'),
            condition('GREATER_THAN_INCLUSIVE', 'version', '1.2.3:semver'),
          ],
        },
        { type: 'NONE', conditions: [condition('IS_SET', 'banned', null)] },
      ],
    },
    { type: 'ANY', conditions: [condition('PERCENTAGE_SPLIT', '', '25.5'), condition('MODULO', 'n', '3|1')] },
  ],
};

/** The rules as written, without ids: what a client reads back must be what it sent, in order. */
function shapeOf(rules: Body[]): unknown {
  return rules.map((rule) => ({
    type: rule.type,
    conditions: (rule.conditions as Body[]).map((c) => ({
      operator: c.operator,
      property: c.property,
      value: c.value,
      description: c.description ?? null,
    })),
    ...(rule.rules === undefined ? {} : { rules: shapeOf(rule.rules as Body[]) }),
  }));
}

describe('segments', () => {
  let t: TestApp;
  let f: Tenancy;
  let projectId: number;
  const segmentsPath = (id = projectId) => `/api/v1/projects/${id}/segments/`;
  const createProject = async (name: string) => {
    const response = await request(t.app)
      .post('/api/v1/projects/')
      .set(as(f.admin))
      .send({ name, organisation: f.home.id });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.id as number;
  };
  const create = async (body: Body, project = projectId) => {
    const response = await request(t.app).post(segmentsPath(project)).set(as(f.admin)).send(body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body as Body & { id: number; rules: Body[] };
  };

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    projectId = await createProject('Segments');
  });
  after(() => t.close());

  it('creates a segment with nested rules and reads it back in order, with Flagsmith’s fields', async () => {
    const created = await create(beta);
    const expectedRules = [beta.rules[0], { ...beta.rules[1], rules: [] }];
    assert.deepEqual(shapeOf(created.rules), shapeOf(expectedRules as Body[]));
    assert.equal(created.name, 'beta testers');
    assert.equal(created.description, 'people who asked');
    assert.equal(created.project, projectId);
    assert.equal(created.feature, null);
    assert.equal(created.version_of, created.id);
    assert.match(String(created.uuid), /^[0-9a-f-]{36}$/);
    const nested = ((created.rules[0] as Body).rules as Body[])[0] as Body;
    assert.ok(!('rules' in nested), 'a nested rule has no rules field, as in Flagsmith');
    assert.equal(typeof nested.id, 'number');

    const read = await request(t.app).get(`${segmentsPath()}${created.id}/`).set(as(f.admin));
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created);
  });

  it('lists segments paginated, searched by ?q= and without feature-specific ones on request', async () => {
    const project = await createProject('Listing');
    const rules = [{ type: 'ALL', conditions: [condition('EQUAL', 'a', 'b')] }];
    const first = await create({ name: 'Alpha users', rules }, project);
    const second = await create({ name: 'beta 100%_ folks', rules }, project);
    const specific = await create({ name: 'ALPHA for one feature', feature: 4242, rules }, project);
    assert.equal(specific.feature, 4242);

    const all = await request(t.app).get(segmentsPath(project)).set(as(f.admin));
    assert.equal(all.status, 200);
    assert.equal(all.body.count, 3);
    assert.deepEqual(
      all.body.results.map((s: Body) => s.id),
      [first.id, second.id, specific.id],
    );
    const searched = await request(t.app)
      .get(`${segmentsPath(project)}?q=alpha`)
      .set(as(f.admin));
    assert.deepEqual(
      searched.body.results.map((s: Body) => s.id),
      [first.id, specific.id],
    );
    const literal = await request(t.app)
      .get(`${segmentsPath(project)}?q=0%25_`)
      .set(as(f.admin));
    assert.deepEqual(
      literal.body.results.map((s: Body) => s.id),
      [second.id],
      'LIKE wildcards in ?q= are literal',
    );
    const general = await request(t.app)
      .get(`${segmentsPath(project)}?include_feature_specific=false`)
      .set(as(f.admin));
    assert.deepEqual(
      general.body.results.map((s: Body) => s.id),
      [first.id, second.id],
    );
    const paged = await request(t.app)
      .get(`${segmentsPath(project)}?page_size=2`)
      .set(as(f.admin));
    assert.equal(paged.body.count, 3);
    assert.equal(paged.body.results.length, 2);
    assert.match(paged.body.next, /page=2/);
    const odd = await request(t.app)
      .get(`${segmentsPath(project)}?include_feature_specific=maybe`)
      .set(as(f.admin));
    assert.equal(odd.status, 400);
    assert.ok(odd.body.include_feature_specific);
  });

  it('replaces the rules on PUT, keeps them on a PATCH without rules, and deletes', async () => {
    const changes: Body[] = [];
    const stop = t.ctx.events.on('segment.changed', (payload) => void changes.push(payload));
    try {
      const created = await create(beta);
      const replaced = await request(t.app)
        .put(`${segmentsPath()}${created.id}/`)
        .set(as(f.admin))
        .send({
          name: 'renamed',
          rules: [
            { id: created.rules[0]?.id, type: 'ANY', conditions: [condition('IN', 'id', 'a,b,c')] },
            { type: 'ALL', delete: true, conditions: [] },
          ],
        });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.deepEqual(shapeOf(replaced.body.rules), [
        {
          type: 'ANY',
          conditions: [condition('IN', 'id', 'a,b,c', undefined)].map((c) => ({ ...c, description: null })),
          rules: [],
        },
      ]);
      assert.equal(replaced.body.name, 'renamed');
      assert.equal(replaced.body.description, 'people who asked');

      const patched = await request(t.app)
        .patch(`${segmentsPath()}${created.id}/`)
        .set(as(f.admin))
        .send({ description: null });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.description, null);
      assert.deepEqual(patched.body.rules, replaced.body.rules);

      const deleted = await request(t.app).delete(`${segmentsPath()}${created.id}/`).set(as(f.admin));
      assert.equal(deleted.status, 204);
      const gone = await request(t.app).get(`${segmentsPath()}${created.id}/`).set(as(f.admin));
      assert.equal(gone.status, 404);
      const again = await request(t.app).delete(`${segmentsPath()}${created.id}/`).set(as(f.admin));
      assert.equal(again.status, 404);

      const logs = await t.ctx.database
        .knex('audit_logs')
        .where({ related_object_type: 'SEGMENT', related_object_id: created.id })
        .orderBy('id')
        .select('log', 'project_id', 'organisation_id', 'author_id');
      assert.deepEqual(
        logs.map((row) => row.log),
        [
          'New Segment created: beta testers',
          'Segment updated: renamed',
          'Segment updated: renamed',
          'Segment deleted: renamed',
        ],
      );
      assert.ok(logs.every((row) => row.project_id === projectId && row.author_id === f.admin.id));
      await t.ctx.events.drain(1000);
      assert.deepEqual(
        changes.filter((change) => change.segmentId === created.id),
        Array.from({ length: 4 }, () => ({ projectId, segmentId: created.id })),
      );
    } finally {
      stop();
    }
  });

  it('lets MANAGE_SEGMENTS change segments and VIEW_PROJECT only read them', async () => {
    const viewer = await signUp(t, 'segment-viewer');
    await joinAs(t, f.admin, f.home.id, viewer, 'USER');
    const grant = async (permissions: string[]) =>
      request(t.app)
        .post(`/api/v1/projects/${projectId}/user-permissions/`)
        .set(as(f.admin))
        .send({ user: viewer.id, permissions })
        .expect(201);
    const post = () =>
      request(t.app)
        .post(segmentsPath())
        .set(as(viewer))
        .send({ name: 'mine', rules: [{ type: 'ALL', conditions: [] }] });
    assert.equal((await post()).status, 404, 'a project one may not view is not found');
    const granted = await grant(['VIEW_PROJECT']);
    assert.equal((await request(t.app).get(segmentsPath()).set(as(viewer))).status, 200);
    assert.equal((await post()).status, 403);
    await request(t.app)
      .patch(`/api/v1/projects/${projectId}/user-permissions/${granted.body.id}/`)
      .set(as(f.admin))
      .send({ permissions: ['VIEW_PROJECT', 'MANAGE_SEGMENTS'] })
      .expect(200);
    assert.equal((await post()).status, 201);
  });

  it('stores an IN list of 10,000 values and reads it back unchanged', async () => {
    const ids = Array.from({ length: 10_000 }, (_, index) => `user-${index.toString(36)}-${index}`).join(',');
    const created = await create({
      name: 'big list',
      rules: [{ type: 'ALL', conditions: [condition('IN', 'id', ids)] }],
    });
    const read = await request(t.app).get(`${segmentsPath()}${created.id}/`).set(as(f.admin));
    const stored = ((read.body.rules[0] as Body).conditions as Body[])[0] as Body;
    assert.ok(ids.length > 100_000);
    assert.equal(stored.value, ids);
  });

  describe('write-time validation: a 400 naming the field', () => {
    const ruleWith = (...conditions: Body[]) => ({ name: 'bad', rules: [{ type: 'ALL', conditions }] });
    const nestedWith = (...conditions: Body[]) => ({
      name: 'bad',
      rules: [{ type: 'ALL', conditions: [], rules: [{ type: 'ANY', conditions }] }],
    });
    const ok = condition('EQUAL', 'a', 'b');
    const cases: [string, Body, string][] = [
      ['an unknown operator', ruleWith(ok, condition('SIMILAR', 'a', 'b')), 'rules.0.conditions.1.operator'],
      ['an unknown rule type', { name: 'bad', rules: [{ type: 'SOME', conditions: [] }] }, 'rules.0.type'],
      [
        'a regex Python cannot compile',
        ruleWith(ok, condition('REGEX', 'email', '(unclosed')),
        'rules.0.conditions.1.value',
      ],
      [
        'a regex in a nested rule',
        nestedWith(condition('REGEX', 'email', '[z-a]')),
        'rules.0.rules.0.conditions.0.value',
      ],
      ['MODULO without a remainder', ruleWith(condition('MODULO', 'n', '3')), 'rules.0.conditions.0.value'],
      ['MODULO with words', ruleWith(condition('MODULO', 'n', 'three|one')), 'rules.0.conditions.0.value'],
      ['MODULO by zero', ruleWith(condition('MODULO', 'n', '0|1')), 'rules.0.conditions.0.value'],
      [
        'a PERCENTAGE_SPLIT over 100',
        ruleWith(condition('PERCENTAGE_SPLIT', null, '100.5')),
        'rules.0.conditions.0.value',
      ],
      [
        'a negative PERCENTAGE_SPLIT',
        ruleWith(condition('PERCENTAGE_SPLIT', null, -1)),
        'rules.0.conditions.0.value',
      ],
      [
        'a PERCENTAGE_SPLIT that is not a number',
        ruleWith(condition('PERCENTAGE_SPLIT', null, 'half')),
        'rules.0.conditions.0.value',
      ],
      [
        'a semver python-semver rejects',
        ruleWith(condition('GREATER_THAN', 'v', '1.2:semver')),
        'rules.0.conditions.0.value',
      ],
      [
        'a semver with a leading zero',
        ruleWith(condition('EQUAL', 'v', '01.2.3:semver')),
        'rules.0.conditions.0.value',
      ],
      ['a blank property', ruleWith(condition('EQUAL', '', 'x')), 'rules.0.conditions.0.property'],
      ['an IN without values', ruleWith(condition('IN', 'id', null)), 'rules.0.conditions.0.value'],
      ['an object as a value', ruleWith(condition('EQUAL', 'a', { b: 1 })), 'rules.0.conditions.0.value'],
      ['an empty name', { ...ruleWith(ok), name: '  ' }, 'name'],
      ['no name', { rules: ruleWith(ok).rules }, 'name'],
      ['no rules', { name: 'bad', rules: [] }, 'rules'],
      ['a feature that is not an id', { ...ruleWith(ok), feature: 'flag' }, 'feature'],
      [
        'rules nested deeper than Flagsmith nests them',
        { name: 'bad', rules: [{ type: 'ALL', rules: [{ type: 'ANY', rules: [{ type: 'ALL' }] }] }] },
        'rules.0.rules.0.rules',
      ],
      [
        'more than 100 conditions',
        { name: 'bad', rules: [{ type: 'ALL', conditions: Array.from({ length: 101 }, () => ok) }] },
        'segment',
      ],
    ];
    for (const [label, body, field] of cases) {
      it(`refuses ${label} (${field})`, async () => {
        const response = await request(t.app).post(segmentsPath()).set(as(f.admin)).send(body);
        assert.equal(response.status, 400, JSON.stringify(response.body));
        assert.ok(Array.isArray(response.body[field]), `${field} in ${JSON.stringify(response.body)}`);
      });
    }

    it('validates a PUT and a PATCH the same way, and changes nothing', async () => {
      const created = await create(ruleWith(ok));
      for (const method of ['put', 'patch'] as const) {
        const response = await request(t.app)
          [method](`${segmentsPath()}${created.id}/`)
          .set(as(f.admin))
          .send(ruleWith(condition('MODULO', 'n', '1|')));
        assert.equal(response.status, 400);
        assert.ok(response.body['rules.0.conditions.0.value']);
      }
      const read = await request(t.app).get(`${segmentsPath()}${created.id}/`).set(as(f.admin));
      assert.deepEqual(read.body, created);
    });

    it('accepts the edge values the engine runs', async () => {
      await create(
        ruleWith(
          condition('PERCENTAGE_SPLIT', '', 0),
          condition('PERCENTAGE_SPLIT', 'org', '100'),
          condition('MODULO', 'n', '-2.5|0.5'),
          condition('REGEX', 'name', '(?i)^a(?P<rest>.*)'),
          condition('LESS_THAN', 'v', '2.0.0-rc.1+build.5:semver'),
          condition('IN', 'id', '[1, 2, "three"]'),
          condition('EQUAL', 'flag', true),
        ),
      );
    });
  });

  describe('the loader for the environment document', () => {
    const store = new SegmentStore();
    const loadCounting = async (project: number) => {
      let queries = 0;
      const count = () => void queries++;
      t.ctx.database.knex.on('query', count);
      try {
        const segments = await store.liveSegmentsOfProject(t.ctx.transactor.reads, project);
        return { segments, queries };
      } finally {
        t.ctx.database.knex.off('query', count);
      }
    };
    const fill = async (project: number, count: number) => {
      for (let index = 0; index < count; index++)
        await create({ ...beta, name: `segment ${index}` }, project);
    };

    it('loads every live segment of a project in the same number of queries for 10 and 100 segments', async () => {
      const small = await createProject('Ten segments');
      const large = await createProject('A hundred segments');
      await fill(small, 10);
      await fill(large, 100);
      const deleted = await create({ ...beta, name: 'deleted' }, large);
      await request(t.app)
        .delete(`${segmentsPath(large)}${deleted.id}/`)
        .set(as(f.admin))
        .expect(204);

      const ten = await loadCounting(small);
      const hundred = await loadCounting(large);
      assert.equal(ten.segments.length, 10);
      assert.equal(hundred.segments.length, 100, 'the deleted segment is not live');
      assert.ok(ten.queries > 0);
      assert.equal(hundred.queries, ten.queries);
    });

    it('feeds the engine: identities match the loaded segments as their traits say', async () => {
      const project = await createProject('Engine evaluation');
      const members = Array.from({ length: 2000 }, (_, index) => `member-${index}`).join(',');
      await create(
        {
          name: 'modern enterprise',
          rules: [
            {
              type: 'ALL',
              conditions: [
                condition('EQUAL', 'plan', 'enterprise'),
                condition('GREATER_THAN_INCLUSIVE', 'version', '1.2.3:semver'),
                condition('IN', 'id', members),
              ],
              rules: [{ type: 'NONE', conditions: [condition('REGEX', 'email', '.*@rival\\.com$')] }],
            },
          ],
        },
        project,
      );
      const { segments } = await loadCounting(project);
      const matched = (traits: Record<string, string>) =>
        getEvaluationResult(
          mapEnvironmentDocumentToContext(
            { api_key: 'key', project: { segments }, feature_states: [] },
            { identifier: 'someone', traits },
          ),
        ).segments.map((segment) => segment.name);
      const member = { plan: 'enterprise', version: '1.10.0', id: 'member-1999', email: 'a@ours.com' };
      assert.deepEqual(matched(member), ['modern enterprise']);
      assert.deepEqual(matched({ ...member, version: '1.2.2' }), []);
      assert.deepEqual(matched({ ...member, id: 'member-2000' }), []);
      assert.deepEqual(matched({ ...member, email: 'b@rival.com' }), []);
    });

    it('answers a segment only under its own project', async () => {
      const project = await createProject('Own project');
      const created = await create({ name: 'mine', rules: [{ type: 'ALL', conditions: [] }] }, project);
      const elsewhere = await request(t.app).get(`${segmentsPath()}${created.id}/`).set(as(f.admin));
      assert.equal(elsewhere.status, 404);
      const patched = await request(t.app)
        .patch(`${segmentsPath()}${created.id}/`)
        .set(as(f.admin))
        .send({ name: 'moved?' });
      assert.equal(patched.status, 404);
    });

    it('returns the engine’s shape: rules with conditions keyed property_, in order', async () => {
      const project = await createProject('Engine shape');
      const created = await create({ ...beta, feature: 7 }, project);
      const { segments } = await loadCounting(project);
      assert.deepEqual(segments, [
        {
          id: created.id,
          name: 'beta testers',
          feature: 7,
          rules: [
            {
              type: 'ALL',
              conditions: [],
              rules: [
                {
                  type: 'ANY',
                  rules: [],
                  conditions: [
                    { operator: 'EQUAL', property_: 'plan', value: 'enterprise' },
                    { operator: 'REGEX', property_: 'email', value: '.*@example\\.com$' },
                    { operator: 'GREATER_THAN_INCLUSIVE', property_: 'version', value: '1.2.3:semver' },
                  ],
                },
                {
                  type: 'NONE',
                  rules: [],
                  conditions: [{ operator: 'IS_SET', property_: 'banned', value: null }],
                },
              ],
            },
            {
              type: 'ANY',
              rules: [],
              conditions: [
                { operator: 'PERCENTAGE_SPLIT', property_: '', value: '25.5' },
                { operator: 'MODULO', property_: 'n', value: '3|1' },
              ],
            },
          ],
        },
      ]);
    });
  });
});
