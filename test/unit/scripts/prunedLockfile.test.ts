/**
 * The deployment package installs from the project's lockfile pruned to the production
 * dependencies; pruning may drop packages, never change one or keep a workspace link.
 */
import { checkPrunedLockfile, DeploymentPackageError, type Lockfile } from "../../../scripts/lib/deploymentPackage";

const project: Lockfile = {
  packages: {
    "": {},
    "node_modules/zod": { version: "4.6.7", integrity: "sha512-zod" },
    "node_modules/croner": { version: "11.0.0", integrity: "sha512-croner" },
    "node_modules/@csp-support/local-host": { link: true },
    emulator: { version: "0.1.0" },
  },
};

describe("checkPrunedLockfile", () => {
  it("accepts a lockfile that keeps a subset of the project's packages unchanged", () => {
    expect(() => checkPrunedLockfile({ packages: { "": {}, "node_modules/zod": { version: "4.6.7", integrity: "sha512-zod" } } }, project)).not.toThrow();
  });

  it("refuses a package whose version or integrity moved, naming it", () => {
    expect(() => checkPrunedLockfile({ packages: { "": {}, "node_modules/zod": { version: "4.6.8", integrity: "sha512-zod" } } }, project)).toThrow(/node_modules\/zod@4\.6\.8/);
    expect(() => checkPrunedLockfile({ packages: { "": {}, "node_modules/zod": { version: "4.6.7", integrity: "sha512-other" } } }, project)).toThrow(DeploymentPackageError);
  });

  it("refuses a package the project's lockfile does not hold, and a workspace link", () => {
    expect(() => checkPrunedLockfile({ packages: { "": {}, "node_modules/left-pad": { version: "1.3.0", integrity: "sha512-x" } } }, project)).toThrow(/left-pad/);
    expect(() => checkPrunedLockfile({ packages: { "": {}, "node_modules/@csp-support/local-host": { link: true } } }, project)).toThrow(/local-host/);
  });
});
