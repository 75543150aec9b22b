/**
 * Inputs from outside that storage, a template or the workflow once refused with a 500 or a dead
 * case, through the real HTTP handlers over Azurite (and MailDev for the acknowledgement):
 * - a signed webhook whose title holds an unpaired UTF-16 surrogate is accepted and its case
 *   acknowledged by email (the template used to throw `URIError`);
 * - U+2028/U+2029 in every free-text field are stored and read back as written (Azurite's batch
 *   parser used to fail, then fail every later batch);
 * - a 1,000-character `webhook-id`, a `/` in a partner id or odd case ids answer 2xx or 404, never 500;
 * - eight concurrent deliveries of one `webhook-id` under different Idempotency-Keys make one
 *   case and eight 202s, also when the Durable starts race (409 "already exists");
 * - the same without any Idempotency-Key (the delivery record alone; no idempotency key written);
 * - the same `webhook-id` with another body is 422 naming the header, and the first case stands.
 */
import { DurableSupportRequestWorkflow, type WorkflowDurableClient } from "../../../shared/adapters/durableSupportRequestWorkflow";
import { createContainer, type Container } from "../../../shared/container";
import type { PartnerCredentials } from "../../../shared/contracts";
import type { HttpHandlerDeps } from "../../../functions/http/common";
import { createSubmitSupportRequestHandler } from "../../../functions/http/intakeHandlers";
import { createAssignCaseHandler, createGetSupportRequestHandler, createGetSupportTermsHandler, createListSupportRequestsHandler, createRecordUpdateHandler } from "../../../functions/http/partnerApiHandlers";
import { callHandler as call, FakeWorkflow, partnerDefinition, signWebhook, startMailDev, supportRequestBody, testConfig, type MailDevServer, type SeenResponse as Seen } from "./helpers";

const P = "intake-inputs";
let mail: MailDevServer;
let container: Container;
let workflow: FakeWorkflow;
let deps: HttpHandlerDeps;
let creds: PartnerCredentials;

beforeAll(async () => {
  mail = await startMailDev();
  container = createContainer(testConfig("inputs", { SMTP_PORT: String(mail.smtpPort) }));
  workflow = new FakeWorkflow();
  deps = { getContainer: () => container, getWorkflow: () => workflow };
  creds = (await container.registerPartner(partnerDefinition(P))).credentials!;
});

afterAll(async () => {
  await mail?.close();
});

function submit(body: string, headers: Record<string, string>, options: { deps?: HttpHandlerDeps; partnerId?: string } = {}): Promise<Seen> {
  const partnerId = options.partnerId ?? P;
  return call(createSubmitSupportRequestHandler(options.deps ?? deps), { method: "POST", path: `/api/partners/${encodeURIComponent(partnerId.replace(/[\ud800-\udfff]/g, "_"))}/support-requests`, body, headers: { "content-type": "application/json", ...headers }, params: { partnerId } });
}

const key = () => ({ "x-api-key": creds.apiKey });

describe("text that validation accepts goes all the way", () => {
  it("a title holding an unpaired surrogate: 202, stored as U+FFFD, and the acknowledgement is sent", async () => {
    const body = JSON.stringify(supportRequestBody({ title: "Számla \ud83d hiba", customer: { ...(supportRequestBody().customer as object), preferredLanguage: "en" } }));
    expect(body).toContain("\\ud83d");
    const res = await submit(body, signWebhook(creds.webhookSecret, body));
    expect(res.status).toBe(202);
    const caseId = res.body.caseId as string;
    expect((await container.cases.getCase(P, caseId))?.title).toBe("Számla \ufffd hiba");
    const sent = await container.activities.sendStatusEmail({ caseId, partnerId: P, notificationKey: "received", status: "received" });
    expect(sent.outcome).toBe("sent");
    const emails = (await mail.listEmails()).filter((e) => e.subject.includes(caseId));
    expect(emails).toHaveLength(1);
    expect(emails[0]!.subject).toContain("Számla \ufffd hiba");
    expect(emails[0]!.html).toContain("Számla \ufffd hiba");
  });

  it("U+2028 and U+2029 in title, description, names, assignee and update message: stored and read back as written", async () => {
    const sep = "one\u2028two\u2029three";
    const body = JSON.stringify(supportRequestBody({ title: `Title ${sep}`, description: `Description ${sep}`, customer: { ...(supportRequestBody().customer as object), name: `Name ${sep}`, contactName: `Contact ${sep}` } }));
    const created = await submit(body, signWebhook(creds.webhookSecret, body));
    expect(created.status).toBe(202);
    const caseId = created.body.caseId as string;
    const path = `/api/partners/${P}/support-requests/${caseId}`;
    const assigned = await call(createAssignCaseHandler(deps), { method: "POST", path: `${path}/assignment`, body: JSON.stringify({ assignee: `Anna ${sep}` }), headers: { "content-type": "application/json", ...key() }, params: { partnerId: P, caseId } });
    expect(assigned.status).toBe(200);
    const update = await call(createRecordUpdateHandler(deps), { method: "POST", path: `${path}/updates`, body: JSON.stringify({ message: `Update ${sep}` }), headers: { "content-type": "application/json", ...key() }, params: { partnerId: P, caseId } });
    expect(update.status).toBe(202);
    const stored = await container.cases.getCase(P, caseId);
    expect(stored).toMatchObject({ title: `Title ${sep}`, description: `Description ${sep}`, customer: { name: `Name ${sep}`, contactName: `Contact ${sep}` }, assignee: `Anna ${sep}` });
    const inbox = await container.inbox.listAfter(P, caseId, undefined, 10);
    expect(inbox.map((r) => r.action)).toContainEqual({ type: "update", message: `Update ${sep}` });
    // Storage still takes batches afterwards.
    const next = JSON.stringify(supportRequestBody({ title: "After the separators" }));
    expect((await submit(next, signWebhook(creds.webhookSecret, next))).status).toBe(202);
  });
});

describe("keys built from outside input", () => {
  it("a 1,000-character webhook-id: 202, and its redelivery finds the same case", async () => {
    const body = JSON.stringify(supportRequestBody({ title: "Long webhook id" }));
    const id = `msg_${"x".repeat(1000)}/#?\\%`;
    const first = await submit(body, { ...signWebhook(creds.webhookSecret, body, { id }), "Idempotency-Key": '"long-id-1"' });
    expect(first.status).toBe(202);
    const again = await submit(body, { ...signWebhook(creds.webhookSecret, body, { id }), "Idempotency-Key": '"long-id-2"' });
    expect(again).toMatchObject({ status: 202, body: { caseId: first.body.caseId } });
  });

  it("a partner id with '/' (a%2Fb) or of 1,000 characters: 404 naming path:partnerId, with or without a key", async () => {
    for (const partnerId of ["a/b", "x".repeat(1000), "a\ud83d"]) {
      const list = await call(createListSupportRequestsHandler(deps), { method: "GET", path: `/api/partners/${encodeURIComponent(partnerId.replace(/[\ud800-\udfff]/g, "_"))}/support-requests`, headers: key(), params: { partnerId } });
      expect(list).toMatchObject({ status: 404, body: { status: 404, errors: [{ pointer: "path:partnerId" }] } });
      expect(list.headers.get("content-type")).toBe("application/problem+json");
      const anonymous = await call(createListSupportRequestsHandler(deps), { method: "GET", path: "/api/partners/x/support-requests", params: { partnerId } });
      expect(anonymous.status).toBe(404);
      const terms = await call(createGetSupportTermsHandler(deps), { method: "GET", path: "/api/partners/x/support-terms", params: { partnerId } });
      expect(terms.status).toBe(404);
      const body = JSON.stringify(supportRequestBody());
      expect((await submit(body, signWebhook(creds.webhookSecret, body), { partnerId })).body).toMatchObject({ status: 404, errors: [{ pointer: "path:partnerId" }] });
    }
  });

  it("case ids that cannot exist ('/', a lone surrogate, 2,000 characters, control characters): 404", async () => {
    for (const caseId of ["a/b", "CS-\ud83d", "C".repeat(2000), "x\u0000y", "#?\\"]) {
      const res = await call(createGetSupportRequestHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests/x`, headers: key(), params: { partnerId: P, caseId } });
      expect(res.status).toBe(404);
    }
  });
});

/**
 * A Durable client as the Durable HTTP API behaves when starts race: no instance until a start
 * completes, and a start of an id that exists by then answers 409 "already exists".
 */
function racingDurableClient() {
  const instances = new Set<string>();
  const counts = { started: 0, conflicts: 0 };
  const client = {
    async startNew(_name: string, options?: { instanceId?: string }) {
      const id = options?.instanceId ?? "";
      await new Promise((r) => setTimeout(r, 25));
      if (instances.has(id)) {
        counts.conflicts++;
        throw Object.assign(new Error(`An instance with ID '${id}' already exists.`), { response: { status: 409 } });
      }
      instances.add(id);
      counts.started++;
      return id;
    },
    async getStatus(id: string) {
      if (!instances.has(id)) throw new Error(`DurableClient error: Durable Functions extension replied with HTTP 404 response: ${id}.`);
      return { runtimeStatus: "Pending", customStatus: null, createdTime: new Date(), lastUpdatedTime: new Date() };
    },
  };
  return { client: client as unknown as WorkflowDurableClient, counts };
}

describe("one webhook-id, several deliveries", () => {
  it("eight concurrent deliveries under different Idempotency-Keys: eight 202 for one case, one orchestration", async () => {
    const { client, counts } = racingDurableClient();
    const durable: HttpHandlerDeps = { getContainer: () => container, getWorkflow: () => new DurableSupportRequestWorkflow(client) };
    const body = JSON.stringify(supportRequestBody({ title: "Delivered eight times at once" }));
    const id = "msg_concurrent_0001";
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => submit(body, { ...signWebhook(creds.webhookSecret, body, { id }), "Idempotency-Key": `"concurrent-${i}"` }, { deps: durable })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    const caseIds = new Set(answers.map((a) => a.body.caseId));
    expect(caseIds.size).toBe(1);
    expect(counts.started).toBe(1);
    const listed = await call(createListSupportRequestsHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests`, headers: key(), params: { partnerId: P } });
    expect((listed.body.items as Array<{ title: string }>).filter((i) => i.title === "Delivered eight times at once")).toHaveLength(1);
  });

  it("without an Idempotency-Key: eight concurrent deliveries and a late redelivery answer 202 with one case; another body is 422; no idempotency key is written", async () => {
    const { client, counts } = racingDurableClient();
    const durable: HttpHandlerDeps = { getContainer: () => container, getWorkflow: () => new DurableSupportRequestWorkflow(client) };
    const body = JSON.stringify(supportRequestBody({ title: "Delivered eight times, no key" }));
    const id = "msg_no_key_0001";
    const begun = jest.spyOn(container.idempotency, "begin");
    const answers = await Promise.all(Array.from({ length: 8 }, () => submit(body, signWebhook(creds.webhookSecret, body, { id }), { deps: durable })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    const caseIds = new Set(answers.map((a) => a.body.caseId));
    expect(caseIds.size).toBe(1);
    expect(counts.started).toBe(1);
    const late = await submit(body, signWebhook(creds.webhookSecret, body, { id }), { deps: durable });
    expect(late).toMatchObject({ status: 202, body: { caseId: answers[0]!.body.caseId, status: "received" } });
    expect(late.headers.get("location")).toBe(answers[0]!.headers.get("location"));
    const other = JSON.stringify(supportRequestBody({ title: "Another body, no key" }));
    const reused = await submit(other, signWebhook(creds.webhookSecret, other, { id }), { deps: durable });
    expect(reused).toMatchObject({ status: 422, body: { type: "/problems/webhook-id-reused", errors: [{ pointer: "header:webhook-id" }] } });
    expect(begun).not.toHaveBeenCalled();
    begun.mockRestore();
    const listed = await call(createListSupportRequestsHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests`, headers: key(), params: { partnerId: P } });
    const titles = (listed.body.items as Array<{ title: string }>).map((i) => i.title);
    expect(titles.filter((t) => t === "Delivered eight times, no key")).toHaveLength(1);
    expect(titles).not.toContain("Another body, no key");
  });

  it("the same webhook-id with another body under a new Idempotency-Key: 422 naming header:webhook-id; the same body: 202 with the first case", async () => {
    const body = JSON.stringify(supportRequestBody({ title: "First payload" }));
    const id = "msg_reused_0001";
    const first = await submit(body, { ...signWebhook(creds.webhookSecret, body, { id }), "Idempotency-Key": '"reuse-1"' });
    expect(first.status).toBe(202);
    const other = JSON.stringify(supportRequestBody({ title: "Another payload" }));
    const reused = await submit(other, { ...signWebhook(creds.webhookSecret, other, { id }), "Idempotency-Key": '"reuse-2"' });
    expect(reused).toMatchObject({ status: 422, body: { status: 422, type: "/problems/webhook-id-reused", errors: [{ pointer: "header:webhook-id" }] } });
    expect(reused.headers.get("content-type")).toBe("application/problem+json");
    const same = await submit(body, { ...signWebhook(creds.webhookSecret, body, { id }), "Idempotency-Key": '"reuse-3"' });
    expect(same).toMatchObject({ status: 202, body: { caseId: first.body.caseId } });
    expect((await container.cases.getCase(P, first.body.caseId as string))?.title).toBe("First payload");
    const listed = await call(createListSupportRequestsHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests`, headers: key(), params: { partnerId: P } });
    expect((listed.body.items as Array<{ title: string }>).some((i) => i.title === "Another payload")).toBe(false);
  });
});
