// npm run bench:engine — microseconds per identity evaluation (all flags) for Vexil's engine and for the engine
// inside flagsmith-nodejs 8 (local evaluation, document served from 127.0.0.1), plus compile cost at 10,000 features.
import { performance } from 'node:perf_hooks';
import { compileEnvironment } from '../core/evaluation/compile-environment.js';
import { evaluate } from '../core/evaluation/evaluate.js';
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function format(value: number, digits = 2): string {
  return value.toFixed(digits);
}

async function main(): Promise<void> {
  const random = seededRandom(SEED);
  const document = benchEnvironmentDocument({ features: 200, multivariate: 40, segments: 20 }, random);
  const identities = Array.from({ length: IDENTITIES }, (_, index) => benchIdentity(index, random));

  const compiled = compileEnvironment(document);
  let checksum = 0;
  for (let i = 0; i < 5_000; i++) checksum += evaluate(compiled, identities[i % IDENTITIES]).segments.length;
  const oursRounds: number[] = [];
  for (let round = 0; round < OURS_ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < OURS_PER_ROUND; i++) {
      checksum += evaluate(compiled, identities[i % IDENTITIES]).segments.length;
    }
    oursRounds.push(((performance.now() - start) * 1000) / OURS_PER_ROUND);
  }
  const ours = median(oursRounds);

  const client = await startFlagsmithLocalClient(document);
  let theirs: number;
  try {
    const flagsmith = client.flagsmith;
    for (let i = 0; i < 500; i++) {
      const identity = identities[i % IDENTITIES];
      if (identity)
        checksum += (await flagsmith.getIdentityFlags(identity.identifier, identity.traits)).allFlags()
          .length;
    }
    const rounds: number[] = [];
    for (let round = 0; round < FLAGSMITH_ROUNDS; round++) {
      const start = performance.now();
      for (let i = 0; i < FLAGSMITH_PER_ROUND; i++) {
        const identity = identities[i % IDENTITIES];
        if (identity)
          checksum += (await flagsmith.getIdentityFlags(identity.identifier, identity.traits)).allFlags()
            .length;
      }
      rounds.push(((performance.now() - start) * 1000) / FLAGSMITH_PER_ROUND);
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
  const largeEvalStart = performance.now();
  const LARGE_EVALS = 200;
  for (let i = 0; i < LARGE_EVALS; i++)
    checksum += evaluate(largeCompiled, identities[i % IDENTITIES]).segments.length;
  const largeEval = ((performance.now() - largeEvalStart) * 1000) / LARGE_EVALS;

  console.log(
    `engine benchmark (seed ${SEED}; 200 features, 40 multivariate, 20 segments, 5 traits per identity)`,
  );
  console.log(`  node ${process.version}, one core, median of rounds`);
  console.log(`  vexil:            ${format(ours)} µs/identity   ${format(1e6 / ours, 0)} identities/s`);
  console.log(`  flagsmith-nodejs: ${format(theirs)} µs/identity   ${format(1e6 / theirs, 0)} identities/s`);
  console.log(`  ratio:            ${format(theirs / ours, 1)}× faster`);
  console.log(
    `  compile 10,000-feature document: ${format(median(compileTimes))} ms (median of ${COMPILE_RUNS})`,
  );
  console.log(`  evaluate 10,000 features for one identity: ${format(largeEval)} µs`);
  console.log(`  (checksum ${checksum})`);
}

await main();
