/**
 * Notifications to a partner's own contacts (English, operational): SLA warnings and breaches,
 * escalation-chain levels, an escalation from an indirect reseller to its indirect provider, a case
 * that no support vehicle covers, and a Microsoft service request prepared for filing by hand or
 * filed through Partner Center.
 */
import type { Category, MicrosoftServiceRequestPayload, ProductId, Severity, SlaMetricName, SupportVehicle } from "../contracts";
import { escapeHtmlText, safeHttpHref, toSingleLine } from "./escape";
import type { RenderedEmail } from "./statusEmail";
import { assertTimeZone, formatInstant } from "./format";
import { toRenderableInput } from "./text";

/** Fields every partner notification has. */
export interface PartnerNotificationBase {
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
      kind: "sla-warning";
      /** Which SLA target is running out. */
      metric: SlaMetricName;
      /** Share of the target used, in percent (1–99, e.g. 50 or 75). */
      percent: number;
      /** ISO 8601 UTC instant the target is due. */
      dueAt: string;
      /** Name of the SLA policy in force, when known. */
      policyName?: string;
    })
  | (PartnerNotificationBase & {
      kind: "sla-breached";
      /** Which SLA target was missed. */
      metric: SlaMetricName;
      /** ISO 8601 UTC instant the target was due. */
      dueAt: string;
      /** What the workflow does about it, e.g. "Escalated to Microsoft (Signature Cloud Support)". */
      action?: string;
      /** Name of the SLA policy in force, when known. */
      policyName?: string;
    })
  | (PartnerNotificationBase & {
      kind: "escalation-level";
      /** Level number in the partner's escalation chain, from 1. */
      level: number;
      /** Level name, e.g. "Support manager". */
      levelName: string;
      /** ISO 8601 UTC instant since which the case is unresolved (the chain's trigger, e.g. the breach). */
      unresolvedSince: string;
      /** Why the chain started, e.g. "resolution target breached" or "requested by the partner". */
      reason?: string;
      /** The next level and when it is notified if the case stays unresolved (ISO 8601 UTC `at`). */
      nextLevel?: { level: number; name: string; at: string };
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
    })
  | (PartnerNotificationBase & {
      kind: "microsoft-request-prepared";
      /** Support vehicle chosen for the escalation. */
      vehicle: SupportVehicle;
      /** The prepared Partner Center service request, for the partner to file by hand. */
      payload: MicrosoftServiceRequestPayload;
      /** Partner Center locale of the request (`servicerequests/{locale}`), e.g. "en-US". */
      locale: string;
      /** Why this vehicle (the escalation decision's reason). */
      reason?: string;
    })
  | (PartnerNotificationBase & {
      kind: "microsoft-request-filed";
      vehicle: SupportVehicle;
      /** Partner Center service request id. */
      serviceRequestId: string;
      /** The filed request, listed for reference when given. */
      payload?: MicrosoftServiceRequestPayload;
      reason?: string;
    });

/** A partner notification kind. */
export type PartnerNotificationKind = PartnerNotificationInput["kind"];

/** Display names of the support vehicles (CSP support rules support-vehicle table). */
export const supportVehicleNames: Readonly<Record<SupportVehicle, string>> = {
  "commercial-issue-support": "Commercial issue support",
  "premier-support-for-partners": "Premier Support for Partners",
  "advanced-support-for-partners": "Advanced Support for Partners",
  "signature-cloud-support": "Signature Cloud Support",
  "product-support-incidents": "Product support incidents",
};

const METRIC_NAMES: Readonly<Record<SlaMetricName, string>> = { "first-response": "first response", "next-update": "next update", resolution: "resolution" };

/** A labelled field (the value may span lines). */
type Field = [label: string, value: string];

function payloadFields(payload: MicrosoftServiceRequestPayload): Field[] {
  const contact = payload.PrimaryContact;
  const name = [contact.FirstName, contact.LastName].filter(Boolean).join(" ");
  return [
    ["Service request title", payload.Title],
    ["Severity", payload.Severity],
    ["Support topic id", payload.SupportTopicId],
    ["Product name", payload.ProductName],
    ["Primary contact", [name, contact.Email, contact.PhoneNumber].filter(Boolean).join(", ")],
    ["Description", payload.Description],
  ];
}

/**
 * Renders an English notification for a partner's support/escalation contacts.
 * Subject: `[Case #<caseId>] <what happened>: <title>` (single line). Instants are shown with
 * `Intl.DateTimeFormat("en-GB", { timeZone })` and the zone name. Untrusted values (names, title,
 * reasons, the service-request payload) are escaped in the HTML part; `caseUrl` is linked only when
 * it is an http(s) URL. The prepared service request lists every payload field (Partner Center
 * ServiceRequest: Title, Description, Severity, SupportTopicId, ProductName, PrimaryContact) so the
 * partner can file it by hand. Total over text: every string of the input first goes through
 * `toRenderableText` (./text), as for the customer emails.
 * @throws RangeError when an instant is not valid ISO 8601, `timeZone` is unknown, `percent` is not
 * within 1–100, `level` is not a positive integer, or the kind is unknown.
 */
export function renderPartnerNotification(given: PartnerNotificationInput): RenderedEmail {
  const input = toRenderableInput(given);
  assertTimeZone(input.timeZone);
  const when = (iso: string) => formatInstant(iso, "en-GB", input.timeZone);
  let headline: string;
  const lines: string[] = [];
  const fields: Field[] = [];
  switch (input.kind) {
    case "sla-warning": {
      if (!Number.isFinite(input.percent) || input.percent < 1 || input.percent > 100) throw new RangeError(`SLA warning percent out of range: ${input.percent}`);
      const metric = METRIC_NAMES[input.metric];
      headline = `SLA warning: ${input.percent} % of the ${metric} target used (severity ${input.severity})`;
      lines.push(
        `Case ${input.caseId} of ${input.customerName} has used ${input.percent} % of its ${metric} target${input.policyName ? ` (policy ${input.policyName})` : ""}.`,
        `It is due ${when(input.dueAt)}.`,
      );
      break;
    }
    case "sla-breached": {
      const metric = METRIC_NAMES[input.metric];
      headline = `SLA breached (${metric}, severity ${input.severity})`;
      lines.push(`The ${metric} target of case ${input.caseId} for ${input.customerName} was missed${input.policyName ? ` (policy ${input.policyName})` : ""}.`, `It was due ${when(input.dueAt)}.`);
      if (input.action) lines.push(`Action taken: ${input.action}.`);
      break;
    }
    case "escalation-level": {
      if (!Number.isInteger(input.level) || input.level < 1) throw new RangeError(`Escalation level must be a positive integer: ${input.level}`);
      headline = `Escalation level ${input.level} — ${input.levelName}`;
      lines.push(`Level ${input.level} — ${input.levelName}: case ${input.caseId} of ${input.customerName} (severity ${input.severity}) unresolved since ${when(input.unresolvedSince)}.`);
      if (input.reason) lines.push(`Reason: ${input.reason}`);
      if (input.nextLevel) lines.push(`If it stays unresolved, level ${input.nextLevel.level} — ${input.nextLevel.name} is notified ${when(input.nextLevel.at)}.`);
      lines.push("Please make sure the case is being worked on, and record the outcome in the partner API.");
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
    case "microsoft-request-prepared": {
      const vehicle = supportVehicleNames[input.vehicle];
      headline = `Microsoft service request prepared (${vehicle})`;
      lines.push(
        `Case ${input.caseId} of ${input.customerName} (severity ${input.severity}) is escalated to Microsoft through ${vehicle}.`,
        ...(input.reason ? [`Reason: ${input.reason}`] : []),
        "The Partner Center integration is off, so the service request below was prepared but not filed. Please file it by hand in Partner Center with these fields (Partner Center REST API: POST /v1/servicerequests/{locale}), then record the service request id on the case.",
      );
      fields.push(["Partner Center locale", input.locale], ...payloadFields(input.payload));
      break;
    }
    case "microsoft-request-filed": {
      const vehicle = supportVehicleNames[input.vehicle];
      headline = `Microsoft service request ${input.serviceRequestId} filed`;
      lines.push(`Case ${input.caseId} of ${input.customerName} (severity ${input.severity}) was escalated to Microsoft through ${vehicle}: Partner Center service request ${input.serviceRequestId} was filed.`, ...(input.reason ? [`Reason: ${input.reason}`] : []));
      fields.push(["Service request id", input.serviceRequestId], ...(input.payload ? payloadFields(input.payload) : []));
      break;
    }
    default: {
      const unknown: never = input;
      throw new RangeError(`Unknown partner notification kind: ${String((unknown as { kind: unknown }).kind)}`);
    }
  }
  const subject = toSingleLine(`[Case #${input.caseId}] ${headline}: ${input.title}`);
  const link = input.caseUrl ? safeHttpHref(input.caseUrl) : undefined;
  const normalized = fields.map(([label, value]) => [label, value.replace(/\r\n?/g, "\n").trim()] as Field);
  const text = [
    `Hello ${input.partnerName} team,`,
    "",
    ...lines,
    "",
    ...(normalized.length > 0 ? [...normalized.map(([label, value]) => (value.includes("\n") ? `${label}:\n${value.split("\n").map((l) => `  ${l}`).join("\n")}` : `${label}: ${value}`)), ""] : []),
    `Case: ${input.caseId}`,
    `Title: ${toSingleLine(input.title)}`,
    ...(input.caseUrl ? [`Case details: ${input.caseUrl}`] : []),
    "",
    "-- ",
    "CSP support workflow (automated notification)",
    "",
  ].join("\n");
  const multiline = (value: string) => escapeHtmlText(value).replace(/\n/g, "<br>\n");
  const th = 'style="text-align:left;vertical-align:top;padding:4px 16px 4px 0;font-weight:600;white-space:nowrap;"';
  const html = [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtmlText(subject)}</title></head>`,
    "<body style=\"font-family:'Segoe UI',Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328;\">",
    `<p>Hello ${escapeHtmlText(input.partnerName)} team,</p>`,
    ...lines.map((l) => `<p>${escapeHtmlText(l)}</p>`),
    ...(normalized.length > 0
      ? [
          '<table role="presentation" style="border-collapse:collapse;margin:16px 0;">',
          ...normalized.map(([label, value]) => `<tr><th scope="row" ${th}>${escapeHtmlText(label)}</th><td style="padding:4px 0;">${multiline(value)}</td></tr>`),
          "</table>",
        ]
      : []),
    `<p><strong>Case:</strong> ${escapeHtmlText(input.caseId)}<br>\n<strong>Title:</strong> ${escapeHtmlText(toSingleLine(input.title))}</p>`,
    ...(link ? [`<p><a href="${link}">Case details</a></p>`] : []),
    '<p style="font-size:12px;color:#6a737d;">CSP support workflow (automated notification)</p>',
    "</body></html>",
    "",
  ].join("\n");
  return { subject, text, html };
}

/**
 * Renders a notification whose wording the caller wrote as plain text (NotifyPartner: SLA
 * breaches, escalations, undeliverable customer addresses, stopped workflows): the subject made
 * one line (`toSingleLine`), the text as given (through `toRenderableText`), and an HTML part that
 * shows the same text escaped in a `<pre>` block. Total over any JavaScript strings.
 * @param input - subject and plain text.
 */
export function renderTextNotification(input: { subject: string; text: string }): RenderedEmail {
  const { subject, text } = toRenderableInput(input);
  const line = toSingleLine(subject);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtmlText(line)}</title></head><body><pre style="font-family:inherit;white-space:pre-wrap">${escapeHtmlText(text)}</pre></body></html>`;
  return { subject: line, text, html };
}
