import { strict as assert } from 'node:assert';
import type { ContextValue } from './evaluation-context.js';
import { getEvaluationResult } from './get-evaluation-result.js';
import { hashedPercentage } from './hashed-percentage.js';

// PERCENTAGE_SPLIT with a property hashes `[segment key, str(trait value)]` instead of the identity key, so
// the same identity falls inside or outside the split according to its trait.

const SEGMENT_KEY = '7';

function inSplit(threshold: string, traits: Record<string, ContextValue>, identifier = 'alice'): boolean {
  const result = getEvaluationResult({
    environment: { key: 'env', name: 'Production' },
    identity: { identifier, key: `env_${identifier}`, traits },
    segments: {
      [SEGMENT_KEY]: {
        key: SEGMENT_KEY,
        name: 'split by plan',
        rules: [
          { type: 'ALL', conditions: [{ operator: 'PERCENTAGE_SPLIT', property: 'plan', value: threshold }] },
        ],
      },
    },
  });
  return result.segments.length === 1;
}

describe('PERCENTAGE_SPLIT on a trait', () => {
  const values = Array.from({ length: 40 }, (_, n) => `plan-${n}`);
  const bucket = (value: string) => hashedPercentage([SEGMENT_KEY, value]);

  it('matches exactly the trait values whose bucket is at or below the threshold', () => {
    const expected = values.map((value) => bucket(value) <= 50);
    assert.ok(expected.includes(true) && expected.includes(false), 'the sample straddles the threshold');
    assert.deepEqual(
      values.map((value) => inSplit('50', { plan: value })),
      expected,
    );
  });

  it('holds the boundary: the bucket itself matches, a hair below does not', () => {
    const value = 'plan-7';
    assert.equal(inSplit(String(bucket(value)), { plan: value }), true);
    assert.equal(inSplit(String(bucket(value) - 1e-9), { plan: value }), false);
  });

  it('hashes the trait, not the identity: two identities with one value land alike', () => {
    const outside = values.find((value) => bucket(value) > 50) as string;
    const inside = values.find((value) => bucket(value) <= 50) as string;
    for (const identifier of ['alice', 'bob', 'carol']) {
      assert.equal(inSplit('50', { plan: outside }, identifier), false, identifier);
      assert.equal(inSplit('50', { plan: inside }, identifier), true, identifier);
    }
  });

  it('hashes str() of numbers and booleans, as Python does', () => {
    const numberBucket = hashedPercentage([SEGMENT_KEY, '42']);
    assert.equal(inSplit(String(numberBucket), { plan: 42 }), true);
    assert.equal(inSplit(String(numberBucket - 1e-9), { plan: 42 }), false);
    const booleanBucket = hashedPercentage([SEGMENT_KEY, 'True']);
    assert.equal(inSplit(String(booleanBucket), { plan: true }), true);
    assert.equal(inSplit(String(booleanBucket - 1e-9), { plan: true }), false);
  });

  it('never matches a missing or null trait, even at 100', () => {
    assert.equal(inSplit('100', {}), false);
    assert.equal(inSplit('100', { plan: null }), false);
    assert.equal(inSplit('100', { other: 'plan-1' }), false);
  });
});
