/**
 * Test data builders shared by unit, contract and integration tests (no storage, no network):
 * a valid partner definition and a valid intake body.
 */
import type { PartnerDefinitionInput } from "../../shared/contracts";
import type { EmailMessage } from "../../shared/ports";

/** A valid partner definition with the given id. */
export function partnerDefinition(id: string, overrides: Partial<PartnerDefinitionInput> = {}): PartnerDefinitionInput {
  return {
    id,
    name: `Partner ${id}`,
    type: "direct-bill",
    contacts: { support: `support@${id}.example`, escalation: [`duty@${id}.example`] },
    senderEmail: `no-reply@${id}.example`,
    supportTerms: {
      supportTypes: ["Microsoft 365 administration"],
      serviceHours: { timeZone: "Europe/Budapest", weekly: { mon: [{ start: "08:00", end: "17:00" }] }, holidays: [] },
      contactMethods: [`email: support@${id}.example`],
      pricing: "Included",
    },
    slaTargets: {
      A: { firstResponse: "PT1H", resolution: "PT8H", clock: "calendar" },
      B: { firstResponse: "PT4H", resolution: "P2D" },
      C: { firstResponse: "P1D", resolution: "P5D" },
    },
    entitlements: [{ vehicle: "commercial-issue-support" }],
    ...overrides,
  };
}

/** A valid intake body. */
export function supportRequestBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: "Tisza Logisztika Zrt.", email: "it@tisza.example", preferredLanguage: "hu", contactName: "Kovács Eszter" },
    product: "azure",
    category: "billing",
    severity: "B",
    title: "Invoice discrepancy",
    description: "The October invoice does not match the cost analysis.",
    ...overrides,
  };
}

/** An email as the activities hand it to an EmailSender: from the partner to one customer, text and HTML, the given subject. */
export function emailMessage(subject: string): EmailMessage {
  return {
    from: { address: "support@partner.example", displayName: "Partner Support" },
    to: [{ address: "customer@contoso.example" }],
    subject,
    text: `Body of ${subject}`,
    html: `<p>Body of ${subject}</p>`,
    messageId: `<${subject.replace(/\W/g, "")}@partner.example>`,
    headers: {},
  };
}
