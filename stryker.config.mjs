// Mutation testing of the kernel: `npm run test:mutation` (slow; not part of CI). The score says how many
// deliberate bugs the suite notices; the HTML report lands in coverage/mutation/.
// One file, quickly: `npm run test:mutation -- --mutate config/env-schema.ts`, and optionally
// MUTATION_SPEC=config/settings.test.ts to run only the tests that matter for it.
// StrykerJS 9.6 is the last line that runs on Node 20. Its mocha runner declares mocha < 12, so
// package.json's `overrides` lets it use ours; the shim below makes it find mocha 12's `.cjs` files.
import { fileURLToPath } from 'node:url';
import './test/support/mocha12-cli-resolve.cjs';

const resolveShim = fileURLToPath(new URL('./test/support/mocha12-cli-resolve.cjs', import.meta.url));

// The kernel's own tests. Suites that spawn processes or browsers (server-process, cli, browser) run
// un-instrumented code in other processes and so cannot kill a mutant; the engine has its own suites.
const kernelSpecs = [
  'config/**/*.test.ts',
  'core/http/**/*.test.ts',
  'core/users/**/*.test.ts',
  'core/instance/**/*.test.ts',
  'core/server.test.ts',
  'db/**/*.test.ts',
  'test/documentation.test.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'mocha',
  plugins: ['@stryker-mutator/mocha-runner'],
  mutate: [
    'config/**/*.ts',
    'core/http/**/*.ts',
    'core/users/**/*.ts',
    'core/instance/**/*.ts',
    'core/errors/**/*.ts',
    '!**/*.test.ts',
  ],
  mochaOptions: {
    spec: process.env.MUTATION_SPEC ? process.env.MUTATION_SPEC.split(',') : kernelSpecs,
  },
  // Mocha runs inside Stryker's worker, so .mocharc.json's `node-option` (tsx) does not apply there.
  testRunnerNodeArgs: ['--require', resolveShim, '--import', 'tsx'],
  // Stryker rewrites tsconfig paths that leave the sandbox through TypeScript's JS API, which TypeScript 7
  // no longer has; ours has no `extends` or `references`, so it is pointed at a file that does not exist.
  tsconfigFile: 'tsconfig.stryker-skips-this.json',
  coverageAnalysis: 'perTest',
  // Each test file builds its own database, so one worker per core is plenty on a small machine.
  concurrency: 2,
  timeoutMS: 30000,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'coverage/mutation/index.html' },
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['data', 'dist', 'coverage', '.c8_output', 'scratch', '.ci'],
  cleanTempDir: 'always',
};
