/**
 * Escalation (CSP support rules "Escalation is conditional"): the partner's escalation chain (start and
 * plan), the decision of where the case goes (indirect provider, Microsoft with which support
 * vehicle, or nowhere), product support incidents consumed before they are relied on, and the
 * Partner Center service request filed (or prepared) when Microsoft is engaged.
 */
import {
  SupportRequestActivities,
  Products,
  type ConsumeProductSupportIncidentInput,
  type EscalationRecord,
  type FileMicrosoftServiceRequestInput,
  type PartnerNotice,
  type RecordTransitionInput,
} from "../../shared/contracts";
import { decideEscalation, planEscalationChain } from "../../shared/domain";
import { changeStatusAndEmail, emailCustomer, notifyPartner, record, recordAndEmail } from "./records";
import { SERVICE_REQUEST_LOCALE, callActivity, ms, now, requireActivity, type EscalatingParty, type Orchestration, type Run } from "./run";

/** Starts the partner's escalation chain (once per case), if it has one. */
export function startChain(run: Run): void {
  if (run.caseContext.partner.escalationChain && !run.state.chain) run.state.chain = { triggeredAt: now(run), notifiedLevels: 0 };
}

/** The chain's plan (levels with their instants, and when Microsoft is engaged "after-chain"), if the chain runs. */
export function chainPlan(run: Run): ReturnType<typeof planEscalationChain> | undefined {
  const chain = run.caseContext.partner.escalationChain;
  return chain && run.state.chain ? planEscalationChain(chain, run.state.chain.triggeredAt) : undefined;
}

/**
 * Decides where the case goes and acts on it. The partner's entitlements decide, or the indirect
 * provider's when the provider escalates a reseller's case it holds. Product support incidents are
 * consumed (ETag-counted) before they are relied on; when none is left any more, the decision is
 * taken again without them. Every decision records its reason on the timeline.
 * @param notes - the partner's notes kept on the case as its diagnosis notes (its escalation request's reason or diagnosis notes).
 * @param requested - the requesting action's details (`actionDetails`), kept on every timeline entry the decision writes, so its text and author stay in the case's history.
 * @param entryId - the id of the one timeline entry the decision writes when its cause gives it one
 *   (a breach, revision 8: `causedEntryId`); else the counter's next.
 */
export function* escalate(run: Run, trigger: EscalationRecord["trigger"], by: EscalatingParty, notes?: string, requested?: Record<string, unknown>, entryId?: string): Orchestration<void> {
  const id = entryId !== undefined ? { entryId } : {};
  const c = run.caseContext;
  const provider = by === "indirect-provider" ? c.provider : undefined;
  if (by === "indirect-provider" && !provider) {
    yield* record(run, { ...id, kind: "note", summary: "The indirect provider asked to escalate, but its entitlements are unknown; nothing was escalated.", details: { ...requested, ignored: "provider-unknown" } });
    return;
  }
  const base = {
    partnerType: provider ? ("indirect-provider" as const) : c.partner.type,
    ...(!provider && c.partner.indirectProviderId !== undefined ? { indirectProviderId: c.partner.indirectProviderId } : {}),
    category: c.category,
    productKind: Products[c.product].kind,
    entitlements: provider ? provider.entitlements : c.partner.entitlements,
    trigger,
    nowIso: now(run),
  };
  let decision = decideEscalation(base);
  if (decision.target === "microsoft" && decision.vehicle === "product-support-incidents") {
    const input: ConsumeProductSupportIncidentInput = { partnerId: provider?.partnerId ?? run.input.partnerId, caseId: c.caseId };
    const consumed = yield* callActivity(run, SupportRequestActivities.consumeProductSupportIncident, input);
    const psi = consumed.ok ? consumed.value : undefined;
    if (psi?.consumed) {
      decision = { ...decision, productSupportIncident: psi, reason: `${decision.reason} One product support incident was consumed (${psi.remainingIncidents} left).` };
    } else {
      // None left, or the ledger could not be read (after its retries): decided again without them.
      const again = decideEscalation({ ...base, excludeVehicles: ["product-support-incidents"] });
      const why = psi ? "No product support incident was left when one was to be consumed" : `The product support incidents could not be counted (${consumed.ok ? "" : `${consumed.fault.code}: ${consumed.fault.message}`})`;
      decision = { ...again, ...(psi ? { productSupportIncident: psi } : {}), reason: `${why}, so it was decided again without them: ${again.reason}` };
    }
  }
  if (!provider) startChain(run);
  run.state.escalation = decision;
  const patch: RecordTransitionInput["patch"] = { escalation: decision };
  if (notes !== undefined) patch.diagnosisNotes = notes;
  const details = { ...requested, target: decision.target, providerId: decision.providerId, vehicle: decision.vehicle, trigger, by };

  if (decision.target === "indirect-provider") {
    if (!(yield* changeStatusAndEmail(run, "escalated-to-provider", { ...id, kind: "escalation-decided", summary: decision.reason, details, patch }))) yield* emailCustomer(run, "escalated-to-provider");
    yield* notifyPartner(run, "escalation-indirect-provider", { kind: "escalated-to-provider", reason: decision.reason }, { recipientPartnerId: decision.providerId ?? "" });
  } else if (decision.target === "microsoft") {
    const plan = provider ? undefined : chainPlan(run);
    if (plan && c.partner.escalationChain?.microsoft === "after-chain" && ms(plan.microsoftAt) > ms(now(run))) {
      run.state.pendingMicrosoft = decision;
      yield* record(run, { ...id, kind: "escalation-decided", summary: `${decision.reason} Microsoft is engaged at ${plan.microsoftAt}, after the escalation chain, unless the case is resolved first.`, details: { ...details, microsoftAt: plan.microsoftAt }, patch });
    } else {
      yield* engageMicrosoft(run, decision, by, undefined, notes, requested, entryId);
    }
  } else {
    yield* record(run, { ...id, kind: "escalation-decided", summary: decision.reason, details, patch });
    yield* notifyPartner(run, "escalation-none", { kind: "not-escalated", reason: decision.reason }, provider ? { recipientPartnerId: provider.partnerId } : {});
  }
}

/**
 * Files (or prepares) the Microsoft service request, moves the case to escalated-to-microsoft, tells the customer and the escalating partner.
 * @param why - what engaged Microsoft now, put before the decision's reason (the chain's end), if anything.
 * @param notes - kept on the case as its diagnosis notes.
 * @param requested - the requesting action's details, kept on the timeline entry.
 * @param entryId - the timeline entry's id when its cause gives it one (revision 8: `causedEntryId`); else the counter's next.
 */
export function* engageMicrosoft(run: Run, decision: EscalationRecord, by: EscalatingParty, why?: string, notes?: string, requested?: Record<string, unknown>, entryId?: string): Orchestration<void> {
  const c = run.caseContext;
  const input: FileMicrosoftServiceRequestInput = { caseId: c.caseId, partnerId: run.input.partnerId, vehicle: decision.vehicle ?? "commercial-issue-support", locale: SERVICE_REQUEST_LOCALE };
  const attempted = yield* callActivity(run, SupportRequestActivities.fileMicrosoftServiceRequest, input);
  // Partner Center unreachable for longer than its policy allows: the request is prepared for the
  // partner to file by hand (the escalation goes on), with the reason.
  const filing = attempted.ok ? attempted.value : yield* requireActivity(run, SupportRequestActivities.fileMicrosoftServiceRequest, { ...input, prepareOnly: { fault: attempted.fault } });
  const escalation: EscalationRecord = {
    ...decision,
    microsoftServiceRequest: {
      outcome: filing.outcome,
      ...(filing.serviceRequestId === undefined ? {} : { serviceRequestId: filing.serviceRequestId }),
      ...(filing.filingError === undefined ? {} : { filingError: filing.filingError }),
      locale: SERVICE_REQUEST_LOCALE,
      at: now(run),
      payload: filing.payload,
    },
  };
  run.state.escalation = escalation;
  const patch: RecordTransitionInput["patch"] = { escalation };
  if (notes !== undefined) patch.diagnosisNotes = notes;
  const filed =
    filing.outcome === "filed"
      ? `Service request ${filing.serviceRequestId ?? "?"} was filed in Partner Center.`
      : filing.filingError
        ? `${filing.filingError}; the service request is prepared for the partner to file by hand.`
        : "The Partner Center integration is off: the service request is prepared for the partner to file by hand.";
  const summary = [why, decision.reason, filed].filter((s) => s !== undefined).join(" ");
  const details = { ...requested, target: "microsoft", vehicle: decision.vehicle, trigger: decision.trigger, by, filing: filing.outcome, serviceRequestId: filing.serviceRequestId };
  const id = entryId !== undefined ? { entryId } : {};
  if (!(yield* changeStatusAndEmail(run, "escalated-to-microsoft", { ...id, kind: "escalation-decided", summary, details, patch }))) {
    yield* recordAndEmail(run, { ...id, kind: "escalation-decided", summary, details, patch }, { status: "escalated-to-microsoft" });
  }
  const provider = by === "indirect-provider" ? c.provider : undefined;
  const vehicle = decision.vehicle ?? "commercial-issue-support";
  const reason = [why, decision.reason].filter((s) => s !== undefined).join(" ");
  const notice: PartnerNotice =
    filing.outcome === "filed" && filing.serviceRequestId !== undefined
      ? { kind: "microsoft-request-filed", vehicle, serviceRequestId: filing.serviceRequestId, payload: filing.payload, reason }
      : { kind: "microsoft-request-prepared", vehicle, payload: filing.payload, locale: SERVICE_REQUEST_LOCALE, reason, ...(filing.filingError !== undefined ? { filingError: filing.filingError } : {}) };
  yield* notifyPartner(run, "escalation-microsoft", notice, provider ? { recipientPartnerId: provider.partnerId } : {});
}
