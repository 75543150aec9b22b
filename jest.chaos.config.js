/**
 * Jest configuration of the chaos suite (test/chaos): the base configuration, test/chaos only,
 * run in band by `npm run test:chaos` (each scenario starts a stack of its own and loads it).
 * @type {import('jest').Config}
 */
const base = require("./jest.config.js");

module.exports = { ...base, roots: ["<rootDir>/test/chaos"], testPathIgnorePatterns: ["/node_modules/"], testTimeout: 15 * 60_000 };
