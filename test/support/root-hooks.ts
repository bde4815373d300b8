import { dropTestDatabases } from './test-database.js';

/** Mocha root hooks, loaded through `.mocharc.cjs`'s `require`. */
export const mochaHooks = {
  async afterAll() {
    await dropTestDatabases();
  },
};
