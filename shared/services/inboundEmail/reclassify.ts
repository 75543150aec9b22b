/**
 * The partner corrects the rule-based classification of a request ("classified by rules
 * … and can be corrected by the partner through the API").
 */
import { randomBytes } from "node:crypto";
import { EventNames, ReclassifyRequestSchema, actionSignalOf, isCaseInboxClosed, isTerminalRuntimeStatus, type CaseAction, type CaseActionRecord, type SupportRequest } from "../../contracts";
import type { CaseActionInbox, CaseRepository, Clock, SupportRequestWorkflow } from "../../ports";
import { ConflictError, NotFoundError, parseInput } from "../errors";

/** What {@link reclassifySupportRequest} needs; with `inbox` and `workflow` the running orchestration is told. */
export interface ReclassifyDeps {
  cases: CaseRepository;
  clock: Clock;
  /** The case-action inbox: a `reclassify` action is appended after the change is stored. */
  inbox?: CaseActionInbox;
  /** The case's workflow, signalled (`CaseActionsAvailable`) after the append when it runs. */
  workflow?: SupportRequestWorkflow;
}

/**
 * Changes product, category and/or severity of the partner's own case, with a `reclassified`
 * timeline entry naming the old and new values. After the change is stored, when the
 * case's orchestration is running (and `inbox` and `workflow` are given), a `reclassify` action
 * with the changed values is appended to the case-action inbox and the orchestration signalled:
 * it re-reads the case, re-selects the SLA policy for the new facts and, when the policy or its
 * targets differ, re-targets the open clocks (elapsed time kept) and re-arms its timer. When the
 * orchestration does not run, only the case changes.
 * @param body - `{product?, category?, severity?}` (at least one; no other fields).
 * @returns the case after the change (unchanged when the values were already set).
 * @throws ValidationError when the body is invalid.
 * @throws NotFoundError when the case is not the partner's.
 * @throws ConflictError when the case is closed.
 */
export async function reclassifySupportRequest(deps: ReclassifyDeps, partnerId: string, caseId: string, body: unknown): Promise<SupportRequest> {
  const change = parseInput(ReclassifyRequestSchema, body);
  const current = await deps.cases.getCase(partnerId, caseId);
  if (!current) throw new NotFoundError(`Support request ${caseId} not found`);
  if (current.status === "closed") throw new ConflictError("A closed request cannot be reclassified", current.status);
  const from = { product: current.product, category: current.category, severity: current.severity };
  const to = { product: change.product ?? current.product, category: change.category ?? current.category, severity: change.severity ?? current.severity };
  if (from.product === to.product && from.category === to.category && from.severity === to.severity) return current;
  const at = deps.clock.now().toISOString();
  const keys = (Object.keys(to) as Array<keyof typeof to>).filter((k) => from[k] !== to[k]);
  const changed = keys.map((k) => `${k} ${from[k]} → ${to[k]}`);
  const updated = await deps.cases.updateCase(
    partnerId,
    caseId,
    { entryId: `reclassified-${Date.parse(at)}-${randomBytes(4).toString("hex")}`, kind: "reclassified", at, summary: `Reclassified by the partner: ${changed.join(", ")}`, details: { from, to } },
    (c) => ({ ...c, ...to }),
  );
  if (deps.inbox && deps.workflow) {
    const status = await deps.workflow.getStatus(caseId);
    if (status && !isTerminalRuntimeStatus(status.runtimeStatus)) {
      const action: CaseAction = { type: "reclassify", ...(keys.includes("product") ? { product: to.product } : {}), ...(keys.includes("category") ? { category: to.category } : {}), ...(keys.includes("severity") ? { severity: to.severity } : {}) };
      let record: CaseActionRecord | undefined;
      try {
        record = await deps.inbox.append(partnerId, caseId, action, { kind: "partner", partnerId });
      } catch (e) {
        // The workflow closed the inbox as it completed (the case closed meanwhile): the case change stands, nothing re-times.
        if (!isCaseInboxClosed(e)) throw e;
      }
      // Not read again: an orchestration that finished meanwhile drops the event (the case change
      // stands, nothing re-times); a suspended one takes it when it resumes.
      if (record) await deps.workflow.raiseEventUnchecked(caseId, EventNames.actionsAvailable, actionSignalOf(record));
    }
  }
  return updated;
}
