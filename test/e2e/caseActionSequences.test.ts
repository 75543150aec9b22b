/**
 * Random sequences of partner and customer actions on the running app (the `npm start` stack on
 * free ports), drawn by fast-check from a fixed seed: every partner action the API offers on a case
 * (diagnosis with each outcome, update, information request, resolution, escalation request,
 * closure, reopening, workflow restart, internal note, assignment, reclassification) and every
 * customer action (a reply, confirmation, reopening or rating on the status page the
 * acknowledgement links, a reply by email through the signed relay endpoint), each text a random
 * Unicode string, some sent while the previous one is still in flight, on several cases at once,
 * with the partner's auto-close after 5 s racing them. Whatever the order, what the partner sees
 * must hold:
 * - no answer is a 5xx; an action is accepted (200/202, or the status page's 303) or refused with a
 *   problem (409 naming the status), never half-done;
 * - every accepted action's text is on the case's timeline (as applied, or as ignored in the state
 *   the workflow found), none lost;
 * - every workflow ends healthy: a closed case's orchestration completed, an open case's running;
 *   none failed.
 * Outcomes of single actions depend on timing (which action the workflow took first); the
 * invariants do not.
 *
 * Needs `dist/` (the stack runs `node emulator/dist/cli.js`): `npm test` builds first.
 */
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import type { RunningStack } from "../../scripts/lib/stack";
import { signWebhook } from "../../scripts/lib/demoRunner";
import { sleep } from "../support/caseDriver";
import { startTestStack, type TestStack } from "../support/e2eStack";

jest.setTimeout(6 * 60_000);

const PARTNER = "e2e-duna";
const PARTNERS_FILE = path.join(__dirname, "..", "fixtures", "e2e", "partners.json");
const CASES = 8;
const STEPS = 24;
/** Kinds of action drawn: 11 of the partner's (diagnosis, 9 inbox and case actions, reclassification), 5 of the customer's. */
const KINDS = 16;
const SEED = 20261206;

const hostLog: string[] = [];
let testStack: TestStack | undefined;
let stack: RunningStack;

beforeAll(async () => {
  testStack = await startTestStack("case-actions", hostLog, { partnersFile: PARTNERS_FILE });
  stack = testStack.stack;
});

afterAll(async () => {
  await testStack?.stop();
});

/** One drawn partner action: its API segment (or `patch`), the text it carries, and what the draw chose for it. */
type Drawn =
  | { kind: "diagnosis"; outcome: "resolved" | "awaiting-customer" | "needs-escalation"; text: string }
  | { kind: "updates" | "information-requests" | "resolution" | "escalation" | "closure" | "reopening" | "workflow-restart" | "notes" | "assignment"; text: string }
  | { kind: "patch"; severity: "A" | "B" | "C"; text: string }
  | { kind: "customer-reply" | "customer-confirmation" | "customer-reopening" | "customer-rating" | "customer-email"; text: string };

const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }).filter((s) => s.trim().length > 0);
const drawnAction: fc.Arbitrary<Drawn> = fc.oneof(
  fc.record({ kind: fc.constant("diagnosis" as const), outcome: fc.constantFrom("resolved" as const, "awaiting-customer" as const, "needs-escalation" as const), text }),
  fc.record({ kind: fc.constantFrom("updates" as const, "information-requests" as const, "resolution" as const, "escalation" as const, "closure" as const, "reopening" as const, "workflow-restart" as const, "notes" as const, "assignment" as const), text }),
  fc.record({ kind: fc.constant("patch" as const), severity: fc.constantFrom("A" as const, "B" as const, "C" as const), text }),
  fc.record({ kind: fc.constantFrom("customer-reply" as const, "customer-confirmation" as const, "customer-reopening" as const, "customer-rating" as const, "customer-email" as const), text }),
);
/** A case's plan: actions, the pause after each (ms), and whether it is sent without waiting for the previous answer. */
const plans = fc.sample(fc.array(fc.tuple(drawnAction, fc.integer({ min: 0, max: 300 }), fc.boolean()), { minLength: STEPS, maxLength: STEPS }), { numRuns: CASES, seed: SEED });

/** The request body of an action, its text prefixed with a marker unique to this call (so it can be found on the timeline). */
function bodyOf(a: Drawn, marker: string): unknown {
  const t = `${marker} ${a.text}`;
  switch (a.kind) {
    case "diagnosis":
      return { outcome: a.outcome, notes: t };
    case "updates":
    case "information-requests":
      return { message: t };
    case "resolution":
      return { summary: t };
    case "escalation":
    case "closure":
    case "reopening":
    case "workflow-restart":
      return { reason: t };
    case "notes":
      return { text: t };
    case "assignment":
      return { assignee: `${marker}@partner.example` };
    case "patch":
      return { severity: a.severity };
    default:
      return {};
  }
}

interface Answer {
  caseId: string;
  kind: Drawn["kind"];
  marker: string;
  status: number;
  contentType: string;
  body: string;
}

interface CaseView {
  case: { status: string };
  orchestration: { runtimeStatus: string } | null;
  timeline: Array<{ summary: string; details?: Record<string, unknown> }>;
}

function credentials(): { webhookSecret: string; apiKey: string } {
  const c = stack.credentials?.partners[PARTNER];
  if (!c) throw new Error(`no credentials for ${PARTNER}`);
  return c;
}

async function submit(n: number): Promise<string> {
  const request = {
    customer: { tenantId: randomUUID(), name: "Sequence Kft.", email: `sequence-${n}@customer.example`, preferredLanguage: "hu", contactName: "Teszt Anna" },
    product: "azure",
    category: n % 2 === 0 ? "technical" : "billing",
    severity: "B",
    title: `Sequence ${n}`,
    description: "Random partner actions follow.",
  };
  const signed = signWebhook(credentials().webhookSecret, request);
  const res = await fetch(`${stack.urls.app}/api/partners/${PARTNER}/support-requests`, { method: "POST", headers: signed.headers, body: signed.body });
  expect(res.status).toBe(202);
  return ((await res.json()) as { caseId: string }).caseId;
}

/** The acknowledgement of each case as MailDev caught it: its status link, Message-ID, subject, customer and sender. */
const acknowledgements = new Map<string, { link: string; messageId: string; subject: string; customer: string; sender: string }>();

async function readAcknowledgements(caseIds: readonly string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (acknowledgements.size < caseIds.length && Date.now() < deadline) {
    const caught = (await (await fetch(`${stack.urls.maildev}/email`)).json()) as Array<{ subject: string; text: string; messageId: string; to: Array<{ address: string }>; from: Array<{ address: string }> }>;
    for (const caseId of caseIds) {
      const ack = caught.find((m) => m.subject.includes(caseId) && m.text.includes("/api/status/"));
      const link = ack && /https?:\/\/\S+\/api\/status\/[A-Za-z0-9_.-]+/.exec(ack.text)?.[0];
      if (ack && link) acknowledgements.set(caseId, { link, messageId: ack.messageId, subject: ack.subject, customer: ack.to[0]?.address ?? "", sender: ack.from[0]?.address ?? "" });
    }
    await sleep(300);
  }
  expect([...acknowledgements.keys()].sort()).toEqual([...caseIds].sort());
}

/** A customer action: a form post on the case's status page (its nonce when the page offers the form, else one of the test's), or a reply by email through the relay endpoint. */
async function actAsCustomer(caseId: string, a: Drawn, marker: string): Promise<Answer> {
  const ack = acknowledgements.get(caseId);
  if (!ack) throw new Error(`no acknowledgement of ${caseId}`);
  const t = `${marker} ${a.text}`;
  let res: Response;
  if (a.kind === "customer-email") {
    const raw = [
      `From: ${ack.customer}`,
      `To: ${ack.sender}`,
      `Subject: Re: ${ack.subject}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${randomUUID()}@customer.example>`,
      `In-Reply-To: <${ack.messageId.replace(/^<|>$/g, "")}>`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 8bit",
      "",
      t,
      "",
    ].join("\r\n");
    // Signed over the raw bytes with the webhook secret, as the mail relay signs.
    const id = `msg_${randomUUID()}`;
    const at = new Date();
    const headers = { "content-type": "message/rfc822", "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(credentials().webhookSecret).sign(id, at, raw) };
    res = await fetch(`${stack.urls.app}/api/partners/${PARTNER}/inbound-email`, { method: "POST", headers, body: raw });
  } else {
    const page = await (await fetch(ack.link)).text();
    const nonce = /name="nonce" value="([^"]+)"/.exec(page)?.[1] ?? randomBytes(18).toString("base64url");
    const form: Record<string, string> = a.kind === "customer-reply" ? { nonce, message: t } : a.kind === "customer-reopening" ? { reason: t } : a.kind === "customer-rating" ? { rating: "4", comment: t } : {};
    const action = a.kind.slice("customer-".length);
    res = await fetch(`${ack.link}/${action}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/problem+json" }, body: new URLSearchParams(form).toString(), redirect: "manual" });
  }
  return { caseId, kind: a.kind, marker, status: res.status, contentType: res.headers.get("content-type") ?? "", body: await res.text() };
}

async function act(caseId: string, a: Drawn): Promise<Answer> {
  const marker = `mk${randomBytes(5).toString("hex")}`;
  if (a.kind.startsWith("customer-")) return actAsCustomer(caseId, a, marker);
  const base = `${stack.urls.app}/api/partners/${PARTNER}/support-requests/${caseId}`;
  const res = await fetch(a.kind === "patch" ? base : `${base}/${a.kind}`, {
    method: a.kind === "patch" ? "PATCH" : "POST",
    headers: { "x-api-key": credentials().apiKey, "content-type": "application/json" },
    body: JSON.stringify(bodyOf(a, marker)),
  });
  return { caseId, kind: a.kind, marker, status: res.status, contentType: res.headers.get("content-type") ?? "", body: await res.text() };
}

async function view(caseId: string): Promise<CaseView> {
  const res = await fetch(`${stack.urls.app}/api/partners/${PARTNER}/support-requests/${caseId}`, { headers: { "x-api-key": credentials().apiKey } });
  expect(res.status).toBe(200);
  return (await res.json()) as CaseView;
}

/** Accepted actions whose marker is nowhere in the case's timeline (assignment, reclassification and the customer's confirmation carry none). */
function missingFrom(v: CaseView, accepted: readonly Answer[]): string[] {
  const timeline = JSON.stringify(v.timeline);
  return accepted.filter((a) => a.kind !== "patch" && a.kind !== "assignment" && a.kind !== "customer-confirmation" && !timeline.includes(a.marker)).map((a) => `${a.kind} ${a.marker}`);
}

/** A workflow at rest: a closed case's orchestration completed, an open case's running. */
function settled(v: CaseView): boolean {
  return v.case.status === "closed" ? v.orchestration?.runtimeStatus === "Completed" : v.orchestration?.runtimeStatus === "Running";
}

describe("random sequences of partner and customer actions on running workflows", () => {
  it("answer every action without a 5xx, keep every accepted action on the timeline, and leave every workflow healthy", async () => {
    const caseIds: string[] = [];
    for (let n = 0; n < CASES; n++) caseIds.push(await submit(n));
    await readAcknowledgements(caseIds);
    const answers: Answer[] = [];
    await Promise.all(
      caseIds.map(async (caseId, i) => {
        const inFlight: Array<Promise<void>> = [];
        for (const [a, pauseInMs, withoutWaiting] of plans[i] ?? []) {
          const sent = act(caseId, a).then((answer) => void answers.push(answer));
          if (withoutWaiting) inFlight.push(sent);
          else {
            await Promise.all(inFlight.splice(0));
            await sent;
          }
          await sleep(pauseInMs);
        }
        await Promise.all(inFlight);
      }),
    );
    expect(answers).toHaveLength(CASES * STEPS);
    // No 5xx; every refusal a problem document, and a 409 (the state did not allow it).
    expect(answers.filter((a) => a.status >= 500).map((a) => `${a.kind} ${a.status} ${a.body.slice(0, 200)}`)).toEqual([]);
    expect(answers.filter((a) => a.status >= 400 && !a.contentType.startsWith("application/problem+json")).map((a) => `${a.kind} ${a.status}`)).toEqual([]);
    expect(answers.filter((a) => a.status >= 400 && a.status !== 409).map((a) => `${a.kind} ${a.status} ${a.body.slice(0, 200)}`)).toEqual([]);
    const accepted = answers.filter((a) => a.status === 200 || a.status === 202 || a.status === 303);
    // The drawn plans hold every kind of action (fixed by the seed); which ones are accepted depends
    // on timing, and a good share always is (a reply by email is always taken in).
    expect(new Set(plans.flat().map(([a]) => a.kind)).size).toBe(KINDS);
    expect(accepted.length).toBeGreaterThanOrEqual(CASES * 3);

    // Every accepted action on its case's timeline, every workflow at rest and none failed.
    const deadline = Date.now() + 90_000;
    let last: Array<{ caseId: string; status: string; runtime: string; missing: string[]; settled: boolean }> = [];
    for (;;) {
      last = await Promise.all(
        caseIds.map(async (caseId) => {
          const v = await view(caseId);
          return { caseId, status: v.case.status, runtime: v.orchestration?.runtimeStatus ?? "none", missing: missingFrom(v, accepted.filter((a) => a.caseId === caseId)), settled: settled(v) };
        }),
      );
      if (last.every((c) => c.missing.length === 0 && c.settled) || Date.now() > deadline) break;
      await sleep(1_000);
    }
    expect(last.filter((c) => c.missing.length > 0).map((c) => `${c.caseId}: ${c.missing.join(", ")}`)).toEqual([]);
    expect(last.filter((c) => c.runtime === "Failed").map((c) => c.caseId)).toEqual([]);
    expect(last.filter((c) => (c.status === "closed" ? c.runtime !== "Completed" : c.runtime !== "Running")).map((c) => `${c.caseId}: ${c.status} / ${c.runtime}`)).toEqual([]);
  });
});
