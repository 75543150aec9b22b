/**
 * The Jest settings every project shares (jest.config.js, jest.chaos.config.js): TypeScript through
 * SWC, the ES-module-only dependency compiled, the host's built-in modules mapped.
 */
const base = {
  testEnvironment: "node",
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "typescript" } } }],
    // eld (language identification) ships ES modules only; Jest runs CommonJS, so it is compiled.
    "/node_modules/eld/.+\\.js$": ["@swc/jest", { jsc: { target: "es2022", parser: { syntax: "ecmascript" } }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!eld/)"],
  // The Node worker provides @azure/functions-core as a built-in module; so does the local host.
  moduleNameMapper: {
    "^@azure/functions-core$": "<rootDir>/emulator/worker/functionsCore.ts",
    // The local host workspace package (emulator/) is tested from its TypeScript sources, not its build.
    "^@csp-support/local-host$": "<rootDir>/emulator/index.ts",
    "^@csp-support/local-host/(cli|settings)$": "<rootDir>/emulator/$1.ts",
    "^@csp-support/local-host/(durable|testing|worker)$": "<rootDir>/emulator/$1/index.ts",
    // eld's package exports only an `import` condition, which Jest's CommonJS resolver does not use.
    "^eld/medium$": "<rootDir>/node_modules/eld/src/entries/static.medium.js",
  },
};

/** What needs Table Storage: Azurite for the whole run (one instance however many projects run). */
const withStorage = {
  globalSetup: "<rootDir>/test/support/globalSetup.ts",
  globalTeardown: "<rootDir>/test/support/globalTeardown.ts",
};

module.exports = { base, withStorage };
