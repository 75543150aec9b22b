/**
 * Prints the chaos suite's results (`.artifacts/chaos/*.json`, written by test/chaos) as a
 * Markdown table: requests, completed, lost, duplicate emails, failed orchestrations, time to drain.
 * Usage: `node dist/scripts/chaosTable.js` (run by `npm run test:chaos` after the suite).
 */
import fs from "node:fs";
import path from "node:path";
import type { ChaosRow } from "./lib/chaosRow";
import { findProjectRoot } from "./lib/partners";

/** A recorded row: the scenario's figures and when they were written (ISO 8601 UTC). */
type Row = ChaosRow & { at: string };

const dir = path.join(findProjectRoot(), ".artifacts", "chaos");
const rows: Row[] = fs.existsSync(dir)
  ? fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Row)
  : [];
const order = ["mail-down-60s", "address-refused", "acs-429-2min", "storage-killed", "host-sigkill-x2", "inbound-table-refused-60s"];
rows.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
console.log("| scenario | requests | completed | lost | duplicate emails | failed orchestrations | time to drain | notes |");
console.log("|---|---:|---:|---:|---:|---:|---:|---|");
for (const r of rows) console.log(`| ${r.scenario} | ${r.requests} | ${r.completed} | ${r.lost} | ${r.duplicateEmails} | ${r.failedOrchestrations} | ${(r.drainInMs / 1000).toFixed(1)} s | ${r.notes} |`);
if (rows.length === 0) console.log("(no results: run the chaos suite first)");
