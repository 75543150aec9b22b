/**
 * The whole pure pipeline over the corpus (test/fixtures/email): parse → loop detection → threading
 * → classification, each message landing where expected.json (and the README table) says.
 */
import fs from "node:fs";
import path from "node:path";
import { classifyAutomated, classifyRequest, isForwardedSubject, matchReply, stripQuotedReply, type AutomatedContext } from "../../../shared/domain/email";
import { decideLanguage } from "../../../shared/services/inboundEmail/language";
import { isQuarantine, parseMessage } from "../../../shared/services/inboundEmail/parseMessage";
import { CORPUS_DIR, EXPECTED, corpusFiles, lookupsFor, readEml, senderDomainOf } from "./corpus";

const LIMITS = { maxBytes: 10 * 1024 * 1024, maxAttachmentBytes: 5 * 1024 * 1024 };

describe("email corpus", () => {
  it("every .eml has an expectation and a README row, and the other way round", () => {
    const files = corpusFiles();
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
    const readme = fs.readFileSync(path.join(CORPUS_DIR, "README.md"), "utf8");
    for (const f of files) expect(readme).toContain(`\`${f}\``);
  });

  it("uses reserved example domains only", async () => {
    for (const f of corpusFiles()) {
      // Quoted-printable soft line breaks would split addresses.
      const addresses = readEml(f).toString("latin1").replace(/=\r?\n/g, "").match(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g) ?? [];
      for (const a of addresses) expect(`${f}: ${a}`).toMatch(/\.(example|invalid)$/);
      const msg = await parseMessage(readEml(f), LIMITS);
      if (isQuarantine(msg)) continue;
      for (const m of [msg.from, ...msg.to, ...msg.cc, ...msg.replyTo]) expect(`${f}: ${m.address}`).toMatch(/\.example$/);
    }
  });

  it.each(corpusFiles())("%s lands where expected", async (file) => {
    const want = EXPECTED[file]!;
    const result = await parseMessage(readEml(file), LIMITS);
    if (want.outcome === "quarantine") {
      expect(result).toMatchObject({ kind: "quarantine", reason: want.reason });
      return;
    }
    if (isQuarantine(result)) throw new Error(`${file} quarantined: ${result.detail}`);
    if (want.messageIdSource) expect(result.messageIdSource).toBe(want.messageIdSource);

    const context: AutomatedContext = { subject: result.subject, ownDomains: [senderDomainOf(want.partnerId)], text: result.text };
    if (result.deliveryStatus !== undefined) context.deliveryStatus = result.deliveryStatus;
    if (result.returnedHeaders !== undefined) context.returnedHeaders = result.returnedHeaders;
    const automated = classifyAutomated(result.headers, result.from, context);
    if (want.outcome === "auto-reply") return expect(automated).toEqual({ kind: "auto-reply", marker: want.marker });
    if (want.outcome === "bounce") return expect(automated).toMatchObject({ kind: "bounce", permanent: want.permanent, status: want.status, failedRecipients: want.failedRecipients, caseId: want.caseId });
    if (want.outcome === "own-notification") return expect(automated).toMatchObject({ kind: "own-notification", caseId: want.caseId });
    expect(automated).toEqual({ kind: "human" });

    const match = await matchReply(result, lookupsFor(want.partnerId));
    if (want.outcome === "reply") {
      expect(match).toMatchObject({ kind: "reply", caseId: want.caseId, via: want.via, senderIsCustomer: true });
      expect(stripQuotedReply(result.text).length).toBeGreaterThan(0);
      return;
    }
    expect(match).toEqual(want.refusedCaseToken ? { kind: "new", refusedCaseToken: want.refusedCaseToken } : { kind: "new" });
    const description = isForwardedSubject(result.subject) ? result.text : stripQuotedReply(result.text);
    const c = classifyRequest({ subject: result.subject, text: description });
    expect({ product: c.product, category: c.category, severity: c.severity, language: (await decideLanguage({ partnerDefault: "en", text: `${result.subject}\n${description}` })).language }).toEqual({
      product: want.product,
      category: want.category,
      severity: want.severity,
      language: want.language,
    });
  });

  it("a replayed message parses to the same Message-ID (de-duplication key)", async () => {
    for (const f of corpusFiles()) {
      const [a, b] = await Promise.all([parseMessage(readEml(f), LIMITS), parseMessage(readEml(f), LIMITS)]);
      expect(a.messageId).toBe(b.messageId);
    }
  });

  it("an oversized corpus-like message is quarantined as too-large", async () => {
    const plain = readEml("01-new-plain-en.eml");
    const headerEnd = plain.indexOf("\r\n\r\n") + 4;
    const raw = Buffer.concat([plain.subarray(0, headerEnd), Buffer.from("x".repeat(76).concat("\r\n").repeat(40000))]);
    expect(await parseMessage(raw, { maxBytes: 2 * 1024 * 1024, maxAttachmentBytes: 1024 * 1024 })).toMatchObject({ kind: "quarantine", reason: "too-large", messageIdSource: "header" });
  });
});
