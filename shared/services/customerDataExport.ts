/**
 * Export of everything the partner's storage holds about one customer (GDPR Art. 15 right of
 * access, Art. 20 data portability), for the partner's global admin: the customer's requests with
 * their timelines, emails and attachment lists, the customer directory's entries, and the
 * messages the email intake logged from the customer's addresses. The customer is named by its
 * Microsoft Entra tenant id (a company: every address seen on its requests) or by one email
 * address (a person).
 */
import { z } from "zod";
import { PLACEHOLDER_TENANT_ID, type CustomerDataExport, type CustomerDataExportRequest, type CustomerDirectoryEntry, type InboundLogEntry } from "../contracts";
import { ERASED_EMAIL } from "../domain/personalData";
import type { CaseRepository, Clock, CustomerDirectory, InboundEmailLog, NotificationLog } from "../ports";
import { requirePermission, type ApiPrincipal } from "./apiKeys";
import { ValidationError } from "./errors";
import { caseEmails } from "./partnerActions";

/** What the export reads. */
export interface CustomerDataExportDeps {
  cases: Pick<CaseRepository, "searchCases" | "listTimeline">;
  notifications: Pick<NotificationLog, "listSent">;
  inboundLog: Pick<InboundEmailLog, "listAttachments" | "listLog">;
  directory: Pick<CustomerDirectory, "findByEmail" | "listByTenant">;
  clock: Clock;
}

const CustomerParamSchema = z.union([
  z
    .guid()
    .refine((id) => id !== PLACEHOLDER_TENANT_ID, "the placeholder tenant of unknown email senders stands for many people: export each by their email address")
    .transform((value) => ({ kind: "tenant-id" as const, value: value.toLowerCase() })),
  z
    .email()
    .max(254)
    .transform((value) => ({ kind: "email" as const, value: value.toLowerCase() })),
], { error: "a customer's tenant id (GUID) or email address" });

/** Every page of a paged listing. */
async function all<T>(page: (continuationToken: string | undefined) => Promise<{ items: T[]; continuationToken?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...p.items);
    token = p.continuationToken;
  } while (token);
  return out;
}

/**
 * Everything stored about one customer of the principal's partner.
 * @param customer - the route parameter: a tenant id (GUID) or an email address (case-insensitive).
 * @throws ForbiddenError without `customer-data:export` (global admin only); ValidationError
 *   (`path:customer`) for anything else than a tenant id or an address, or the placeholder tenant
 *   of unknown email senders; Error when storage fails.
 */
export async function exportCustomerData(deps: CustomerDataExportDeps, principal: ApiPrincipal, customer: string): Promise<CustomerDataExport> {
  requirePermission(principal, "customer-data:export");
  const parsed = CustomerParamSchema.safeParse(customer.trim());
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => ({ ...i, path: ["customer"] })), "path");
  const who = parsed.data;
  const partnerId = principal.partnerId;
  const exportedAt = deps.clock.now().toISOString();
  // The partner's own requests (an indirect provider exports its own customers; a reseller's are the reseller's).
  const cases = (await all((continuationToken) => deps.cases.searchCases(partnerId, { customer: who.value }, { limit: 100, ...(continuationToken ? { continuationToken } : {}) }))).filter((c) => c.resellerPartnerId === undefined);
  const requests: CustomerDataExportRequest[] = [];
  for (const sr of cases) {
    const [timeline, sent, attachments] = await Promise.all([deps.cases.listTimeline(partnerId, sr.caseId), deps.notifications.listSent(partnerId, sr.caseId), deps.inboundLog.listAttachments(partnerId, sr.caseId)]);
    requests.push({ case: sr, timeline, emails: caseEmails(sr, sent, timeline), attachments });
  }
  let directoryEntries: CustomerDirectoryEntry[];
  if (who.kind === "email") {
    const entry = await deps.directory.findByEmail(partnerId, who.value);
    directoryEntries = entry ? [entry] : [];
  } else directoryEntries = await deps.directory.listByTenant(partnerId, who.value);
  // The addresses the customer wrote from: the one asked, or every address of its requests and directory entries.
  const addresses = new Set(who.kind === "email" ? [who.value] : [...cases.map((c) => c.customer.email.toLowerCase()), ...directoryEntries.filter((e) => e.email.includes("@")).map((e) => e.email.toLowerCase())]);
  addresses.delete(ERASED_EMAIL);
  const inbound = new Map<string, InboundLogEntry>();
  for (const from of addresses) {
    for (const entry of await all((continuationToken) => deps.inboundLog.listLog(partnerId, { from, limit: 100, ...(continuationToken ? { continuationToken } : {}) }))) inbound.set(entry.blobName, entry);
  }
  const inboundEmails = [...inbound.values()].sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0));
  return { partnerId, customer: who, exportedAt, directoryEntries, requests, inboundEmails };
}
