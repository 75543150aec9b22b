/**
 * Escalation chains (help-desk practice "Escalation chains": Freshdesk resolution levels, each to named
 * agents; "levels of named contacts, each with its own wait, before or beside escalation to
 * Microsoft").
 */
import type { EscalationChain } from "../contracts/partner";
import { durationToMs, formatInstant, parseInstant } from "./instant";

/** One planned level of an escalation chain. */
export interface PlannedEscalationLevel {
  /** 1-based level number. */
  level: number;
  name: string;
  /** Email addresses to notify. */
  contacts: string[];
  /** ISO 8601 UTC instant the level is notified (if the request is still unresolved). */
  at: string;
}

/** The plan of an escalation chain from its trigger. */
export interface EscalationChainPlan {
  levels: PlannedEscalationLevel[];
  /** ISO 8601 UTC instant Microsoft (or the indirect provider) is engaged. */
  microsoftAt: string;
}

/**
 * Plans when each level of an escalation chain is notified.
 *
 * Level *i* (1-based) is notified at `trigger + after₁ + … + afterᵢ`. Waits are measured in
 * calendar (elapsed) time, not business hours — an escalation after a breach is urgent by
 * definition, and the people on the chain are named for that — with fixed factors (`PT30M`,
 * `PT2H`; `P1D` = 24 h). Microsoft is engaged at the trigger for `microsoft: "beside"` (in
 * parallel with the chain) and at the last level's instant for `"after-chain"`.
 * @param chain - the partner's escalation chain (levels in order).
 * @param triggerIso - ISO 8601 instant of the breach or the partner's escalation request.
 * @returns the levels with their ISO 8601 UTC instants and `microsoftAt`.
 * @throws RangeError for an invalid trigger instant or wait duration.
 */
export function planEscalationChain(chain: EscalationChain, triggerIso: string): EscalationChainPlan {
  const triggerMs = parseInstant(triggerIso, "trigger");
  let atMs = triggerMs;
  const levels = (chain.levels ?? []).map((lvl, i): PlannedEscalationLevel => {
    atMs += durationToMs(lvl.after ?? "PT0S");
    return { level: i + 1, name: lvl.name, contacts: [...lvl.contacts], at: formatInstant(atMs) };
  });
  const lastAt = levels.length > 0 ? atMs : triggerMs;
  return { levels, microsoftAt: formatInstant((chain.microsoft ?? "beside") === "after-chain" ? lastAt : triggerMs) };
}
