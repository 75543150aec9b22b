/**
 * The export of one customer's data (`GET …/customers/{customer}/export`) through the real HTTP
 * handler over Azurite: by email address and by tenant id it returns the customer's requests with
 * timelines, emails and attachment lists, the directory entries and the inbound messages from its
 * addresses, and nothing of other customers or other partners; bad customers are 400 naming
 * `path:customer`; every export is in the audit log. Who may export is in authorizationMatrix.
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { randomBytes } from "node:crypto";
import { createExportCustomerDataHandler } from "../../../functions/http/partnerApiHandlers";
import { createContainer, type Container } from "../../../shared/container";
import type { CustomerDataExport } from "../../../shared/contracts";
import { submitSupportRequest } from "../../../shared/services";
import { processInboundEmail, recordCustomerFromCase } from "../../../shared/services/inboundEmail";
import { FakeWorkflow, partnerDefinition, rawEmail, RecordingSender, supportRequestBody, testConfig } from "./helpers";

const P = "export-partner";
const OTHER = "export-other";
const TENANT = "3f0c2a9e-5b1d-4c6e-8a7f-9d2e1b4c6a80";
const ALICE = "alice@fabrikam-export.example";
const BOB = "bob@fabrikam-export.example";
const CAROL = "carol@northwind-export.example";

let container: Container;
let sender: RecordingSender;
let workflow: FakeWorkflow;
let adminKey: string;

async function exportOf(customer: string, partnerId = P, key = adminKey): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const request = new HttpRequest({
    method: "GET",
    url: `http://127.0.0.1:7071/api/partners/${partnerId}/customers/${encodeURIComponent(customer)}/export`,
    headers: { "x-api-key": key, "x-forwarded-for": "198.51.100.7" },
    params: { partnerId, customer },
  });
  const response = new HttpResponse((await createExportCustomerDataHandler({ getContainer: () => container })(request, new InvocationContext({ functionName: "ExportCustomerData", invocationId: "inv", logHandler: () => undefined }))) as HttpResponseInit);
  return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) as Record<string, unknown> };
}

/** A webhook request of the customer (recorded in the directory) with its "received" email. */
async function webhookRequest(partnerId: string, email: string, title: string): Promise<string> {
  const { caseId } = await submitSupportRequest(container.supportRequestDeps(workflow), partnerId, supportRequestBody({ title, customer: { tenantId: TENANT, name: "Fabrikam Kft.", email, preferredLanguage: "en", contactName: "Contact" } }));
  await recordCustomerFromCase({ directory: container.customerDirectory, clock: container.clock }, (await container.cases.getCase(partnerId, caseId))!);
  await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" });
  return caseId;
}

async function inbound(partnerId: string, raw: Uint8Array): Promise<void> {
  const blobName = `${partnerId}/${new Date().toISOString().replace(/[-:.]/g, "")}-${randomBytes(6).toString("hex")}.eml`;
  await container.inboundBlobs.putInbound(blobName, raw);
  await processInboundEmail(container.inboundEmailDeps(workflow), { partnerId, blobName, raw });
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  sender = new RecordingSender();
  workflow = new FakeWorkflow();
  container = createContainer(testConfig("export"), { emailSender: sender });
  adminKey = (await container.registerPartner(partnerDefinition(P))).credentials!.apiKey;
  await container.registerPartner(partnerDefinition(OTHER));
  ids.alice1 = await webhookRequest(P, ALICE, "Alice's invoice question");
  ids.bob = await webhookRequest(P, BOB, "Bob's licence question");
  ids.carol = await webhookRequest(P, CAROL, "Carol's question");
  ids.otherAlice = await webhookRequest(OTHER, ALICE, "Alice at the other partner");
  // Alice replies by email with a file.
  const received = sender.sent.find((m) => m.subject.includes(ids.alice1!))!;
  await inbound(P, rawEmail({ from: ALICE, to: `support@${P}.example`, subject: "Re: invoice", date: new Date(), inReplyTo: received.messageId, text: "Attached the invoice", attachment: { filename: "invoice.pdf", content: "%PDF-1.4 invoice" } }));
});

describe("customer data export", () => {
  it("by email address: that person's requests with timelines, emails and files, directory entry and inbound mail; nothing of anyone else", async () => {
    const res = await exportOf("Alice@Fabrikam-Export.example");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = res.body as unknown as CustomerDataExport;
    expect(body).toMatchObject({ partnerId: P, customer: { kind: "email", value: ALICE }, exportedAt: expect.any(String) });
    expect(body.requests.map((r) => r.case.caseId)).toEqual([ids.alice1]);
    const [alice] = body.requests;
    expect(alice!.case.customer).toMatchObject({ email: ALICE, contactName: "Contact" });
    expect(alice!.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(["status-changed", "customer-reply"]));
    expect(alice!.timeline.find((e) => e.kind === "customer-reply")?.details).toMatchObject({ text: "Attached the invoice" });
    expect(alice!.emails).toEqual([expect.objectContaining({ notificationKey: "received", to: [ALICE], state: "sent" })]);
    expect(alice!.attachments).toEqual([expect.objectContaining({ filename: "invoice.pdf", contentType: "application/octet-stream" })]);
    expect(body.directoryEntries).toEqual([expect.objectContaining({ tenantId: TENANT, email: ALICE, source: "case" })]);
    expect(body.inboundEmails).toEqual([expect.objectContaining({ from: ALICE, outcome: "reply", caseId: ids.alice1 })]);
    const text = JSON.stringify(body);
    for (const other of [BOB, CAROL, ids.bob!, ids.carol!, ids.otherAlice!]) expect(text).not.toContain(other);
  });

  it("by tenant id: every request and address of the company, still only this partner's", async () => {
    const res = await exportOf(TENANT.toUpperCase());
    expect(res.status).toBe(200);
    const body = res.body as unknown as CustomerDataExport;
    expect(body.customer).toEqual({ kind: "tenant-id", value: TENANT });
    expect(body.requests.map((r) => r.case.caseId).sort()).toEqual([ids.alice1, ids.bob, ids.carol].sort());
    expect(body.directoryEntries.map((e) => e.email).sort()).toEqual(expect.arrayContaining([ALICE, BOB, CAROL]));
    expect(body.inboundEmails.map((e) => e.from)).toEqual([ALICE]);
    expect(JSON.stringify(body)).not.toContain(ids.otherAlice);
  });

  it("a customer the partner has nothing about: 200 with empty lists", async () => {
    const res = await exportOf("nobody@nowhere-export.example");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ requests: [], directoryEntries: [], inboundEmails: [] });
  });

  it.each([["not-an-address"], ["00000000-0000-0000-0000-000000000000"], [" "]])("%j → 400 problem naming path:customer", async (customer) => {
    const res = await exportOf(customer);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ pointer: "path:customer" })] });
  });

  it("records every export in the audit log with the key, role, time and source IP", async () => {
    await exportOf(ALICE);
    const entries = (await container.auditLog.list(P)).items.filter((e) => e.action === "ExportCustomerData");
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(entries[0]).toMatchObject({ keyId: expect.stringMatching(/^key_/), role: "global-admin", method: "GET", status: 200, sourceIp: "198.51.100.7", path: `/api/partners/${P}/customers/${encodeURIComponent(ALICE)}/export` });
  });
});
