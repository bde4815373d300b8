import { dropTestDatabases } from './test-database.js';

/** Mocha root hooks, loaded through `.mocharc.cjs`'s `require`. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    // One DROP DATABASE … WITH (FORCE) per test file: dozens of them outlast the per-test timeout on a busy machine.
    this.timeout(180_000);
    await dropTestDatabases();
  },
};
