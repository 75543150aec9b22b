/**
 * Case state machine (CSP support rules "What the product does with this": received → in diagnosis →
 * (awaiting customer) → resolved by partner | escalated (to the indirect provider, to Microsoft
 * through a support vehicle) → resolved → closed).
 */
import type { CaseAction } from "../contracts/caseActions";
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

/** Who records an action on a case: the owning partner (or its customer), or the indirect provider of a reseller's case escalated to it. */
export type CaseActionRole = "owner" | "indirect-provider";

/** The statuses of a case that is still being worked on (neither resolved nor closed). */
export const OpenStatuses: readonly CaseStatus[] = ["received", "in-diagnosis", "awaiting-customer", "escalated-to-provider", "escalated-to-microsoft"];

/** Statuses in which the case is with the partner itself (not escalated, not resolved). */
const WithPartner: readonly CaseStatus[] = ["received", "in-diagnosis", "awaiting-customer"];

/**
 * Which action may be recorded in which status, by role: the one table the partner API checks
 * before it accepts an action, the workflow checks again when it takes the action from the inbox,
 * and the dashboard shows buttons from (served in `model.json`). An action type missing for a role
 * is not that role's to record.
 * - diagnosis, information request: while the case is with the partner (CSP support rules "Diagnose");
 * - update, customer reply: while the case is open;
 * - escalation: by the partner while the case is with it; by the indirect provider while the case
 *   is escalated to it;
 * - resolution: from every status the lifecycle lets move to `resolved`; by the indirect provider
 *   while the case is escalated to it or by it to Microsoft (it holds the service request);
 * - closure: resolved cases only; reopening: resolved (the workflow resumes) or closed (the
 *   workflow starts again); reclassification: any status but closed.
 */
export const ActionAllowedStatuses: Readonly<Record<CaseAction["type"], Readonly<Partial<Record<CaseActionRole, readonly CaseStatus[]>>>>> = {
  diagnosis: { owner: WithPartner },
  "information-request": { owner: WithPartner },
  update: { owner: OpenStatuses },
  "customer-reply": { owner: OpenStatuses },
  escalate: { owner: WithPartner, "indirect-provider": ["escalated-to-provider"] },
  resolution: { owner: (Object.keys(CaseTransitions) as CaseStatus[]).filter((s) => canTransition(s, "resolved")), "indirect-provider": ["escalated-to-provider", "escalated-to-microsoft"] },
  close: { owner: (Object.keys(CaseTransitions) as CaseStatus[]).filter((s) => canTransition(s, "closed")) },
  reopen: { owner: ["resolved", "closed"] },
  reclassify: { owner: (Object.keys(CaseTransitions) as CaseStatus[]).filter((s) => s !== TerminalStatus) },
};

/**
 * The statuses in which `role` may record an action of this type (empty: never).
 * @param type - the action type (shared/contracts/caseActions.ts).
 * @param role - the owning partner, or the indirect provider of an escalated reseller case.
 */
export function allowedStatusesOf(type: CaseAction["type"], role: CaseActionRole = "owner"): readonly CaseStatus[] {
  return ActionAllowedStatuses[type][role] ?? [];
}

/** Whether `role` may record an action of this type while the case is in `status` ({@link ActionAllowedStatuses}). */
export function isActionAllowed(type: CaseAction["type"], role: CaseActionRole, status: CaseStatus): boolean {
  return allowedStatusesOf(type, role).includes(status);
}
