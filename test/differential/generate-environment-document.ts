import { CONDITION_OPERATORS } from '../../core/evaluation/compile-condition.js';
import type {
  DocumentCondition,
  DocumentFeatureState,
  DocumentRule,
  DocumentSegment,
  DocumentValue,
  EnvironmentDocument,
} from '../../core/evaluation/environment-document.js';
import type { SeededRandom } from './seeded-random.js';

// Trait pools for the differential test: every value type Flagsmith sees (strings, ints, floats, booleans, semver
// strings, numeric strings that the context mapper coerces), plus missing and null traits.
const PLANS = ['free', 'pro', 'team', 'Enterprise', '', 'pro ', 'pro,team'];
const COUNTRIES = ['gb', 'us', 'de', 'fr', 'nl', 'jp'];
const VERSIONS = [
  '1.0.0',
  '1.2.3',
  '1.2.3-beta.1',
  '1.2.3-beta.10',
  '1.2.3-alpha',
  '2.0.0',
  '2.0.0-rc.1+build.5',
  '10.1.0',
  '1.2',
  'not-a-version',
  '0.0.1',
];
const DOMAINS = ['example.com', 'acme.org', 'mail.net', 'ACME.org'];
const NUMERIC_STRINGS = ['007', '42', '-3', '1.50', '12abc', '0', '10'];

type TraitGenerator = (random: SeededRandom) => DocumentValue;

const TRAITS: Record<string, TraitGenerator> = {
  plan: (random) => random.pick(PLANS),
  country: (random) => random.pick(COUNTRIES),
  age: (random) => random.int(121) - 20,
  score: (random) => random.pick([0.5, 1.5, 2.25, -3.75, 10, 7.125, 99.9]),
  beta: (random) => random.chance(0.5),
  version: (random) => random.pick(VERSIONS),
  email: (random) =>
    `${random.pick(['ann', 'bob', 'cy', 'zed', 'ma'])}${random.int(50)}@${random.pick(DOMAINS)}`,
  numstr: (random) => random.pick(NUMERIC_STRINGS),
  user_id: (random) => random.int(10_000),
};
/** Every trait name the generator uses. */
export const TRAIT_NAMES: readonly string[] = Object.keys(TRAITS);

function comparisonValue(property: string, random: SeededRandom): string {
  switch (property) {
    case 'plan':
      return random.pick(PLANS);
    case 'country':
      return random.pick(COUNTRIES);
    case 'age':
    case 'user_id':
      return random.pick(['0', '18', '30', '65', '-5', '5000', '30.5', '007', 'abc', ' 40 ']);
    case 'score':
      return random.pick(['1.5', '2', '0', '-3.75', '10', '50.25', 'x']);
    case 'beta':
      return random.pick(['true', 'false', 'True', 'False', '1', '0']);
    case 'version':
      return `${random.pick(VERSIONS)}:semver`;
    case 'numstr':
      return random.pick(['7', '42', '-3', '1.5', '10', 'abc']);
    case 'email':
      return random.pick(['ann1@acme.org', 'm', 'zed']);
    default:
      return random.pick(['Production', 'user_1', 'x']);
  }
}

function condition(random: SeededRandom): DocumentCondition {
  // Every operator, with EQUAL and IN drawn twice as often (the commonest in real segments).
  const operator = random.pick([...CONDITION_OPERATORS, 'EQUAL', 'IN']);
  const property = random.chance(0.08)
    ? random.pick(['$.identity.identifier', '$.environment.name', '$.identity.traits.plan', '$.identity.key'])
    : random.pick(TRAIT_NAMES);
  switch (operator) {
    case 'CONTAINS':
    case 'NOT_CONTAINS':
      return {
        operator,
        property_: random.pick(['plan', 'email', 'country', 'age', 'version', '$.identity.identifier']),
        value: random.pick(['@acme', 'pro', 'e', '1', 'user_1', '1.2:semver', '']),
      };
    case 'REGEX':
      return {
        operator,
        property_: random.pick(['email', 'plan', 'version', 'age', 'score', 'beta', '$.identity.identifier']),
        value: random.pick([
          '^[a-m].*',
          '.*@acme\\.org$',
          '^\\d+$',
          '^pro|^team',
          '^(free|pro)$',
          '^[0-9]+\\.[0-9]+',
          '^True$',
          '^user_[0-9]*7$',
          '^.*[',
        ]),
      };
    case 'MODULO':
      return {
        operator,
        property_: random.pick(['age', 'user_id', 'score', 'numstr', 'beta', 'plan']),
        value: random.pick(['2|0', '3|1', '5|4', '2.5|0.5', '0|0', 'x|1', '4', '7|2']),
      };
    case 'IN':
      return {
        operator,
        property_: random.pick([
          'plan',
          'country',
          'age',
          'user_id',
          'numstr',
          'score',
          'beta',
          '$.identity.identifier',
        ]),
        value: random.pick([
          'gb,us',
          'free,pro, team',
          '["free","team"]',
          '1,2,3,42,7,18,30',
          '[ "gb" ,"fr"]',
          '[bad json',
          'user_1,user_2,user_3,user_7',
          'pro,team',
          '',
        ]),
      };
    case 'IS_SET':
    case 'IS_NOT_SET':
      return { operator, property_: random.chance(0.1) ? '$.nowhere.at.all' : property, value: '' };
    case 'PERCENTAGE_SPLIT':
      return {
        operator,
        property_: random.pick(['', '', '', '$.identity.identifier']),
        value: random.pick(['0', '10', '33.3', '50', '75', '100']),
      };
    default:
      return { operator, property_: property, value: comparisonValue(property, random) };
  }
}

function rule(random: SeededRandom, depth: number): DocumentRule {
  const conditions: DocumentCondition[] = [];
  const conditionCount = random.int(4);
  for (let i = 0; i < conditionCount; i++) conditions.push(condition(random));
  const rules: DocumentRule[] = [];
  if (depth < 2) {
    const ruleCount = random.int(depth === 0 ? 3 : 2);
    for (let i = 0; i < ruleCount; i++) rules.push(rule(random, depth + 1));
  }
  return { type: random.pick(['ALL', 'ALL', 'ANY', 'ANY', 'NONE']), conditions, rules };
}

function featureValue(random: SeededRandom, index: number): DocumentValue {
  return random.pick<DocumentValue>([
    `value_${index}`,
    index * 3,
    random.chance(0.5),
    null,
    '',
    `v${random.int(5)}`,
  ]);
}

function featureState(
  random: SeededRandom,
  feature: { id: number; name: string; multivariate: boolean },
  djangoId: number,
  index: number,
): DocumentFeatureState {
  const variants = feature.multivariate && random.chance(0.9) ? 1 + random.int(3) : 0;
  return {
    feature: { id: feature.id, name: feature.name, type: feature.multivariate ? 'MULTIVARIATE' : 'STANDARD' },
    enabled: random.chance(0.6),
    django_id: djangoId,
    featurestate_uuid: `4b0c8f1e-0000-4000-8000-${String(djangoId).padStart(12, '0')}`,
    feature_state_value: featureValue(random, index),
    feature_segment: null,
    multivariate_feature_state_values: Array.from({ length: variants }, (_, option) => ({
      id: djangoId * 10 + (variants - option),
      percentage_allocation: random.pick([0, 10, 25, 33.3, 50, 60]),
      multivariate_feature_option: {
        id: feature.id * 10 + option,
        value: random.pick<DocumentValue>([`mv_${feature.name}_${option}`, option * 100, option === 1]),
        ...(random.chance(0.7) ? { key: `variant_${option}` } : {}),
      },
    })),
  };
}

export interface GeneratedEnvironment {
  document: EnvironmentDocument;
  /** Identifiers that have identity overrides in the document. */
  overriddenIdentifiers: string[];
}

/** An environment document exercising every operator, rule type, override kind and multivariate split. */
export function generateEnvironmentDocument(random: SeededRandom): GeneratedEnvironment {
  const features = Array.from({ length: 60 }, (_, index) => ({
    id: 100 + index,
    name: `feature_${index}`,
    multivariate: index % 4 === 0,
  }));
  const featureStates = features.map((feature, index) => featureState(random, feature, 7000 + index, index));
  let djangoId = 20_000;
  const segments: DocumentSegment[] = Array.from({ length: 30 }, (_, index) => {
    const rules = random.chance(0.05) ? [] : Array.from({ length: 1 + random.int(2) }, () => rule(random, 0));
    const overrides: DocumentFeatureState[] = [];
    const overrideCount = random.int(6);
    for (let i = 0; i < overrideCount; i++) {
      const featureIndex = random.int(features.length);
      const feature = features[featureIndex];
      if (!feature) continue;
      const state = featureState(random, feature, djangoId++, featureIndex);
      state.feature_segment = { priority: random.chance(0.1) ? null : random.int(6) };
      overrides.push(state);
    }
    return { id: 300 + index, name: `segment_${index}`, rules, feature_states: overrides };
  });
  const overriddenIdentifiers = Array.from({ length: 12 }, (_, index) => `user_${index * 17}`);
  const identityOverrides = overriddenIdentifiers.map((identifier, index) => ({
    identifier,
    django_id: 90_000 + index,
    identity_features: Array.from({ length: 1 + random.int(3) }, () => {
      const featureIndex = random.int(features.length);
      const feature = features[featureIndex] as (typeof features)[number];
      return featureState(random, feature, djangoId++, featureIndex);
    }),
  }));
  return {
    document: {
      id: 1,
      api_key: 'differentialEnvKey',
      name: 'Production',
      project: {
        id: 1,
        name: 'Differential',
        organisation: {
          id: 1,
          name: 'Org',
          feature_analytics: false,
          stop_serving_flags: false,
          persist_trait_data: true,
        },
        hide_disabled_flags: false,
        segments,
      },
      feature_states: featureStates,
      identity_overrides: identityOverrides,
      hide_disabled_flags: null,
      use_identity_composite_key_for_hashing: true,
    },
    overriddenIdentifiers,
  };
}

/** An identity with a random subset of traits; some traits are null (Flagsmith: no trait). */
export function generateIdentity(
  random: SeededRandom,
  index: number,
  overriddenIdentifiers: readonly string[],
): { identifier: string; traits: Record<string, DocumentValue> } {
  const identifier = random.chance(0.05) ? random.pick(overriddenIdentifiers) : `user_${index}`;
  const traits: Record<string, DocumentValue> = {};
  for (const name of TRAIT_NAMES) {
    if (random.chance(0.2)) continue;
    traits[name] = random.chance(0.03) ? null : (TRAITS[name] as TraitGenerator)(random);
  }
  return { identifier, traits };
}
