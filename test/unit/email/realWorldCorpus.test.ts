/**
 * The real-world corpus (test/fixtures/email/real-world: public test messages of bounce parsers
 * and mail-parser projects, see SOURCES.md): every message lands in the outcome expected.json
 * gives it, decoded subjects are clean Unicode, and the language of new requests is never a
 * served language the text is not written in.
 */
import fs from "node:fs";
import path from "node:path";
import { classifyAutomated, isForwardedSubject, stripQuotedReply, type AutomatedContext } from "../../../shared/domain/email";
import { decideLanguage } from "../../../shared/services/inboundEmail/language";
import { isQuarantine, parseMessage } from "../../../shared/services/inboundEmail/parseMessage";
import { senderDomainOf } from "./corpus";

const DIR = path.join(__dirname, "..", "..", "fixtures", "email", "real-world");
const expected = JSON.parse(fs.readFileSync(path.join(DIR, "expected.json"), "utf8")) as {
  partnerId: string;
  messages: Record<string, { outcome: string; reason?: string; marker?: string; language?: string; subject?: string; subjectDecodable?: boolean; from?: string }>;
};
const LIMITS = { maxBytes: 10 * 1024 * 1024, maxAttachmentBytes: 5 * 1024 * 1024 };
const files = Object.keys(expected.messages).sort();

describe("real-world corpus", () => {
  it("has at least 150 messages, each with an expectation and a source row", () => {
    const onDisk = fs.readdirSync(DIR).filter((d) => fs.statSync(path.join(DIR, d)).isDirectory()).flatMap((d) => fs.readdirSync(path.join(DIR, d)).map((f) => `${d}/${f}`));
    expect(onDisk.sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(150);
    const sources = fs.readFileSync(path.join(DIR, "SOURCES.md"), "utf8");
    for (const f of files) expect(sources).toContain(`\`${f}\``);
  });

  it.each(files)("%s", async (file) => {
    const want = expected.messages[file]!;
    const raw = fs.readFileSync(path.join(DIR, file));
    const result = await parseMessage(raw, LIMITS);
    // The relay's Return-Path in front (the SMTP intake writes one) changes neither the verdict nor the content hash of a readable message.
    const relayed = await parseMessage(Buffer.concat([Buffer.from("Return-Path: <relay@contoso.example>\r\n"), raw]), LIMITS);
    expect(relayed.kind).toBe(result.kind);
    if (!isQuarantine(result)) expect(relayed.contentHash).toBe(result.contentHash);
    if (isQuarantine(result)) {
      expect({ outcome: "quarantine", reason: result.reason }).toEqual({ outcome: want.outcome, reason: want.reason });
      return;
    }
    // Whatever is decoded is valid Unicode; undecodable subjects are flagged, never passed on as clean.
    for (const text of [result.subject, result.text, result.from.name ?? "", ...result.attachments.map((a) => a.filename)]) expect(Buffer.from(text, "utf8").toString("utf8")).toBe(text);
    expect(result.subjectDecodable).toBe(want.subjectDecodable ?? true);
    if (want.subject !== undefined) expect(result.subject).toBe(want.subject);
    if (want.from !== undefined) expect(result.from.address).toBe(want.from);
    const context: AutomatedContext = { subject: result.subject, ownDomains: [senderDomainOf(expected.partnerId)], text: result.text };
    if (result.deliveryStatus !== undefined) context.deliveryStatus = result.deliveryStatus;
    if (result.returnedHeaders !== undefined) context.returnedHeaders = result.returnedHeaders;
    // The SMTP relay writes the envelope sender as Return-Path: a bounce is recognised from its content whatever that is.
    const variants = result.from.address ? [result.headers, { ...result.headers, "return-path": [`<${result.from.address}>`] }] : [result.headers];
    for (const headers of variants) {
      const verdict = classifyAutomated(headers, result.from, context);
      const outcome = verdict.kind === "human" ? (result.senderSource === "none" ? "quarantine" : "new") : verdict.kind;
      expect(outcome).toBe(want.outcome);
      if (want.marker && verdict.kind === "auto-reply") expect(verdict.marker).toBe(want.marker);
    }
    if (want.outcome === "quarantine") expect(result.senderSource).toBe("none");
    if (want.outcome !== "new") return;
    const body = isForwardedSubject(result.subject) ? result.text : stripQuotedReply(result.text);
    const decision = await decideLanguage({ partnerDefault: "en", text: `${result.subjectDecodable ? result.subject : ""}\n${body}` });
    expect(decision.language).toBe(want.language);
  });
});
