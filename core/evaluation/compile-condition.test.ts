import { strict as assert } from 'node:assert';
import { CONDITION_OPERATORS } from './compile-condition.js';
import type { ContextValue, SegmentCondition } from './evaluation-context.js';
import { getEvaluationResult } from './get-evaluation-result.js';
import { hashedPercentage } from './hashed-percentage.js';

const ENVIRONMENT = { key: 'env', name: 'Production' };

function matches(
  condition: Partial<SegmentCondition> & { operator: string },
  traits: Record<string, ContextValue> = {},
  identity: { identifier?: string; key?: string } = {},
): boolean {
  const result = getEvaluationResult({
    environment: ENVIRONMENT,
    identity: { identifier: identity.identifier ?? 'alice', key: identity.key, traits },
    segments: {
      '7': {
        key: '7',
        name: 'segment',
        rules: [{ type: 'ALL', conditions: [{ property: 't', value: '', ...condition }] }],
      },
    },
  });
  return result.segments.length === 1;
}

describe('segment conditions', () => {
  describe('missing and null traits', () => {
    // IS_NOT_SET matches exactly these, and PERCENTAGE_SPLIT without a property hashes the identity instead.
    const operators = CONDITION_OPERATORS.filter((op) => op !== 'IS_NOT_SET' && op !== 'PERCENTAGE_SPLIT');
    for (const operator of operators) {
      it(`${operator} never matches a missing or null trait`, () => {
        assert.equal(matches({ operator, value: '1|0' }), false);
        assert.equal(matches({ operator, value: '.*' }, { t: null }), false);
      });
    }
    it('IS_NOT_SET matches missing and null, IS_SET matches falsy values', () => {
      assert.equal(matches({ operator: 'IS_NOT_SET' }), true);
      assert.equal(matches({ operator: 'IS_NOT_SET' }, { t: null }), true);
      assert.equal(matches({ operator: 'IS_NOT_SET' }, { t: 0 }), false);
      assert.equal(matches({ operator: 'IS_SET' }, { t: false }), true);
      assert.equal(matches({ operator: 'IS_SET' }, { t: '' }), true);
    });
    it('does not read traits from the prototype chain', () => {
      assert.equal(matches({ operator: 'IS_SET', property: 'constructor' }), false);
      assert.equal(matches({ operator: 'IS_SET', property: 'toString' }), false);
    });
  });

  describe('typed comparisons (Python casts)', () => {
    it('casts the condition to the trait type', () => {
      assert.equal(matches({ operator: 'EQUAL', value: '007' }, { t: 7 }), true);
      assert.equal(matches({ operator: 'EQUAL', value: ' 7 ' }, { t: 7 }), true);
      assert.equal(matches({ operator: 'EQUAL', value: '1_000' }, { t: 1000 }), true);
      assert.equal(matches({ operator: 'EQUAL', value: '7' }, { t: '7' }), true);
      assert.equal(matches({ operator: 'EQUAL', value: '1.5' }, { t: 1.5 }), true);
    });
    it('a failed cast never matches, not even NOT_EQUAL', () => {
      assert.equal(matches({ operator: 'EQUAL', value: 'abc' }, { t: 5 }), false);
      assert.equal(matches({ operator: 'NOT_EQUAL', value: 'abc' }, { t: 5 }), false);
      assert.equal(matches({ operator: 'GREATER_THAN', value: '12abc' }, { t: 100 }), false);
    });
    it('compares strings lexicographically', () => {
      assert.equal(matches({ operator: 'GREATER_THAN', value: 'x10' }, { t: 'x9' }), true);
      // A numeric string is read as a number first ("9" → 9 < 10).
      assert.equal(matches({ operator: 'GREATER_THAN', value: '10' }, { t: '9' }), false);
      assert.equal(matches({ operator: 'LESS_THAN', value: 'b' }, { t: 'a' }), true);
      assert.equal(matches({ operator: 'GREATER_THAN_INCLUSIVE', value: 'a' }, { t: 'a' }), true);
    });
    it('compares booleans as Python does', () => {
      assert.equal(matches({ operator: 'EQUAL', value: 'false' }, { t: false }), true);
      assert.equal(matches({ operator: 'EQUAL', value: 'False' }, { t: false }), true);
      assert.equal(matches({ operator: 'EQUAL', value: 'true' }, { t: true }), true);
      assert.equal(matches({ operator: 'EQUAL', value: '0' }, { t: false }), false);
      assert.equal(matches({ operator: 'EQUAL', value: 'anything' }, { t: true }), true);
      assert.equal(matches({ operator: 'GREATER_THAN', value: 'false' }, { t: true }), true);
    });
    it('compares NaN as Python does', () => {
      assert.equal(matches({ operator: 'EQUAL', value: 'nan' }, { t: 1.5 }), false);
      assert.equal(matches({ operator: 'NOT_EQUAL', value: 'nan' }, { t: 1.5 }), true);
      assert.equal(matches({ operator: 'LESS_THAN', value: 'inf' }, { t: 1.5 }), true);
    });
  });

  describe('semver', () => {
    const cases: [string, string, string, boolean][] = [
      ['EQUAL', '1.2.3:semver', '1.2.3', true],
      ['EQUAL', '1.2.3:semver', '1.2.3+build.7', true],
      ['GREATER_THAN', '1.2.3:semver', '1.10.0', true],
      ['LESS_THAN', '1.2.3:semver', '1.2.3-beta.1', true],
      ['LESS_THAN', '1.2.3-beta:semver', '1.2.3-alpha', true],
      ['LESS_THAN', '1.2.3-beta.10:semver', '1.2.3-beta.2', true],
      ['LESS_THAN', '1.2.3-beta:semver', '1.2.3-1', true],
      ['LESS_THAN', '1.2.3-beta.1:semver', '1.2.3-beta', true],
      ['GREATER_THAN_INCLUSIVE', '1.2.3-rc.1:semver', '1.2.3-rc.1', true],
      ['EQUAL', '1.2.3:semver', '1.2', false],
      ['EQUAL', '1.2.3:semver', 'v1.2.3', false],
      ['EQUAL', '1.2.3:semver', '01.2.3', false],
      ['NOT_EQUAL', '1.2.3:semver', 'not-a-version', false],
      ['EQUAL', 'bad:semver', '1.2.3', false],
      ['CONTAINS', '1.2:semver', '1.2.3', false],
    ];
    for (const [operator, value, trait, expected] of cases) {
      it(`${trait} ${operator} ${value} → ${expected}`, () => {
        assert.equal(matches({ operator, value }, { t: trait }), expected);
      });
    }
  });

  describe('CONTAINS and NOT_CONTAINS', () => {
    it('are substring tests on strings only', () => {
      assert.equal(matches({ operator: 'CONTAINS', value: 'ell' }, { t: 'hello' }), true);
      assert.equal(matches({ operator: 'CONTAINS', value: '1' }, { t: 123 }), false);
      assert.equal(matches({ operator: 'NOT_CONTAINS', value: 'x' }, { t: 'hello' }), true);
      assert.equal(matches({ operator: 'NOT_CONTAINS', value: 'x' }, { t: 5 }), false);
      assert.equal(matches({ operator: 'CONTAINS', value: '' }, { t: '' }), true);
    });
  });

  describe('REGEX', () => {
    it('anchors at the start only, like re.match', () => {
      assert.equal(matches({ operator: 'REGEX', value: 'b' }, { t: 'ab' }), false);
      assert.equal(matches({ operator: 'REGEX', value: 'a' }, { t: 'ab' }), true);
      assert.equal(matches({ operator: 'REGEX', value: 'x|a' }, { t: 'ab' }), true);
      assert.equal(matches({ operator: 'REGEX', value: '' }, { t: 'ab' }), true);
    });
    it('matches str() of numbers and booleans', () => {
      assert.equal(matches({ operator: 'REGEX', value: '\\d+$' }, { t: 123 }), true);
      assert.equal(matches({ operator: 'REGEX', value: 'True$' }, { t: true }), true);
      assert.equal(matches({ operator: 'REGEX', value: '1\\.5$' }, { t: 1.5 }), true);
    });
    it('translates Python-only syntax', () => {
      assert.equal(matches({ operator: 'REGEX', value: '(?P<x>a)(?P=x)$' }, { t: 'aa' }), true);
      assert.equal(matches({ operator: 'REGEX', value: '(?i)abc' }, { t: 'ABC' }), true);
      assert.equal(matches({ operator: 'REGEX', value: '\\Aab\\Z' }, { t: 'ab' }), true);
      assert.equal(matches({ operator: 'REGEX', value: 'ab\\Z' }, { t: 'ab\n' }), false);
      assert.equal(matches({ operator: 'REGEX', value: 'ab$' }, { t: 'ab\n' }), true);
      assert.equal(matches({ operator: 'REGEX', value: 'a{,2}b' }, { t: 'aab' }), true);
      assert.equal(matches({ operator: 'REGEX', value: 'a(?#comment)b' }, { t: 'ab' }), true);
      assert.equal(matches({ operator: 'REGEX', value: '[]a]+$' }, { t: ']a' }), true);
    });
    it('an invalid pattern never matches and never throws', () => {
      for (const value of ['[', '(', 'a)', '*a', '\\q', '(?P<x', 'a{2', '(?L)a', '\\']) {
        assert.equal(matches({ operator: 'REGEX', value }, { t: 'a' }), false, value);
      }
    });
  });

  describe('MODULO', () => {
    it('uses divisor|remainder with Python floor-mod', () => {
      assert.equal(matches({ operator: 'MODULO', value: '2|0' }, { t: 10 }), true);
      assert.equal(matches({ operator: 'MODULO', value: '3|2' }, { t: -1 }), true);
      assert.equal(matches({ operator: 'MODULO', value: '-3|-1' }, { t: 2 }), true);
      assert.equal(matches({ operator: 'MODULO', value: '2.5|0.5' }, { t: 3 }), true);
      assert.equal(matches({ operator: 'MODULO', value: '2|1' }, { t: true }), true);
    });
    it('does not match non-numbers, a zero divisor or a bad format', () => {
      assert.equal(matches({ operator: 'MODULO', value: '2|0' }, { t: '10a' }), false);
      // A numeric string trait is read as a number, as Flagsmith's context mapper does.
      assert.equal(matches({ operator: 'MODULO', value: '2|0' }, { t: '10' }), true);
      assert.equal(matches({ operator: 'MODULO', value: '0|0' }, { t: 10 }), false);
      assert.equal(matches({ operator: 'MODULO', value: 'a|0' }, { t: 10 }), false);
      assert.equal(matches({ operator: 'MODULO', value: '2' }, { t: 10 }), false);
      assert.equal(matches({ operator: 'MODULO', value: '2|0|1' }, { t: 10 }), false);
      assert.equal(matches({ operator: 'MODULO', value: null }, { t: 10 }), false);
    });
  });

  describe('IN', () => {
    it('splits a comma list without trimming', () => {
      assert.equal(matches({ operator: 'IN', value: 'a, b' }, { t: 'b' }), false);
      assert.equal(matches({ operator: 'IN', value: 'a, b' }, { t: ' b' }), true);
      assert.equal(matches({ operator: 'IN', value: 'a,b' }, { t: 'a,b' }), false);
    });
    it('looks up str() of ints, never floats or booleans', () => {
      assert.equal(matches({ operator: 'IN', value: '1,42' }, { t: 42 }), true);
      assert.equal(matches({ operator: 'IN', value: '0,1' }, { t: 0 }), true);
      assert.equal(matches({ operator: 'IN', value: '1.5' }, { t: 1.5 }), false);
      assert.equal(matches({ operator: 'IN', value: 'True,true,1' }, { t: true }), false);
    });
    it('reads JSON arrays, str()-ing their items, and falls back to the comma list', () => {
      assert.equal(matches({ operator: 'IN', value: '["a","b c"]' }, { t: 'b c' }), true);
      // Only a value starting with "[" is tried as JSON: a leading space makes it a comma list.
      assert.equal(matches({ operator: 'IN', value: ' ["a"]' }, { t: 'a' }), false);
      assert.equal(matches({ operator: 'IN', value: ' ["a"]' }, { t: ' ["a"]' }), true);
      // "1.0" is listed, but the trait "1.0" is read as the float 1.0, and floats are never IN.
      assert.equal(matches({ operator: 'IN', value: '[1.0, 2]' }, { t: '1.0' }), false);
      assert.equal(matches({ operator: 'IN', value: '[1.0, 2]' }, { t: 2 }), true);
      assert.equal(matches({ operator: 'IN', value: '[[1, 2], {"a": null}]' }, { t: "{'a': None}" }), true);
      assert.equal(matches({ operator: 'IN', value: '[1, 2]' }, { t: 2 }), true);
      assert.equal(matches({ operator: 'IN', value: '[true]' }, { t: 'True' }), true);
      assert.equal(matches({ operator: 'IN', value: '[a,b]' }, { t: 'b]' }), true);
      assert.equal(matches({ operator: 'IN', value: ['x', 'y'] }, { t: 'y' }), true);
      // "".split(",") is [""]: the empty string is listed.
      assert.equal(matches({ operator: 'IN', value: '' }, { t: '' }), true);
      assert.equal(matches({ operator: 'IN', value: '' }, { t: 'a' }), false);
    });
    it('handles 10,000 values as a set', () => {
      const values = Array.from({ length: 10_000 }, (_, i) => `user_${i}`);
      assert.equal(matches({ operator: 'IN', value: values.join(',') }, { t: 'user_9999' }), true);
      assert.equal(matches({ operator: 'IN', value: JSON.stringify(values) }, { t: 'user_5000' }), true);
      assert.equal(matches({ operator: 'IN', value: values.join(',') }, { t: 'user_10000' }), false);
    });
  });

  describe('PERCENTAGE_SPLIT', () => {
    const key = 'env_alice';
    const bucket = hashedPercentage(['7', key]);
    it('hashes the segment key with the identity key', () => {
      assert.equal(
        matches({ operator: 'PERCENTAGE_SPLIT', property: '', value: String(bucket) }, {}, { key }),
        true,
      );
      assert.equal(
        matches({ operator: 'PERCENTAGE_SPLIT', property: '', value: String(bucket - 1e-9) }, {}, { key }),
        false,
      );
    });
    it('0 matches nobody here, 100 everybody', () => {
      assert.equal(matches({ operator: 'PERCENTAGE_SPLIT', property: '', value: '0' }), bucket === 0);
      assert.equal(matches({ operator: 'PERCENTAGE_SPLIT', property: '', value: '100' }), true);
    });
    it('takes fractional thresholds and fills a missing identity key from the environment', () => {
      // No key: Flagsmith's "{environment key}_{identifier}" = "env_alice".
      assert.equal(matches({ operator: 'PERCENTAGE_SPLIT', property: null, value: `${bucket}` }), true);
      assert.equal(
        matches({ operator: 'PERCENTAGE_SPLIT', property: null, value: `${bucket * 0.999}` }),
        false,
      );
    });
    it('hashes a property value when one is given, and never matches without it', () => {
      const byTrait = hashedPercentage(['7', '42']);
      assert.equal(
        matches({ operator: 'PERCENTAGE_SPLIT', property: 't', value: String(byTrait) }, { t: 42 }),
        true,
      );
      assert.equal(matches({ operator: 'PERCENTAGE_SPLIT', property: 't', value: '100' }), false);
      assert.equal(matches({ operator: 'PERCENTAGE_SPLIT', property: '', value: 'abc' }), false);
    });
  });

  describe('JSONPath properties', () => {
    it('resolves the identity and the environment', () => {
      assert.equal(matches({ operator: 'EQUAL', property: '$.identity.identifier', value: 'alice' }), true);
      assert.equal(matches({ operator: 'EQUAL', property: '$.environment.name', value: 'Production' }), true);
      assert.equal(matches({ operator: 'EQUAL', property: '$.identity.key', value: 'env_alice' }), true);
      assert.equal(
        matches({ operator: 'EQUAL', property: "$.identity.traits['a b']", value: 'x' }, { 'a b': 'x' }),
        true,
      );
      assert.equal(
        matches({ operator: 'EQUAL', property: '$.identity.traits.plan', value: 'pro' }, { plan: 'pro' }),
        true,
      );
    });
    it('prefers a trait named like the path, and treats objects and unknown paths as not set', () => {
      assert.equal(
        matches(
          { operator: 'EQUAL', property: '$.environment.name', value: 'x' },
          { '$.environment.name': 'x' },
        ),
        true,
      );
      assert.equal(matches({ operator: 'IS_NOT_SET', property: '$.identity' }), true);
      assert.equal(matches({ operator: 'IS_NOT_SET', property: '$.nowhere.at.all' }), true);
      // Full RFC 9535: the first node of a wildcard is the value.
      assert.equal(matches({ operator: 'IS_SET', property: '$.identity.traits[*]' }, { a: 1 }), true);
      assert.equal(
        matches({ operator: 'EQUAL', property: '$.identity.traits[?@ > 1]', value: '5' }, { a: 0, b: 5 }),
        true,
      );
    });
  });

  describe('rules', () => {
    function segment(rules: unknown): boolean {
      return (
        getEvaluationResult({
          environment: ENVIRONMENT,
          identity: { identifier: 'alice', traits: { a: 1, b: 2 } },
          segments: { '1': { key: '1', name: 's', rules: rules as never } },
        }).segments.length === 1
      );
    }
    const yes = { property: 'a', operator: 'EQUAL', value: '1' };
    const no = { property: 'a', operator: 'EQUAL', value: '2' };
    it('a segment needs at least one rule; empty lists are true for every type', () => {
      assert.equal(segment([]), false);
      assert.equal(segment([{ type: 'ALL' }]), true);
      assert.equal(segment([{ type: 'ANY', conditions: [], rules: [] }]), true);
      assert.equal(segment([{ type: 'NONE', conditions: [] }]), true);
    });
    it('ALL, ANY and NONE apply to conditions and to sub-rules', () => {
      assert.equal(segment([{ type: 'ALL', conditions: [yes, no] }]), false);
      assert.equal(segment([{ type: 'ANY', conditions: [no, yes] }]), true);
      assert.equal(segment([{ type: 'NONE', conditions: [no, no] }]), true);
      assert.equal(segment([{ type: 'NONE', conditions: [no, yes] }]), false);
      assert.equal(
        segment([
          {
            type: 'ANY',
            rules: [
              { type: 'ALL', conditions: [no] },
              { type: 'ALL', conditions: [yes] },
            ],
          },
        ]),
        true,
      );
      assert.equal(segment([{ type: 'NONE', rules: [{ type: 'ALL', conditions: [yes] }] }]), false);
      assert.equal(
        segment([
          { type: 'ALL', conditions: [yes] },
          { type: 'ALL', conditions: [no] },
        ]),
        false,
      );
      assert.equal(segment([{ type: 'SOME', conditions: [yes] }]), false);
    });
    it('evaluates a segment with 100 conditions', () => {
      const conditions = Array.from({ length: 100 }, (_, i) => ({
        property: `t${i}`,
        operator: 'EQUAL',
        value: String(i),
      }));
      const traits = Object.fromEntries(conditions.map((_, i) => [`t${i}`, i]));
      const result = getEvaluationResult({
        environment: ENVIRONMENT,
        identity: { identifier: 'alice', traits },
        segments: { '1': { key: '1', name: 's', rules: [{ type: 'ALL', conditions }] } },
      });
      assert.equal(result.segments.length, 1);
    });
  });
});
