/**
 * `npm run package [-- --out <folder>]`: builds the deployment package (default `dist-package/`,
 * what azure.yaml's `dist` points azd at; scripts/lib/deploymentPackage.ts) from the built app and
 * prints its size. Exits 1 with the reason when it cannot.
 */
import path from "node:path";
import { buildDeploymentPackage, formatDeploymentPackageSummary } from "./lib/deploymentPackage";
import { findProjectRoot } from "./lib/partners";

function main(): number {
  const root = findProjectRoot();
  const args = process.argv.slice(2);
  const at = args.indexOf("--out");
  const outDir = path.resolve(at >= 0 && args[at + 1] ? (args[at + 1] as string) : path.join(root, "dist-package"));
  try {
    console.log(formatDeploymentPackageSummary(buildDeploymentPackage({ root, outDir, log: (line) => console.log(line) })));
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

process.exitCode = main();
