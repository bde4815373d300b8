import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Flagsmith } from 'flagsmith-nodejs';
import { pino } from 'pino';
import request from 'supertest';
import {
  generateEnvironmentDocument,
  generateIdentity,
} from '../../test/differential/generate-environment-document.js';
import { type Deviation, deviatingSegments } from '../../test/differential/known-nodejs-deviations.js';
import { seededRandom } from '../../test/differential/seeded-random.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { buildRequestHandler } from '../app.js';
import type { DocumentRule } from '../evaluation/index.js';
import { mapTraits } from '../evaluation/map-environment-document.js';
import { as, createTenancy, type Tenancy } from '../organisations/tenancy-test-fixture.js';

// Vexil's remote identity evaluation (`POST /api/v1/identities/`, from the database and the cached compiled
// environment) against flagsmith-nodejs 8 evaluating locally from Vexil's own `/environment-document/`: both
// must give every identity the same flags. Features, multivariate splits, segments (every operator family, from
// the differential generators), identity overrides and traits are all created through the HTTP API.
const SEED = Number(process.env.SEED ?? 11);
const IDENTITIES = Number(process.env.DIFFERENTIAL_IDENTITIES ?? 300);

interface WireFlag {
  feature: { name: string };
  enabled: boolean;
  feature_state_value: unknown;
  feature_segment: number | null;
}

/** The generator's rules in the API's shape: root rules hold conditions and one level of child rules. */
function wireRule(rule: DocumentRule, depth: number): object {
  const conditions = (rule.conditions ?? []).map((condition) => ({
    operator: condition.operator,
    property: condition.property_ ?? '',
    value: condition.value ?? '',
  }));
  if (depth > 0) return { type: rule.type, conditions };
  return { type: rule.type, conditions, rules: (rule.rules ?? []).map((child) => wireRule(child, 1)) };
}

describe('differential: /api/v1/identities/ vs flagsmith-nodejs 8 on /environment-document/', function () {
  this.timeout(300_000);
  let t: TestApp;
  let f: Tenancy;
  let server: Server;
  let apiUrl: string;
  const api = () => request(t.app);

  const created = async (route: string, body: object) => {
    const response = await api().post(route).set(as(f.admin)).send(body);
    assert.equal(response.status, 201, `${route}: ${response.text}`);
    return response.body as { id: number; api_key: string; key: string };
  };

  before(async () => {
    t = await createTestApp();
    f = await createTenancy(t);
    server = createServer(buildRequestHandler(t.ctx));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/`;
  });
  after(async () => {
    server.close();
    await t.close();
  });

  it(`agrees on enabled and value for ${IDENTITIES} generated identities (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const { document: generated, overriddenIdentifiers } = generateEnvironmentDocument(random);
    const project = await created('/api/v1/projects/', { name: 'Differential', organisation: f.home.id });
    const environment = await created('/api/v1/environments/', { name: 'Production', project: project.id });
    const serverKey = (await created(`/api/v1/environments/${environment.api_key}/api-keys/`, { name: 'b' }))
      .key;
    const featureIds = new Map<string, number>();
    for (const state of generated.feature_states.slice(0, 30)) {
      const value = state.feature_state_value;
      const feature = await created(`/api/v1/projects/${project.id}/features/`, {
        name: state.feature.name,
        initial_value: value === null || value === undefined ? null : String(value),
        default_enabled: state.enabled,
      });
      featureIds.set(state.feature.name, feature.id);
      let allocated = 0;
      for (const mv of state.multivariate_feature_state_values ?? []) {
        const share = Math.min(Number(mv.percentage_allocation), 100 - allocated);
        allocated += share;
        await created(`/api/v1/projects/${project.id}/features/${feature.id}/mv-options/`, {
          type: 'unicode',
          string_value: String(mv.multivariate_feature_option.value),
          default_percentage_allocation: share,
        });
      }
    }
    let segments = 0;
    let segmentOverrides = 0;
    const overriddenBy = new Map<string, Set<string>>();
    for (const segment of generated.project.segments ?? []) {
      if (segment.rules.length === 0) continue;
      const response = await api()
        .post(`/api/v1/projects/${project.id}/segments/`)
        .set(as(f.admin))
        .send({
          name: segment.name,
          project: project.id,
          rules: segment.rules.map((rule) => wireRule(rule, 0)),
        });
      // The segments API refuses some generated conditions (a malformed ":semver" version): those are left out.
      assert.ok(response.status === 201 || response.status === 400, response.text);
      if (response.status !== 201) continue;
      segments++;
      // Its generated overrides of the features created above, through the segment-override API.
      for (const state of segment.feature_states ?? []) {
        const featureId = featureIds.get(state.feature.name);
        if (featureId === undefined) continue;
        const value = state.feature_state_value;
        const override = await api()
          .post(`/api/v1/environments/${environment.api_key}/features/${featureId}/create-segment-override/`)
          .set(as(f.admin))
          .send({
            enabled: state.enabled,
            feature_state_value: {
              type: 'unicode',
              string_value: value === null || value === undefined ? '' : String(value),
              integer_value: null,
              boolean_value: null,
            },
            feature_segment: { segment: response.body.id },
          });
        // A feature drawn twice for one segment: one override per feature and segment.
        assert.ok(override.status === 201 || override.status === 400, override.text);
        if (override.status === 201) {
          segmentOverrides++;
          const list = overriddenBy.get(segment.name) ?? new Set<string>();
          list.add(state.feature.name);
          overriddenBy.set(segment.name, list);
        }
      }
    }
    // Identity overrides for the generator's overridden identifiers.
    const names = [...featureIds.keys()];
    for (const identifier of overriddenIdentifiers) {
      const identity = await created(`/api/v1/environments/${environment.api_key}/identities/`, {
        identifier,
      });
      for (const name of [random.pick(names), random.pick(names)]) {
        const response = await api()
          .post(`/api/v1/environments/${environment.api_key}/identities/${identity.id}/featurestates/`)
          .set(as(f.admin))
          .send({
            feature: featureIds.get(name),
            enabled: random.chance(0.5),
            feature_state_value: `own_${name}`,
          });
        // The same feature drawn twice: Flagsmith allows one override per feature and identity.
        assert.ok(response.status === 201 || response.status === 400, response.text);
      }
    }

    const local = new Flagsmith({
      environmentKey: serverKey,
      apiUrl,
      enableLocalEvaluation: true,
      environmentRefreshIntervalSeconds: 3600,
      logger: pino({ level: 'silent' }),
    });
    const document = (
      await request(server).get('/api/v1/environment-document/').set('X-Environment-Key', serverKey)
    ).body;
    const skipped = new Map<Deviation, number>();
    let flagsCompared = 0;
    let overridden = 0;
    let fromSegments = 0;
    try {
      await local.getEnvironment();
      for (let index = 0; index < IDENTITIES; index++) {
        const { identifier, traits } = generateIdentity(random, index, overriddenIdentifiers);
        const traitList = Object.entries(traits).map(([trait_key, trait_value]) => ({
          trait_key,
          trait_value,
        }));
        const response = await request(server)
          .post('/api/v1/identities/')
          .set('X-Environment-Key', environment.api_key)
          .send({ identifier, traits: traitList });
        assert.equal(response.status, 200, response.text);
        // Features overridden by a segment that meets a known nodejs deviation for this identity are left out.
        const uncomparable = new Set<string>();
        for (const [segment, deviation] of deviatingSegments(document, identifier, mapTraits(traits))) {
          skipped.set(deviation, (skipped.get(deviation) ?? 0) + 1);
          for (const feature of overriddenBy.get(segment) ?? []) uncomparable.add(feature);
        }
        // Stored traits persist between requests; nodejs sees exactly what the identity now has.
        const stored = Object.fromEntries(
          (response.body.traits as { trait_key: string; trait_value: string | number | boolean }[]).map(
            (trait) => [trait.trait_key, trait.trait_value],
          ),
        );
        const theirs = await local.getIdentityFlags(
          identifier,
          mapTraits(stored) as Record<string, string | number | boolean>,
        );
        const where = `seed ${SEED}, identity ${index} ${JSON.stringify({ identifier, traits })}`;
        const mine = response.body.flags as WireFlag[];
        assert.equal(mine.length, theirs.allFlags().length, where);
        for (const flag of mine) {
          if (uncomparable.has(flag.feature.name)) continue;
          if (flag.feature_segment !== null) fromSegments++;
          const context = `${where}, ${flag.feature.name}`;
          assert.equal(flag.enabled, theirs.isFeatureEnabled(flag.feature.name), `${context}: enabled`);
          assert.deepEqual(
            flag.feature_state_value,
            theirs.getFeatureValue(flag.feature.name),
            `${context}: value`,
          );
          if (String(flag.feature_state_value).startsWith('own_')) overridden++;
          flagsCompared++;
        }
      }
    } finally {
      await local.close();
    }
    console.log(
      `      seed ${SEED}: ${IDENTITIES} identities, ${segments} segments with ${segmentOverrides} overrides, ` +
        `${flagsCompared} flags compared (${overridden} from identity overrides, ${fromSegments} from segment ` +
        `overrides); (identity, segment) pairs left uncompared for known nodejs deviations: ` +
        JSON.stringify(Object.fromEntries(skipped)),
    );
    assert.ok(flagsCompared >= IDENTITIES * 20, `too few flags compared: ${flagsCompared}`);
    assert.ok(fromSegments > 0, 'no segment override was compared');
    assert.ok(overridden > 0, 'no identity override was compared');
  });
});
