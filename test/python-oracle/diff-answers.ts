// Development aid: compares Vexil with a fresh run of the Python engine before the answers are recorded.
//   npx tsx test/python-oracle/diff-answers.ts cases-in.json answers.json
import { readFileSync } from 'node:fs';
import type { DocumentIdentity, EnvironmentDocument } from '../../core/evaluation/environment-document.js';
import { parseJson } from '../../core/evaluation/python-json.js';
import { disagreement, documentDisagreement, type PythonAnswer } from './compare-with-python.js';

const [casesPath, answersPath] = process.argv.slice(2) as [string, string];
const input = parseJson(readFileSync(casesPath, 'utf8')) as {
  cases: { id: string; topic: string; context: unknown }[];
  documents?: { document: EnvironmentDocument; identities: { id: string; identity: DocumentIdentity }[] }[];
};
const cases = input.cases;
const documentOf = new Map<string, { document: EnvironmentDocument; identity: DocumentIdentity }>();
for (const { document, identities } of input.documents ?? []) {
  for (const { id, identity } of identities) documentOf.set(id, { document, identity });
}
const answers = (
  parseJson(readFileSync(answersPath, 'utf8')) as { answers: ({ id: string } & PythonAnswer)[] }
).answers;
const byId = new Map(answers.map((answer) => [answer.id, answer]));
const tally = new Map<string, { agree: number; differ: number; raised: number }>();
let shown = 0;
for (const testCase of cases) {
  const answer = byId.get(testCase.id) as PythonAnswer;
  const counts = tally.get(testCase.topic) ?? { agree: 0, differ: 0, raised: 0 };
  tally.set(testCase.topic, counts);
  const fromDocument = documentOf.get(testCase.id);
  const difference =
    disagreement(testCase.context, answer) ??
    (fromDocument && documentDisagreement(fromDocument.document, fromDocument.identity, answer));
  if ('error' in answer && difference === undefined) counts.raised++;
  else if (difference === undefined) counts.agree++;
  else {
    counts.differ++;
    if (shown++ < Number(process.env.SHOW ?? 15)) {
      console.log(
        `${testCase.id}: ${difference}\n  ${JSON.stringify(testCase.context, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)).slice(0, 1500)}`,
      );
    }
  }
}
for (const [topic, counts] of [...tally.entries()].sort()) console.log(topic.padEnd(24), counts);
