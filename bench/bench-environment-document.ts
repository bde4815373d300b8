import type {
  DocumentCondition,
  DocumentFeatureState,
  DocumentSegment,
  EnvironmentDocument,
} from '../core/evaluation/environment-document.js';
import type { SeededRandom } from '../test/differential/seeded-random.js';

export interface BenchShape {
  features: number;
  multivariate: number;
  segments: number;
}

const PLANS = ['free', 'pro', 'team', 'enterprise'];
const COUNTRIES = ['gb', 'us', 'de', 'fr', 'es', 'it', 'nl', 'se', 'jp', 'br'];

function condition(random: SeededRandom, index: number): DocumentCondition {
  switch (index % 5) {
    case 0:
      return { operator: 'EQUAL', property_: 'plan', value: random.pick(PLANS) };
    case 1:
      return { operator: 'IN', property_: 'country', value: COUNTRIES.slice(0, 2 + random.int(6)).join(',') };
    case 2:
      return { operator: 'PERCENTAGE_SPLIT', property_: '', value: String(10 + random.int(80)) };
    case 3:
      return { operator: 'REGEX', property_: 'email', value: `.*@(example|acme)\\.(com|org)$` };
    default:
      return {
        operator: 'GREATER_THAN_INCLUSIVE',
        property_: 'app_version',
        value: `${1 + random.int(3)}.${random.int(10)}.0:semver`,
      };
  }
}

function featureState(
  id: number,
  name: string,
  value: string,
  mv: boolean,
  random: SeededRandom,
): DocumentFeatureState {
  return {
    feature: { id, name, type: mv ? 'MULTIVARIATE' : 'STANDARD' },
    enabled: random.chance(0.7),
    django_id: id * 10,
    featurestate_uuid: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    feature_state_value: value,
    feature_segment: null,
    multivariate_feature_state_values: mv
      ? [0, 1, 2].map((option) => ({
          id: id * 100 + option,
          percentage_allocation: 25,
          multivariate_feature_option: {
            id: id * 100 + option,
            value: `${name}_v${option}`,
            key: `v${option}`,
          },
        }))
      : [],
  };
}

/** The benchmark's environment: multivariate features first, segment overrides on every second feature. */
export function benchEnvironmentDocument(shape: BenchShape, random: SeededRandom): EnvironmentDocument {
  const features: DocumentFeatureState[] = [];
  for (let i = 0; i < shape.features; i++) {
    features.push(featureState(1000 + i, `feature_${i}`, `default_${i}`, i < shape.multivariate, random));
  }
  const segments: DocumentSegment[] = [];
  for (let s = 0; s < shape.segments; s++) {
    segments.push({
      id: 500 + s,
      name: `segment_${s}`,
      rules: [
        {
          type: 'ALL',
          conditions: [],
          rules: [
            { type: 'ANY', conditions: [condition(random, s), condition(random, s + 1)], rules: [] },
            { type: 'ALL', conditions: [condition(random, s + 2)], rules: [] },
          ],
        },
      ],
      feature_states: [],
    });
  }
  for (let i = 0; i < shape.features; i += 2) {
    // Two segments override each overridden feature, with different priorities.
    for (const [offset, priority] of [
      [0, 1],
      [7, 0],
    ] as const) {
      const segment = segments[(i / 2 + offset) % segments.length];
      const base = features[i] as DocumentFeatureState;
      if (!segment) continue;
      segment.feature_states?.push({
        ...base,
        enabled: true,
        django_id: 900000 + i * 10 + offset,
        feature_segment: { priority },
        feature_state_value: `${segment.name}_${i}`,
      });
    }
  }
  return {
    id: 1,
    api_key: 'bench_env_key',
    name: 'Bench',
    project: {
      id: 1,
      name: 'Bench',
      organisation: {
        id: 1,
        name: 'Bench',
        feature_analytics: false,
        stop_serving_flags: false,
        persist_trait_data: true,
      },
      hide_disabled_flags: false,
      segments,
    },
    feature_states: features,
    identity_overrides: [],
    hide_disabled_flags: null,
    use_identity_composite_key_for_hashing: true,
  };
}

/** An identity with five traits: plan, country, email, age and app_version. */
export function benchIdentity(
  index: number,
  random: SeededRandom,
): { identifier: string; traits: Record<string, string | number> } {
  return {
    identifier: `user_${index}_${random.int(1e9)}`,
    traits: {
      plan: random.pick(PLANS),
      country: random.pick(COUNTRIES),
      email: `user${index}@${random.pick(['example.com', 'acme.org', 'mail.net'])}`,
      age: 18 + random.int(60),
      app_version: `${1 + random.int(3)}.${random.int(12)}.${random.int(5)}`,
    },
  };
}
