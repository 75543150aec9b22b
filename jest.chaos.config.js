/**
 * Jest configuration of the chaos suite (test/chaos): the shared base with Azurite, test/chaos
 * only, run in band by `npm run test:chaos` (each scenario starts a stack of its own and loads it).
 * @type {import('jest').Config}
 */
const { base, withStorage } = require("./test/support/jestBase.js");

module.exports = { ...base, ...withStorage, rootDir: __dirname, roots: ["<rootDir>/test/chaos"], testTimeout: 15 * 60_000 };
