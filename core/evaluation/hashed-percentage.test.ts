import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import {
  hashedPercentage,
  hashedPercentageOfJoined,
  hashedPercentageOfPair,
  hashedPercentageOfPrefixed,
  prepareHashPrefix,
} from './hashed-percentage.js';
import { md5 } from './md5.js';

function bigIntPercentage(text: string): number {
  const n = BigInt(`0x${createHash('md5').update(text, 'utf8').digest('hex')}`);
  return (Number(n % 9999n) / 9998) * 100;
}

describe('hashed percentage (Flagsmith get_hashed_percentage_for_object_ids)', () => {
  it('matches the values Flagsmith documents', () => {
    assert.equal(hashedPercentage(['78986', 'test_env_foobar']).toFixed(4), '54.5309');
    assert.equal(hashedPercentage(['12345', 'test_env_foobar']).toFixed(4), '51.9904');
    assert.equal(hashedPercentage(['1', '2']).toFixed(4), '26.5953');
  });

  it('equals the 128-bit BigInt computation', () => {
    for (let i = 0; i < 2000; i++) {
      const text = `${i * 7919},env_user_${i}${'é'.repeat(i % 3)}`;
      assert.equal(hashedPercentageOfJoined(text), bigIntPercentage(text), text);
    }
  });

  it('hashes a prefix and suffix as their concatenation, without joining them', () => {
    const suffixes = ['user', 'é', '😀', 'x'.repeat(60), '', 'api_key_user_123'];
    for (const prefix of ['7042,', 'ü,', '', 'y'.repeat(50)]) {
      for (const suffix of suffixes) {
        assert.equal(
          hashedPercentageOfPair(prefix, suffix),
          bigIntPercentage(prefix + suffix),
          `${prefix}|${suffix}`,
        );
      }
    }
  });
  it('hashes a prepared prefix with a suffix as their concatenation, at every alignment and length', () => {
    const suffixes = [
      'user',
      'é',
      '😀',
      'x'.repeat(60),
      '',
      'api_key_user_123',
      'a',
      'ab',
      'abc',
      'w'.repeat(50),
    ];
    const prefixes = ['', '7', '70,', '704,', '7042,', 'ü,', 'y'.repeat(50), 'z'.repeat(55), 'q'.repeat(56)];
    for (let round = 0; round < 2; round++) {
      // Prefixes in both orders under one suffix: the suffix's layouts are cached per alignment.
      for (const suffix of suffixes) {
        for (const text of round === 0 ? prefixes : [...prefixes].reverse()) {
          assert.equal(
            hashedPercentageOfPrefixed(prepareHashPrefix(text), suffix),
            bigIntPercentage(text + suffix),
            `${text}|${suffix}`,
          );
        }
      }
    }
  });

  it('retries a prepared prefix with the ids repeated when the value would be 100', () => {
    let found: string | undefined;
    for (let i = 0; i < 200_000 && found === undefined; i++) {
      if (bigIntPercentage(`1,${i}`) === 100) found = String(i);
    }
    assert.ok(found, 'no id hashing to 100 in the search range');
    assert.equal(
      hashedPercentageOfPrefixed(prepareHashPrefix('1,'), found),
      bigIntPercentage(`1,${found},1,${found}`),
    );
  });

  it('retries with the ids repeated when the value would be 100', () => {
    // Find ids whose first hash hits remainder 9998 (value 100): about one in 9999.
    let found: string | undefined;
    for (let i = 0; i < 200_000 && found === undefined; i++) {
      if (bigIntPercentage(`1,${i}`) === 100) found = String(i);
    }
    assert.ok(found, 'no id hashing to 100 in the search range');
    const value = hashedPercentage(['1', found]);
    assert.ok(value < 100);
    assert.equal(value, bigIntPercentage(`1,${found},1,${found}`));
  });
});

describe('md5', () => {
  it('equals node:crypto for ASCII, multi-byte and multi-block input', () => {
    const inputs = [
      '',
      'a',
      'abc',
      'x'.repeat(55),
      'x'.repeat(56),
      'y'.repeat(64),
      'z'.repeat(1000),
      'ünïcødé 🚀',
      '😀'.repeat(40),
    ];
    for (const input of inputs) {
      assert.equal(
        Buffer.from(md5(input)).toString('hex'),
        createHash('md5').update(input, 'utf8').digest('hex'),
        input,
      );
    }
  });
});
