/**
 * The customer's status page through its HTTP handlers over real Table Storage (Azurite; the
 * Durable client faked at the port): the page a link opens (language, customer-visible timeline
 * only, next target, attachments), the form posts (reply as an email reply, confirmation, reopening
 * within the window, the satisfaction rating once) and refused links (tampered, another case's,
 * expired, cross-site posts).
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { generateLocalKeyEntry } from "../../../shared/adapters/localKeyEncryptionKeys";
import { createContainer, type Container } from "../../../shared/container";
import type { SupportRequest, TimelineEntry } from "../../../shared/contracts";
import { generateApiKey, newApiKeyRecord } from "../../../shared/services";
import type { HttpHandler, HttpHandlerDeps } from "../../../functions/http/common";
import { createGetSupportRequestHandler } from "../../../functions/http/partnerApiHandlers";
import { createGetStatusPageHandler, createPostStatusPageActionHandler, STATUS_PAGE_CSP } from "../../../functions/http/statusPageHandlers";
import { FakeWorkflow, partnerDefinition, seedCase, testConfig } from "./helpers";

const BASE = "http://127.0.0.1:7071";
const P = "status-page";
const OTHER = "status-other";

let container: Container;
let workflow: FakeWorkflow;
let deps: HttpHandlerDeps;
let apiKey: string;
let seq = 0;

interface Seen {
  status: number;
  headers: Headers;
  text: string;
}

async function call(handler: HttpHandler, init: { method: string; path: string; form?: Record<string, string>; headers?: Record<string, string>; params: Record<string, string> }): Promise<Seen> {
  const request = new HttpRequest({
    method: init.method,
    url: new URL(init.path, BASE).toString(),
    ...(init.form ? { body: { string: new URLSearchParams(init.form).toString() } } : {}),
    headers: { ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...init.headers },
    params: init.params,
  });
  const response = new HttpResponse((await handler(request, new InvocationContext({ functionName: "status", invocationId: "inv-status", logHandler: () => undefined }))) as HttpResponseInit);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function tokenFor(partnerId: string, caseId: string, expiresAt = new Date(Date.now() + 86_400_000).toISOString()): string {
  return container.statusLinks!.sign({ partnerId, caseId, expiresAt });
}

const getPage = (token: string, headers: Record<string, string> = {}) => call(createGetStatusPageHandler(deps), { method: "GET", path: `/api/status/${token}`, headers, params: { token } });
const post = (token: string, action: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  call(createPostStatusPageActionHandler(deps), { method: "POST", path: `/api/status/${token}/${action}`, form, headers, params: { token, action } });

async function createCase(partnerId: string, path: SupportRequest["status"][], language: SupportRequest["customer"]["preferredLanguage"] = "hu", at?: string): Promise<string> {
  seq += 1;
  return seedCase(container, workflow, { partnerId, caseId: `CS-STATUS${String(seq).padStart(4, "0")}`, language, path, ...(at ? { at } : {}) });
}

async function timeline(caseId: string, partnerId = P): Promise<TimelineEntry[]> {
  return container.cases.listTimeline(partnerId, caseId);
}

beforeAll(async () => {
  container = createContainer(testConfig("status", { STATUS_LINK_KEYS: generateLocalKeyEntry("s1") }));
  workflow = new FakeWorkflow();
  deps = { getContainer: () => container, getWorkflow: () => workflow };
  await container.registerPartner(partnerDefinition(P));
  await container.registerPartner(partnerDefinition(OTHER));
  apiKey = generateApiKey();
  await container.partners.addApiKey(P, newApiKeyRecord(apiKey, "global-admin", "status test", new Date().toISOString()));
});

describe("the status page", () => {
  it("shows the customer's view in the customer's language under the strict CSP, never internal notes", async () => {
    const caseId = await createCase(P, ["in-diagnosis"]);
    const at = new Date().toISOString();
    await container.cases.appendTimeline(P, caseId, { entryId: "note-1", kind: "internal-note", at, summary: "SECRET internal remark", details: { text: "SECRET internal remark", internal: true } });
    await container.cases.appendTimeline(P, caseId, { entryId: "email-received", kind: "email-sent", at, summary: "Status email sent to the customer: [Case #X] Beérkezett: VPN", details: { notificationKey: "received", subject: "[Case #X] Beérkezett: VPN" } });
    await container.cases.appendTimeline(P, caseId, { entryId: "email-partner:new", kind: "email-sent", at, summary: "Partner notified (status-page): PARTNER-ONLY", details: { notificationKey: "partner:new" } });
    await container.cases.appendTimeline(P, caseId, { entryId: "esc", kind: "escalation-decided", at, summary: "ESCALATION internal" });
    await container.inboundLog.recordAttachments(P, caseId, [{ filename: "napló.txt", contentType: "text/plain", sizeBytes: 2048, inline: false, messageId: "<m1@tisza.example>", receivedAt: at }]);
    await container.slaEvents.append(P, caseId, [{ eventId: "e1", at, metric: "resolution", type: "activate", target: "P2D", policyId: "default" }]);
    const seen = await getPage(tokenFor(P, caseId));
    expect(seen.status).toBe(200);
    expect(seen.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(seen.headers.get("content-security-policy")).toBe(STATUS_PAGE_CSP);
    expect(STATUS_PAGE_CSP).toContain("default-src 'none'");
    expect(STATUS_PAGE_CSP).toContain("form-action 'self'");
    expect(seen.headers.get("referrer-policy")).toBe("no-referrer");
    expect(seen.headers.get("cache-control")).toBe("no-store");
    expect(seen.text).toContain('<html lang="hu">');
    expect(seen.text).toContain("A(z) " + caseId + " számú támogatási kérése");
    expect(seen.text).toMatch(/id="status" data-status="in-diagnosis">[^<]+</);
    expect(seen.text).toContain("E-mailt küldtünk Önnek: [Case #X] Beérkezett: VPN");
    expect(seen.text).toContain("napló.txt");
    // The next target: a date in the partner's zone, without the SLA metric's name.
    expect(seen.text).toMatch(/<dt>Legkésőbb ekkor jelentkezünk<\/dt><dd id="next-target"><time datetime="[^"]+">[^<]+\(Europe\/Budapest\)<\/time>/);
    expect(seen.text).not.toMatch(/resolution|first-response/i);
    expect(seen.text).not.toMatch(/SECRET|PARTNER-ONLY|ESCALATION/);
    expect(seen.text).not.toMatch(/<script|style="/);
    expect(seen.text).toContain('action="/api/status/');
  });

  it("shows what the partner wrote to the customer under its entry, and nothing it did not send", async () => {
    const caseId = await createCase(P, ["in-diagnosis"]);
    const partnerName = (await container.partners.getPartner(P))?.name ?? "";
    const partner = { kind: "partner", partnerId: P };
    const at = (minute: number): string => new Date(Date.UTC(2026, 2, 2, 9, minute)).toISOString();
    // Entries as the workflow writes them (the inbox action's fields in `details`).
    const entries: TimelineEntry[] = [
      { entryId: "w1", kind: "status-changed", at: at(1), toStatus: "awaiting-customer", summary: "The partner needs information from the customer.", details: { action: "diagnosis", seq: "000000000001", actor: partner, type: "diagnosis", outcome: "awaiting-customer", notes: "Melyik virtuális gépről van szó?" } },
      { entryId: "w2", kind: "note", at: at(2), summary: "The partner updated the customer.", details: { action: "update", seq: "000000000002", actor: partner, message: "Dolgozunk rajta <b>most</b>." } },
      { entryId: "w3", kind: "note", at: at(3), summary: "Ignored a diagnosis action: the case was already escalated.", details: { ignored: "case-escalated", action: "diagnosis", seq: "000000000003", actor: partner, type: "diagnosis", outcome: "resolved", notes: "IGNORED-NOTES" } },
      { entryId: "w4", kind: "escalation-decided", at: at(4), toStatus: "escalated-to-provider", summary: "Rule 1.", details: { action: "diagnosis", seq: "000000000004", actor: partner, type: "diagnosis", outcome: "needs-escalation", notes: "ESCALATION-NOTES", target: "indirect-provider" } },
      { entryId: "w5", kind: "escalation-decided", at: at(5), summary: "Rule 3.", details: { action: "escalate", seq: "000000000005", actor: { kind: "indirect-provider", partnerId: OTHER }, type: "escalate", reason: "ESCALATE-REASON", target: "microsoft" } },
      { entryId: "w6", kind: "status-changed", at: at(6), toStatus: "resolved", summary: "The request was resolved by the indirect provider.", details: { action: "resolution", seq: "000000000006", actor: { kind: "indirect-provider", partnerId: OTHER }, type: "resolution", summary: "Kicseréltük a hibás lemezt." } },
      { entryId: "w7", kind: "status-changed", at: at(7), toStatus: "closed", summary: "Closed by the customer: CUSTOMER-CLOSE", details: { action: "close", seq: "000000000007", actor: { kind: "customer", email: "it@tisza.example" }, reason: "CUSTOMER-CLOSE" } },
    ];
    for (const e of entries) await container.cases.appendTimeline(P, caseId, e);
    const seen = await getPage(tokenFor(P, caseId));
    expect(seen.status).toBe(200);
    const messages = [...seen.text.matchAll(/<li data-kind="message"><time[^>]*>[^<]*<\/time>([^<]*)<blockquote>([^<]*)<\/blockquote><\/li>/g)].map((m) => [m[1], m[2]]);
    const heading = `${partnerName} üzenete`.replace(/&/g, "&amp;");
    expect(messages).toEqual([
      [heading, "Melyik virtuális gépről van szó?"],
      [heading, "Dolgozunk rajta &lt;b&gt;most&lt;/b&gt;."],
      [heading, "Kicseréltük a hibás lemezt."],
    ]);
    // Each message right below the status change it came with.
    expect(seen.text.indexOf("Melyik virtuális gépről")).toBeGreaterThan(seen.text.indexOf('data-kind="status"'));
    expect(seen.text).not.toMatch(/IGNORED-NOTES|ESCALATION-NOTES|ESCALATE-REASON|CUSTOMER-CLOSE/);
  });

  it("takes a reply exactly as an email reply: timeline, inbox once per form, workflow signalled; the page shows it", async () => {
    const caseId = await createCase(P, ["in-diagnosis", "awaiting-customer"]);
    const token = tokenFor(P, caseId);
    const page = await getPage(token);
    const nonce = /name="nonce" value="([^"]+)"/.exec(page.text)?.[1] ?? "";
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    const events = workflow.events.length;
    const first = await post(token, "reply", { nonce, message: "Az új napló csatolva <b>itt</b>." });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe(`/api/status/${token}?done=replied`);
    // The same form again (a double submit) is the same reply.
    expect((await post(token, "reply", { nonce, message: "Az új napló csatolva <b>itt</b>." })).status).toBe(303);
    const replies = (await timeline(caseId)).filter((e) => e.kind === "customer-reply");
    expect(replies).toHaveLength(1);
    expect(replies[0]?.details).toMatchObject({ text: "Az új napló csatolva <b>itt</b>.", channel: "status-page", from: "it@tisza.example" });
    const inbox = (await container.inbox.listAfter(P, caseId)).filter((r) => r.action.type === "customer-reply");
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.actor).toEqual({ kind: "customer", email: "it@tisza.example" });
    expect(workflow.events.slice(events).filter((e) => e.caseId === caseId).map((e) => e.eventName)).toContain("CaseActionsAvailable");
    const after = await getPage(token, {});
    expect(after.text).toContain("Az új napló csatolva &lt;b&gt;itt&lt;/b&gt;.");
  });

  it("answers a blank reply 400 with the page naming the problem, or problem+json naming the field", async () => {
    const caseId = await createCase(P, ["in-diagnosis"]);
    const token = tokenFor(P, caseId);
    const page = await post(token, "reply", { nonce: "n".repeat(20), message: "   " });
    expect(page.status).toBe(400);
    expect(page.text).toContain('id="error"');
    expect(page.text).toContain("Kérjük, írjon üzenetet");
    const json = await post(token, "reply", { nonce: "n".repeat(20), message: "" }, { accept: "application/problem+json" });
    expect(json.status).toBe(400);
    expect(JSON.parse(json.text)).toMatchObject({ status: 400, errors: [{ pointer: "form:message" }] });
  });

  it("confirms a resolution as the customer (the close action), and refuses it on an open request (409)", async () => {
    const resolved = await createCase(P, ["in-diagnosis", "resolved"]);
    const ok = await post(tokenFor(P, resolved), "confirmation", {});
    expect(ok.status).toBe(303);
    const close = (await container.inbox.listAfter(P, resolved)).find((r) => r.action.type === "close");
    expect(close?.actor).toEqual({ kind: "customer", email: "it@tisza.example" });
    const open = await createCase(P, ["in-diagnosis"]);
    const refused = await post(tokenFor(P, open), "confirmation", {});
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('id="error"');
  });

  it("reopens a resolved request and a closed one within the window; refuses after the window", async () => {
    const resolved = await createCase(P, ["in-diagnosis", "resolved"]);
    expect((await post(tokenFor(P, resolved), "reopening", { reason: "Still drops" })).status).toBe(303);
    const reopen = (await container.inbox.listAfter(P, resolved)).find((r) => r.action.type === "reopen");
    expect(reopen).toMatchObject({ action: { type: "reopen", reason: "Still drops" }, actor: { kind: "customer" } });

    const closed = await createCase(P, ["in-diagnosis", "resolved", "closed"], "hu", new Date(Date.now() - 3_600_000).toISOString());
    workflow.statuses.set(closed, { runtimeStatus: "Completed", customStatus: null });
    expect((await post(tokenFor(P, closed), "reopening", { reason: "Back again" })).status).toBe(303);
    expect(workflow.restarts.find((r) => r.caseId === closed)).toBeDefined();

    // Closed ten days ago: the partner's auto-close period (P3D) after closure has passed.
    const old = await createCase(P, ["in-diagnosis", "resolved", "closed"], "hu", new Date(Date.now() - 10 * 86_400_000).toISOString());
    workflow.statuses.set(old, { runtimeStatus: "Completed", customStatus: null });
    const late = await post(tokenFor(P, old), "reopening", { reason: "Back again" });
    expect(late.status).toBe(409);
    expect(workflow.restarts.find((r) => r.caseId === old)).toBeUndefined();
    expect((await getPage(tokenFor(P, old))).text).not.toContain('id="reopen-form"');
  });

  it("stores one satisfaction rating on the case, shown in the partner's detail; the same again is answered alike, a different one refused", async () => {
    const caseId = await createCase(P, ["in-diagnosis", "resolved"], "en");
    const token = tokenFor(P, caseId);
    expect((await getPage(token)).text).toContain('id="rating-form"');
    const first = await post(token, "rating", { rating: "4", comment: "Quick and clear" });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe(`/api/status/${token}?done=rated#rating`);
    // A double submit: answered as the first; a different rating (another tab): refused, the first stands.
    expect((await post(token, "rating", { rating: "4", comment: "Quick and clear" })).status).toBe(303);
    const other = await post(token, "rating", { rating: "1" });
    expect(other.status).toBe(409);
    expect(other.text).toContain('id="error"');
    expect((await post(token, "rating", { rating: "4", comment: "Changed my mind" }, { accept: "application/problem+json" })).status).toBe(409);
    const stored = await container.cases.getCase(P, caseId);
    expect(stored?.satisfaction).toMatchObject({ rating: 4, comment: "Quick and clear" });
    const page = await getPage(token);
    expect(page.text).toContain("Thank you for your rating: 4 of 5.");
    expect(page.text).not.toContain('id="rating-form"');
    const detail = await call(createGetSupportRequestHandler(deps), { method: "GET", path: `/api/partners/${P}/support-requests/${caseId}`, headers: { "x-api-key": apiKey }, params: { partnerId: P, caseId } });
    expect(JSON.parse(detail.text).case.satisfaction).toMatchObject({ rating: 4, comment: "Quick and clear" });
    // Before the resolution there is nothing to rate.
    const open = await createCase(P, ["in-diagnosis"]);
    expect((await post(tokenFor(P, open), "rating", { rating: "5" })).status).toBe(409);
    expect((await post(token, "rating", { rating: "9" }, { accept: "application/json" })).status).toBe(400);
  });

  it("cannot be used for another case: a tampered token, another partner's case id under it, an unknown case", async () => {
    const mine = await createCase(P, ["in-diagnosis"]);
    const theirs = await createCase(OTHER, ["in-diagnosis"]);
    const [kid, , sig] = tokenFor(P, mine).split(".") as [string, string, string];
    const swapped = `${kid}.${Buffer.from(JSON.stringify({ p: OTHER, c: theirs, x: Math.floor(Date.now() / 1000) + 3600 })).toString("base64url")}.${sig}`;
    for (const token of [swapped, `${tokenFor(P, mine)}x`, "not-a-token", tokenFor(P, "CS-NOPE000000")]) {
      const page = await getPage(token, { "accept-language": "cs-CZ, en;q=0.5" });
      expect(page.status).toBe(404);
      expect(page.text).toContain("Tento odkaz není platný");
      expect(page.headers.get("content-security-policy")).toBe(STATUS_PAGE_CSP);
      const action = await post(token, "reply", { nonce: "n".repeat(20), message: "Hi" });
      expect(action.status).toBe(404);
    }
    expect((await timeline(theirs, OTHER)).some((e) => e.kind === "customer-reply")).toBe(false);
    // The token of one case opens that case only.
    expect((await getPage(tokenFor(OTHER, theirs))).text).toContain(theirs);
  });

  it("refuses an expired link with 410, as a localized page or problem+json", async () => {
    const caseId = await createCase(P, ["in-diagnosis"]);
    const token = tokenFor(P, caseId, new Date(Date.now() - 1000).toISOString());
    const page = await getPage(token, { "accept-language": "pl" });
    expect(page.status).toBe(410);
    expect(page.text).toContain("Ten link wygasł");
    const json = await getPage(token, { accept: "application/problem+json" });
    expect(json.status).toBe(410);
    expect(json.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await post(token, "reply", { nonce: "n".repeat(20), message: "Hi" })).status).toBe(410);
  });

  it("refuses cross-site form posts and non-form bodies", async () => {
    const caseId = await createCase(P, ["in-diagnosis"]);
    const token = tokenFor(P, caseId);
    expect((await post(token, "reply", { nonce: "n".repeat(20), message: "Hi" }, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post(token, "reply", { nonce: "n".repeat(20), message: "Hi" }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await post(token, "reply", { nonce: "n".repeat(20), message: "Hi" }, { "content-type": "application/json" })).status).toBe(415);
    expect((await post(token, "unknown", {})).status).toBe(404);
    expect((await timeline(caseId)).some((e) => e.kind === "customer-reply")).toBe(false);
  });
});
