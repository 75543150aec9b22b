// Layer rules (docs/architecture.md "Layers"): orchestrations are deterministic and import only
// shared/contracts and shared/domain (Temporal's workflow lint, domain-driven-hexagon layers).
import tseslint from "typescript-eslint";

const nonDeterministicGlobals = [
  { name: "setTimeout", message: "Use context.df.createTimer in orchestrations." },
  { name: "setInterval", message: "Use context.df.createTimer in orchestrations." },
  { name: "setImmediate", message: "Orchestrations must be deterministic." },
  { name: "process", message: "Orchestrations must not read the environment; pass values as input." },
  { name: "fetch", message: "Do I/O in activities." },
  { name: "require", message: "Import only shared/contracts and shared/domain." },
];

export default tseslint.config(
  { ignores: ["dist/**", "emulator/dist/**", "dist-package/**", "node_modules/**", "coverage/**", ".data/**", "*.js", "*.mjs"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["orchestrations/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*", "fs", "path", "crypto", "os", "http", "https", "child_process", "timers"], message: "Orchestrations must not use Node built-ins." },
            { group: ["@azure/*", "!@azure/functions"], message: "Orchestrations must not use Azure SDKs; call an activity." },
            { group: ["**/shared/adapters/**", "**/shared/services/**", "**/shared/ports/**", "**/shared/config*", "**/shared/container*", "**/functions/**", "**/emulator/**", "@csp-support/local-host", "@csp-support/local-host/*"], message: "Orchestrations import only shared/contracts and shared/domain." },
            { group: ["axios", "nodemailer", "uuid", "luxon", "moment"], message: "Orchestrations must be deterministic; do I/O in activities." },
          ],
        },
      ],
      "no-restricted-globals": ["error", ...nonDeterministicGlobals],
      "no-restricted-syntax": [
        "error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "Use context.df.currentUtcDateTime." },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: "Use context.df.currentUtcDateTime." },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: "Use context.df.newGuid()." },
        { selector: "CallExpression[callee.object.name='crypto']", message: "Use context.df.newGuid()." },
      ],
    },
  },
  {
    // The deployed app never reaches for the local host (it is not in the deployment package).
    files: ["functions/**/*.ts", "shared/**/*.ts"],
    ignores: ["shared/domain/**/*.ts", "shared/contracts/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/emulator/**", "**/emulator", "@csp-support/local-host", "@csp-support/local-host/*"], message: "The app does not import the local host (emulator/README.md)." }] }],
    },
  },
  {
    // The local host loads the app as a folder; it imports nothing from it.
    files: ["emulator/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/functions/**", "**/orchestrations/**", "**/shared/**"], message: "The local host imports nothing from the app (emulator/README.md)." }] }],
    },
  },
  {
    // The dashboard's browser code (dashboard/src, bundled by Vite): the server's types only, never
    // its code; text into the page, never HTML.
    files: ["dashboard/src/**/*.ts"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/shared/**", "**/functions/**", "**/orchestrations/**", "**/emulator/**", "**/scripts/**"], message: "The dashboard imports only types of the server (import type … from shared/contracts).", allowTypeImports: true }] },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { prefer: "type-imports" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-restricted-properties": [
        "error",
        { property: "innerHTML", message: "Put text in with textContent or the h() helper." },
        { property: "outerHTML", message: "Put text in with textContent or the h() helper." },
        { property: "insertAdjacentHTML", message: "Put text in with textContent or the h() helper." },
      ],
      "no-restricted-globals": ["error", { name: "eval", message: "The CSP forbids eval." }],
    },
  },
  {
    files: ["shared/domain/**/*.ts", "shared/contracts/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@azure/*", "node:*", "**/adapters/**", "**/services/**", "**/config*", "**/container*", "nodemailer"], message: "Domain and contracts are pure: no SDKs, no I/O." }] },
      ],
    },
  },
);
