/**
 * Email intake end to end, as a customer's mail server and a partner see it: the `npm
 * start` stack on free ports and a temporary data directory (Azurite, MailDev, the local Functions
 * host, the SMTP intake), the corpus `test/fixtures/email/*.eml` sent over SMTP to the demo
 * partners' support addresses, and every outcome read back through the partner API and MailDev:
 *
 * - new requests are created, classified (product, category, severity, language) and acknowledged
 *   by email in the customer's language; automatic acknowledgements are rate-limited per sender;
 * - replies land on the right request (the requests they answer are first opened through the
 *   signed webhook; the reply fixtures are rewritten to their real case ids and to the Message-IDs
 *   of the notifications MailDev caught); a reply to a request awaiting the customer resumes its
 *   paused SLA clock and puts the request back with the partner;
 * - auto-replies, our own notifications coming back and bounces are recorded, never requests; a
 *   permanent bounce marks the address undeliverable and tells the partner;
 * - a malformed and an oversized message are quarantined, the partner told;
 * - sending the whole corpus a second time changes nothing.
 *
 * Needs `dist/` (the stack runs `node emulator/dist/cli.js`): `npm test` builds first.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import nodemailer from "nodemailer";
import partnersJson from "../fixtures/demo/partners.json";
import expectedJson from "../fixtures/email/expected.json";
import type { SlaEvent, SupportedLanguage, SupportRequest, TimelineEntry } from "../../shared/contracts";
import type { RunningStack } from "../../scripts/lib/stack";
import { startTestStack, type TestStack } from "../support/e2eStack";
import { ApiError, DemoApiClient, caseOf, type CaseView } from "../../scripts/lib/demoRunner";
import { fetchHonouringRetryAfter } from "../../scripts/lib/retryingFetch";
import { statusEmailLocales } from "../../shared/templates/statusEmail";
import { corpusFiles, EXPECTED, readEml, type ExpectedMessage } from "../unit/email/corpus";
import { intakeKeyOf, isQuarantine, parseMessage } from "../../shared/services/inboundEmail";

jest.setTimeout(4 * 60_000);

/** The pipeline's size cap for this stack (a smaller cap than the 10 MB default keeps the oversized message quick to send). */
const MAX_BYTES = 1024 * 1024;
/** `INBOUND_ACK_MAX_PER_HOUR` default. */
const ACK_MAX_PER_HOUR = 3;

const PARTNERS = partnersJson as Array<{ id: string; senderEmail: string; contacts: { support: string; escalation: string[] } }>;
const REFERENCED = expectedJson.cases as Record<string, { partnerId: string; customerEmail: string; title: string }>;
/** Languages of the customers of the referenced cases (test/fixtures/email/README.md). */
const REFERENCED_LANGUAGES: Record<string, SupportedLanguage> = { "CS-0K7Q2M4XPR": "hu", "CS-0K7Q3A1B2C": "en", "CS-0K7Q4D5E6F": "ru", "CS-0K7Q5G7H8J": "pl", "CS-0K7Q6K9M0N": "cs" };
/** Subjects of legacy-charset messages, as the README describes them (decoded RFC 2047 words). */
const DECODED_TITLES: Record<string, string> = {
  "21-new-iso-8859-2-hu.eml": "Sürgős: leállt az Exchange Online levelezés",
  "24-new-windows-1251-ru.eml": "Счёт за подписку Azure за февраль",
};

/** An email as MailDev's REST API (`GET /email`) returns it. */
interface CaughtEmail {
  subject: string;
  messageId: string;
  from: Array<{ address: string }>;
  to: Array<{ address: string }>;
  headers: Record<string, string>;
  text: string;
}

/** An entry of `GET …/inbound-email/log`. */
interface InboundLogItem {
  intakeKey: string;
  outcome: string;
  caseId?: string;
  flags: string[];
  language?: { language: string; source: string };
}

interface IgnoredItem {
  messageId: string;
  kind: string;
  marker: string;
  from: string;
  subject: string;
  caseId?: string;
  bounce?: { permanent: boolean; failedRecipients: string[]; status?: string };
}

interface QuarantineItem {
  reason: string;
  detail: string;
  messageId: string;
  sizeBytes: number;
  from?: string;
  subject?: string;
}

interface CaseDetails extends CaseView {
  slaEvents?: SlaEvent[];
  attachments?: Array<{ filename: string; contentType: string; sizeBytes: number; inline: boolean; contentId?: string; blobName?: string; omitted?: string }>;
}

/** One message as sent: where to, from whom, the bytes. */
interface Outgoing {
  name: string;
  partnerId: string;
  envelopeFrom: string;
  raw: Buffer;
}

let stack: RunningStack;
let testStack: TestStack | undefined;
let client: DemoApiClient;
const hostLog: string[] = [];
/** Fixture case id → case id of the request opened by webhook. */
const realCaseIds = new Map<string, string>();
/** Notification Message-IDs as the fixtures write them → as MailDev caught them. */
const realMessageIds = new Map<string, string>();
let firstPass: Outgoing[] = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function partnerOf(partnerId: string): (typeof PARTNERS)[number] {
  const p = PARTNERS.find((x) => x.id === partnerId);
  if (!p) throw new Error(`unknown partner ${partnerId}`);
  return p;
}

const senderDomain = (partnerId: string): string => partnerOf(partnerId).senderEmail.split("@")[1] ?? "";

function credentialsOf(partnerId: string): { webhookSecret: string; apiKey: string } {
  const c = stack.credentials?.partners[partnerId];
  if (!c) throw new Error(`no credentials for ${partnerId}`);
  return c;
}

const angle = (id: string): string => (id.startsWith("<") ? id : `<${id}>`);

/** Polls `fn` until it returns without throwing (or the deadline passes: then its last error). */
async function eventually<T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(e as Error).message}\n--- host log (tail) ---\n${hostLog.slice(-40).join("\n")}`);
      await sleep(500);
    }
  }
}

async function getJson<T>(partnerId: string, pathAndQuery: string): Promise<T> {
  const res = await fetchHonouringRetryAfter(`${stack.urls.app}/api/partners/${partnerId}/${pathAndQuery}`, { headers: { "x-api-key": credentialsOf(partnerId).apiKey } });
  const text = await res.text();
  if (!res.ok) throw new ApiError(`GET ${pathAndQuery} → ${res.status} ${text}`, res.status, text);
  return JSON.parse(text) as T;
}

const listCases = async (partnerId: string): Promise<SupportRequest[]> => (await getJson<{ items: SupportRequest[] }>(partnerId, "support-requests?limit=100")).items;
const listIgnored = async (partnerId: string): Promise<IgnoredItem[]> => (await getJson<{ items: IgnoredItem[] }>(partnerId, "inbound-email/ignored?limit=100")).items;
const listQuarantine = async (partnerId: string): Promise<QuarantineItem[]> => (await getJson<{ items: QuarantineItem[] }>(partnerId, "inbound-email/quarantine?limit=100")).items;
const details = async (partnerId: string, caseId: string): Promise<CaseDetails> => getJson<CaseDetails>(partnerId, `support-requests/${caseId}`);

async function caughtEmails(): Promise<CaughtEmail[]> {
  const res = await fetch(`${stack.urls.maildev}/email`);
  return ((await res.json()) as CaughtEmail[]).map((m) => ({ ...m, messageId: angle(m.messageId) }));
}

/** The Message-ID header of a raw message (undefined when it has none). */
function messageIdOf(raw: Buffer): string | undefined {
  const head = raw.toString("latin1").split("\r\n\r\n")[0] ?? "";
  return /^message-id:\s*(<[^>\r\n]+>)/im.exec(head)?.[1];
}

/** The address of the first `From:` header (a bare or `<…>` address). */
function fromAddressOf(raw: Buffer): string {
  const from = /^from:(.*)$/im.exec(raw.toString("latin1"))?.[1] ?? "";
  return (/<([^>]+)>/.exec(from)?.[1] ?? /[^\s"<>()]+@[^\s"<>()]+/.exec(from)?.[0] ?? "").trim();
}

/** A corpus file with the fixture case ids and our notification Message-IDs replaced by the real ones. */
function rewrite(raw: Buffer): Buffer {
  let s = raw.toString("latin1");
  for (const [fixtureId, realId] of realCaseIds) s = s.split(fixtureId).join(realId);
  for (const [written, caught] of realMessageIds) s = s.split(written).join(caught);
  return Buffer.from(s, "latin1");
}

/** The corpus as sent: each file rewritten, to its partner's support address, from its sender (a bounce from the null sender). */
function corpusMessages(): Outgoing[] {
  return corpusFiles().map((name) => {
    const want = EXPECTED[name] as ExpectedMessage;
    const raw = rewrite(readEml(name));
    return { name, partnerId: want.partnerId, envelopeFrom: want.outcome === "bounce" ? "" : fromAddressOf(raw), raw };
  });
}

/** Four requests from one sender within minutes: the fourth gets no automatic acknowledgement. */
const FLOOD_SENDER = "beszerzes@alfold-agro.example";
function floodMessages(): Outgoing[] {
  const topics = ["Need 5 more Microsoft 365 Business Premium licenses", "Invoice copy for the Azure subscription, January", "Teams calls drop after 10 minutes", "Cancel the unused Visio Plan 2 subscription"];
  return topics.map((subject, i) => ({
    name: `flood-${i + 1}`,
    partnerId: "duna-cloud-budapest",
    envelopeFrom: FLOOD_SENDER,
    raw: Buffer.from(
      [
        `From: Alfold Agro Purchasing <${FLOOD_SENDER}>`,
        "To: helpdesk@duna-cloud.example",
        `Subject: ${subject}`,
        "Date: Tue, 10 Mar 2026 09:0" + i + ":00 +0100",
        `Message-ID: <flood-${i + 1}.20260310@alfold-agro.example>`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        `Hello, ${subject.toLowerCase()}. Please take care of it this week.`,
        "",
        "Thanks,",
        "Purchasing",
        "",
      ].join("\r\n"),
      "utf8",
    ),
  }));
}

/** A message over the pipeline cap (a scanned PDF), under the SMTP transport limit. Fixed bytes, so its replay is identical. */
const OVERSIZED_ID = "<scan-2026-03-10-0001@northwind-traders.example>";
function oversizedMessage(): Outgoing {
  const pdf = Buffer.alloc(Math.ceil(MAX_BYTES * 1.2), 0);
  for (let i = 0; i < pdf.length; i++) pdf[i] = (i * 31 + 7) % 251;
  const body = pdf.toString("base64").replace(/.{76}/g, "$&\r\n");
  const raw = [
    "From: Anna Kovacs <ops@northwind-traders.example>",
    "To: helpdesk@duna-cloud.example",
    "Subject: Scanned invoices for October",
    "Date: Tue, 10 Mar 2026 10:00:00 +0100",
    `Message-ID: ${OVERSIZED_ID}`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Please see the scanned invoices attached.",
    "--b1",
    'Content-Type: application/pdf; name="invoices-october.pdf"',
    'Content-Disposition: attachment; filename="invoices-october.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    body,
    "--b1--",
    "",
  ].join("\r\n");
  return { name: "oversized", partnerId: "duna-cloud-budapest", envelopeFrom: "ops@northwind-traders.example", raw: Buffer.from(raw, "latin1") };
}

async function send(messages: Outgoing[]): Promise<void> {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port: stack.ports.smtpIntake, secure: false, ignoreTLS: true });
  try {
    for (const m of messages) {
      const info = await transport.sendMail({ envelope: { from: m.envelopeFrom, to: [partnerOf(m.partnerId).contacts.support] }, raw: m.raw });
      expect(info.rejected).toEqual([]);
    }
  } finally {
    transport.close();
  }
}

/**
 * Messages in the `inbound-email` container the blob trigger has not finished yet: those without a
 * completed blob receipt (`azure-webjobs-hosts/blobreceipts/…/inbound-email/<name>` with metadata
 * `InvocationId`, as the Functions host keeps them).
 */
async function unprocessedInbound(): Promise<{ stored: number; pending: number }> {
  const service = BlobServiceClient.fromConnectionString(stack.urls.storageConnectionString);
  const names: string[] = [];
  for await (const b of service.getContainerClient("inbound-email").listBlobsFlat()) names.push(b.name);
  const done = new Set<string>();
  for await (const r of service.getContainerClient("azure-webjobs-hosts").listBlobsFlat({ prefix: "blobreceipts/", includeMetadata: true })) {
    const at = r.name.indexOf("/inbound-email/");
    const completed = Object.keys(r.metadata ?? {}).some((k) => k.toLowerCase() === "invocationid");
    if (at >= 0 && completed) done.add(r.name.slice(at + "/inbound-email/".length));
  }
  return { stored: names.length, pending: names.filter((n) => !done.has(n)).length };
}

function timelineOf(view: CaseView): TimelineEntry[] {
  return view.timeline ?? [];
}

function customerReplies(view: CaseView): TimelineEntry[] {
  return timelineOf(view).filter((e) => e.kind === "customer-reply");
}

/** The email-created case of a corpus message (by Message-ID; the one without one by its synthetic id). */
function caseOfMessage(cases: SupportRequest[], m: Outgoing): SupportRequest | undefined {
  const id = messageIdOf(m.raw);
  if (id) return cases.find((c) => c.inboundEmail?.messageId === id);
  return cases.find((c) => c.inboundEmail?.messageIdSource === "synthetic" && c.inboundEmail.from === fromAddressOf(m.raw));
}

function expectedOf(name: string): ExpectedMessage {
  return EXPECTED[name] as ExpectedMessage;
}

beforeAll(async () => {
  testStack = await startTestStack("email", hostLog, {
    env: { INBOUND_EMAIL_MAX_BYTES: String(MAX_BYTES), INBOUND_ACK_MAX_PER_HOUR: String(ACK_MAX_PER_HOUR) },
  });
  stack = testStack.stack;
  client = new DemoApiClient(stack.urls.app);

  // The requests the replies answer, opened through the signed webhook (severity C: business-hours clocks).
  for (const [fixtureId, c] of Object.entries(REFERENCED)) {
    const { webhookSecret } = credentialsOf(c.partnerId);
    const accepted = await client.submit(c.partnerId, webhookSecret, {
      customer: { tenantId: randomUUID(), name: c.customerEmail.split("@")[1], email: c.customerEmail, preferredLanguage: REFERENCED_LANGUAGES[fixtureId] },
      product: "microsoft-365",
      category: "technical",
      severity: "C",
      title: c.title,
      description: `${c.title}. Opened through the partner's web form.`,
    });
    realCaseIds.set(fixtureId, accepted.caseId);
  }
  // Their acknowledgements, as the customers received them.
  await eventually("acknowledgements of the webhook requests", async () => {
    const emails = await caughtEmails();
    for (const [fixtureId, realId] of realCaseIds) {
      const c = REFERENCED[fixtureId]!;
      const ack = emails.find((m) => m.messageId.startsWith(`<${realId}.received@`) && m.to.some((t) => t.address === c.customerEmail));
      if (!ack) throw new Error(`no acknowledgement of ${realId} yet`);
      realMessageIds.set(`<${realId}.received@${senderDomain(c.partnerId)}>`, ack.messageId);
    }
  });
});

afterAll(async () => {
  await testStack?.stop();
});

describe("email intake end to end over SMTP", () => {
  /** Fixture case ids whose reply fixtures answer an "awaiting customer" notification. */
  const awaitingFixtureIds = corpusFiles()
    .filter((f) => expectedOf(f).outcome === "reply")
    .filter((f) => readEml(f).toString("latin1").includes(`${expectedOf(f).caseId}.awaiting-customer@`))
    .map((f) => expectedOf(f).caseId as string);

  it("the partner asks the customers of three requests for information; their SLA clocks pause", async () => {
    expect(awaitingFixtureIds.sort()).toEqual(["CS-0K7Q4D5E6F", "CS-0K7Q5G7H8J", "CS-0K7Q6K9M0N"]);
    for (const fixtureId of awaitingFixtureIds) {
      const { partnerId } = REFERENCED[fixtureId]!;
      const caseId = realCaseIds.get(fixtureId)!;
      const apiKey = credentialsOf(partnerId).apiKey;
      await eventually(`${caseId} diagnosis`, () => client.act(partnerId, apiKey, caseId, "diagnosis", { outcome: "awaiting-customer", notes: "Please send the exact error message and a screenshot." }));
    }
    for (const fixtureId of awaitingFixtureIds) {
      const { partnerId, customerEmail } = REFERENCED[fixtureId]!;
      const caseId = realCaseIds.get(fixtureId)!;
      const view = await eventually(`${caseId} awaiting the customer`, async () => {
        const v = await details(partnerId, caseId);
        if (caseOf(v).status !== "awaiting-customer") throw new Error(`status ${caseOf(v).status}`);
        if (!(v.slaEvents ?? []).some((e) => e.metric === "resolution" && e.type === "pause")) throw new Error("no pause recorded yet");
        return v;
      });
      expect(view.slaEvents?.filter((e) => e.type === "resume")).toEqual([]);
      const asked = await eventually(`${caseId} awaiting-customer email`, async () => {
        const m = (await caughtEmails()).find((x) => x.messageId.startsWith(`<${caseId}.awaiting-customer@`) && x.to.some((t) => t.address === customerEmail));
        if (!m) throw new Error("not caught yet");
        return m;
      });
      realMessageIds.set(`<${caseId}.awaiting-customer@${senderDomain(partnerId)}>`, asked.messageId);
    }
  });

  it("every corpus message sent over SMTP lands where expected.json says", async () => {
    firstPass = [...corpusMessages(), ...floodMessages(), oversizedMessage()];
    await send(firstPass);

    const corpus = firstPass.filter((m) => m.name.endsWith(".eml"));
    const newMessages = corpus.filter((m) => expectedOf(m.name).outcome === "new");
    const replies = corpus.filter((m) => expectedOf(m.name).outcome === "reply");
    const flood = firstPass.filter((m) => m.name.startsWith("flood-"));

    // Everything processed: every new request created and acknowledged (or its acknowledgement
    // skipped), every reply on its request, the noise recorded, the quarantine filled.
    await eventually(
      "all messages processed",
      async () => {
        const caught = new Set((await caughtEmails()).map((e) => e.messageId));
        for (const partnerId of ["duna-cloud-budapest", "wisla-it-warszawa"]) {
          const cases = await listCases(partnerId);
          for (const m of [...newMessages, ...flood].filter((x) => x.partnerId === partnerId)) {
            const c = caseOfMessage(cases, m);
            if (!c) throw new Error(`no request for ${m.name} yet`);
            if (c.acknowledgementSuppressed) {
              const skipped = timelineOf(await details(partnerId, c.caseId)).some((e) => e.entryId === "email-skipped-received");
              if (!skipped) throw new Error(`${m.name}: acknowledgement not skipped yet`);
            } else if (!caught.has(`<${c.caseId}.received@${senderDomain(partnerId)}>`)) throw new Error(`${m.name} not acknowledged yet`);
          }
        }
        for (const m of replies) {
          const caseId = realCaseIds.get(expectedOf(m.name).caseId!)!;
          const view = await details(m.partnerId, caseId);
          if (!customerReplies(view).some((e) => e.details?.messageId === messageIdOf(m.raw))) throw new Error(`reply ${m.name} not on ${caseId} yet`);
        }
        if ((await listIgnored("duna-cloud-budapest")).length < 3) throw new Error("noise not recorded yet");
        if ((await listQuarantine("duna-cloud-budapest")).length < 2) throw new Error("quarantine not filled yet");
      },
      120_000,
    );

    const emails = await caughtEmails();

    // New requests: created with the classification of expected.json, acknowledged in the customer's language.
    for (const m of newMessages) {
      const want = expectedOf(m.name);
      const cases = await listCases(m.partnerId);
      const created = caseOfMessage(cases, m)!;
      const view = await details(m.partnerId, created.caseId);
      const sr = caseOf(view);
      expect({ file: m.name, channel: sr.channel, product: sr.product, category: sr.category, severity: sr.severity, language: sr.customer.preferredLanguage, from: sr.customer.email }).toEqual({
        file: m.name,
        channel: "email",
        product: want.product,
        category: want.category,
        severity: want.severity,
        language: want.language,
        from: fromAddressOf(m.raw).toLowerCase(),
      });
      expect(sr.title).not.toMatch(/=\?|\uFFFD/);
      expect(sr.description).not.toMatch(/\uFFFD/);
      if (DECODED_TITLES[m.name]) expect(sr.title).toBe(DECODED_TITLES[m.name]);
      if (want.messageIdSource === "synthetic") expect(sr.inboundEmail?.messageId).toMatch(/^<[0-9a-f]{64}@synthetic\.invalid>$/);
      if (want.refusedCaseToken) {
        expect(sr.inboundEmail?.refusedCaseToken).toBe(realCaseIds.get(want.refusedCaseToken));
        expect(sr.needsVerification).toBe(true);
      }
      const ack = emails.filter((e) => e.messageId === `<${sr.caseId}.received@${senderDomain(m.partnerId)}>`);
      expect(ack).toHaveLength(1);
      expect(ack[0]?.to.map((t) => t.address.toLowerCase())).toEqual([sr.customer.email.toLowerCase()]);
      const lang = sr.customer.preferredLanguage as SupportedLanguage;
      expect(ack[0]?.subject).toContain(`[Case #${sr.caseId}]`);
      expect(ack[0]?.subject).toContain(`${statusEmailLocales[lang].statusLabels?.received ?? ""}:`);
      expect(ack[0]?.headers["auto-submitted"]).toBe("auto-generated");
    }

    // An unknown sender's request is flagged for the partner to verify.
    const contoso = caseOfMessage(await listCases("duna-cloud-budapest"), corpus.find((m) => m.name.startsWith("20-"))!)!;
    expect(contoso.needsVerification).toBe(true);
    // HTML-only: text taken from the HTML, no markup, no script.
    const htmlOnly = caseOf(await details("duna-cloud-budapest", caseOfMessage(await listCases("duna-cloud-budapest"), corpus.find((m) => m.name.startsWith("02-"))!)!.caseId));
    expect(htmlOnly.description).not.toMatch(/<\/?(p|ul|li|a|script)\b/i);
    expect(htmlOnly.description.length).toBeGreaterThan(40);
    // Attachments: the inline PNG and the PDF, stored and listed on the request.
    const withFiles = await details("duna-cloud-budapest", caseOfMessage(await listCases("duna-cloud-budapest"), corpus.find((m) => m.name.startsWith("30-"))!)!.caseId);
    const files = withFiles.attachments ?? [];
    expect(files).toHaveLength(2);
    expect(files.find((a) => a.contentType === "image/png")).toMatchObject({ inline: true, contentId: expect.any(String), blobName: expect.any(String), sizeBytes: 140 });
    expect(files.find((a) => a.contentType === "application/pdf")).toMatchObject({ inline: false, blobName: expect.any(String), sizeBytes: 626, filename: expect.stringMatching(/^számla_/) });

    // Acknowledgements are rate-limited per sender: three acknowledged, the fourth request created without one.
    const floodCases = (await listCases("duna-cloud-budapest")).filter((c) => c.customer.email === FLOOD_SENDER);
    expect(floodCases).toHaveLength(flood.length);
    expect(floodCases.filter((c) => c.acknowledgementSuppressed === true)).toHaveLength(flood.length - ACK_MAX_PER_HOUR);
    const floodAcks = emails.filter((e) => e.to.some((t) => t.address === FLOOD_SENDER) && e.messageId.includes(".received@"));
    expect(floodAcks).toHaveLength(ACK_MAX_PER_HOUR);
    for (const c of floodCases.filter((x) => x.acknowledgementSuppressed)) {
      expect(floodAcks.some((e) => e.messageId.startsWith(`<${c.caseId}.`))).toBe(false);
      // The partner sees why the customer got no acknowledgement.
      const skipped = timelineOf(await details("duna-cloud-budapest", c.caseId)).find((e) => e.entryId === "email-skipped-received");
      expect(skipped?.summary).toMatch(/rate-limited/);
    }

    // Replies: on the right request, by the right rule, quoted history stripped.
    for (const m of replies) {
      const want = expectedOf(m.name);
      const caseId = realCaseIds.get(want.caseId!)!;
      const view = await details(m.partnerId, caseId);
      const entry = customerReplies(view).find((e) => e.details?.messageId === messageIdOf(m.raw));
      expect({ file: m.name, via: entry?.details?.via, senderIsCustomer: entry?.details?.senderIsCustomer }).toEqual({ file: m.name, via: want.via, senderIsCustomer: true });
      const text = String(entry?.details?.text ?? "");
      expect(text.trim().length).toBeGreaterThan(0);
      expect(text).not.toMatch(/\[Case #CS-/);
      expect(text).not.toMatch(/^>/m);
      expect(text).not.toMatch(/\uFFFD/);
    }
    // Nobody else's mail became a reply: the look-alike's "[Case #…]" mail did not touch the request it named.
    const named = await details("duna-cloud-budapest", realCaseIds.get("CS-0K7Q2M4XPR")!);
    expect(customerReplies(named).every((e) => e.details?.from === REFERENCED["CS-0K7Q2M4XPR"]!.customerEmail)).toBe(true);
  });

  it("a reply to a request awaiting the customer resumes its paused SLA clock and puts it back with the partner", async () => {
    for (const fixtureId of awaitingFixtureIds) {
      const { partnerId } = REFERENCED[fixtureId]!;
      const caseId = realCaseIds.get(fixtureId)!;
      const view = await eventually(`${caseId} back with the partner`, async () => {
        const v = await details(partnerId, caseId);
        if (caseOf(v).status !== "in-diagnosis") throw new Error(`status ${caseOf(v).status}`);
        return v;
      });
      // The clock: paused while awaiting the customer, resumed by the reply.
      const resolution = (view.slaEvents ?? []).filter((e) => e.metric === "resolution").map((e) => e.type);
      expect(resolution).toEqual(["activate", "pause", "resume"]);
      const pause = (view.slaEvents ?? []).find((e) => e.metric === "resolution" && e.type === "pause")!;
      const resume = (view.slaEvents ?? []).find((e) => e.metric === "resolution" && e.type === "resume")!;
      expect(Date.parse(resume.at)).toBeGreaterThanOrEqual(Date.parse(pause.at));
      // The timeline: awaiting the customer, the customer's email, back in diagnosis because of it.
      const timeline = timelineOf(view);
      const statuses = timeline.filter((e) => e.toStatus).map((e) => e.toStatus);
      expect(statuses).toEqual(["received", "in-diagnosis", "awaiting-customer", "in-diagnosis"]);
      const back = timeline.filter((e) => e.toStatus === "in-diagnosis").at(-1);
      expect(back?.details).toMatchObject({ action: "customer-reply", actor: { kind: "customer" } });
      expect(String((back?.details as { excerpt?: string } | undefined)?.excerpt ?? "").length).toBeGreaterThan(0);
    }
  });

  it("auto-replies, our own notifications and bounces are recorded, never requests, and move no clock", async () => {
    const duna = "duna-cloud-budapest";
    const ignored = await listIgnored(duna);
    const byKind = (kind: string) => ignored.filter((i) => i.kind === kind);
    const northwind = realCaseIds.get("CS-0K7Q3A1B2C")!;
    const tisza = realCaseIds.get("CS-0K7Q2M4XPR")!;
    expect(byKind("auto-reply")).toEqual([expect.objectContaining({ marker: expectedOf("40-auto-reply-exchange-oof.eml").marker, caseId: northwind, from: "ops@northwind-traders.example" })]);
    expect(byKind("own-notification")).toEqual([expect.objectContaining({ caseId: tisza })]);
    const bounce = expectedOf("41-bounce-dsn-permanent.eml");
    expect(byKind("bounce")).toEqual([expect.objectContaining({ caseId: tisza, bounce: { permanent: true, status: bounce.status, failedRecipients: bounce.failedRecipients } })]);
    expect(ignored).toHaveLength(3);
    expect(await listIgnored("wisla-it-warszawa")).toEqual([]);

    // None of them is a request or a reply.
    const subjects = (await listCases(duna)).map((c) => c.inboundEmail?.messageId);
    for (const i of ignored) expect(subjects).not.toContain(i.messageId);
    // The out-of-office on a running request: recorded on its timeline, not the customer's answer, no clock change.
    const nw = await details(duna, northwind);
    expect(timelineOf(nw).some((e) => e.kind === "email-received" && (e.details as { kind?: string } | undefined)?.kind === "auto-reply")).toBe(true);
    expect(customerReplies(nw).map((e) => e.details?.via).sort()).toEqual(["in-reply-to", "subject-token"]);
    expect((nw.slaEvents ?? []).filter((e) => e.type === "pause" || e.type === "resume")).toEqual([]);
    expect(caseOf(nw).status).toBe("in-diagnosis");

    // The permanent bounce: the address is undeliverable on the request, the partner is told by email.
    const t = await details(duna, tisza);
    expect(caseOf(t).undeliverableEmails?.map((u) => u.address)).toEqual(bounce.failedRecipients);
    const emails = await caughtEmails();
    const notice = emails.filter((e) => e.subject.startsWith("Customer email undeliverable") && e.subject.includes(bounce.failedRecipients![0]!));
    expect(notice).toHaveLength(1);
    expect(notice[0]?.to.map((x) => x.address)).toContain("helpdesk@duna-cloud.example");
  });

  it("a malformed and an oversized message are quarantined, listed and the partner told", async () => {
    const quarantined = await listQuarantine("duna-cloud-budapest");
    expect(quarantined.map((q) => q.reason).sort()).toEqual(["malformed", "too-large"]);
    const big = quarantined.find((q) => q.reason === "too-large");
    expect(big).toMatchObject({ messageId: OVERSIZED_ID, subject: "Scanned invoices for October", from: "ops@northwind-traders.example" });
    expect(big?.sizeBytes).toBeGreaterThan(MAX_BYTES);
    const emails = await caughtEmails();
    for (const reason of ["malformed", "too-large"]) {
      const told = emails.filter((e) => e.subject.startsWith(`Inbound email quarantined (${reason})`));
      expect(told).toHaveLength(1);
      expect(told[0]?.to.map((x) => x.address)).toContain("helpdesk@duna-cloud.example");
    }
    // Neither became a request.
    expect((await listCases("duna-cloud-budapest")).some((c) => c.inboundEmail?.messageId === OVERSIZED_ID)).toBe(false);
  });

  it("sending the whole corpus again changes nothing: no request, reply, record or email more", async () => {
    const partnerIds = ["duna-cloud-budapest", "wisla-it-warszawa"];
    const snapshot = async () => {
      const out: Record<string, unknown> = {};
      for (const p of partnerIds) {
        out[`${p} cases`] = (await listCases(p)).map((c) => c.caseId).sort();
        out[`${p} ignored`] = (await listIgnored(p)).length;
        out[`${p} quarantine`] = (await listQuarantine(p)).length;
      }
      for (const [fixtureId, realId] of realCaseIds) {
        const view = await details(REFERENCED[fixtureId]!.partnerId, realId);
        out[`${realId} replies`] = customerReplies(view).length;
        out[`${realId} timeline`] = timelineOf(view).length;
        out[`${realId} status`] = caseOf(view).status;
      }
      return out;
    };
    const before = await snapshot();
    const emailsBefore = await caughtEmails();
    const storedBefore = (await unprocessedInbound()).stored;

    await send(firstPass);
    // Every message stored again (one blob each) and processed by the blob trigger.
    await eventually("the replay processed", async () => {
      const { stored, pending } = await unprocessedInbound();
      if (stored < storedBefore + firstPass.length || pending > 0) throw new Error(`${stored - storedBefore} of ${firstPass.length} stored again, ${pending} not processed yet`);
    }, 90_000);
    await sleep(2000);

    expect(await snapshot()).toEqual(before);
    const emailsAfter = await caughtEmails();
    // No email was sent twice, and nothing the intake sends (acknowledgements, partner notices) is new.
    const ids = emailsAfter.map((e) => e.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Set(emailsBefore.map((e) => e.messageId));
    const added = emailsAfter.filter((e) => !seen.has(e.messageId));
    const intakeCaused = (e: CaughtEmail) => /\.received@/.test(e.messageId) || /^Inbound email quarantined|^Customer email undeliverable/.test(e.subject);
    expect(added.filter(intakeCaused)).toEqual([]);
    // Only SLA timers of the severity-A requests may have sent something meanwhile.
    for (const e of added) expect(e.messageId).toMatch(/\.(sla-|escalat|chain)/);
  });
});

describe("the public real-world corpus over SMTP", () => {
  const PARTNER = "vltava-distribution-praha";
  const DIR = path.join(__dirname, "..", "fixtures", "email", "real-world");
  const realWorld = JSON.parse(fs.readFileSync(path.join(DIR, "expected.json"), "utf8")) as { messages: Record<string, { outcome: string; reason?: string; language?: string }> };
  const files = Object.keys(realWorld.messages).sort();
  const RELAY_SENDER = "srs0-forwarded@relay.example";

  it("every message ends in exactly one outcome; bounces never become requests; acknowledgements are clean and in the partner's default language", async () => {
    // The processing key of each file, as the intake computes it (the relay's Return-Path is not part of it).
    const keyOf = new Map<string, string>();
    const envelopeOf = new Map<string, string>();
    for (const f of files) {
      const raw = fs.readFileSync(path.join(DIR, f));
      const parsed = await parseMessage(raw, { maxBytes: MAX_BYTES, maxAttachmentBytes: MAX_BYTES });
      // As the mail servers of the failing run did: the From address as the envelope sender, bounces included.
      // A From no server would accept as a reverse-path (`bob@extern`) goes out under the relay's own
      // address (as a forwarding relay rewrites it, SRS); the null reverse-path `<>` is reserved for
      // delivery reports (RFC 5321 4.5.5). Messages expected as machine mail or quarantined (no sender
      // at all) keep the null reverse-path, so a relay address never stands in for a missing sender.
      const mailable = !isQuarantine(parsed) && parsed.senderMailable;
      const person = ["new", "reply"].includes(realWorld.messages[f]!.outcome);
      const envelope = mailable ? parsed.from.address : person ? RELAY_SENDER : "";
      envelopeOf.set(f, envelope);
      // The SMTP intake stores the message behind `Return-Path: <envelope sender>`.
      const stored = await parseMessage(Buffer.concat([Buffer.from(`Return-Path: <${envelope}>\r\n`, "latin1"), raw]), { maxBytes: MAX_BYTES, maxAttachmentBytes: MAX_BYTES });
      keyOf.set(f, intakeKeyOf(stored.messageId, stored.contentHash));
    }
    await send(files.map((f) => ({ name: f, partnerId: PARTNER, envelopeFrom: envelopeOf.get(f)!, raw: fs.readFileSync(path.join(DIR, f)) })));

    const readLog = async (): Promise<InboundLogItem[]> => {
      const items: InboundLogItem[] = [];
      let token: string | undefined;
      do {
        const page = await getJson<{ items: InboundLogItem[]; continuationToken?: string }>(PARTNER, `inbound-email/log?limit=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`);
        items.push(...page.items);
        token = page.continuationToken;
      } while (token);
      return items;
    };
    const log = await eventually(
      "every real-world message in the inbound log",
      async () => {
        const items = await readLog();
        if (items.length < files.length) throw new Error(`${items.length} of ${files.length} logged`);
        return items;
      },
      8 * 60_000,
    );
    expect(log).toHaveLength(files.length);

    // Per distinct message: one delivery with the expected outcome, the other copies duplicates.
    const byKey = new Map<string, InboundLogItem[]>();
    for (const e of log) byKey.set(e.intakeKey, [...(byKey.get(e.intakeKey) ?? []), e]);
    // Over SMTP a message carries the relay's `Return-Path:`; a null one (`<>`) marks it automated
    // (RFC 3834 3.3), so a file that names no sender at all, quarantined as `no-sender` when dropped
    // in the container as it is, is recorded as an auto-reply when it arrives with the null sender.
    const expectedOverSmtp = (f: string): string => {
      const want = realWorld.messages[f]!;
      return envelopeOf.get(f) === "" && want.outcome === "quarantine" && want.reason === "no-sender" ? "auto-reply" : want.outcome;
    };
    const mismatches: string[] = [];
    for (const f of files) {
      const entries = byKey.get(keyOf.get(f)!) ?? [];
      const copies = files.filter((g) => keyOf.get(g) === keyOf.get(f)).length;
      const first = entries.filter((e) => e.outcome !== "duplicate").map((e) => e.outcome);
      if (entries.length !== copies) mismatches.push(`${f}: ${entries.length} deliveries logged, ${copies} sent`);
      if (first.join(",") !== expectedOverSmtp(f)) mismatches.push(`${f}: ${first.join(",") || "nothing"}, expected ${expectedOverSmtp(f)}`);
    }
    expect(mismatches).toEqual([]);

    // Requests only from "new" messages: no bounce, auto-reply or quarantined message became one.
    const caseIds: string[] = [];
    let token: string | undefined;
    do {
      const page = await getJson<{ items: SupportRequest[]; continuationToken?: string }>(PARTNER, `support-requests?limit=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`);
      caseIds.push(...page.items.map((c) => c.caseId));
      token = page.continuationToken;
    } while (token);
    const created = log.filter((e) => e.outcome === "new");
    expect(caseIds.sort()).toEqual(created.map((e) => e.caseId).sort());

    // Acknowledgements: never to a sender the app cannot mail, never with garbled text, in English
    // (the partner's default; the corpus holds no text in another served language).
    // (A From no server can mail arrives here behind the relay's reverse-path, which is mailable and
    // is answered; the corpus test on the container checks the unmailable sender is never answered.)
    const ackId = (caseId: string | undefined): string => `<${caseId}.received@${senderDomain(PARTNER)}>`;
    // Not acknowledged: senders the app cannot mail, and senders over the acknowledgement rate.
    const silent = (e: InboundLogItem): boolean => e.flags.includes("undeliverable-sender") || e.flags.includes("acknowledgement-suppressed");
    const mailable = created.filter((e) => !silent(e));
    const emails = await eventually(
      "acknowledgements of the real-world requests",
      async () => {
        const caught = new Set((await caughtEmails()).map((e) => e.messageId));
        const missing = mailable.filter((e) => !caught.has(ackId(e.caseId)));
        if (missing.length > 0) throw new Error(`${missing.length} acknowledgements missing`);
        return caughtEmails();
      },
      5 * 60_000,
    );
    for (const e of created) {
      const ack = emails.filter((m) => m.messageId === ackId(e.caseId));
      expect({ caseId: e.caseId, language: e.language?.language }).toEqual({ caseId: e.caseId, language: "en" });
      if (silent(e)) {
        expect({ caseId: e.caseId, acks: ack.length }).toEqual({ caseId: e.caseId, acks: 0 });
        continue;
      }
      expect({ caseId: e.caseId, acks: ack.length }).toEqual({ caseId: e.caseId, acks: 1 });
      expect(ack[0]!.subject).not.toMatch(/[\ufffd\u0080-\u009f]/);
      expect(ack[0]!.subject).toContain(`${statusEmailLocales.en.statusLabels?.received ?? ""}:`);
    }
  }, 15 * 60_000);
});
