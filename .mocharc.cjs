// Mocha's configuration. `MOCHA_SPEC` narrows a run to some files while working on them
// (`MOCHA_SPEC=core/users/auth.test.ts npm test`); mocha itself would add command-line files to the spec.
const spec = process.env.MOCHA_SPEC
  ? process.env.MOCHA_SPEC.split(',')
  : [
      'core/**/*.test.ts',
      'config/**/*.test.ts',
      'db/**/*.test.ts',
      'plugins/**/*.test.ts',
      'test/**/*.test.ts',
    ];

module.exports = {
  'node-option': ['import=tsx'],
  spec,
  // test/sdk-clients/ installs packages of its own, whose test files are not ours.
  ignore: ['**/node_modules/**'],
  timeout: 20000,
  reporter: 'spec',
  exit: true,
  require: ['test/support/root-hooks.ts'],
};
