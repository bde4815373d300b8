import { strict as assert } from 'node:assert';
import { type IdentityFlagOut, identityFlagsChunks } from './sdk-identities.js';

const printed = (flags: IdentityFlagOut[]) => `[${Buffer.concat(identityFlagsChunks(flags)).toString()}]`;

describe('identityFlagsChunks', () => {
  const feature = (id: number, name: string): IdentityFlagOut['feature'] => ({
    id,
    name,
    created_date: '2026-12-01T10:00:00.123456Z',
    description: id % 2 ? null : 'says "hi" \\ with\nlines and ünïcödé \u2028',
    initial_value: id % 3 ? null : '{"a": 1}',
    default_enabled: id % 2 === 0,
    type: id % 2 ? 'STANDARD' : 'MULTIVARIATE',
  });

  it('prints exactly what JSON.stringify prints, for every kind of value and a feature reused across calls', () => {
    const shared = feature(2, 'shared');
    const flags: IdentityFlagOut[] = [
      {
        id: 1,
        feature: feature(1, 'a'),
        feature_state_value: 'plain',
        environment: 7,
        identity: null,
        feature_segment: null,
        enabled: true,
        variant: null,
      },
      {
        id: null,
        feature: shared,
        feature_state_value: 'quote " and \\ and \u0000',
        environment: null,
        identity: null,
        feature_segment: null,
        enabled: false,
        variant: 'control',
      },
      {
        id: 3,
        feature: feature(3, 'n'),
        feature_state_value: -12,
        environment: 7,
        identity: 99,
        feature_segment: null,
        enabled: true,
        variant: 'blue "v"',
      },
      {
        id: 4,
        feature: feature(4, 'b'),
        feature_state_value: false,
        environment: 7,
        identity: null,
        feature_segment: 5,
        enabled: true,
        variant: null,
      },
      {
        id: 5,
        feature: feature(5, 'z'),
        feature_state_value: null,
        environment: 7,
        identity: null,
        feature_segment: null,
        enabled: false,
        variant: null,
      },
    ];
    assert.equal(printed(flags), JSON.stringify(flags));
    assert.equal(printed(flags), JSON.stringify(flags), 'from the cache');
    const again = [{ ...(flags[1] as IdentityFlagOut), feature_state_value: 1.5, enabled: true }];
    assert.equal(printed(again), JSON.stringify(again), 'another value of a cached feature');
    const toggled = [
      { ...(flags[0] as IdentityFlagOut), enabled: false },
      { ...(flags[0] as IdentityFlagOut), variant: 'x' },
    ];
    assert.equal(
      printed(toggled),
      JSON.stringify(toggled),
      'enabled and variant are part of what is looked up',
    );
    assert.equal(printed([]), '[]');
  });

  it('answers each value of a feature right as the values alternate, and past the per-feature bound', () => {
    const shared = feature(8, 'alternating');
    const flag = (value: number | string, enabled: boolean): IdentityFlagOut => ({
      id: 80,
      feature: shared,
      feature_state_value: value,
      environment: 7,
      identity: null,
      feature_segment: null,
      enabled,
      variant: typeof value === 'number' ? 'v' : null,
    });
    const sequence = [flag(1, true), flag('1', true), flag(1, true), flag(1, false), flag('1', true)];
    for (const one of sequence) assert.equal(printed([one]), JSON.stringify([one]));
    assert.equal(printed(sequence), JSON.stringify(sequence));
    const many = Array.from({ length: 100 }, (_, i) => flag(i * 3, i % 2 === 0));
    for (let round = 0; round < 2; round++)
      for (const one of many) assert.equal(printed([one]), JSON.stringify([one]));
  });
});
