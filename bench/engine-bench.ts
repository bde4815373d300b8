// npm run bench:engine — microseconds per identity evaluation (all flags) for Vexil's engine and for the engine
// inside flagsmith-nodejs 8 (local evaluation, document served from 127.0.0.1), plus compile cost at 10,000 features.
// Every loop is bounded; SEED= changes the generated environment and identities.
import { performance } from 'node:perf_hooks';
import { compileEnvironment } from '../core/evaluation/compile-environment.js';
import { evaluate, evaluateList } from '../core/evaluation/evaluate.js';
import { startFlagsmithLocalClient } from '../test/differential/flagsmith-local-client.js';
import { seededRandom } from '../test/differential/seeded-random.js';
import { benchEnvironmentDocument, benchIdentity } from './bench-environment-document.js';

const SEED = Number(process.env.SEED ?? 20260);
const IDENTITIES = 2000;
const OURS_ROUNDS = 5;
const OURS_PER_ROUND = 40_000;
const FLAGSMITH_ROUNDS = 3;
const FLAGSMITH_PER_ROUND = 3_000;
const COMPILE_RUNS = 5;
const LARGE_EVALS = 200;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function format(value: number, digits = 2): string {
  return value.toFixed(digits);
}

/** Median over rounds of the mean microseconds per call. */
function timeSync(
  rounds: number,
  perRound: number,
  run: (index: number) => number,
): { micros: number; sink: number } {
  let sink = 0;
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    for (let i = 0; i < perRound; i++) sink += run(i);
    results.push(((performance.now() - start) * 1000) / perRound);
  }
  return { micros: median(results), sink };
}

async function main(): Promise<void> {
  const random = seededRandom(SEED);
  const document = benchEnvironmentDocument({ features: 200, multivariate: 40, segments: 20 }, random);
  const identities = Array.from({ length: IDENTITIES }, (_, index) => benchIdentity(index, random));
  const identity = (index: number) => identities[index % IDENTITIES];
  let checksum = 0;

  const compiled = compileEnvironment(document);
  checksum += timeSync(1, 5_000, (i) => evaluate(compiled, identity(i)).segments.length).sink;
  const ours = timeSync(OURS_ROUNDS, OURS_PER_ROUND, (i) => evaluate(compiled, identity(i)).segments.length);
  const oursList = timeSync(
    OURS_ROUNDS,
    OURS_PER_ROUND,
    (i) => evaluateList(compiled, identity(i)).flags.length,
  );
  checksum += ours.sink + oursList.sink;

  const client = await startFlagsmithLocalClient(document);
  let theirs: number;
  try {
    const flagsmith = client.flagsmith;
    const rounds: number[] = [];
    for (let round = -1; round < FLAGSMITH_ROUNDS; round++) {
      const count = round < 0 ? 500 : FLAGSMITH_PER_ROUND;
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        const { identifier, traits } = identities[i % IDENTITIES] as (typeof identities)[number];
        checksum += (await flagsmith.getIdentityFlags(identifier, traits)).allFlags().length;
      }
      // Round -1 only warms up.
      if (round >= 0) rounds.push(((performance.now() - start) * 1000) / count);
    }
    theirs = median(rounds);
  } finally {
    await client.close();
  }

  const large = benchEnvironmentDocument(
    { features: 10_000, multivariate: 2_000, segments: 20 },
    seededRandom(SEED + 1),
  );
  const compileTimes: number[] = [];
  let largeCompiled = compileEnvironment(large);
  for (let run = 0; run < COMPILE_RUNS; run++) {
    const start = performance.now();
    largeCompiled = compileEnvironment(large);
    compileTimes.push(performance.now() - start);
  }
  checksum += timeSync(1, 20, (i) => evaluateList(largeCompiled, identity(i)).flags.length).sink;
  const largeEval = timeSync(3, LARGE_EVALS / 4, (i) => evaluate(largeCompiled, identity(i)).segments.length);
  const largeList = timeSync(
    3,
    LARGE_EVALS / 4,
    (i) => evaluateList(largeCompiled, identity(i)).flags.length,
  );
  checksum += largeEval.sink + largeList.sink;

  const rate = (micros: number) => `${format(1e6 / micros, 0)} identities/s`;
  console.log(
    `engine benchmark (seed ${SEED}; 200 features, 40 multivariate, 20 segments, 5 traits per identity)`,
  );
  console.log(`  node ${process.version}, one core, median of rounds`);
  console.log(`  vexil evaluate:      ${format(ours.micros)} µs/identity   ${rate(ours.micros)}`);
  console.log(`  vexil evaluateList:  ${format(oursList.micros)} µs/identity   ${rate(oursList.micros)}`);
  console.log(`  flagsmith-nodejs 8:  ${format(theirs)} µs/identity   ${rate(theirs)}`);
  console.log(`  ratio (evaluate):    ${format(theirs / ours.micros, 1)}× faster`);
  console.log(`  10,000 features: compile ${format(median(compileTimes))} ms (median of ${COMPILE_RUNS});`);
  console.log(
    `    per identity ${format(largeEval.micros)} µs (evaluate), ${format(largeList.micros)} µs (evaluateList)`,
  );
  console.log(`  (checksum ${checksum})`);
}

await main();
