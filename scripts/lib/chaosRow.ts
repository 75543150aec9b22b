/**
 * One row of the chaos suite's results table: written by each scenario (test/chaos/chaos.ts) to
 * `.artifacts/chaos/<scenario>.json`, printed by scripts/chaosTable.ts.
 */
export interface ChaosRow {
  scenario: string;
  requests: number;
  completed: number;
  lost: number;
  duplicateEmails: number;
  failedOrchestrations: number;
  /** From the end of the fault until the last request closed (ms). */
  drainInMs: number;
  /** Anything the scenario wants on record (e.g. connections dropped, 429 answers given). */
  notes: string;
}
