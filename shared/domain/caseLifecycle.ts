/**
 * Case state machine (CSP support rules "What the product does with this": received → in diagnosis →
 * (awaiting customer) → resolved by partner | escalated (to the indirect provider, to Microsoft
 * through a support vehicle) → resolved → closed).
 */
import type { CaseStatus } from "../contracts/supportRequest";

/** The terminal status: nothing leaves it. */
export const TerminalStatus: CaseStatus = "closed";

/**
 * Allowed transitions. Beyond the happy path of CSP support rules: an indirect provider may pass a case on
 * to Microsoft, and a resolved case may be reopened into diagnosis before it is closed.
 */
export const CaseTransitions: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  received: ["in-diagnosis"],
  "in-diagnosis": ["awaiting-customer", "escalated-to-provider", "escalated-to-microsoft", "resolved"],
  "awaiting-customer": ["in-diagnosis", "escalated-to-provider", "escalated-to-microsoft", "resolved"],
  "escalated-to-provider": ["escalated-to-microsoft", "resolved"],
  "escalated-to-microsoft": ["resolved"],
  resolved: ["in-diagnosis", "closed"],
  closed: [],
};

/**
 * Whether a case may move from one status to another (a status never "moves" to itself).
 * @param from - current status.
 * @param to - requested status.
 */
export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return (CaseTransitions[from] ?? []).includes(to);
}

/**
 * Throws unless the transition is allowed.
 * @param from - current status.
 * @param to - requested status.
 * @throws RangeError naming both statuses and the allowed targets.
 */
export function assertTransition(from: CaseStatus, to: CaseStatus): void {
  if (!canTransition(from, to)) {
    const allowed = CaseTransitions[from] ?? [];
    throw new RangeError(`a case cannot move from "${from}" to "${to}" (allowed: ${allowed.length ? allowed.join(", ") : "none, it is terminal"})`);
  }
}

/** Whether a status is terminal (no transition leaves it). */
export function isTerminal(status: CaseStatus): boolean {
  return (CaseTransitions[status] ?? []).length === 0;
}
