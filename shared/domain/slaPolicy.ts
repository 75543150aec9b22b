/**
 * Which SLA policy applies to a request (help-desk practice "SLA semantics": an ordered list, the first
 * policy whose conditions match wins — Zendesk; per-customer SLAs — osTicket #2733, zammad #47).
 */
import type { PartnerDefinition } from "../contracts/partner";
import type { AppliedSlaPolicy, Calendar, SlaConditions, SlaPolicy } from "../contracts/sla";
import type { Category, Channel, ProductId, Severity } from "../contracts/supportRequest";
import { CALENDAR_24X7, toCalendar } from "./calendar";

/** Id of the policy built from the partner's `slaTargets` when no policy matches. */
export const DEFAULT_SLA_POLICY_ID = "default";
/** Statuses that stop the clocks unless a policy says otherwise (waiting on the customer). */
export const DEFAULT_PAUSE_WHEN: AppliedSlaPolicy["pauseWhen"] = ["awaiting-customer"];
/** Warning thresholds (percent of each target) unless a policy says otherwise (ServiceNow 50/75). */
export const DEFAULT_WARN_AT_PERCENT: readonly number[] = [50, 75];

/** The partner data policy selection reads. */
export type SlaPartner = Pick<PartnerDefinition, "slaPolicies" | "slaTargets" | "calendars" | "supportTerms">;

/** The request attributes policy conditions test. */
export interface SlaRequestFacts {
  /** Microsoft Entra tenant id (GUID) of the customer; compared case-insensitively. */
  customerTenantId: string;
  product: ProductId;
  category: Category;
  severity: Severity;
  channel: Channel;
}

/**
 * Resolves a policy's calendar reference: `"service-hours"` → the support terms' service hours,
 * `"24x7"` → around the clock, anything else → the partner's named calendar (the two built-in names
 * win over a named calendar with the same key).
 * @param partner - the partner's `calendars` and `supportTerms`.
 * @param calendarId - the policy's `calendar` value.
 * @returns the calendar.
 * @throws RangeError naming the calendar when the partner has no calendar of that name.
 */
export function resolveSlaCalendar(partner: Pick<PartnerDefinition, "calendars" | "supportTerms">, calendarId: string): Calendar {
  if (calendarId === "service-hours") return toCalendar(partner.supportTerms.serviceHours);
  if (calendarId === "24x7") return CALENDAR_24X7;
  const named = partner.calendars?.[calendarId];
  if (!named) {
    const known = ["service-hours", "24x7", ...Object.keys(partner.calendars ?? {})];
    throw new RangeError(`SLA calendar "${calendarId}" is not defined by the partner (known: ${known.join(", ")})`);
  }
  return toCalendar(named);
}

function listMatches<T>(list: readonly T[] | undefined, value: T, eq: (a: T, b: T) => boolean = (a, b) => a === b): boolean {
  return list === undefined || list.length === 0 || list.some((x) => eq(x, value));
}

/**
 * Whether a request meets every condition of a policy. An absent (or empty) list matches anything;
 * tenant ids are compared case-insensitively.
 * @param conditions - the policy's conditions.
 * @param request - the request's facts.
 * @returns true when every listed condition matches.
 */
export function slaConditionsMatch(conditions: SlaConditions | undefined, request: SlaRequestFacts): boolean {
  const c = conditions ?? {};
  return (
    listMatches(c.customerTenantIds, request.customerTenantId, (a, b) => a.toLowerCase() === b.toLowerCase()) &&
    listMatches(c.products, request.product) &&
    listMatches(c.categories, request.category) &&
    listMatches(c.severities, request.severity) &&
    listMatches(c.channels, request.channel)
  );
}

/**
 * Builds the applied form of one policy for one severity.
 * @param partner - for the calendar reference.
 * @param policy - the policy (defaults applied or not).
 * @param severity - the request's severity (must have targets in the policy).
 * @returns the applied policy.
 * @throws RangeError when the policy has no targets for the severity or names an unknown calendar.
 */
export function applySlaPolicy(partner: Pick<PartnerDefinition, "calendars" | "supportTerms">, policy: SlaPolicy, severity: Severity): AppliedSlaPolicy {
  const targets = policy.targets[severity];
  if (!targets) throw new RangeError(`SLA policy "${policy.id}" has no targets for severity ${severity}`);
  return {
    policyId: policy.id,
    name: policy.name,
    calendar: resolveSlaCalendar(partner, policy.calendar ?? "service-hours"),
    targets: { ...targets },
    pauseWhen: [...(policy.pauseWhen ?? DEFAULT_PAUSE_WHEN)],
    warnAtPercent: [...(policy.warnAtPercent ?? DEFAULT_WARN_AT_PERCENT)],
  };
}

/**
 * Selects the SLA policy of a request: the first of the partner's ordered `slaPolicies` whose
 * conditions all match (customer tenant id, product, category, severity, channel) and that has
 * targets for the request's severity (Zendesk "first matching policy"). When none applies, the
 * default policy `"default"` is built from `slaTargets[severity]`: first response and resolution
 * (no next-update target), calendar 24×7 for `clock: "calendar"` or the support terms' service
 * hours for `"business-hours"`, paused while awaiting the customer, warnings at 50 % and 75 %.
 * @param partner - the partner's policies, calendars, support terms and SLA targets.
 * @param request - the request's customer tenant id, product, category, severity and channel.
 * @returns the applied policy (targets of the request's severity, calendar resolved).
 * @throws RangeError when the selected policy names a calendar the partner does not define, or the
 *   partner has no `slaTargets` for the severity and no policy matches.
 */
export function selectSlaPolicy(partner: SlaPartner, request: SlaRequestFacts): AppliedSlaPolicy {
  for (const policy of partner.slaPolicies ?? []) {
    if (!policy.targets?.[request.severity]) continue;
    if (!slaConditionsMatch(policy.conditions, request)) continue;
    return applySlaPolicy(partner, policy, request.severity);
  }
  const target = partner.slaTargets?.[request.severity];
  if (!target) throw new RangeError(`the partner has no SLA targets for severity ${request.severity} and no SLA policy applies`);
  const clock = target.clock ?? "business-hours";
  return {
    policyId: DEFAULT_SLA_POLICY_ID,
    name: `Default (severity ${request.severity}, ${clock === "calendar" ? "calendar hours" : "service hours"})`,
    calendar: clock === "calendar" ? CALENDAR_24X7 : toCalendar(partner.supportTerms.serviceHours),
    targets: { firstResponse: target.firstResponse, resolution: target.resolution },
    pauseWhen: [...DEFAULT_PAUSE_WHEN],
    warnAtPercent: [...DEFAULT_WARN_AT_PERCENT],
  };
}
