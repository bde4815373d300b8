// StrykerJS 9's mocha runner loads mocha's CLI internals by extensionless paths
// (`mocha/lib/cli/run-helpers`, `options`, `collect-files`); mocha 12 ships them as `.cjs`, which
// require() does not try, so the plugin fails before it registers. Stryker 10 fixes this but needs
// Node 22 (stryker-js#6205). Until then, retry exactly those requests with `.cjs`. Loaded by
// stryker.config.mjs (main process) and through testRunnerNodeArgs (test-runner processes).
const Module = require('node:module');

const mochaCliInternal = /[\\/]mocha[\\/]lib[\\/]cli[\\/][\w-]+$/;
const resolveFilename = Module._resolveFilename;

Module._resolveFilename = function resolveMochaCli(request, ...rest) {
  try {
    return resolveFilename.call(this, request, ...rest);
  } catch (error) {
    if (error?.code !== 'MODULE_NOT_FOUND' || !mochaCliInternal.test(request)) throw error;
    return resolveFilename.call(this, `${request}.cjs`, ...rest);
  }
};
