/**
 * End to end: the CSP support rules on the running app (Azurite, MailDev and
 * the local Functions host as child processes on free ports, a temporary data directory), driven
 * only over HTTP as partners and customers use it. The partners of
 * `test/fixtures/e2e/partners.json` have 24×7 SLA policies with targets of seconds, an escalation
 * chain two levels a few seconds apart, an indirect provider with a reseller, and entitlements
 * shaped for each rule, so every scenario runs in well under a minute; the scenarios run
 * concurrently.
 *
 * Each scenario asserts what the partner sees in `GET …/support-requests/{caseId}` (status,
 * timeline, `slaEvents`, `slaClocks`, `escalation` with its reason, vehicle, product support
 * incident and prepared Partner Center service request) and what customers and partner contacts
 * receive in MailDev (`[Case #ID]` and the localized status label, automatic-email headers,
 * threading, billing contact, support terms, partner notifications to the right addresses):
 * 1. pause/resume (hu), 2. first-response warnings, breach (the customer gets one SLA-delay
 * notice) and escalation chain (pl),
 * 3. reseller → provider → Microsoft (cs), 4. no eligible vehicle (ru), 5. PSI counting (en),
 * 6. public support terms and the billing acknowledgement (en).
 *
 * Needs `dist/` (the stack runs `node emulator/dist/cli.js`): `npm run build` first.
 */
import path from "node:path";
import type { CaseStatus, EscalationRecord, SlaClockView, SlaEvent, SlaMetricName, SupportRequest, SupportedLanguage, TimelineEntry } from "../../shared/contracts";
import type { RunningStack } from "../../scripts/lib/stack";
import { startTestStack, type TestStack } from "../support/e2eStack";
import { DemoApiClient } from "../../scripts/lib/demoRunner";
import { fetchHonouringRetryAfter } from "../../scripts/lib/retryingFetch";
import { statusEmailLocales } from "../../shared/templates/statusEmail";

jest.setTimeout(4 * 60_000);

const ROOT = path.join(__dirname, "..", "..");
const PARTNERS_FILE = path.join(ROOT, "test", "fixtures", "e2e", "partners.json");

/** An email as MailDev's REST API (`GET /email`) returns it. */
interface CaughtEmail {
  subject: string;
  messageId: string;
  to: Array<{ address: string }>;
  cc?: Array<{ address: string }>;
  headers: Record<string, string>;
  text: string;
  html: string;
}

/** The partner API's case view (`GET …/support-requests/{caseId}`), as far as these tests read it. */
interface CaseDetails {
  case: SupportRequest;
  timeline: TimelineEntry[];
  notifications: Array<{ notificationKey: string; messageId: string; to: string[]; subject: string; sentAt: string }>;
  orchestration: { runtimeStatus: string; customStatus?: unknown } | null;
  slaClocks: Record<SlaMetricName, SlaClockView> | null;
  slaEvents: SlaEvent[];
  escalation: EscalationRecord | null;
  resellerPartnerId?: string;
  resellerName?: string;
}

let stack: RunningStack;
let testStack: TestStack | undefined;
let client: DemoApiClient;
const hostLog: string[] = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ms = (iso: string): number => Date.parse(iso);

function credentialsOf(partnerId: string): { webhookSecret: string; apiKey: string } {
  const c = stack.credentials?.partners[partnerId];
  if (!c) throw new Error(`no credentials for ${partnerId}`);
  return c;
}
const keyOf = (partnerId: string): string => credentialsOf(partnerId).apiKey;

/** `GET`/`POST` on the app; returns the HTTP status and the parsed body. */
async function call(method: "GET" | "POST", urlPath: string, apiKey?: string, body?: unknown): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (apiKey) headers["x-api-key"] = apiKey;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetchHonouringRetryAfter(`${stack.urls.app}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const casePath = (partnerId: string, caseId: string): string => `/api/partners/${partnerId}/support-requests/${caseId}`;

async function view(partnerId: string, caseId: string, apiKey = keyOf(partnerId)): Promise<CaseDetails> {
  const res = await call("GET", casePath(partnerId, caseId), apiKey);
  if (res.status !== 200) throw new Error(`GET ${caseId} as ${partnerId} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as CaseDetails;
}

/** A partner action (`diagnosis`, `resolution`, `updates`, `escalation`); expects 202. */
async function act(partnerId: string, caseId: string, action: "diagnosis" | "resolution" | "updates" | "escalation", body: unknown, apiKey = keyOf(partnerId)): Promise<void> {
  const res = await call("POST", `${casePath(partnerId, caseId)}/${action}`, apiKey, body);
  if (res.status !== 202) throw new Error(`POST ${action} on ${caseId} as ${partnerId} → ${res.status} ${JSON.stringify(res.body)}`);
}

/** Polls the case until `ok` holds (returns that view). */
async function until(partnerId: string, caseId: string, what: string, ok: (v: CaseDetails) => boolean, timeoutMs = 90_000, apiKey = keyOf(partnerId)): Promise<CaseDetails> {
  const deadline = Date.now() + timeoutMs;
  let last: CaseDetails | undefined;
  for (;;) {
    try {
      last = await view(partnerId, caseId, apiKey);
      if (ok(last)) return last;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) {
      throw new Error(`${caseId}: ${what} not reached in ${timeoutMs} ms; status ${last?.case.status}; timeline ${JSON.stringify(last?.timeline.map((t) => `${t.kind}:${t.toStatus ?? ""}:${t.summary}`))}; slaEvents ${JSON.stringify(last?.slaEvents)}`);
    }
    await sleep(400);
  }
}

const hasStatus = (status: CaseStatus) => (v: CaseDetails): boolean => v.case.status === status;
const closedAndCompleted = (v: CaseDetails): boolean => v.case.status === "closed" && v.orchestration?.runtimeStatus === "Completed";

async function submit(partnerId: string, request: unknown): Promise<string> {
  const accepted = await client.submit(partnerId, credentialsOf(partnerId).webhookSecret, request);
  expect(accepted.status).toBe("received");
  return accepted.caseId;
}

async function allEmails(): Promise<CaughtEmail[]> {
  const res = await fetch(`${stack.urls.maildev}/email`);
  return (await res.json()) as CaughtEmail[];
}

/** Emails of a case (subject carries `[Case #ID]`), waiting until every given notification key is there. */
async function emailsOf(caseId: string, keys: string[], timeoutMs = 30_000): Promise<CaughtEmail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = (await allEmails()).filter((m) => m.subject.includes(`[Case #${caseId}]`));
    const missing = keys.filter((k) => !mine.some((m) => m.messageId.includes(`${caseId}.${k}@`)));
    if (missing.length === 0) return mine;
    if (Date.now() > deadline) throw new Error(`${caseId}: emails ${missing.join(", ")} not in MailDev; have ${mine.map((m) => m.messageId).join(", ")}`);
    await sleep(500);
  }
}

function emailByKey(mails: CaughtEmail[], caseId: string, key: string): CaughtEmail {
  const m = mails.find((x) => x.messageId.includes(`${caseId}.${key}@`));
  if (!m) throw new Error(`no email ${key} for ${caseId}`);
  return m;
}

const addressesOf = (list: Array<{ address: string }> | undefined): string[] => (list ?? []).map((a) => a.address).sort();

function statusLabel(lang: SupportedLanguage, status: CaseStatus): string {
  const label = statusEmailLocales[lang].statusLabels?.[status] ?? statusEmailLocales.en.statusLabels?.[status];
  if (!label) throw new Error(`no label ${status}`);
  return label;
}

/**
 * What the customer receives: one email per status key, in the customer's language (subject
 * `[Case #ID]` + localized label), automatic headers, Message-ID at the sender's domain encoding
 * the case, and all mails threaded on the acknowledgement.
 */
function expectCustomerEmails(mails: CaughtEmail[], opts: { caseId: string; customer: string; lang: SupportedLanguage; senderDomain: string; statuses: CaseStatus[] }): CaughtEmail[] {
  const { caseId, customer, lang, senderDomain } = opts;
  const mine = mails.filter((m) => m.to.some((t) => t.address === customer));
  const ack = emailByKey(mine, caseId, "received");
  for (const status of opts.statuses) {
    const m = emailByKey(mine, caseId, status);
    expect(m.subject).toContain(`[Case #${caseId}]`);
    expect(m.subject).toContain(statusLabel(lang, status));
    expect(m.messageId.replace(/^<|>$/g, "")).toBe(`${caseId}.${status}@${senderDomain}`);
  }
  for (const m of mine) {
    expect(m.headers["auto-submitted"]).toBe("auto-generated");
    expect(m.headers["x-auto-response-suppress"]).toBe("All");
    if (m !== ack) {
      const root = ack.messageId.startsWith("<") ? ack.messageId : `<${ack.messageId}>`;
      expect(m.headers["in-reply-to"]).toBe(root);
      expect(m.headers.references).toContain(root);
    }
  }
  // Exactly one email per customer notification (no duplicates).
  const ids = mine.map((m) => m.messageId);
  expect(new Set(ids).size).toBe(ids.length);
  return mine;
}

function eventsOf(v: CaseDetails, metric: SlaMetricName): SlaEvent[] {
  return v.slaEvents.filter((e) => e.metric === metric);
}

function statusesOf(v: CaseDetails): CaseStatus[] {
  return v.timeline.filter((e) => e.toStatus !== undefined && e.toStatus !== null).map((e) => e.toStatus as CaseStatus);
}

function customer(tenantId: string, email: string, lang: SupportedLanguage, name: string) {
  return { tenantId, name, email, preferredLanguage: lang, contactName: name };
}

// ------------------------------------------------------------------------------------------------
// Scenarios (each returns when its assertions passed; they run concurrently)
// ------------------------------------------------------------------------------------------------

/**
 * 1. Pause/resume (hu): awaiting-customer pauses the clocks, a new diagnosis resumes them; elapsed
 * excludes the pause. Its policy's targets are minutes (warnings from 2.5 minutes on): the scenario
 * asserts that no warning or breach happens, which must not depend on how fast a loaded machine
 * runs it (with a 30-second first-response target, a run under heavy load warned at 15 s).
 */
async function pauseResumeScenario(): Promise<void> {
  const p = "e2e-duna";
  const cust = customer("11111111-1111-4111-8111-111111111111", "rendszergazda@pelda-kft.example", "hu", "Kovács Anna");
  const caseId = await submit(p, { customer: cust, product: "microsoft-365", category: "technical", severity: "B", title: "Az Outlook nem szinkronizál", description: "A postafiókok reggel óta nem frissülnek." });
  await until(p, caseId, "in-diagnosis", hasStatus("in-diagnosis"));
  await sleep(1500);
  await act(p, caseId, "diagnosis", { outcome: "awaiting-customer", notes: "Kérjük, küldje el a hibaüzenet képernyőképét." });
  await until(p, caseId, "paused", (v) => v.case.status === "awaiting-customer" && eventsOf(v, "resolution").some((e) => e.type === "pause"));
  const paused = await view(p, caseId);
  expect(paused.slaClocks?.resolution.state).toBe("paused");
  expect(paused.slaClocks?.["first-response"].state).toBe("fulfilled");
  const pausePolicy = paused.slaEvents.find((e) => e.type === "activate")?.policyId;
  expect(pausePolicy).toBe("pause-tenant");
  const pause = eventsOf(paused, "resolution").find((e) => e.type === "pause") as SlaEvent;
  expect(pause.reason).toContain("awaiting-customer");
  // While paused the clock does not move.
  const e1 = paused.slaClocks?.resolution.elapsedInMs ?? -1;
  await sleep(6000);
  const stillPaused = await view(p, caseId);
  expect(stillPaused.slaClocks?.resolution.state).toBe("paused");
  expect(stillPaused.slaClocks?.resolution.elapsedInMs).toBe(e1);
  expect(stillPaused.slaClocks?.resolution.dueAt).toBeUndefined();

  // A new diagnosis: the case goes on (to Microsoft) and the clocks resume.
  await act(p, caseId, "diagnosis", { outcome: "needs-escalation", notes: "A hiba a Microsoft 365 szolgáltatásban van; Microsofthoz továbbítjuk." });
  // The status change is stored first, the SLA events of the same step right after it.
  await until(p, caseId, "escalated-to-microsoft and resumed", (v) => v.case.status === "escalated-to-microsoft" && eventsOf(v, "resolution").some((e) => e.type === "resume"));
  const before = Date.now();
  const resumed = await view(p, caseId);
  const after = Date.now();
  const res = eventsOf(resumed, "resolution");
  expect(res.map((e) => e.type)).toEqual(["activate", "pause", "resume"]);
  const [activate, pz, resume] = res as [SlaEvent, SlaEvent, SlaEvent];
  expect(ms(resume.at) - ms(pz.at)).toBeGreaterThanOrEqual(5500);
  const clock = resumed.slaClocks?.resolution as SlaClockView;
  expect(clock.state).toBe("running");
  const runBefore = ms(pz.at) - ms(activate.at);
  expect(clock.elapsedInMs).toBeGreaterThanOrEqual(runBefore + (before - ms(resume.at)) - 1500);
  expect(clock.elapsedInMs).toBeLessThanOrEqual(runBefore + (after - ms(resume.at)) + 1500);
  // Wall time since the request opened minus the pause.
  expect(after - ms(activate.at) - clock.elapsedInMs).toBeGreaterThanOrEqual(ms(resume.at) - ms(pz.at) - 1500);
  expect(clock.targetInMs).toBe(600_000);
  expect(ms(clock.dueAt as string)).toBe(ms(activate.at) + 600_000 + (ms(resume.at) - ms(pz.at)));
  // The next-update clock was restarted by the partner's response and resumed as well.
  expect(eventsOf(resumed, "next-update").map((e) => e.type)).toEqual(expect.arrayContaining(["activate", "pause", "resume"]));
  expect(resumed.escalation).toMatchObject({ target: "microsoft", vehicle: "signature-cloud-support", trigger: "partner-request" });
  expect(resumed.escalation?.reason).toContain("Rule 3");
  expect(resumed.escalation?.microsoftServiceRequest).toMatchObject({ outcome: "prepared", locale: "en-US", payload: { Severity: "moderate", ProductName: "Microsoft 365", PrimaryContact: { Email: "helpdesk@duna-e2e.example" } } });

  await act(p, caseId, "resolution", { summary: "A Microsoft javította a szolgáltatást; a szinkronizálás működik." });
  const final = await until(p, caseId, "closed", closedAndCompleted);
  expect(statusesOf(final)).toEqual(["received", "in-diagnosis", "awaiting-customer", "escalated-to-microsoft", "resolved", "closed"]);
  expect(eventsOf(final, "resolution").map((e) => e.type)).toEqual(["activate", "pause", "resume", "fulfill"]);
  expect(eventsOf(final, "first-response").map((e) => e.type)).toEqual(["activate", "fulfill"]);
  expect(final.slaClocks?.resolution.state).toBe("fulfilled");
  expect(final.slaEvents.some((e) => e.type === "breach")).toBe(false);

  const mails = await emailsOf(caseId, ["received", "awaiting-customer", "escalated-to-microsoft", "resolved", "closed"]);
  const mine = expectCustomerEmails(mails, { caseId, customer: cust.email, lang: "hu", senderDomain: "duna-e2e.example", statuses: ["received", "awaiting-customer", "escalated-to-microsoft", "resolved", "closed"] });
  expect(mine).toHaveLength(5);
  expect(emailByKey(mine, caseId, "awaiting-customer").text).toContain("Kérjük, küldje el a hibaüzenet képernyőképét.");
  // The Hungarian acknowledgement quotes the support terms in Hungarian, with no billing sentence (technical request).
  const ack = emailByKey(mine, caseId, "received");
  expect(ack.text).toContain(statusEmailLocales.hu.supportTerms?.heading as string);
  expect(ack.text).toContain("Microsoft 365 administration");
  expect(ack.text).not.toContain("szamlazas@duna-e2e.example");
  expect(addressesOf(ack.cc)).toEqual([]);
}

/** 2. Warnings (50, 75), breach of first response, escalation chain levels in order, then Microsoft (pl). */
async function breachChainScenario(): Promise<void> {
  const p = "e2e-wisla";
  const cust = customer("22222222-2222-4222-8222-222222222222", "admin@przyklad.example", "pl", "Jan Nowak");
  const caseId = await submit(p, { customer: cust, product: "azure", category: "technical", severity: "A", title: "Maszyny wirtualne nie startują", description: "Po restarcie żadna maszyna wirtualna w regionie nie startuje." });
  await until(p, caseId, "in-diagnosis", hasStatus("in-diagnosis"));
  const escalated = await until(p, caseId, "escalated to Microsoft after the chain", (v) => v.case.status === "escalated-to-microsoft" && v.notifications.some((n) => n.notificationKey === "partner:escalation-microsoft"), 100_000);

  const fr = eventsOf(escalated, "first-response");
  expect(fr.map((e) => `${e.type}${e.percent ?? ""}`)).toEqual(["activate", "warn50", "warn75", "breach"]);
  const [act0, w50, w75, br] = fr as [SlaEvent, SlaEvent, SlaEvent, SlaEvent];
  expect(act0.policyId).toBe("critical-fast");
  expect(act0.target).toBe("PT20S");
  // Logged at their own instants: 10 s, 15 s, 20 s of a 24×7 clock.
  expect(ms(w50.at) - ms(act0.at)).toBe(10_000);
  expect(ms(w75.at) - ms(act0.at)).toBe(15_000);
  expect(ms(br.at) - ms(act0.at)).toBe(20_000);
  expect(escalated.slaClocks?.["first-response"].state).toBe("breached");
  expect(escalated.slaClocks?.["first-response"].warned).toEqual([50, 75]);
  expect(escalated.timeline.some((e) => e.kind === "sla-breached" && (e.details as { metric?: string } | undefined)?.metric === "first-response")).toBe(true);

  // Escalation: first eligible vehicle (product support incidents cover on-premises only), after the chain.
  const esc = escalated.escalation as EscalationRecord;
  expect(esc).toMatchObject({ target: "microsoft", vehicle: "signature-cloud-support", trigger: "first-response-breach" });
  expect(esc.reason).toMatch(/Rule 3/);
  expect(esc.reason).toContain("product-support-incidents covers on-premises products only");
  expect(esc.productSupportIncident).toBeUndefined();
  expect(esc.microsoftServiceRequest).toMatchObject({ outcome: "prepared", locale: "en-US", payload: { Severity: "critical", ProductName: "Microsoft Azure", PrimaryContact: { Email: "pomoc@wisla-e2e.example" } } });
  expect(esc.microsoftServiceRequest?.payload.Title).toContain(`[Case #${caseId}]`);
  const decided = escalated.timeline.filter((e) => e.kind === "escalation-decided");
  expect(decided.some((e) => e.summary.includes("after the escalation chain"))).toBe(true);
  expect(decided.some((e) => e.summary.includes("The escalation chain ended"))).toBe(true);

  // Partner notifications, in order, to the right addresses.
  const sent = (key: string) => {
    const n = escalated.notifications.find((x) => x.notificationKey === `partner:${key}`);
    if (!n) throw new Error(`no partner notification ${key}: ${escalated.notifications.map((x) => x.notificationKey).join(", ")}`);
    return n;
  };
  const partnerContacts = ["dyzur@wisla-e2e.example", "pomoc@wisla-e2e.example"];
  for (const key of ["sla-warn-first-response-50", "sla-warn-first-response-75", "sla-breach-first-response", "escalation-microsoft"]) expect([...sent(key).to].sort()).toEqual(partnerContacts);
  expect(sent("escalation-level-1").to).toEqual(["kierownik.zespolu@wisla-e2e.example"]);
  expect([...sent("escalation-level-2").to].sort()).toEqual(["dyrektor@wisla-e2e.example", "kierownik.wsparcia@wisla-e2e.example"]);
  const order = ["sla-warn-first-response-50", "sla-warn-first-response-75", "sla-breach-first-response", "escalation-level-1", "escalation-level-2", "escalation-microsoft"].map((k) => ms(sent(k).sentAt));
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  // Level 1 waits 2 s after the breach, level 2 another 3 s; Microsoft after the chain.
  expect(order[3] as number).toBeGreaterThanOrEqual(ms(br.at) + 2000);
  expect(order[4] as number).toBeGreaterThanOrEqual(ms(br.at) + 5000);
  expect(order[5] as number).toBeGreaterThanOrEqual(ms(br.at) + 5000);

  const partnerMails = await emailsOf(caseId, ["partner.sla-warn-first-response-50", "partner.sla-warn-first-response-75", "partner.sla-breach-first-response", "partner.escalation-level-1", "partner.escalation-level-2", "partner.escalation-microsoft"]);
  const w50mail = emailByKey(partnerMails, caseId, "partner.sla-warn-first-response-50");
  expect(addressesOf(w50mail.to)).toEqual(partnerContacts);
  expect(w50mail.subject).toContain("50 %");
  expect(w50mail.headers["auto-submitted"]).toBe("auto-generated");
  expect(emailByKey(partnerMails, caseId, "partner.sla-warn-first-response-75").subject).toContain("75 %");
  expect(emailByKey(partnerMails, caseId, "partner.sla-breach-first-response").subject).toContain("SLA breach");
  const l1 = emailByKey(partnerMails, caseId, "partner.escalation-level-1");
  expect(addressesOf(l1.to)).toEqual(["kierownik.zespolu@wisla-e2e.example"]);
  expect(l1.subject).toContain("Team lead");
  const l2 = emailByKey(partnerMails, caseId, "partner.escalation-level-2");
  expect(addressesOf(l2.to)).toEqual(["dyrektor@wisla-e2e.example", "kierownik.wsparcia@wisla-e2e.example"]);
  expect(l2.subject).toContain("Support manager");
  const msMail = emailByKey(partnerMails, caseId, "partner.escalation-microsoft");
  expect(msMail.text).toContain("POST /v1/servicerequests/en-US");
  expect(msMail.text).toContain('"Severity": "critical"');
  // The chain contacts get nothing but their level.
  expect(partnerMails.filter((m) => m.to.some((t) => t.address === "kierownik.zespolu@wisla-e2e.example"))).toHaveLength(1);

  await act(p, caseId, "resolution", { summary: "Microsoft przywrócił działanie regionu; maszyny startują." });
  const final = await until(p, caseId, "closed", closedAndCompleted);
  expect(statusesOf(final)).toEqual(["received", "in-diagnosis", "escalated-to-microsoft", "resolved", "closed"]);
  expect(eventsOf(final, "resolution").map((e) => e.type)).toEqual(["activate", "fulfill"]);

  const mails = await emailsOf(caseId, ["received", "sla-delay-first-response", "escalated-to-microsoft", "resolved", "closed"]);
  const mine = expectCustomerEmails(mails, { caseId, customer: cust.email, lang: "pl", senderDomain: "wisla-e2e.example", statuses: ["received", "escalated-to-microsoft", "resolved", "closed"] });
  // The customer is told of the delay (ONE sla-delay notice for the first-response breach, none for
  // the warnings) and that it was escalated.
  const customerKeys = final.notifications.filter((n) => !n.notificationKey.startsWith("partner:")).map((n) => n.notificationKey);
  expect(mine).toHaveLength(customerKeys.length);
  expect(customerKeys.filter((k) => k.startsWith("sla-delay-first-response"))).toEqual(["sla-delay-first-response"]);
  expect(customerKeys.filter((k) => k.startsWith("sla-delay") && !["sla-delay-first-response", "sla-delay-resolution"].includes(k))).toEqual([]);
  for (const key of customerKeys.filter((k) => k.startsWith("sla-delay"))) {
    const notice = emailByKey(mine, caseId, key);
    expect(notice.subject).toContain(`[Case #${caseId}]`);
    expect(notice.subject).toContain((statusEmailLocales.pl.notices?.["sla-delay"]?.label ?? statusEmailLocales.en.notices?.["sla-delay"]?.label) as string);
    // The missed deadline is stated (row "Target time" in Polish).
    expect(notice.text).toContain(statusEmailLocales.pl.labels?.target as string);
  }
  const delayNotice = final.notifications.find((n) => n.notificationKey === "sla-delay-first-response");
  const breachNotice = final.notifications.find((n) => n.notificationKey === "partner:sla-breach-first-response");
  const escalatedNotice = final.notifications.find((n) => n.notificationKey === "escalated-to-microsoft");
  expect(delayNotice?.to).toEqual([cust.email]);
  // Sent after the breach (which the partner hears of first) and before Microsoft is engaged.
  expect(ms(delayNotice?.sentAt ?? "")).toBeGreaterThanOrEqual(ms(breachNotice?.sentAt ?? ""));
  expect(ms(delayNotice?.sentAt ?? "")).toBeLessThanOrEqual(ms(escalatedNotice?.sentAt ?? ""));
  // No customer email goes to the partner's chain contacts and no partner email to the customer.
  expect(mails.filter((m) => m.messageId.includes(".partner.")).some((m) => m.to.some((t) => t.address === cust.email))).toBe(false);
}

/** 3. Reseller → indirect provider → Microsoft with the provider's entitlements (cs). */
async function resellerProviderScenario(): Promise<void> {
  const reseller = "e2e-brno";
  const provider = "e2e-vltava";
  const cust = customer("33333333-3333-4333-8333-333333333333", "spravce@priklad.example", "cs", "Petr Svoboda");
  const caseId = await submit(reseller, { customer: cust, product: "microsoft-365", category: "technical", severity: "B", title: "Teams nefunguje pro celou firmu", description: "Od rána se nikdo nemůže přihlásit do Teams." });
  await until(reseller, caseId, "in-diagnosis", hasStatus("in-diagnosis"));
  // Before the escalation the provider does not see the case.
  expect((await call("GET", casePath(provider, caseId), keyOf(provider))).status).toBe(404);

  await act(reseller, caseId, "diagnosis", { outcome: "needs-escalation", notes: "Potřebujeme pomoc distributora." });
  const atProvider = await until(reseller, caseId, "escalated-to-provider", hasStatus("escalated-to-provider"));
  expect(atProvider.escalation).toMatchObject({ target: "indirect-provider", providerId: provider, trigger: "partner-request" });
  expect(atProvider.escalation?.reason).toContain("Rule 1");

  // The provider sees it in its own API, with the reseller named.
  const list = await call("GET", `/api/partners/${provider}/support-requests`, keyOf(provider));
  expect(list.status).toBe(200);
  const item = (list.body as { items: Array<{ caseId: string; resellerPartnerId?: string; resellerName?: string; status: string }> }).items.find((i) => i.caseId === caseId);
  expect(item).toMatchObject({ caseId, resellerPartnerId: reseller, resellerName: "Brno E2E Reseller s.r.o." });
  const providerView = await view(provider, caseId);
  expect(providerView).toMatchObject({ resellerPartnerId: reseller, resellerName: "Brno E2E Reseller s.r.o.", case: { caseId, status: "escalated-to-provider", partnerId: reseller } });
  // A third partner's key: 404, through its own route and through the provider's.
  expect((await call("GET", casePath("e2e-duna", caseId), keyOf("e2e-duna"))).status).toBe(404);
  expect((await call("GET", casePath(provider, caseId), keyOf("e2e-duna"))).status).toBe(404);
  expect((await call("POST", `${casePath("e2e-duna", caseId)}/escalation`, keyOf("e2e-duna"), { reason: "not mine" })).status).toBe(404);
  // The provider was notified at its own contacts.
  const providerNote = emailByKey(await emailsOf(caseId, ["partner.escalation-indirect-provider"]), caseId, "partner.escalation-indirect-provider");
  expect(addressesOf(providerNote.to)).toEqual(["eskalace@vltava-e2e.example", "podpora@vltava-e2e.example"]);
  expect(providerNote.subject).toContain(reseller);

  // The provider escalates with its OWN entitlements (premier), not the reseller's (signature cloud support).
  await act(provider, caseId, "escalation", { reason: "Výpadek služby Microsoft 365, eskalujeme na Microsoft." });
  const atMicrosoft = await until(provider, caseId, "escalated-to-microsoft", hasStatus("escalated-to-microsoft"));
  const esc = atMicrosoft.escalation as EscalationRecord;
  expect(esc).toMatchObject({ target: "microsoft", vehicle: "premier-support-for-partners", trigger: "partner-request" });
  expect(esc.reason).toContain("Rule 3");
  expect(esc.microsoftServiceRequest).toMatchObject({ outcome: "prepared", payload: { Severity: "moderate", ProductName: "Microsoft 365", PrimaryContact: { Email: "podpora@vltava-e2e.example" } } });
  expect(esc.microsoftServiceRequest?.payload.Description).toContain("Vltava E2E Distribution s.r.o.");
  expect((await view(reseller, caseId)).escalation?.vehicle).toBe("premier-support-for-partners");
  const msNote = emailByKey(await emailsOf(caseId, ["partner.escalation-microsoft"]), caseId, "partner.escalation-microsoft");
  expect(addressesOf(msNote.to)).toEqual(["eskalace@vltava-e2e.example", "podpora@vltava-e2e.example"]);

  await act(provider, caseId, "resolution", { summary: "Microsoft obnovil přihlašování do Teams." });
  const final = await until(reseller, caseId, "closed", closedAndCompleted);
  expect(statusesOf(final)).toEqual(["received", "in-diagnosis", "escalated-to-provider", "escalated-to-microsoft", "resolved", "closed"]);
  expect(final.timeline.find((e) => e.toStatus === "resolved")?.summary).toContain(provider);
  expect(final.case.resolutionSummary).toBe("Microsoft obnovil přihlašování do Teams.");

  const mails = await emailsOf(caseId, ["received", "escalated-to-provider", "escalated-to-microsoft", "resolved", "closed"]);
  const mine = expectCustomerEmails(mails, { caseId, customer: cust.email, lang: "cs", senderDomain: "brno-e2e.example", statuses: ["received", "escalated-to-provider", "escalated-to-microsoft", "resolved", "closed"] });
  expect(mine).toHaveLength(5);
  expect(emailByKey(mine, caseId, "resolved").text).toContain("Microsoft obnovil přihlašování do Teams.");
}

/** 4. No eligible vehicle (ru): technical on-premises request, no premier/PSI → the partner keeps it. */
async function noVehicleScenario(): Promise<void> {
  const p = "e2e-volga";
  const cust = customer("44444444-4444-4444-8444-444444444444", "admin@primer.example", "ru", "Иван Петров");
  const caseId = await submit(p, { customer: cust, product: "windows-server", category: "technical", severity: "B", title: "Контроллер домена не реплицируется", description: "Репликация Active Directory остановилась после обновления." });
  await until(p, caseId, "in-diagnosis", hasStatus("in-diagnosis"));
  await act(p, caseId, "diagnosis", { outcome: "needs-escalation", notes: "Нужна помощь Microsoft." });
  // The decision is stored on the case first and its timeline entry right after (two writes): wait for both.
  const decided = await until(p, caseId, "escalation decided", (v) => v.escalation !== null && v.timeline.some((e) => e.kind === "escalation-decided"));
  expect(decided.case.status).toBe("in-diagnosis");
  const esc = decided.escalation as EscalationRecord;
  expect(esc.target).toBe("none");
  expect(esc.vehicle).toBeUndefined();
  expect(esc.microsoftServiceRequest).toBeUndefined();
  expect(esc.reason).toContain("Rule 4");
  expect(esc.reason).toContain("on-premises");
  expect(esc.reason).toContain("signature-cloud-support covers cloud products only");
  expect(esc.reason).toContain("the partner keeps the request");
  expect(statusesOf(decided)).not.toContain("escalated-to-microsoft");
  expect(decided.timeline.some((e) => e.kind === "escalation-decided" && e.summary.includes("Rule 4"))).toBe(true);
  const note = emailByKey(await emailsOf(caseId, ["partner.escalation-none"]), caseId, "partner.escalation-none");
  expect(addressesOf(note.to)).toEqual(["dezhurny@volga-e2e.example", "podderzhka@volga-e2e.example"]);
  expect(note.subject).toContain("you keep it");
  expect(note.text).toContain("Rule 4");

  await act(p, caseId, "resolution", { summary: "Репликация восстановлена после очистки метаданных." });
  const final = await until(p, caseId, "closed", closedAndCompleted);
  expect(statusesOf(final)).toEqual(["received", "in-diagnosis", "resolved", "closed"]);
  const mails = await emailsOf(caseId, ["received", "resolved", "closed"]);
  const mine = expectCustomerEmails(mails, { caseId, customer: cust.email, lang: "ru", senderDomain: "volga-e2e.example", statuses: ["received", "resolved", "closed"] });
  expect(mine).toHaveLength(3);
}

/** 5. PSI counting (en): one incident left; the first on-premises escalation uses it, the second gets the next eligible vehicle. */
async function psiScenario(): Promise<void> {
  const p = "e2e-thames";
  const first = customer("55555555-5555-4555-8555-555555555555", "it@example-one.example", "en", "Alice Smith");
  const second = customer("66666666-6666-4666-8666-666666666666", "it@example-two.example", "en", "Bob Jones");
  const [c1, c2] = await Promise.all([
    submit(p, { customer: first, product: "sql-server", category: "technical", severity: "C", title: "SQL Server agent jobs fail", description: "All agent jobs fail since the cumulative update." }),
    submit(p, { customer: second, product: "sql-server", category: "technical", severity: "C", title: "SQL Server backup corrupt", description: "Restore fails with a checksum error." }),
  ]);
  await Promise.all([until(p, c1, "in-diagnosis", hasStatus("in-diagnosis")), until(p, c2, "in-diagnosis", hasStatus("in-diagnosis"))]);

  await act(p, c1, "escalation", { reason: "Needs Microsoft's SQL Server team." });
  const v1 = await until(p, c1, "escalated-to-microsoft", hasStatus("escalated-to-microsoft"));
  expect(v1.escalation).toMatchObject({ target: "microsoft", vehicle: "product-support-incidents", productSupportIncident: { consumed: true, remainingIncidents: 0 } });
  expect(v1.escalation?.reason).toContain("One product support incident was consumed (0 left)");
  expect(v1.escalation?.microsoftServiceRequest?.payload.Severity).toBe("minimal");

  await act(p, c2, "diagnosis", { outcome: "needs-escalation", notes: "Backup corruption, needs Microsoft." });
  const v2 = await until(p, c2, "escalated-to-microsoft", hasStatus("escalated-to-microsoft"));
  expect(v2.escalation).toMatchObject({ target: "microsoft", vehicle: "premier-support-for-partners" });
  expect(v2.escalation?.productSupportIncident?.consumed ?? false).toBe(false);
  expect(v2.escalation?.reason).toMatch(/product support incident/i);
  expect(v2.escalation?.reason).toContain("signature-cloud-support covers cloud products only");
  // The first case's record is unchanged: it still holds the one incident.
  expect((await view(p, c1)).escalation?.productSupportIncident).toEqual({ consumed: true, remainingIncidents: 0 });

  await Promise.all([act(p, c1, "resolution", { summary: "Fixed by Microsoft hotfix." }), act(p, c2, "resolution", { summary: "Restored from a verified backup." })]);
  await Promise.all([until(p, c1, "closed", closedAndCompleted), until(p, c2, "closed", closedAndCompleted)]);
  for (const [caseId, cust] of [[c1, first], [c2, second]] as const) {
    const mails = await emailsOf(caseId, ["received", "escalated-to-microsoft", "resolved", "closed"]);
    expect(expectCustomerEmails(mails, { caseId, customer: cust.email, lang: "en", senderDomain: "thames-e2e.example", statuses: ["received", "escalated-to-microsoft", "resolved", "closed"] })).toHaveLength(4);
  }
}

/** 6. Public support terms (no key) and the billing acknowledgement that quotes them, cc the billing contact (en). */
async function supportTermsScenario(): Promise<void> {
  const p = "e2e-duna";
  const terms = await call("GET", `/api/partners/${p}/support-terms`);
  expect(terms.status).toBe(200);
  expect(terms.headers.get("cache-control")).toBe("public, max-age=300");
  expect(terms.body).toMatchObject({
    partnerId: p,
    name: "Duna E2E Kft.",
    supportTypes: ["Számlázás és előfizetés-kezelés", "Microsoft 365 administration"],
    contactMethods: ["email: helpdesk@duna-e2e.example", "phone: +36 1 555 0199"],
    pricing: "Included in the CSP subscription price; on-premises work HUF 32,000 per hour.",
    serviceHours: { timeZone: "Europe/Budapest", holidays: ["2026-12-24", "2026-12-25"] },
  });
  // Nothing but the published terms: no contacts, entitlements or policies.
  const raw = JSON.stringify(terms.body);
  for (const secret of ["entitlements", "slaPolicies", "szamlazas@duna-e2e.example", "ugyelet@duna-e2e.example"]) expect(raw).not.toContain(secret);
  expect((await call("GET", "/api/partners/e2e-nobody/support-terms")).status).toBe(404);

  const cust = customer("77777777-7777-4777-8777-777777777777", "finance@contoso-e2e.example", "en", "Carol White");
  const caseId = await submit(p, { customer: cust, product: "microsoft-365", category: "billing", severity: "C", title: "Invoice shows twice the licences", description: "The October invoice charges 40 E3 licences; we have 20." });
  await until(p, caseId, "in-diagnosis", hasStatus("in-diagnosis"));
  const [ack] = (await emailsOf(caseId, ["received"])).filter((m) => m.messageId.includes(`${caseId}.received@`));
  const a = ack as CaughtEmail;
  expect(addressesOf(a.to)).toEqual([cust.email]);
  expect(addressesOf(a.cc)).toEqual(["szamlazas@duna-e2e.example"]);
  expect(a.subject).toContain(`[Case #${caseId}]`);
  expect(a.subject).toContain(statusLabel("en", "received"));
  expect(a.text).toContain("Your billing questions are answered by szamlazas@duna-e2e.example.");
  expect(a.text).toContain("Our support terms");
  for (const s of ["Számlázás és előfizetés-kezelés", "Microsoft 365 administration", "email: helpdesk@duna-e2e.example", "phone: +36 1 555 0199", "HUF 32,000 per hour", "Europe/Budapest"]) expect(a.text).toContain(s);
  expect(a.html).toContain("Our support terms");
  expect(a.text).toContain("Response expected by");

  await act(p, caseId, "diagnosis", { outcome: "resolved", notes: "The duplicate licences were credited on a corrected invoice." });
  const final = await until(p, caseId, "closed", closedAndCompleted);
  expect(statusesOf(final)).toEqual(["received", "in-diagnosis", "resolved", "closed"]);
  expect(final.escalation).toBeNull();
  const mails = await emailsOf(caseId, ["received", "resolved", "closed"]);
  const mine = expectCustomerEmails(mails, { caseId, customer: cust.email, lang: "en", senderDomain: "duna-e2e.example", statuses: ["received", "resolved", "closed"] });
  // Every email of a billing request goes to the billing contact as well; only the acknowledgement quotes the terms.
  for (const m of mine) expect(addressesOf(m.cc)).toEqual(["szamlazas@duna-e2e.example"]);
  expect(emailByKey(mine, caseId, "resolved").text).not.toContain("Our support terms");
}

// ------------------------------------------------------------------------------------------------

const scenarios = {
  pauseResume: pauseResumeScenario,
  breachChain: breachChainScenario,
  resellerProvider: resellerProviderScenario,
  noVehicle: noVehicleScenario,
  psi: psiScenario,
  supportTerms: supportTermsScenario,
} as const;
const running = new Map<keyof typeof scenarios, Promise<void>>();

beforeAll(async () => {
  testStack = await startTestStack("rules", hostLog, {
    partnersFile: PARTNERS_FILE,
  });
  stack = testStack.stack;
  client = new DemoApiClient(stack.urls.app);
  // All scenarios run at once; each test awaits its own.
  for (const [name, fn] of Object.entries(scenarios) as Array<[keyof typeof scenarios, () => Promise<void>]>) {
    const p = fn();
    p.catch(() => undefined);
    running.set(name, p);
  }
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([...running.values()]);
  await testStack?.stop();
});

async function outcome(name: keyof typeof scenarios): Promise<void> {
  try {
    await running.get(name);
  } catch (e) {
    const failed = hostLog.filter((l) => /error|fail/i.test(l)).slice(-15);
    if (failed.length) (e as Error).message += `\n--- host log (errors) ---\n${failed.join("\n")}`;
    throw e;
  }
}

describe("CSP support rules end to end on the running app", () => {
  it("pauses the SLA clocks while awaiting the customer and resumes them on the next diagnosis (hu)", () => outcome("pauseResume"));
  it("warns at 50 and 75 %, breaches first response, runs the escalation chain and escalates to Microsoft (pl)", () => outcome("breachChain"));
  it("runs reseller → indirect provider → Microsoft with the provider's entitlements (cs)", () => outcome("resellerProvider"));
  it("keeps a technical on-premises request with the partner when no vehicle is eligible (ru)", () => outcome("noVehicle"));
  it("counts product support incidents: the first escalation uses the last one, the second takes the next vehicle (en)", () => outcome("psi"));
  it("serves the support terms without a key and quotes them in the billing acknowledgement, cc the billing contact (en)", () => outcome("supportTerms"));
});
