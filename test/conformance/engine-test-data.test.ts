import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EvaluationContext, EvaluationResult } from '../../core/evaluation/evaluation-context.js';
import { getEvaluationResult } from '../../core/evaluation/get-evaluation-result.js';
import { parseJson } from '../../core/evaluation/python-json.js';

// Flagsmith's published engine test data (Flagsmith/engine-test-data): a context in, the expected result out.
// CI keeps the shared folder beside the clone; VEXIL_CONFORMANCE_DIR points elsewhere.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const casesDir =
  process.env.VEXIL_CONFORMANCE_DIR ??
  path.resolve(repoRoot, '../shared/conformance/flagsmith-engine-test-data/test_cases');

interface TestCase {
  context: EvaluationContext;
  result: EvaluationResult;
}

/** JSONC without its comments (strings are copied as they are), for the lossless reader. */
function stripComments(text: string): string {
  return text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_match, string) => string ?? '');
}

const available = existsSync(casesDir);
// CI always has the data, so there a missing folder fails the run. A clone on its own (no shared folder)
// reports the suite as pending with the reason, rather than failing `npm test` for want of test data.
if (!available && process.env.CI) {
  throw new Error(
    `Conformance cases not found at ${casesDir}. Put Flagsmith's engine-test-data beside the clone ` +
      '(../shared/conformance/flagsmith-engine-test-data/test_cases) or set VEXIL_CONFORMANCE_DIR.',
  );
}

const files = available
  ? readdirSync(casesDir)
      .filter((name) => name.endsWith('.json') || name.endsWith('.jsonc'))
      .sort()
  : [];

describe('conformance: Flagsmith engine-test-data', () => {
  let ran = 0;

  if (!available) it.skip(`needs the cases at ${casesDir} (or VEXIL_CONFORMANCE_DIR)`);

  before(() => {
    if (available) assert.ok(files.length > 0, `no .json/.jsonc cases in ${casesDir}`);
  });

  after(() => {
    if (available) console.log(`      conformance: ${ran} of ${files.length} cases ran (${casesDir})`);
  });

  for (const file of files) {
    it(file, () => {
      ran++;
      // Read as Python reads it: `2.0` stays a float, which decides typed comparisons.
      const testCase = parseJson(stripComments(readFileSync(path.join(casesDir, file), 'utf8'))) as TestCase;
      const actual = getEvaluationResult(testCase.context);
      assert.deepStrictEqual(actual.flags, testCase.result.flags);
      // parseJson keeps the segments' dict order (integer-like keys included), so matched segments come in
      // Python's order.
      assert.deepStrictEqual(actual.segments, testCase.result.segments);
    });
  }
});
