/**
 * Notifications to a partner's own contacts (English, operational): an SLA breach, an escalation
 * from an indirect reseller to its indirect provider, and a case that no support vehicle covers.
 */
import type { Category, ProductId, Severity } from "../contracts";
import { escapeHtmlText, safeHttpHref, toSingleLine } from "./escape";
import type { RenderedEmail } from "./statusEmail";
import { formatInstant } from "./format";

/** Fields every partner notification has. */
interface PartnerNotificationBase {
  caseId: string;
  /** Name of the partner receiving the notification. */
  partnerName: string;
  /** Customer company or contact name (customer-supplied). */
  customerName: string;
  /** Request title (customer-supplied). */
  title: string;
  severity: Severity;
  /** IANA zone for dates (the recipient's service-hours zone). */
  timeZone: string;
  /** Optional link to the case in the partner API (`http:`/`https:` only; other schemes are not linked). */
  caseUrl?: string;
}

/** Input of {@link renderPartnerNotification}, tagged by `kind`. */
export type PartnerNotificationInput =
  | (PartnerNotificationBase & {
      kind: "sla-breached";
      /** Which SLA target was missed. */
      metric: "first-response" | "resolution";
      /** ISO 8601 UTC instant the target was due. */
      dueAt: string;
      /** What the workflow does about it, e.g. "Escalated to Microsoft (Signature Cloud Support)". */
      action?: string;
    })
  | (PartnerNotificationBase & {
      kind: "escalated-to-provider";
      /** Name of the indirect reseller that escalated. */
      resellerName: string;
      /** Why (the escalation rule that applied). */
      reason: string;
    })
  | (PartnerNotificationBase & {
      kind: "no-eligible-vehicle";
      category: Category;
      product: ProductId;
      /** Why no vehicle applies (e.g. "no Premier or Advanced Support plan for a technical cloud issue"). */
      reason: string;
    });

/**
 * Renders an English notification for a partner's support/escalation contacts.
 * Subject: `[Case #<caseId>] <what happened>: <title>` (single line). Untrusted values are
 * escaped in the HTML part; `caseUrl` is linked only when it is an http(s) URL.
 * @throws RangeError when `dueAt` is not a valid instant or `timeZone` is unknown.
 */
export function renderPartnerNotification(input: PartnerNotificationInput): RenderedEmail {
  let headline: string;
  const lines: string[] = [];
  switch (input.kind) {
    case "sla-breached": {
      const metric = input.metric === "first-response" ? "first response" : "resolution";
      headline = `SLA breached (${metric}, severity ${input.severity})`;
      lines.push(
        `The ${metric} target of case ${input.caseId} for ${input.customerName} was missed.`,
        `It was due ${formatInstant(input.dueAt, "en-GB", input.timeZone)}.`,
      );
      if (input.action) lines.push(`Action taken: ${input.action}.`);
      break;
    }
    case "escalated-to-provider":
      headline = `Escalated to you by ${input.resellerName}`;
      lines.push(
        `${input.resellerName}, your indirect reseller, escalated case ${input.caseId} of their customer ${input.customerName} (severity ${input.severity}) to ${input.partnerName}.`,
        `Reason: ${input.reason}`,
        "Please diagnose it and record the outcome through the reseller's case; the customer stays the reseller's.",
      );
      break;
    case "no-eligible-vehicle":
      headline = "No eligible support vehicle";
      lines.push(
        `Case ${input.caseId} of ${input.customerName} (${input.category}, ${input.product}, severity ${input.severity}) needs escalation to Microsoft, but none of your support-vehicle entitlements covers it.`,
        `Reason: ${input.reason}`,
        "Resolve it yourself, or add an entitlement (e.g. a Premier or Advanced Support plan) and escalate it in Partner Center.",
      );
      break;
    default: {
      const unknown: never = input;
      throw new RangeError(`Unknown partner notification kind: ${String((unknown as { kind: unknown }).kind)}`);
    }
  }
  const subject = toSingleLine(`[Case #${input.caseId}] ${headline}: ${input.title}`);
  const link = input.caseUrl ? safeHttpHref(input.caseUrl) : undefined;
  const text = [
    `Hello ${input.partnerName} team,`,
    "",
    ...lines,
    "",
    `Case: ${input.caseId}`,
    `Title: ${toSingleLine(input.title)}`,
    ...(input.caseUrl ? [`Case details: ${input.caseUrl}`] : []),
    "",
    "-- ",
    "CSP support workflow (automated notification)",
    "",
  ].join("\n");
  const html = [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtmlText(subject)}</title></head>`,
    "<body style=\"font-family:'Segoe UI',Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328;\">",
    `<p>Hello ${escapeHtmlText(input.partnerName)} team,</p>`,
    ...lines.map((l) => `<p>${escapeHtmlText(l)}</p>`),
    `<p><strong>Case:</strong> ${escapeHtmlText(input.caseId)}<br>\n<strong>Title:</strong> ${escapeHtmlText(toSingleLine(input.title))}</p>`,
    ...(link ? [`<p><a href="${link}">Case details</a></p>`] : []),
    '<p style="font-size:12px;color:#6a737d;">CSP support workflow (automated notification)</p>',
    "</body></html>",
    "",
  ].join("\n");
  return { subject, text, html };
}
