import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocumentIdentity, EnvironmentDocument } from '../../core/evaluation/environment-document.js';
import { mapEnvironmentDocumentToContext } from '../../core/evaluation/map-environment-document.js';
import { parseJson } from '../../core/evaluation/python-json.js';
import { disagreement, documentDisagreement, type PythonAnswer } from './compare-with-python.js';

// Generated contexts with the answers of Flagsmith's Python engine (flagsmith-flag-engine, run on its own source;
// versions in each file's "engine"), replayed without Python. Where Python raised, Vexil must answer without
// throwing (README.md in core/evaluation lists what it answers). Regenerate as README.md beside this file says.
const casesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');
const files = readdirSync(casesDir)
  .filter((name) => name.endsWith('.json'))
  .sort();

interface RecordedCase {
  id: string;
  topic: string;
  context: unknown;
}

interface RecordedDocument {
  document: EnvironmentDocument;
  identities: ({ id: string; identity: DocumentIdentity } & PythonAnswer)[];
}

type Recorded = { engine: Record<string, string> } & (
  | { cases: (RecordedCase & PythonAnswer)[] }
  | { documents: RecordedDocument[] }
);

/** Document identities as cases: the context is the mapper's, and the compiled document must agree too. */
function casesOf(
  recorded: Recorded,
): { testCase: RecordedCase & PythonAnswer; difference: () => string | undefined }[] {
  if ('cases' in recorded) {
    return recorded.cases.map((testCase) => ({
      testCase,
      difference: () => disagreement(testCase.context, testCase),
    }));
  }
  return recorded.documents.flatMap(({ document, identities }) =>
    identities.map((item) => {
      const context = mapEnvironmentDocumentToContext(document, item.identity);
      const testCase = { ...item, topic: 'document', context };
      return {
        testCase,
        difference: () => disagreement(context, item) ?? documentDisagreement(document, item.identity, item),
      };
    }),
  );
}

describe("python oracle: Flagsmith's Python engine answers on generated contexts", () => {
  for (const file of files) {
    it(`agrees on every case of ${file}`, () => {
      const recorded = parseJson(readFileSync(path.join(casesDir, file), 'utf8')) as Recorded;
      const cases = casesOf(recorded);
      assert.ok(cases.length > 0, `${file} has no cases`);
      const tally = new Map<string, { agree: number; pythonRaised: number }>();
      const differences: string[] = [];
      for (const { testCase, difference: compare } of cases) {
        const counts = tally.get(testCase.topic) ?? { agree: 0, pythonRaised: 0 };
        tally.set(testCase.topic, counts);
        const difference = compare();
        if (difference !== undefined) differences.push(`${testCase.id}: ${difference}`);
        else if ('error' in testCase) counts.pythonRaised++;
        else counts.agree++;
      }
      const summary = [...tally.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(
          ([topic, counts]) =>
            `${topic} ${counts.agree}${counts.pythonRaised ? ` (+${counts.pythonRaised} raised)` : ''}`,
        );
      console.log(`      ${file} (${Object.values(recorded.engine).join(', ')}): ${summary.join('; ')}`);
      assert.deepEqual(differences.slice(0, 10), [], `${differences.length} of ${cases.length} disagree`);
    });
  }
});
