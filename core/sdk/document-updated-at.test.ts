import { strict as assert } from 'node:assert';
import { documentUpdatedAtSeconds, httpDate } from './document-updated-at.js';

describe('X-Flagsmith-Document-Updated-At', () => {
  // What CPython prints for str(datetime.fromisoformat(text).timestamp()), recorded from Python 3.
  const python: [string, string][] = [
    ['2024-05-01T10:00:00.123456+00:00', '1714557600.123456'],
    ['2024-05-01T10:00:00+00:00', '1714557600.0'],
    ['2026-12-02T00:46:55.1+00:00', '1796172415.1'],
    ['1999-12-31T23:59:59.999999+00:00', '946684799.999999'],
    ['2026-01-02T03:04:05.000001+00:00', '1767323045.000001'],
    ['2038-01-19T03:14:07.654321+00:00', '2147483647.654321'],
  ];

  for (const [iso, expected] of python)
    it(`prints ${iso} as Python's float does: ${expected}`, () => {
      assert.equal(documentUpdatedAtSeconds(iso), expected);
    });

  it('refuses what is not a UTC isoformat timestamp', () => {
    assert.throws(() => documentUpdatedAtSeconds('2024-05-01T10:00:00Z'), RangeError);
    assert.throws(() => documentUpdatedAtSeconds('yesterday'), RangeError);
  });

  it('gives Last-Modified in whole seconds', () => {
    assert.equal(httpDate('2024-05-01T10:00:00.999999+00:00'), 'Wed, 01 May 2024 10:00:00 GMT');
  });
});
