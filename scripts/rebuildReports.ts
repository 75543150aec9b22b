/**
 * `npm run reports:rebuild -- <partnerId>… | --all`: rebuilds the reports' read model of partners
 * from the facts already stored (each request's case row and SLA event log; for an indirect
 * provider also its resellers' requests escalated to it): `rebuildPartnerReports` of
 * shared/services/reports.ts. Run it once after deploying the reports (requests older than the
 * deployment have no facts yet), or to repair a partner's figures. Idempotent and safe while the
 * app runs: it makes the same writes the workflow's activities make, so running it twice, or
 * stopping it half-way and running it again, leaves the same read model.
 *
 * Storage as register-partner finds it: `AzureWebJobsStorage` from the environment or
 * local.settings.json, or after `azd up` the account `AZURE_STORAGE_ACCOUNT_NAME` names, reached
 * with DefaultAzureCredential (`prepareRegistrationEnv` in scripts/lib/partners.ts).
 * Exit codes: 0 done, 1 failure, 2 bad usage.
 */
import fs from "node:fs";
import path from "node:path";
import { getContainer } from "../shared/container";
import { rebuildPartnerReports } from "../shared/services/reports";
import { findProjectRoot, prepareRegistrationEnv } from "./lib/partners";
import { ensureLocalSecretsKey, LOCAL_SECRETS_KEY_FILE } from "./lib/stack";

/** Usage of the command. */
export const REBUILD_REPORTS_USAGE = "Usage: npm run reports:rebuild -- <partnerId>… | --all";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(REBUILD_REPORTS_USAGE);
    return 0;
  }
  const all = args.includes("--all");
  const ids = args.filter((a) => a !== "--all");
  if ((all && ids.length > 0) || (!all && ids.length === 0) || ids.some((a) => a.startsWith("-"))) {
    console.error(REBUILD_REPORTS_USAGE);
    return 2;
  }
  const root = findProjectRoot();
  const target = prepareRegistrationEnv(root);
  if (target.kind === "local" && !process.env.SECRETS_KEY_VAULT_KEY_ID && !process.env.SECRETS_LOCAL_KEYS && fs.existsSync(path.join(root, ".data", LOCAL_SECRETS_KEY_FILE))) {
    process.env.SECRETS_LOCAL_KEYS = ensureLocalSecretsKey(path.join(root, ".data"));
  }
  const container = getContainer();
  const partners = all ? (await container.partners.listPartners()).map((p) => p.id) : ids;
  for (const partnerId of partners) {
    if (!(await container.partners.getPartner(partnerId))) {
      console.error(`Partner ${partnerId} is not registered.`);
      return 1;
    }
    const started = Date.now();
    const result = await rebuildPartnerReports(container.caseFactDeps, partnerId, (n) => process.stdout.write(`\r${partnerId}: ${n} requests…`));
    process.stdout.write("\n");
    console.log(`${partnerId}: ${result.cases} requests recorded, ${result.days} days and ${result.rollups} month or week rollups recomputed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = e as Error & { code?: string };
    console.error(`Rebuilding the reports failed: ${err.message ?? String(e)}`);
    if (err.code === "InvalidConfiguration") console.error("Set the named settings in the environment or in local.settings.json.");
    if (/ECONNREFUSED|ENOTFOUND/.test(err.message ?? "")) console.error("Is the storage in AzureWebJobsStorage running? Locally, `npm start` starts Azurite.");
    console.error("Running the command again continues where it stopped (every write is idempotent).");
    process.exitCode = 1;
  },
);
