import { DEFAULT_CLOSED_CASE_PII_DAYS, PartnerDefinitionSchema, SupportRequestSchema, type SupportRequest } from "../../../shared/contracts";
import { ERASED_EMAIL, ERASED_TEXT, eraseSupportRequest, eraseTimelineEntry } from "../../../shared/domain";
import { partnerDefinition } from "../../integration/app/helpers";

const request: SupportRequest = {
  caseId: "CS-2401100900-AB12",
  partnerId: "contoso",
  channel: "email",
  customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: "Kovács Eszter", email: "eszter@tisza.example", preferredLanguage: "hu", contactName: "Kovács Eszter" },
  product: "sql-server",
  category: "technical",
  severity: "A",
  title: "Eszter's server is down",
  description: "Call me on +36 1 555 0100",
  status: "closed",
  createdAt: "2024-01-10T09:00:00.000Z",
  updatedAt: "2024-01-20T09:00:00.000Z",
  closedAt: "2024-01-20T09:00:00.000Z",
  sla: { targets: { firstResponse: "PT1H", resolution: "PT8H", clock: "calendar" }, firstResponseDueAt: "2024-01-10T10:00:00.000Z", resolvedAt: "2024-01-19T09:00:00.000Z" },
  diagnosisNotes: "Eszter's disk is full",
  resolutionSummary: "Freed space for Eszter",
  assignee: "anna@contoso.example",
  inboundEmail: { messageId: "<m1@tisza.example>", messageIdSource: "header", from: "eszter@tisza.example", subject: "Eszter's server", receivedAt: "2024-01-10T09:00:00.000Z", blobName: "contoso/20240110T090000000Z-abc.eml", customerMatch: "address", classifiedBy: ["server"] },
  undeliverableEmails: [{ address: "eszter@tisza.example", at: "2024-01-11T09:00:00.000Z", status: "5.1.1", source: "send", reason: "550 5.1.1 <eszter@tisza.example>: no such user" }],
  escalation: {
    target: "microsoft",
    vehicle: "product-support-incidents",
    reason: "On-premises product: product support incidents",
    trigger: "partner-request",
    decidedAt: "2024-01-12T09:00:00.000Z",
    microsoftServiceRequest: { outcome: "filed", serviceRequestId: "SR-1", locale: "en-US", at: "2024-01-12T09:00:00.000Z", payload: { Title: "Eszter's server is down", Description: "Call me", Severity: "critical", SupportTopicId: "t", ProductName: "SQL Server", PrimaryContact: { Email: "eszter@tisza.example", FirstName: "Eszter", LastName: "Kovács", PhoneNumber: "+36 1 555 0100" } } },
  },
  workflow: { state: "failed", since: "2024-01-15T09:00:00.000Z", reason: "550 <eszter@tisza.example> refused" },
};

describe("eraseSupportRequest", () => {
  const erased = eraseSupportRequest(request, "2025-01-20T02:30:00.000Z");

  it("leaves no personal datum of the customer", () => {
    const text = JSON.stringify(erased);
    for (const datum of ["Eszter", "eszter@tisza.example", "+36 1 555 0100", "Kovács"]) expect(text).not.toContain(datum);
  });

  it("keeps what is not about a person: ids, tenant, classification, statuses, SLA, route, times, the partner's assignee", () => {
    expect(erased).toMatchObject({ caseId: request.caseId, partnerId: "contoso", channel: "email", product: "sql-server", category: "technical", severity: "A", status: "closed", createdAt: request.createdAt, closedAt: request.closedAt, sla: request.sla, assignee: "anna@contoso.example", personalDataErasedAt: "2025-01-20T02:30:00.000Z" });
    expect(erased.customer).toEqual({ tenantId: request.customer.tenantId, name: ERASED_TEXT, email: ERASED_EMAIL, preferredLanguage: "hu" });
    expect(erased.escalation).toMatchObject({ target: "microsoft", vehicle: "product-support-incidents", reason: request.escalation!.reason, microsoftServiceRequest: { outcome: "filed", serviceRequestId: "SR-1", payload: { Title: ERASED_TEXT, Description: ERASED_TEXT, PrimaryContact: { Email: ERASED_EMAIL }, Severity: "critical" } } });
    expect(erased.undeliverableEmails).toEqual([{ address: ERASED_EMAIL, at: "2024-01-11T09:00:00.000Z", status: "5.1.1", source: "send" }]);
    expect(erased.inboundEmail).toMatchObject({ messageId: "<m1@tisza.example>", from: ERASED_EMAIL, subject: ERASED_TEXT, customerMatch: "address" });
  });

  it("is still a valid request, and erasing again changes nothing (the first erasure time stays)", () => {
    expect(SupportRequestSchema.safeParse(erased).error?.issues).toBeUndefined();
    expect(eraseSupportRequest(erased, "2025-02-01T00:00:00.000Z")).toEqual(erased);
  });
});

describe("eraseTimelineEntry", () => {
  it("keeps what happened and when, not the texts", () => {
    const entry = { entryId: "email-reply-1", kind: "customer-reply" as const, at: "2024-01-11T09:00:00.000Z", summary: "eszter@tisza.example replied by email", details: { text: "Call me", from: "eszter@tisza.example" } };
    expect(eraseTimelineEntry(entry)).toEqual({ entryId: "email-reply-1", kind: "customer-reply", at: "2024-01-11T09:00:00.000Z", summary: ERASED_TEXT });
    expect(eraseTimelineEntry({ entryId: "t", kind: "status-changed", at: entry.at, fromStatus: "resolved", toStatus: "closed", summary: "Closed" })).toEqual({ entryId: "t", kind: "status-changed", at: entry.at, fromStatus: "resolved", toStatus: "closed", summary: ERASED_TEXT });
  });
});

describe("partner retention setting", () => {
  it("defaults to a year after closing", () => {
    expect(PartnerDefinitionSchema.parse(partnerDefinition("retention-default")).retention).toEqual({ closedCasePiiDays: DEFAULT_CLOSED_CASE_PII_DAYS });
    expect(DEFAULT_CLOSED_CASE_PII_DAYS).toBe(365);
    expect(PartnerDefinitionSchema.parse(partnerDefinition("retention-zero", { retention: { closedCasePiiDays: 0 } })).retention.closedCasePiiDays).toBe(0);
  });

  it.each([[-1], [3651], [1.5], ["30"]])("refuses %j days, naming the field", (days) => {
    const result = PartnerDefinitionSchema.safeParse(partnerDefinition("retention-bad", { retention: { closedCasePiiDays: days as number } }));
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(["retention.closedCasePiiDays"]);
  });
});
