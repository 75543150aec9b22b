/**
 * Contract of the InboundEmailLog port (shared/ports): what a caller observes of any adapter.
 */
import type { CaseAttachment, IgnoredEmail, InboundLogEntry, QuarantinedEmail } from "../../shared/contracts";
import type { InboundEmailLog } from "../../shared/ports";
import { allPages, type MakeAdapter } from "./support";

const hash = (c: string): string => c.repeat(64);

function logEntry(n: number, overrides: Partial<InboundLogEntry> = {}): InboundLogEntry {
  const messageId = `<m${n}@mail.customer.example>`;
  return { blobName: `p-mail/2026/06/0${n}/blob-${n}.eml`, receivedAt: `2026-06-0${n}T10:00:00.000Z`, messageId, intakeKey: `${messageId}#${hash(String(n)).slice(0, 32)}`, contentHash: hash(String(n)), outcome: "new", from: "it@tisza.example", subject: `Request ${n}`, caseId: `CS-000000000${n}`, flags: [], ...overrides };
}

function quarantined(n: number): QuarantinedEmail {
  return { intakeKey: `<q${n}@x.example>#${hash("a").slice(0, 32)}`, blobName: `q/blob-${n}.eml`, sourceBlobName: `in/blob-${n}.eml`, reason: "malformed", detail: "no body", messageId: `<q${n}@x.example>`, sizeBytes: 100 + n, quarantinedAt: `2026-06-0${n}T11:00:00.000Z` };
}

function ignored(n: number, caseId?: string): IgnoredEmail {
  return { messageId: `<i${n}@x.example>`, kind: "auto-reply", marker: "auto-submitted: auto-replied", from: "ooo@tisza.example", subject: "Out of office", blobName: `in/ignored-${n}.eml`, receivedAt: `2026-06-0${n}T12:00:00.000Z`, ...(caseId ? { caseId } : {}) };
}

/** Every item of a listing, following continuation tokens. */
async function all<T>(list: (token: string | undefined) => Promise<{ items: T[]; continuationToken?: string }>): Promise<T[]> {
  return (await allPages(list)).pages.flat();
}

/** Defines the InboundEmailLog contract tests for an adapter. */
export function describeInboundEmailLogContract(name: string, makeAdapter: MakeAdapter<InboundEmailLog>): void {
  describe(`InboundEmailLog contract: ${name}`, () => {
    it("claims a content for its first delivery and records the first processing of a key", async () => {
      const log = await makeAdapter(() => new Date());
      const input = { messageId: "<m1@x.example>", intakeKey: "<m1@x.example>#aaaa", contentHash: hash("a"), blobName: "blob-1", at: "2026-06-01T10:00:00.000Z" };
      expect(await log.claim("p-mail", input)).toEqual({ owner: "blob-1" });
      expect(await log.claim("p-mail", { ...input, blobName: "blob-2" })).toEqual({ owner: "blob-1" });
      expect(await log.claim("p-mail", { ...input, blobName: "blob-3", contentHash: hash("b") })).toEqual({ owner: "blob-3" });
      expect(await log.claim("p-other", { ...input, blobName: "blob-4" })).toEqual({ owner: "blob-4" });
      expect(await log.contentHashesOf("p-mail", "<m1@x.example>")).toEqual([hash("a"), hash("b")]);
      expect(await log.contentHashesOf("p-mail", "<m2@x.example>")).toEqual([]);

      const record = { messageId: "<m1@x.example>", intakeKey: "<m1@x.example>#aaaa", outcome: { kind: "reply" as const, caseId: "CS-0000000001", via: "in-reply-to" as const }, blobName: "blob-1", processedAt: "2026-06-01T10:00:01.000Z" };
      expect(await log.getProcessed("p-mail", record.intakeKey)).toBeUndefined();
      await log.recordProcessed("p-mail", record);
      await log.recordProcessed("p-mail", { ...record, blobName: "blob-2" });
      expect(await log.getProcessed("p-mail", record.intakeKey)).toEqual(record);
      expect(await log.getProcessed("p-other", record.intakeKey)).toBeUndefined();
    });

    it("logs each delivery once, newest first, filtered, page by page; flags every delivery of a Message-ID", async () => {
      const log = await makeAdapter(() => new Date());
      for (const n of [2, 1, 4, 3]) await log.recordLogEntry("p-mail", logEntry(n, n === 4 ? { outcome: "auto-reply", from: "ooo@duna.example", messageId: "<m1@mail.customer.example>" } : {}));
      await log.recordLogEntry("p-mail", logEntry(2, { subject: "second write" }));
      const blobs = (entries: InboundLogEntry[]): string[] => entries.map((e) => e.blobName);
      expect(blobs(await all((t) => log.listLog("p-mail", { limit: 1, ...(t ? { continuationToken: t } : {}) })))).toEqual(blobs([logEntry(4), logEntry(3), logEntry(2), logEntry(1)]));
      expect((await log.listLog("p-mail")).items[2]).toEqual(logEntry(2));
      expect(blobs((await log.listLog("p-mail", { outcomes: ["auto-reply"] })).items)).toEqual([logEntry(4).blobName]);
      expect(blobs((await log.listLog("p-mail", { outcomes: ["auto-reply", "new"], from: " IT@tisza.example " })).items)).toEqual(blobs([logEntry(3), logEntry(2), logEntry(1)]));
      expect(blobs((await log.listLog("p-mail", { caseId: "CS-0000000003" })).items)).toEqual([logEntry(3).blobName]);
      expect(blobs((await log.listLog("p-mail", { since: logEntry(2).receivedAt, until: logEntry(4).receivedAt })).items)).toEqual(blobs([logEntry(3), logEntry(2)]));

      await log.flagMessageId("p-mail", "<m1@mail.customer.example>", "message-id-reused");
      await log.flagMessageId("p-mail", "<m1@mail.customer.example>", "message-id-reused");
      const flagged = (await log.listLog("p-mail", { flag: "message-id-reused" })).items;
      expect(blobs(flagged)).toEqual(blobs([logEntry(4), logEntry(1)]));
      expect(flagged.map((e) => e.flags)).toEqual([["message-id-reused"], ["message-id-reused"]]);
      expect((await log.listLog("p-mail", { messageId: "<m2@mail.customer.example>" })).items).toEqual([logEntry(2)]);
      expect((await log.listLog("p-other")).items).toEqual([]);
    });

    it("knows which blobs have a log entry, per partner", async () => {
      const log = await makeAdapter(() => new Date());
      expect(await log.hasLogEntry("p-mail", logEntry(1).blobName)).toBe(false);
      await log.recordLogEntry("p-mail", logEntry(1));
      expect(await log.hasLogEntry("p-mail", logEntry(1).blobName)).toBe(true);
      expect(await log.hasLogEntry("p-other", logEntry(1).blobName)).toBe(false);
      expect(await log.hasLogEntry("p-mail", logEntry(2).blobName)).toBe(false);
    });

    it("refuses bad limits, tokens and instants", async () => {
      const log = await makeAdapter(() => new Date());
      for (const limit of [0, 101, 1.5]) {
        await expect(log.listLog("p-mail", { limit })).rejects.toThrow(RangeError);
        await expect(log.listQuarantine("p-mail", { limit })).rejects.toThrow(RangeError);
        await expect(log.listIgnored("p-mail", { limit })).rejects.toThrow(RangeError);
      }
      await expect(log.listLog("p-mail", { continuationToken: "not-a-token" })).rejects.toMatchObject({ code: "InvalidContinuationToken" });
      await expect(log.listQuarantine("p-mail", { continuationToken: "eyJ2IjoyfQ" })).rejects.toMatchObject({ code: "InvalidContinuationToken" });
      await expect(log.listLog("p-mail", { since: "yesterday" })).rejects.toMatchObject({ name: "RangeError", code: "Invalid_since" });
      await expect(log.listLog("p-mail", { until: "tomorrow" })).rejects.toMatchObject({ name: "RangeError", code: "Invalid_until" });
    });

    it("lists quarantined and ignored messages once per processing key, newest first", async () => {
      const log = await makeAdapter(() => new Date());
      for (const n of [1, 3, 2]) await log.recordQuarantine("p-mail", quarantined(n));
      await log.recordQuarantine("p-mail", { ...quarantined(1), quarantinedAt: "2026-06-09T00:00:00.000Z" });
      expect(await all((t) => log.listQuarantine("p-mail", { limit: 2, ...(t ? { continuationToken: t } : {}) }))).toEqual([quarantined(3), quarantined(2), quarantined(1)]);
      for (const n of [1, 2]) await log.recordIgnored("p-mail", ignored(n));
      await log.recordIgnored("p-mail", { ...ignored(1), subject: "again" });
      expect((await log.listIgnored("p-mail")).items).toEqual([ignored(2), ignored(1)]);
      expect((await log.listIgnored("p-other")).items).toEqual([]);
    });

    it("takes at most maxPerHour acknowledgements per sender in a sliding hour; a Message-ID asking again gets its earlier answer", async () => {
      const log = await makeAdapter(() => new Date());
      const at = (iso: string): Date => new Date(iso);
      expect(await log.takeAcknowledgement("p-mail", "IT@tisza.example", "<a>", at("2026-06-01T10:00:00Z"), 2)).toBe(true);
      expect(await log.takeAcknowledgement("p-mail", "it@tisza.example", "<b>", at("2026-06-01T10:10:00Z"), 2)).toBe(true);
      expect(await log.takeAcknowledgement("p-mail", "it@tisza.example", "<c>", at("2026-06-01T10:20:00Z"), 2)).toBe(false);
      expect(await log.takeAcknowledgement("p-mail", "it@tisza.example", "<a>", at("2026-06-01T10:20:00Z"), 2)).toBe(true);
      expect(await log.takeAcknowledgement("p-mail", "other@tisza.example", "<d>", at("2026-06-01T10:20:00Z"), 2)).toBe(true);
      expect(await log.takeAcknowledgement("p-other", "it@tisza.example", "<e>", at("2026-06-01T10:20:00Z"), 2)).toBe(true);
      expect(await log.takeAcknowledgement("p-mail", "it@tisza.example", "<f>", at("2026-06-01T11:00:00Z"), 2)).toBe(true);
    });

    it("lists a case's attachments oldest first, once per message and position", async () => {
      const log = await makeAdapter(() => new Date());
      const a = (file: string, messageId: string, receivedAt: string): CaseAttachment => ({ filename: file, contentType: "application/pdf", sizeBytes: 10, inline: false, blobName: `att/${file}`, messageId, receivedAt });
      await log.recordAttachments("p-mail", "CS-0000000001", [a("later.pdf", "<m2>", "2026-06-02T10:00:00.000Z")]);
      await log.recordAttachments("p-mail", "CS-0000000001", [a("first.pdf", "<m1>", "2026-06-01T10:00:00.000Z")]);
      await log.recordAttachments("p-mail", "CS-0000000001", [a("first.pdf", "<m1>", "2026-06-01T10:00:00.000Z")]);
      await log.recordAttachments("p-mail", "CS-0000000001", []);
      expect((await log.listAttachments("p-mail", "CS-0000000001")).map((x) => x.filename)).toEqual(["first.pdf", "later.pdf"]);
      expect(await log.listAttachments("p-mail", "CS-0000000002")).toEqual([]);
    });

    it("erases a case's log entries and attachments, and what belongs to no case by age (bounded)", async () => {
      const log = await makeAdapter(() => new Date());
      await log.recordLogEntry("p-mail", logEntry(1));
      await log.recordLogEntry("p-mail", logEntry(2, { caseId: undefined, outcome: "auto-reply" }));
      await log.recordLogEntry("p-mail", logEntry(3, { caseId: undefined, outcome: "bounce" }));
      await log.recordLogEntry("p-mail", logEntry(5, { caseId: "CS-0000000001" }));
      await log.recordAttachments("p-mail", "CS-0000000001", [{ filename: "a.pdf", contentType: "application/pdf", sizeBytes: 1, inline: false, messageId: "<m1>", receivedAt: "2026-06-01T10:00:00.000Z" }]);
      await log.recordQuarantine("p-mail", quarantined(1));
      await log.recordIgnored("p-mail", ignored(2));
      await log.takeAcknowledgement("p-mail", "it@tisza.example", "<a>", new Date("2026-06-01T10:00:00Z"), 5);

      expect(await log.eraseCase("p-mail", "CS-0000000001")).toEqual({ entries: 2, inboundBlobs: [logEntry(5).blobName, logEntry(1).blobName] });
      expect(await log.listAttachments("p-mail", "CS-0000000001")).toEqual([]);
      expect(await log.eraseCase("p-mail", "CS-0000000001")).toEqual({ entries: 0, inboundBlobs: [] });

      expect(await log.eraseBefore("p-mail", "2026-06-03T10:00:00.000Z", 1)).toEqual({ entries: 1, inboundBlobs: [logEntry(2).blobName], quarantineBlobs: [] });
      expect(await log.eraseBefore("p-mail", "2026-06-03T10:00:00.000Z", 10)).toEqual({ entries: 3, inboundBlobs: [quarantined(1).sourceBlobName, ignored(2).blobName], quarantineBlobs: [quarantined(1).blobName] });
      expect((await log.listLog("p-mail")).items).toEqual([logEntry(3, { caseId: undefined, outcome: "bounce" })]);
      expect((await log.listQuarantine("p-mail")).items).toEqual([]);
      expect((await log.listIgnored("p-mail")).items).toEqual([]);
      // A redelivery of an erased listing is still recognised: it is not listed again.
      await log.recordQuarantine("p-mail", quarantined(1));
      expect((await log.listQuarantine("p-mail")).items).toEqual([]);
      expect(await log.eraseBefore("p-mail", "2026-06-03T10:00:00.000Z", 10)).toEqual({ entries: 0, inboundBlobs: [], quarantineBlobs: [] });
    });

    it("is not changed through objects a caller passed in or got back", async () => {
      const log = await makeAdapter(() => new Date());
      const mine = logEntry(1);
      await log.recordLogEntry("p-mail", mine);
      mine.flags.push("charset-repaired");
      (await log.listLog("p-mail")).items[0]!.subject = "changed";
      expect((await log.listLog("p-mail")).items).toEqual([logEntry(1)]);
    });
  });
}
