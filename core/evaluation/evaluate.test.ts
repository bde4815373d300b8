import { strict as assert } from 'node:assert';
import { compileEnvironment } from './compile-environment.js';
import type { DocumentFeatureState, EnvironmentDocument } from './environment-document.js';
import { evaluate, evaluateList } from './evaluate.js';
import type { EvaluationContext, FeatureContext } from './evaluation-context.js';
import { getEvaluationResult } from './get-evaluation-result.js';
import { hashedPercentage } from './hashed-percentage.js';
import { coerceTraitValue, mapEnvironmentDocumentToContext } from './map-environment-document.js';

const everyone = [
  { type: 'ALL', conditions: [{ property: '$.environment.name', operator: 'EQUAL', value: 'Prod' }] },
];
const nobody = [{ type: 'ALL', conditions: [{ property: 'missing', operator: 'IS_SET', value: '' }] }];

function feature(name: string, extra: Partial<FeatureContext> = {}): FeatureContext {
  return { key: `${name}_key`, name, enabled: true, value: `${name}_default`, ...extra };
}

describe('evaluate', () => {
  describe('precedence', () => {
    const context: EvaluationContext = {
      environment: { key: 'env', name: 'Prod' },
      identity: { identifier: 'alice' },
      features: { f: feature('f'), g: feature('g'), h: feature('h') },
      segments: {
        '1': {
          key: '1',
          name: 'weak',
          rules: everyone,
          overrides: [feature('f', { value: 'weak', priority: 5 }), feature('g', { value: 'weak-g' })],
        },
        '2': {
          key: '2',
          name: 'strong',
          rules: everyone,
          overrides: [feature('f', { value: 'strong', priority: 1 })],
        },
        '3': {
          key: '3',
          name: 'unmatched',
          rules: nobody,
          overrides: [feature('f', { value: 'never', priority: 0 })],
        },
        '4': { key: '4', name: 'tie', rules: everyone, overrides: [feature('g', { value: 'tie-g' })] },
      },
    };
    it('the matched segment override with the lowest priority wins; missing priority is weakest; ties keep the first', () => {
      const result = getEvaluationResult(context);
      assert.deepEqual(result.flags.f, {
        name: 'f',
        enabled: true,
        value: 'strong',
        reason: 'TARGETING_MATCH; segment=strong',
        variant: null,
      });
      assert.equal(result.flags.g?.value, 'weak-g');
      assert.equal(result.flags.h?.reason, 'DEFAULT');
      assert.deepEqual(result.segments.map((segment) => segment.name).sort(), ['strong', 'tie', 'weak']);
    });
    it('without an identity: segments on the environment still apply, as in Flagsmith’s engine', () => {
      const result = getEvaluationResult({ ...context, identity: null });
      assert.equal(result.flags.f?.value, 'strong');
      assert.deepEqual(
        result.segments.map((segment) => segment.name),
        ['weak', 'strong', 'tie'],
      );
      // An empty identity is no identity either.
      assert.deepEqual(getEvaluationResult({ ...context, identity: {} as never }).segments, result.segments);
    });
    it("breaks priority ties by the document's segment order, not by segment id", () => {
      const document = documentWith({
        project_segments: [10, 2].map((id) => ({
          id,
          name: `segment ${id}`,
          rules: [
            { type: 'ALL', conditions: [{ operator: 'IS_NOT_SET', property_: 'nothing', value: null }] },
          ],
          feature_states: [{ ...state(1, 'f', `from ${id}`), feature_segment: { priority: 1 } }],
        })),
      });
      const result = evaluate(compileEnvironment(document), { identifier: 'alice' });
      assert.equal(result.flags.f?.value, 'from 10');
      assert.deepEqual(
        result.segments.map((segment) => segment.name),
        ['segment 10', 'segment 2'],
      );
      assert.deepEqual(
        getEvaluationResult(mapEnvironmentDocumentToContext(document, { identifier: 'alice' })),
        result,
      );
    });
    it('identity overrides beat every segment override', () => {
      const document = documentWith({
        identity_overrides: [
          { identifier: 'alice', identity_features: [state(1, 'f', 'mine', { enabled: false })] },
        ],
      });
      const compiled = compileEnvironment(document);
      const alice = evaluate(compiled, { identifier: 'alice' });
      assert.deepEqual(alice.flags.f, {
        name: 'f',
        enabled: false,
        value: 'mine',
        reason: 'TARGETING_MATCH; segment=identity_overrides',
        variant: null,
        metadata: { id: 1 },
      });
      assert.equal(evaluate(compiled, { identifier: 'bob' }).flags.f?.value, 'segment');
      // The same result through the context mapper, where the override is a priority −∞ segment.
      assert.deepEqual(
        getEvaluationResult(mapEnvironmentDocumentToContext(document, { identifier: 'alice' })),
        alice,
      );
    });
  });

  describe('multivariate', () => {
    const variants = [
      { key: 'second', value: 'b', weight: 30, priority: 2 },
      { key: 'first', value: 'a', weight: 30, priority: 1 },
    ];
    const context = (identityKey: string): EvaluationContext => ({
      environment: { key: 'env', name: 'Prod' },
      identity: { identifier: 'x', key: identityKey },
      features: { mv: feature('mv', { key: '99', value: 'control', variants }) },
    });
    it('buckets by md5 of feature key and identity key over variants sorted by priority', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 300; i++) {
        const identityKey = `id_${i}`;
        const percentage = hashedPercentage(['99', identityKey]);
        const flag = getEvaluationResult(context(identityKey)).flags.mv;
        const expected =
          percentage < 30 ? ['a', 'first'] : percentage < 60 ? ['b', 'second'] : ['control', 'control'];
        assert.deepEqual([flag?.value, flag?.variant], expected, identityKey);
        assert.equal(flag?.reason, percentage < 60 ? 'SPLIT; weight=30' : 'DEFAULT');
        seen.add(flag?.variant ?? '');
      }
      assert.deepEqual([...seen].sort(), ['control', 'first', 'second']);
    });
    it('has no variant without an identity, and a null variant for unkeyed buckets', () => {
      const noIdentity = getEvaluationResult({ ...context('k'), identity: null }).flags.mv;
      assert.deepEqual([noIdentity?.value, noIdentity?.variant], ['control', null]);
      const unkeyed = getEvaluationResult({
        ...context('k'),
        features: { mv: feature('mv', { variants: [{ value: 'all', weight: 100, priority: 1 }] }) },
      }).flags.mv;
      assert.deepEqual(
        [unkeyed?.value, unkeyed?.variant, unkeyed?.reason],
        ['all', null, 'SPLIT; weight=100'],
      );
    });
  });

  describe('environment documents', () => {
    it('hides disabled flags after overrides: the environment setting wins over the project', () => {
      const base = documentWith({
        feature_states: [
          state(1, 'f', 'default'),
          state(2, 'off', 'x', { enabled: false }),
          state(3, 'gone', 'y', { enabled: false }),
        ],
        project_segments: [
          {
            id: 5,
            name: 'all',
            rules: [
              { type: 'ALL', conditions: [{ operator: 'IS_NOT_SET', property_: 'nothing', value: null }] },
            ],
            feature_states: [{ ...state(2, 'off', 'on now'), feature_segment: { priority: 0 } }],
          },
        ],
      });
      const project = { ...base, project: { ...base.project, hide_disabled_flags: true } };
      assert.deepEqual(
        Object.keys(evaluate(compileEnvironment(project), { identifier: 'bob' }).flags).sort(),
        ['f', 'off'],
      );
      // Without an identity the segment (IS_NOT_SET) still matches and turns "off" on.
      assert.deepEqual(Object.keys(evaluate(compileEnvironment(project), null).flags).sort(), ['f', 'off']);
      const environmentSays = { ...project, hide_disabled_flags: false };
      assert.deepEqual(Object.keys(evaluate(compileEnvironment(environmentSays), null).flags).sort(), [
        'f',
        'gone',
        'off',
      ]);
      const list = evaluateList(compileEnvironment(project), { identifier: 'bob' });
      assert.deepEqual(
        list.flags.map((flag) => [flag.name, flag.value]),
        [
          ['f', 'default'],
          ['off', 'on now'],
        ],
      );
      const context = compileEnvironment(mapEnvironmentDocumentToContext(project));
      assert.equal(context.hideDisabledFlags, false, 'a raw context does not carry the setting');
    });
    it('hashes with the composite key, or the given key when the environment does not use it', () => {
      const mv = state(3, 'mv', 'control', {
        multivariate_feature_state_values: [
          { id: 1, percentage_allocation: 50, multivariate_feature_option: { value: 'v', key: 'v' } },
        ],
      });
      const document = documentWith({ feature_states: [mv] });
      const composite = evaluate(compileEnvironment(document), { identifier: 'alice' }).flags.mv;
      const expected = hashedPercentage(['30', 'api_alice']) < 50 ? 'v' : 'control';
      assert.equal(composite?.variant, expected);
      const byId = { ...document, use_identity_composite_key_for_hashing: false };
      const withKey = evaluate(compileEnvironment(byId), { identifier: 'alice', key: '1234' }).flags.mv;
      assert.equal(withKey?.variant, hashedPercentage(['30', '1234']) < 50 ? 'v' : 'control');
    });
    it("coerces numeric-string traits like Flagsmith's context mapper, and accepts the SDK trait list", () => {
      assert.equal(coerceTraitValue('007'), 7);
      assert.equal(coerceTraitValue('-1.50'), -1.5);
      assert.equal(coerceTraitValue('1e3'), '1e3');
      assert.equal(coerceTraitValue(' 7'), ' 7');
      const document = documentWith({
        project_segments: [
          {
            id: 9,
            name: 'adults',
            rules: [
              { type: 'ALL', conditions: [{ operator: 'GREATER_THAN', property_: 'age', value: '17' }] },
            ],
            feature_states: [],
          },
        ],
      });
      const compiled = compileEnvironment(document);
      assert.equal(evaluate(compiled, { identifier: 'a', traits: { age: '021' } }).segments.length, 1);
      assert.equal(
        evaluate(compiled, { identifier: 'a', traits: [{ trait_key: 'age', trait_value: '9' }] }).segments
          .length,
        0,
      );
      // Flagsmith's engine coerces what it reads from raw contexts too: "021" is 21 > 17.
      const context = mapEnvironmentDocumentToContext(document);
      assert.equal(
        getEvaluationResult({ ...context, identity: { identifier: 'a', traits: { age: '021' } } }).segments
          .length,
        1,
      );
    });
  });

  describe('malformed contexts (where Python raises)', () => {
    it('answers without throwing, skipping entries that are not dicts', () => {
      const malformed: unknown[] = [
        { environment: null, identity: 'x', segments: [], features: true },
        { environment: { key: 'e', name: 'n' }, segments: { s: null }, features: { f: null } },
        {
          environment: { key: 'e', name: 'n' },
          identity: { identifier: 'u', traits: [null, { trait_key: 'a', trait_value: '7' }] },
          segments: {
            s: {
              key: 's',
              name: 's',
              rules: [
                null,
                { type: 'ALL', conditions: [null, { property: null, operator: 'IN', value: 5 }] },
              ],
              overrides: [null, { name: 'f', value: 1, priority: 'high', variants: [null, { weight: 'x' }] }],
            },
          },
          features: {
            f: { key: 'k', name: 'f', enabled: true, value: 0, variants: [2, { value: 1, weight: '1' }] },
          },
        },
      ];
      for (const context of malformed) {
        assert.doesNotThrow(() => getEvaluationResult(context as EvaluationContext), JSON.stringify(context));
      }
      const third = getEvaluationResult(malformed[2] as EvaluationContext);
      assert.deepEqual(third.segments, []);
      assert.equal(third.flags.f?.value, 0);
    });
  });

  describe('size', () => {
    it('compiles and evaluates 10,000 features', () => {
      const features: Record<string, FeatureContext> = {};
      for (let i = 0; i < 10_000; i++) {
        features[`f${i}`] = feature(
          `f${i}`,
          i % 10 === 0 ? { variants: [{ value: 'v', weight: 50, priority: 1 }] } : {},
        );
      }
      const overrides = Array.from({ length: 5_000 }, (_, i) =>
        feature(`f${i * 2}`, { value: 'seg', priority: 1 }),
      );
      const compiled = compileEnvironment({
        environment: { key: 'env', name: 'Prod' },
        features,
        segments: { '1': { key: '1', name: 's', rules: everyone, overrides } },
      });
      const result = evaluate(compiled, { identifier: 'alice' });
      assert.equal(Object.keys(result.flags).length, 10_000);
      assert.equal(result.flags.f2?.value, 'seg');
      assert.equal(result.flags.f3?.value, 'f3_default');
    });
    it('keeps flag names that look like prototype keys as plain properties', () => {
      const result = getEvaluationResult({
        environment: { key: 'env', name: 'Prod' },
        features: { ['__proto__']: feature('__proto__'), constructor: feature('constructor') },
      });
      assert.equal(Object.getPrototypeOf(result.flags), Object.prototype);
      assert.deepEqual(Object.keys(result.flags).sort(), ['__proto__', 'constructor']);
      assert.equal(
        Object.entries(result.flags).find(([name]) => name === 'constructor')?.[1].value,
        'constructor_default',
      );
    });
  });
});

function state(
  id: number,
  name: string,
  value: string,
  extra: Partial<DocumentFeatureState> = {},
): DocumentFeatureState {
  return {
    feature: { id, name, type: 'STANDARD' },
    enabled: true,
    django_id: id * 10,
    feature_state_value: value,
    feature_segment: null,
    multivariate_feature_state_values: [],
    ...extra,
  };
}

function documentWith(parts: {
  identity_overrides?: EnvironmentDocument['identity_overrides'];
  feature_states?: DocumentFeatureState[];
  project_segments?: NonNullable<EnvironmentDocument['project']['segments']>;
}): EnvironmentDocument {
  return {
    api_key: 'api',
    name: 'Prod',
    project: {
      hide_disabled_flags: false,
      segments: parts.project_segments ?? [
        {
          id: 5,
          name: 'all',
          rules: [
            { type: 'ALL', conditions: [{ operator: 'IS_NOT_SET', property_: 'nothing', value: null }] },
          ],
          feature_states: [{ ...state(1, 'f', 'segment'), feature_segment: { priority: 0 } }],
        },
      ],
    },
    feature_states: parts.feature_states ?? [state(1, 'f', 'default')],
    identity_overrides: parts.identity_overrides ?? [],
    hide_disabled_flags: null,
    use_identity_composite_key_for_hashing: true,
  };
}
