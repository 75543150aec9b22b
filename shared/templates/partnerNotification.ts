/**
 * Notifications to a partner's own contacts (English, operational): SLA warnings and breaches,
 * escalation-chain levels, an escalation from an indirect reseller to its indirect provider, a case
 * the CSP support rules do not let escalate, a Microsoft service request prepared for filing by
 * hand or filed through Partner Center, and a customer email that could not be delivered.
 */
import { Products, type Category, type MicrosoftServiceRequestPayload, type PartnerNotice, type ProductId, type Severity, type SlaMetricName, type SupportVehicle } from "../contracts";
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

/**
 * Input of {@link renderPartnerNotification}: the notice the workflow decided on
 * (shared/contracts/activities.ts `PartnerNotice`, tagged by `kind`) with the facts of the case and
 * the recipient; an escalation to the indirect provider names the reseller, and a case that is not
 * escalated names its category and product.
 */
export type PartnerNotificationInput = PartnerNotificationBase &
  (
    | Exclude<PartnerNotice, { kind: "escalated-to-provider" | "not-escalated" }>
    | (Extract<PartnerNotice, { kind: "escalated-to-provider" }> & {
        /** Name of the indirect reseller that escalated. */
        resellerName: string;
      })
    | (Extract<PartnerNotice, { kind: "not-escalated" }> & { category: Category; product: ProductId })
  );

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

/** ` (target PT4H, policy Premium)`: the target and policy of an SLA notice, when known. */
function targetOf(input: { target?: string; policyName?: string }): string {
  const parts = [input.target ? `target ${input.target}` : undefined, input.policyName ? `policy ${input.policyName}` : undefined].filter((p) => p !== undefined);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

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
        `Case ${input.caseId} of ${input.customerName} has used ${input.percent} % of its ${metric} target${targetOf(input)} at ${when(input.reachedAt)}.`,
        ...(input.dueAt ? [`It is due ${when(input.dueAt)}.`] : []),
      );
      break;
    }
    case "sla-breached": {
      const metric = METRIC_NAMES[input.metric];
      headline = `SLA breached (${metric}, severity ${input.severity})`;
      lines.push(`The ${metric} target of case ${input.caseId} for ${input.customerName} was missed${targetOf(input)}.`, `It was due ${when(input.dueAt)}.`);
      if (input.metric === "next-update") lines.push("Please update the customer now.");
      if (input.action) lines.push(`Action taken: ${input.action}.`);
      break;
    }
    case "escalation-level": {
      if (!Number.isInteger(input.level) || input.level < 1) throw new RangeError(`Escalation level must be a positive integer: ${input.level}`);
      headline = `Escalation level ${input.level} — ${input.levelName}`;
      lines.push(`Level ${input.level} — ${input.levelName}: case ${input.caseId} of ${input.customerName} (severity ${input.severity}${input.status ? `, status ${input.status}` : ""}) unresolved since ${when(input.unresolvedSince)}.`);
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
    case "not-escalated":
      headline = "Not escalated: you keep it";
      lines.push(
        `Case ${input.caseId} of ${input.customerName} (${input.category}, ${Products[input.product].name}, severity ${input.severity}) could not be escalated under the CSP support rules.`,
        `Reason: ${input.reason}`,
        "Resolve it yourself, or fix what the reason names (an entitlement such as a Premier or Advanced Support plan, the indirect provider) and escalate it again.",
      );
      break;
    case "microsoft-request-prepared": {
      const vehicle = supportVehicleNames[input.vehicle];
      headline = `Microsoft service request prepared (${vehicle})`;
      lines.push(
        `Case ${input.caseId} of ${input.customerName} (severity ${input.severity}) is escalated to Microsoft through ${vehicle}.`,
        ...(input.reason ? [`Reason: ${input.reason}`] : []),
        input.filingError
          ? `Filing through Partner Center did not succeed (${input.filingError}), so the service request below was prepared but not filed. Please file it by hand in Partner Center with these fields, then record the service request id on the case.`
          : "The Partner Center integration is off, so the service request below was prepared but not filed. Please file it by hand in Partner Center with these fields, then record the service request id on the case.",
      );
      fields.push(["Partner Center locale", input.locale], ...payloadFields(input.payload), ["Partner Center REST API", `POST /v1/servicerequests/${input.locale}\n${JSON.stringify(input.payload, null, 2)}`]);
      break;
    }
    case "microsoft-request-filed": {
      const vehicle = supportVehicleNames[input.vehicle];
      headline = `Microsoft service request ${input.serviceRequestId} filed`;
      lines.push(`Case ${input.caseId} of ${input.customerName} (severity ${input.severity}) was escalated to Microsoft through ${vehicle}: Partner Center service request ${input.serviceRequestId} was filed.`, ...(input.reason ? [`Reason: ${input.reason}`] : []));
      fields.push(["Service request id", input.serviceRequestId], ...(input.payload ? payloadFields(input.payload) : []));
      break;
    }
    case "customer-email-failed": {
      headline = `Customer email not delivered on case ${input.caseId}`;
      lines.push(
        `An email to the customer of case ${input.caseId} (${input.customerName}) could not be delivered (${input.fault?.code ?? "failed"}): ${input.fault?.message ?? "no reason given"}.`,
        input.undeliverable.length > 0
          ? `The address ${input.undeliverable.join(", ")} is marked undeliverable for this case: no more status emails go to it. Please reach the customer another way and correct the address.`
          : "The case goes on; please make sure the customer is informed another way.",
        `The case continues in status ${input.status}.`,
      );
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
