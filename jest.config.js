/**
 * Jest configuration: three projects sharing one base.
 * - `unit` (test/unit): logic only, no storage or network (`npm run test:unit`, seconds);
 * - `integration` (test/integration): adapters, the local host and the app over real Table Storage
 *   (Azurite, started once by test/support/globalSetup.ts), SMTP and a browser;
 * - `e2e` (test/e2e): the whole stack as a user runs it, built from `dist/`.
 * The chaos suite (test/chaos) has its own configuration, jest.chaos.config.js.
 * @type {import('jest').Config}
 */
const { base, withStorage } = require("./test/support/jestBase.js");

module.exports = {
  testTimeout: 60000,
  projects: [
    { ...base, displayName: "unit", roots: ["<rootDir>/test/unit", "<rootDir>/emulator/test/unit"] },
    { ...base, ...withStorage, displayName: "integration", roots: ["<rootDir>/test/integration", "<rootDir>/emulator/test/integration"] },
    { ...base, ...withStorage, displayName: "e2e", roots: ["<rootDir>/test/e2e"] },
  ],
};
