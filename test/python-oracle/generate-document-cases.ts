// Environment documents (the differential test's generator) with identities, for the Python-engine oracle. The
// Python engine reads contexts only: each identity's context is the document as Flagsmith's SDKs map it
// (mapEnvironmentDocumentToContext), and the replay checks that `compileEnvironment(document)` gives the same
// answer as that context does in Python (hide_disabled_flags applied to Python's flags, as the SDKs do).
//
//   npx tsx test/python-oracle/generate-document-cases.ts SEED DOCUMENTS IDENTITIES > cases-in.json
import type { DocumentRule, EnvironmentDocument } from '../../core/evaluation/environment-document.js';
import { mapEnvironmentDocumentToContext } from '../../core/evaluation/map-environment-document.js';
import {
  generateEnvironmentDocument,
  generateIdentity,
} from '../differential/generate-environment-document.js';
import { seededRandom } from '../differential/seeded-random.js';

/** A zero MODULO divisor makes Python raise for every identity; the oracle wants answers, so it divides by 5. */
function withoutZeroDivisors(document: EnvironmentDocument): EnvironmentDocument {
  const fix = (rules: readonly DocumentRule[]): void => {
    for (const rule of rules) {
      for (const condition of rule.conditions ?? []) {
        if (condition.operator === 'MODULO' && /^\s*[+-]?0*(\.0*)?\s*\|/.test(condition.value ?? '')) {
          condition.value = `5|${(condition.value ?? '').split('|')[1]}`;
        }
      }
      fix(rule.rules ?? []);
    }
  };
  for (const segment of document.project.segments ?? []) fix(segment.rules);
  return document;
}

export function generateDocumentCases(seed: number, documents: number, identities: number) {
  const random = seededRandom(seed);
  return Array.from({ length: documents }, (_, d) => {
    const generated = generateEnvironmentDocument(random);
    const document = withoutZeroDivisors(generated.document);
    // Segment ids out of order: ties between overrides follow the document's order, whatever the ids.
    document.project.segments?.reverse();
    const overriddenIdentifiers = generated.overriddenIdentifiers;
    return {
      document,
      identities: Array.from({ length: identities }, (_, i) => ({
        id: `document-${d}-${i}`,
        identity: generateIdentity(random, i, overriddenIdentifiers),
      })),
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { stringifyJson } = await import('../../core/evaluation/python-json.js');
  const [seed = 1, documents = 2, identities = 50] = process.argv.slice(2).map(Number);
  const generated = generateDocumentCases(seed, documents, identities);
  const cases = generated.flatMap(({ document, identities: list }) =>
    list.map(({ id, identity }) => ({
      id,
      topic: 'document',
      context: mapEnvironmentDocumentToContext(document, identity),
    })),
  );
  process.stdout.write(stringifyJson({ seed, documents: generated, cases }));
}
