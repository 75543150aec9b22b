/**
 * Conditional escalation (CSP support rules "What the partner must do" step 4 and the support-vehicle
 * table; "Escalation is conditional"): an indirect reseller escalates to its indirect provider;
 * every other partner escalates to Microsoft through the support vehicle that the category, the
 * product kind (cloud or on-premises) and its entitlements allow.
 */
import type { Entitlement, PartnerType } from "../contracts/partner";
import type { Category, EscalationRecord, SupportVehicle } from "../contracts/supportRequest";
import type { CheckpointEscalation } from "../contracts/orchestration";
import { parseInstant } from "./instant";

/** Whether a product is a cloud service or on-premises software (`Products[id].kind`). */
export type ProductKind = "cloud" | "on-premises";

/** Categories handled through commercial issue support (CSP support rules table: billing, subscription management, licensing). */
export const CommercialCategories: readonly Category[] = ["billing", "subscription-management"];

/** Technical support vehicles in the order of the CSP support rules table, with the products each covers. */
export const TechnicalVehicleScope: Readonly<Record<Exclude<SupportVehicle, "commercial-issue-support">, "all" | ProductKind>> = {
  "premier-support-for-partners": "all",
  "advanced-support-for-partners": "cloud",
  "signature-cloud-support": "cloud",
  "product-support-incidents": "on-premises",
};

/** Input of {@link decideEscalation}. */
export interface EscalationInput {
  partnerType: PartnerType;
  /** The indirect provider's partner id (indirect resellers only). */
  indirectProviderId?: string;
  category: Category;
  productKind: ProductKind;
  /** The partner's entitlements; list order is its preference. */
  entitlements: readonly Entitlement[];
  trigger: EscalationRecord["trigger"];
  /** ISO 8601 instant of the decision (orchestration time). */
  nowIso: string;
  /**
   * Vehicles not to use this time (e.g. product support incidents whose atomic decrement found none
   * left, or a vehicle already tried): the next eligible one in the partner's order is chosen.
   */
  excludeVehicles?: readonly SupportVehicle[];
}

/**
 * Why an entitlement can or cannot carry a technical request for a product kind.
 * @param entitlement - one entitlement of the partner.
 * @param productKind - cloud or on-premises.
 * @returns `undefined` when eligible, else a short reason (used in decision reasons).
 */
export function technicalIneligibility(entitlement: Entitlement, productKind: ProductKind): string | undefined {
  if (entitlement.vehicle === "commercial-issue-support") return "commercial issue support covers commercial issues only";
  const scope = TechnicalVehicleScope[entitlement.vehicle];
  if (scope !== "all" && scope !== productKind) return `${entitlement.vehicle} covers ${scope} products only`;
  if (entitlement.vehicle === "product-support-incidents" && !((entitlement.remainingIncidents ?? 0) > 0)) {
    return "no product support incidents left";
  }
  return undefined;
}

/**
 * Decides where a request goes when the partner cannot resolve it (or an SLA is breached).
 *
 * Rules, first match wins (CSP support rules):
 * 1. indirect reseller → its indirect provider;
 * 2. billing or subscription management → Microsoft, commercial issue support (every CSP partner
 *    has it, entitlement or not);
 * 3. technical → Microsoft through the first eligible entitlement in the partner's order: premier
 *    (all products), advanced or signature cloud support (cloud only), product support incidents
 *    (on-premises only, with incidents left);
 * 4. otherwise → `target: "none"`: the partner keeps the request.
 * An indirect reseller without a provider id (invalid partner data) also yields `"none"`.
 * Vehicles listed in `excludeVehicles` are skipped (and named in the reason); an excluded
 * commercial issue support leaves a commercial request with the partner (`"none"`).
 * @param input - see {@link EscalationInput}.
 * @returns an {@link EscalationRecord} whose `reason` names the rule applied; `decidedAt` is `nowIso`
 *   in UTC.
 * @throws RangeError when `nowIso` is not an ISO 8601 instant.
 */
export function decideEscalation(input: EscalationInput): EscalationRecord {
  const decidedAt = new Date(parseInstant(input.nowIso, "nowIso")).toISOString();
  const base = { trigger: input.trigger, decidedAt };
  if (input.partnerType === "indirect-reseller") {
    if (!input.indirectProviderId) {
      return { ...base, target: "none", reason: "Rule 1 (indirect reseller → indirect provider) applies, but the partner has no indirect provider id: the partner keeps the request until its data is fixed." };
    }
    return {
      ...base,
      target: "indirect-provider",
      providerId: input.indirectProviderId,
      reason: `Rule 1: an indirect reseller escalates to its indirect provider (${input.indirectProviderId}) first.`,
    };
  }
  const excluded = new Set<SupportVehicle>(input.excludeVehicles ?? []);
  if (CommercialCategories.includes(input.category)) {
    if (excluded.has("commercial-issue-support")) {
      return {
        ...base,
        target: "none",
        reason: `Rule 2: ${input.category} is a commercial issue, but commercial issue support is excluded for this decision (already used or unavailable); the partner keeps the request.`,
      };
    }
    return {
      ...base,
      target: "microsoft",
      vehicle: "commercial-issue-support",
      reason: `Rule 2: ${input.category} is a commercial issue; every CSP partner escalates it through commercial issue support.`,
    };
  }
  const skipped: string[] = [];
  for (const entitlement of input.entitlements) {
    const why = excluded.has(entitlement.vehicle) ? "excluded for this decision (already used or unavailable)" : technicalIneligibility(entitlement, input.productKind);
    if (why === undefined) {
      return {
        ...base,
        target: "microsoft",
        vehicle: entitlement.vehicle,
        reason:
          `Rule 3: technical issue on a ${input.productKind} product; ${entitlement.vehicle} is the first eligible entitlement of the partner` +
          (skipped.length ? ` (skipped: ${skipped.join("; ")}).` : "."),
      };
    }
    skipped.push(`${entitlement.vehicle}: ${why}`);
  }
  return {
    ...base,
    target: "none",
    reason:
      `Rule 4: no entitlement of the partner covers a technical issue on a ${input.productKind} product` +
      (skipped.length ? ` (${skipped.join("; ")})` : " (no entitlements)") +
      "; the partner keeps the request.",
  };
}

/**
 * An escalation record reduced to its decision, as a workflow restart point keeps it: without the
 * Microsoft service request (its payload may be 32 KB; the case holds it).
 */
export function escalationDecision(escalation: EscalationRecord): CheckpointEscalation {
  const { microsoftServiceRequest: _filed, ...decision } = escalation;
  return decision;
}

/**
 * The escalation a restarted workflow continues with: the one in force at its restart point.
 * - `atPoint` null (none was in force): none. A decision the case holds was taken after the point;
 *   the restart takes it again as the stopped execution did (same timeline entry ids and
 *   notification keys, the incident and the Partner Center filing found already done), so the
 *   entries after it keep their ids.
 * - `atPoint` the case's decision (same `decidedAt` and target): the case's record, with its
 *   Microsoft service request.
 * - `atPoint` an earlier decision than the case's (the case's was taken after the point): the
 *   point's.
 * - `atPoint` undefined (a point published before restart points kept the escalation): the case's.
 * @param onCase - the escalation the case holds, if any.
 */
export function escalationAtPoint(atPoint: CheckpointEscalation | null | undefined, onCase: EscalationRecord | undefined): EscalationRecord | undefined {
  if (atPoint === undefined) return onCase;
  if (atPoint === null) return undefined;
  return onCase && onCase.decidedAt === atPoint.decidedAt && onCase.target === atPoint.target ? onCase : atPoint;
}
