/**
 * The local SMTP intake (scripts/lib/smtpIntake.ts) on Azurite: mail for a registered partner's
 * support address is written to `inbound-email/<partnerId>/…` with `Return-Path`; other recipients
 * get 550; a message over the SIZE limit gets 552.
 */
import nodemailer from "nodemailer";
import { createContainer, type Container } from "../../../shared/container";
import { startSmtpIntake, type SmtpIntake } from "../../../scripts/lib/smtpIntake";
import { partnerDefinition, testConfig } from "../app/helpers";
import { randomBytes } from "node:crypto";

let container: Container;
let intake: SmtpIntake;
const partnerId = `smtp-${randomBytes(3).toString("hex")}`;

beforeAll(async () => {
  container = createContainer(testConfig("smtp", { INBOUND_EMAIL_MAX_BYTES: "20000" }));
  await container.registerPartner(partnerDefinition(partnerId));
  intake = await startSmtpIntake({ container, port: 0 });
});
afterAll(async () => intake?.close());

const transport = () => nodemailer.createTransport({ host: "127.0.0.1", port: intake.port, secure: false, ignoreTLS: true });

it("stores mail for a support address as a blob with Return-Path", async () => {
  await transport().sendMail({ envelope: { from: "it@contoso.example", to: [`support@${partnerId}.example`] }, raw: "From: it@contoso.example\r\nTo: support@x.example\r\nSubject: hi\r\nMessage-ID: <smtp-1@contoso.example>\r\n\r\nhello\r\n" });
  const c = await container.inboundBlobs.container("inbound-email");
  const names: string[] = [];
  for await (const b of c.listBlobsFlat({ prefix: `${partnerId}/` })) names.push(b.name);
  expect(names).toHaveLength(1);
  const raw = (await c.getBlobClient(names[0]!).downloadToBuffer()).toString("latin1");
  expect(raw.startsWith("Return-Path: <it@contoso.example>\r\nFrom: it@contoso.example")).toBe(true);
});

it("refuses other recipients with 550 and oversized mail with 552", async () => {
  await expect(transport().sendMail({ envelope: { from: "a@b.example", to: ["nobody@nowhere.example"] }, raw: "Subject: x\r\n\r\nx\r\n" })).rejects.toMatchObject({ responseCode: 550 });
  await expect(transport().sendMail({ envelope: { from: "a@b.example", to: [`support@${partnerId}.example`] }, raw: `Subject: big\r\n\r\n${"x".repeat(30000)}\r\n` })).rejects.toMatchObject({ responseCode: 552 });
});
