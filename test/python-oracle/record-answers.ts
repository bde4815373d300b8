// Stores generated cases with the Python engine's answers as committed test data (facts, with the versions that
// produced them), which python-oracle.test.ts replays in CI without Python.
//   npx tsx test/python-oracle/record-answers.ts cases-in.json answers.json test/python-oracle/cases/seed-N.json
import { readFileSync, writeFileSync } from 'node:fs';
import { parseJson, stringifyJson } from '../../core/evaluation/python-json.js';
import type { PythonAnswer } from './compare-with-python.js';
import type { GeneratedCase } from './generate-cases.js';

const [casesPath, answersPath, outPath] = process.argv.slice(2) as [string, string, string];
const generated = parseJson(readFileSync(casesPath, 'utf8')) as {
  seed: number;
  cases: GeneratedCase[];
  documents?: { document: unknown; identities: { id: string; identity: unknown }[] }[];
};
const { engine, answers } = parseJson(readFileSync(answersPath, 'utf8')) as {
  engine: Record<string, string>;
  answers: ({ id: string } & PythonAnswer)[];
};
const byId = new Map(answers.map((answer) => [answer.id, answer]));
const answerOf = (id: string) => {
  const answer = byId.get(id);
  if (!answer) throw new Error(`no answer for ${id}`);
  const { id: _id, ...rest } = answer;
  return rest;
};
if (generated.documents) {
  // Document cases keep the document once; each identity's context is rebuilt by the mapper when replayed.
  const documents = generated.documents.map(({ document, identities }) => ({
    document,
    identities: identities.map(({ id, identity }) => ({ id, identity, ...answerOf(id) })),
  }));
  const head = `{"engine":${stringifyJson(engine)},"generator":${stringifyJson({ seed: generated.seed })},"documents":[\n`;
  writeFileSync(outPath, `${head}${documents.map((item) => stringifyJson(item)).join(',\n')}\n]}\n`);
  console.log(`${outPath}: ${documents.length} documents`);
  process.exit(0);
}
const cases = generated.cases.map((testCase) => {
  const answer = byId.get(testCase.id);
  if (!answer) throw new Error(`no answer for ${testCase.id}`);
  const { id: _id, ...rest } = answer;
  return { id: testCase.id, topic: testCase.topic, context: testCase.context, ...rest };
});
const header = `{"engine":${stringifyJson(engine)},"generator":${stringifyJson({ seed: generated.seed, count: cases.length })},"cases":[\n`;
writeFileSync(outPath, `${header}${cases.map((item) => stringifyJson(item)).join(',\n')}\n]}\n`);
console.log(`${outPath}: ${cases.length} cases`);
