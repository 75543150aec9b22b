/**
 * Test helpers for the email corpus (test/fixtures/email): the fixture files, their expected
 * outcomes (expected.json) and partner-scoped lookups over the cases expected.json describes.
 */
import fs from "node:fs";
import path from "node:path";
import partners from "../../fixtures/demo/partners.json";
import expected from "../../fixtures/email/expected.json";
import type { ReplyLookups } from "../../../shared/domain/email";

/** Directory of the .eml corpus. */
export const CORPUS_DIR = path.join(__dirname, "..", "..", "fixtures", "email");

/** Expected outcome of one corpus message (see test/fixtures/email/README.md). */
export interface ExpectedMessage {
  partnerId: string;
  outcome: "new" | "reply" | "auto-reply" | "bounce" | "own-notification" | "quarantine";
  caseId?: string;
  via?: "in-reply-to" | "references" | "subject-token";
  language?: string;
  product?: string;
  category?: string;
  severity?: string;
  marker?: string;
  permanent?: boolean;
  status?: string;
  failedRecipients?: string[];
  reason?: string;
  refusedCaseToken?: string;
  messageIdSource?: "header" | "synthetic";
}

/** The corpus expectations by file name. */
export const EXPECTED: Readonly<Record<string, ExpectedMessage>> = expected.messages as unknown as Record<string, ExpectedMessage>;

/** Every .eml file of the corpus, sorted. */
export function corpusFiles(): string[] {
  return fs.readdirSync(CORPUS_DIR).filter((f) => f.endsWith(".eml")).sort();
}

/** Raw bytes of a corpus file. */
export function readEml(name: string): Buffer {
  return fs.readFileSync(path.join(CORPUS_DIR, name));
}

/** The demo partner's sender domain (`senderEmail` domain), where our notifications come from. */
export function senderDomainOf(partnerId: string): string {
  const partner = partners.find((p) => p.id === partnerId);
  if (!partner) throw new Error(`unknown partner ${partnerId}`);
  return partner.senderEmail.split("@")[1]!;
}

/** Lookups scoped to one partner, over the cases and sent notification ids of expected.json. */
export function lookupsFor(partnerId: string, calls: string[] = []): ReplyLookups {
  const cases = expected.cases as Record<string, { partnerId: string; customerEmail: string }>;
  return {
    ownDomains: [senderDomainOf(partnerId)],
    findCaseByOutboundMessageId(id) {
      calls.push(`log:${id}`);
      if (!expected.sentNotificationIds.includes(id)) return undefined;
      const caseId = id.slice(1, 14);
      return cases[caseId]?.partnerId === partnerId ? caseId : undefined;
    },
    async caseCustomerEmail(caseId) {
      calls.push(`case:${caseId}`);
      const c = cases[caseId];
      return c && c.partnerId === partnerId ? c.customerEmail : undefined;
    },
  };
}
