/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The chaos suite (test/chaos) runs on its own, in band: `npm run test:chaos` (and in .ci/run).
  testPathIgnorePatterns: ["/node_modules/", "/test/chaos/"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } } }],
    // eld (language identification) ships ES modules only; Jest runs CommonJS, so it is compiled.
    "/node_modules/eld/.+\\.js$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "ecmascript" } }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!eld/)"],
  globalSetup: "<rootDir>/test/support/globalSetup.ts",
  globalTeardown: "<rootDir>/test/support/globalTeardown.ts",
  testTimeout: 60000,
  // The Node worker provides @azure/functions-core as a built-in module; so does the local host.
  moduleNameMapper: {
    "^@azure/functions-core$": "<rootDir>/emulator/worker/functionsCore.ts",
    // eld's package exports only an `import` condition, which Jest's CommonJS resolver does not use.
    "^eld/medium$": "<rootDir>/node_modules/eld/src/entries/static.medium.js",
  },
};
