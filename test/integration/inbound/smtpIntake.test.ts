/**
 * The local SMTP intake (scripts/lib/smtpIntake.ts) on Azurite: mail for a registered partner's
 * support address is written to `inbound-email/<partnerId>/…` with `Return-Path`; other recipients
 * get 550. A message over the pipeline cap (`INBOUND_EMAIL_MAX_BYTES`) is accepted and stored, so
 * the pipeline quarantines it as `too-large` and tells the partner; only a message over the hard
 * transport limit (advertised as `SIZE`) gets 552.
 */
import net from "node:net";
import { randomBytes } from "node:crypto";
import nodemailer from "nodemailer";
import { createContainer, type Container } from "../../../shared/container";
import { processInboundEmail } from "../../../shared/services/inboundEmail";
import { SMTP_TRANSPORT_MIN_LIMIT_BYTES, smtpTransportMaxBytes, startSmtpIntake, type SmtpIntake } from "../../../scripts/lib/smtpIntake";
import { FakeWorkflow, partnerDefinition, RecordingSender, testConfig } from "../app/helpers";

const CAP = 20_000;
const TRANSPORT_LIMIT = 60_000;

let container: Container;
let sender: RecordingSender;
let intake: SmtpIntake;
let defaultIntake: SmtpIntake;
const partnerId = `smtp-${randomBytes(3).toString("hex")}`;
const supportAddress = `support@${partnerId}.example`;

beforeAll(async () => {
  sender = new RecordingSender();
  container = createContainer(testConfig("smtp", { INBOUND_EMAIL_MAX_BYTES: String(CAP) }), { emailSender: sender, createWorkflow: () => new FakeWorkflow() });
  await container.registerPartner(partnerDefinition(partnerId));
  intake = await startSmtpIntake({ container, port: 0, transportMaxBytes: TRANSPORT_LIMIT });
  defaultIntake = await startSmtpIntake({ container, port: 0 });
});
afterAll(async () => {
  await intake?.close();
  await defaultIntake?.close();
});

const transport = (port = intake.port) => nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });

async function storedBlobs(): Promise<string[]> {
  const c = await container.inboundBlobs.container("inbound-email");
  const names: string[] = [];
  for await (const b of c.listBlobsFlat({ prefix: `${partnerId}/` })) names.push(b.name);
  return names;
}

async function download(name: string): Promise<Buffer> {
  const c = await container.inboundBlobs.container("inbound-email");
  return c.getBlobClient(name).downloadToBuffer();
}

/** A raw SMTP session: sends each command and collects every reply (multi-line replies joined). */
async function smtpDialog(port: number, commands: string[]): Promise<string[]> {
  const socket = net.connect(port, "127.0.0.1");
  let buffer = "";
  const replies: string[] = [];
  let waiting: ((reply: string) => void) | undefined;
  socket.on("data", (d: Buffer) => {
    buffer += d.toString("latin1");
    // A reply ends with a line "NNN text" (a space after the code).
    const m = /(?:^|\r\n)\d{3} [^\r\n]*\r\n$/.exec(buffer);
    if (m && waiting) {
      const reply = buffer;
      buffer = "";
      const w = waiting;
      waiting = undefined;
      w(reply);
    }
  });
  const next = () => new Promise<string>((resolve) => (waiting = resolve));
  replies.push(await next()); // greeting
  for (const c of commands) {
    const reply = next();
    socket.write(`${c}\r\n`);
    replies.push(await reply);
  }
  socket.end();
  return replies;
}

it("stores mail for a support address as a blob with Return-Path", async () => {
  await transport().sendMail({ envelope: { from: "it@contoso.example", to: [supportAddress] }, raw: "From: it@contoso.example\r\nTo: support@x.example\r\nSubject: hi\r\nMessage-ID: <smtp-1@contoso.example>\r\n\r\nhello\r\n" });
  const names = await storedBlobs();
  expect(names).toHaveLength(1);
  const raw = (await download(names[0]!)).toString("latin1");
  expect(raw.startsWith("Return-Path: <it@contoso.example>\r\nFrom: it@contoso.example")).toBe(true);
});

it("refuses other recipients with 550", async () => {
  await expect(transport().sendMail({ envelope: { from: "a@b.example", to: ["nobody@nowhere.example"] }, raw: "Subject: x\r\n\r\nx\r\n" })).rejects.toMatchObject({ responseCode: 550 });
});

it("accepts a message over the pipeline cap, which the pipeline quarantines as too-large and tells the partner", async () => {
  const before = new Set(await storedBlobs());
  const raw = `From: it@contoso.example\r\nTo: ${supportAddress}\r\nSubject: Scanned invoices\r\nMessage-ID: <big-1@contoso.example>\r\n\r\n${"x".repeat(30_000)}\r\n`;
  const info = await transport().sendMail({ envelope: { from: "it@contoso.example", to: [supportAddress] }, raw });
  expect(info.accepted).toEqual([supportAddress]);

  const added = (await storedBlobs()).filter((n) => !before.has(n));
  expect(added).toHaveLength(1);
  const stored = await download(added[0]!);
  expect(stored.byteLength).toBeGreaterThan(CAP);

  // The blob trigger's work, on the stored blob: quarantined, listed, the partner told.
  const result = await processInboundEmail(container.inboundEmailDeps(new FakeWorkflow()), { partnerId, blobName: added[0]!, raw: stored });
  expect(result).toMatchObject({ messageId: "<big-1@contoso.example>", outcome: { kind: "quarantine", reason: "too-large" }, duplicate: false });
  const listed = await container.inboundLog.listQuarantine(partnerId, {});
  expect(listed.items).toEqual([expect.objectContaining({ reason: "too-large", messageId: "<big-1@contoso.example>", subject: "Scanned invoices", sizeBytes: stored.byteLength })]);
  const notice = sender.sent.find((m) => m.subject.startsWith("Inbound email quarantined (too-large)"));
  expect(notice?.to.map((t) => t.address)).toContain(supportAddress);
});

it("advertises the hard transport limit as SIZE and answers 552 only above it", async () => {
  const ehlo = await smtpDialog(intake.port, ["EHLO client.example", "QUIT"]);
  expect(ehlo[1]).toMatch(new RegExp(`^250[- ]SIZE ${TRANSPORT_LIMIT}\r$`, "m"));

  // Declared in MAIL FROM: refused before the data is sent.
  const declared = await smtpDialog(intake.port, ["EHLO client.example", `MAIL FROM:<a@b.example> SIZE=${TRANSPORT_LIMIT + 1}`, `MAIL FROM:<a@b.example> SIZE=${CAP + 1}`, "QUIT"]);
  expect(declared[2]).toMatch(/^552 /);
  expect(declared[3]).toMatch(/^250 /);

  // Not declared: refused after the data, and nothing stored.
  const before = (await storedBlobs()).length;
  await expect(transport().sendMail({ envelope: { from: "a@b.example", to: [supportAddress] }, raw: `Subject: huge\r\n\r\n${"x".repeat(TRANSPORT_LIMIT + 10)}\r\n` })).rejects.toMatchObject({ responseCode: 552 });
  expect(await storedBlobs()).toHaveLength(before);
});

it("defaults the hard transport limit to max(2 × cap, 25 MiB)", async () => {
  expect(smtpTransportMaxBytes(CAP)).toBe(SMTP_TRANSPORT_MIN_LIMIT_BYTES);
  expect(smtpTransportMaxBytes(20 * 1024 * 1024)).toBe(40 * 1024 * 1024);
  expect(defaultIntake.transportMaxBytes).toBe(25 * 1024 * 1024);
  const ehlo = await smtpDialog(defaultIntake.port, ["EHLO client.example", "QUIT"]);
  expect(ehlo[1]).toMatch(new RegExp(`^250[- ]SIZE ${25 * 1024 * 1024}\r$`, "m"));
});
