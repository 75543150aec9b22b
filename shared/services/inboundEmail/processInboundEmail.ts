/**
 * The email intake pipeline: one raw message of a partner's support mailbox becomes a
 * new request, a reply on a request, recorded noise, or a quarantined message. Nothing is dropped
 * and a replay changes nothing.
 *
 * Order (help-desk practice "Email-to-ticket conventions"): size cap and parse (quarantine) →
 * de-duplication by Message-ID per partner mailbox → loop detection (`classifyAutomated`:
 * bounces, our own notifications, auto-replies never create requests nor resume clocks) →
 * threading (`matchReply`: our outbound Message-IDs, then the `[Case #ID]` token from the case's
 * customer only) → new request (customer directory, rule classification, acknowledgement rate).
 *
 * Every step is idempotent, and the de-duplication row is written last, so a crash or a failing
 * dependency (the blob trigger retries up to 5 times) re-runs the message safely: the case is
 * created under the delivery id `email:<Message-ID>`, timeline entries have ids derived from the
 * Message-ID, the inbox is checked for the reply's Message-ID before appending, partner emails are
 * logged per key before they could be sent twice.
 */
import { createHash } from "node:crypto";
import {
  classifyAutomated,
  classifyRequest,
  isForwardedSubject,
  matchReply,
  stripQuotedReply,
  type AutomatedContext,
  type ReplyLookups,
} from "../../domain/email";
import {
  normalizeText,
  PLACEHOLDER_TENANT_ID,
  truncateText,
  type CaseAttachment,
  type InboundEmailOutcome,
  type InboundLogEntry,
  type InboundLogFlag,
  type LanguageDecision,
  type Partner,
  type ProcessInboundEmailResult,
  type QuarantineReason,
  type SupportRequest,
  type TimelineEntry,
} from "../../contracts";
import type {
  CaseActionInbox,
  CaseRepository,
  Clock,
  CustomerDirectory,
  EmailSender,
  InboundEmailBlobStore,
  InboundEmailLog,
  NotificationLog,
  NotificationMessageIndex,
  PartnerRepository,
  SupportRequestWorkflow,
  UnstartedWorkflows,
} from "../../ports";
import { createNotifyPartner, newCaseContext, notifyPartnerWithoutCase } from "../activities";
import { generateCaseId as defaultGenerateCaseId } from "../caseId";
import { ownSenderDomains, type SenderPolicy } from "../platformSender";
import { recordCustomerReply } from "../customerReplies";
import { startCaseWorkflow } from "../workflowRecovery";
import { lookupCustomer } from "./customers";
import { decideLanguage } from "./language";
import { isQuarantine, parseMessage, senderlessQuarantine, syntheticMessageId, type ParsedAttachment, type ParsedMessage, type ParseMessageResult, type Quarantine } from "./parseMessage";

/** A parsed message with its processing key (`<Message-ID>#<content hash prefix>`). */
type IntakeMessage = ParsedMessage & { intakeKey: string };

/**
 * The processing key of a message: its Message-ID and the first 32 hex of its content hash, so a
 * different message under a reused Message-ID is processed on its own and a second delivery of the
 * same content is recognised.
 * @param messageId - the Message-ID (or synthetic id).
 * @param contentHash - the normalised content hash (`ParsedMessage.contentHash`).
 */
export function intakeKeyOf(messageId: string, contentHash: string): string {
  return `${messageId}#${contentHash.slice(0, 32)}`;
}

/** Title of a request whose subject could not be decoded (never echo garbled text to the customer). */
export const UNDECODABLE_SUBJECT_TITLE = "Email request (subject could not be decoded)";

/** Limits of the intake (config `INBOUND_EMAIL_MAX_BYTES`, `INBOUND_ATTACHMENT_MAX_BYTES`, `INBOUND_ACK_MAX_PER_HOUR`). */
export interface InboundEmailLimits {
  maxBytes: number;
  maxAttachmentBytes: number;
  ackMaxPerHour: number;
}

/** Dependencies of {@link processInboundEmail}. */
export interface InboundEmailDeps {
  partners: PartnerRepository;
  cases: CaseRepository;
  notifications: NotificationLog;
  /** Our sent notifications by Message-ID (threading). */
  messageIndex: NotificationMessageIndex;
  inbox: CaseActionInbox;
  /** The workflow of the current invocation. */
  workflow: SupportRequestWorkflow;
  /** Cases whose workflow could not be started when their message was processed (see `startCaseWorkflow`). */
  unstartedWorkflows: UnstartedWorkflows;
  blobs: InboundEmailBlobStore;
  inboundLog: InboundEmailLog;
  directory: CustomerDirectory;
  emailSender: EmailSender;
  /** The deployment's sender settings: automatic mail from the platform address is our own too (default: none). */
  senderPolicy?: SenderPolicy;
  clock: Clock;
  limits: InboundEmailLimits;
  /** Case id generator (default `generateCaseId`). */
  generateCaseId?: (now: Date) => string;
}

/** Input of {@link processInboundEmail}. */
export interface ProcessInboundEmailInput {
  /** The partner whose support mailbox received the message (first segment of the blob name). */
  partnerId: string;
  /** Name of the raw message in the `inbound-email` container. */
  blobName: string;
  /** The raw RFC 5322 message, exactly as received. */
  raw: Uint8Array;
}

/** Pseudo case id under which case-less partner notices (quarantine) are logged in the NotificationLog. */
export const INBOUND_NOTICE_SCOPE = "_inbound-email";
/** Longest reply excerpt put in the case inbox and timeline (CaseActionSchema: 8000). */
export const MAX_EXCERPT_CHARS = 8000;

function sha(value: string, length = 16): string {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, length);
}

function lastSegment(blobName: string): string {
  return blobName.slice(blobName.lastIndexOf("/") + 1);
}

/** A safe blob name segment of a file name (keeps letters of any script, digits, dot, dash, underscore). */
function safeSegment(name: string): string {
  return name.replace(/[^\p{L}\p{N}._-]+/gu, "_").replace(/^\.+/, "_").slice(0, 120) || "file";
}

/** A quarantine verdict: the parser's, or the intake's own (`processing-failed`). */
type QuarantineVerdict = Omit<Quarantine, "reason"> & { reason: QuarantineReason };

/**
 * Copies the message to the quarantine container, lists it, and tells the partner.
 * @param notice - `required` (default): a failing partner email fails the call (the caller
 *   retries; the email is logged per key, so it goes out once); `best-effort`: the quarantine
 *   stands even when the email cannot be sent (the failure is returned in `noticeFailed`).
 */
async function quarantineMessage(deps: InboundEmailDeps, partner: Partner, input: ProcessInboundEmailInput, verdict: QuarantineVerdict, intakeKey: string, notice: "required" | "best-effort" = "required"): Promise<InboundEmailOutcome & { noticeFailed?: unknown }> {
  const quarantinedAt = deps.clock.now().toISOString();
  const blobName = `${partner.id}/${lastSegment(input.blobName)}`;
  await deps.blobs.putQuarantine(blobName, input.raw, { reason: verdict.reason, detail: verdict.detail, messageid: verdict.messageId, sourceblob: input.blobName });
  await deps.inboundLog.recordQuarantine(partner.id, {
    intakeKey,
    blobName,
    sourceBlobName: input.blobName,
    reason: verdict.reason,
    detail: verdict.detail,
    messageId: verdict.messageId,
    sizeBytes: verdict.sizeBytes,
    ...(verdict.from ? { from: verdict.from } : {}),
    ...(verdict.subject !== undefined ? { subject: verdict.subject } : {}),
    quarantinedAt,
  });
  const lines = [
    `An email to your support mailbox could not be turned into a support request and was quarantined.`,
    ``,
    `Reason: ${verdict.reason} (${verdict.detail})`,
    `From: ${verdict.from ?? "(unreadable)"}`,
    `Subject: ${verdict.subject ?? "(unreadable)"}`,
    `Message-ID: ${verdict.messageId}`,
    `Size: ${verdict.sizeBytes} bytes`,
    ``,
    `The message is kept as ${blobName} in the inbound-email-quarantine container and listed at GET /api/partners/${partner.id}/inbound-email/quarantine.`,
  ];
  const send = (): Promise<void> => notifyPartnerWithoutCase(deps, partner, { scope: INBOUND_NOTICE_SCOPE, idPrefix: "inbound", key: `quarantine.${sha(intakeKey)}`, subject: `Inbound email quarantined (${verdict.reason}): ${verdict.subject ?? verdict.messageId}`.slice(0, 250), text: lines.join("\n") });
  const outcome = { kind: "quarantine" as const, reason: verdict.reason, detail: verdict.detail };
  if (notice === "required") {
    await send();
    return outcome;
  }
  try {
    await send();
    return outcome;
  } catch (e) {
    return { ...outcome, noticeFailed: e };
  }
}

/**
 * Quarantines a message the intake gave up on, as `processing-failed`: the raw bytes are copied to
 * `inbound-email-quarantine`, the message is listed at `GET …/inbound-email/quarantine` with
 * `detail` (what kept failing), and the partner is emailed (best effort: the quarantine stands when
 * the email cannot be sent either). Nothing is recorded as processed, so writing the blob again
 * (same name, new ETag) makes the blob trigger process it afresh once the cause is fixed.
 * Idempotent (the copy overwrites, the listing and the email are keyed by the message).
 * @param deps - as {@link processInboundEmail}.
 * @param input - partner, blob name and raw bytes of the message.
 * @param detail - what failed, for the partner (e.g. `service-unavailable: … (12 attempts over 24 h)`).
 * @returns the quarantine outcome, with `noticeFailed` (the error) when the partner's email failed;
 *   `ignored` when the partner is not registered (copied under `_unknown-partner/`, as the intake does).
 * @throws Error when storage fails.
 */
export async function quarantineUnprocessable(deps: InboundEmailDeps, input: ProcessInboundEmailInput, detail: string): Promise<InboundEmailOutcome & { noticeFailed?: unknown }> {
  let parsed: ParseMessageResult;
  try {
    parsed = await parseMessage(input.raw, { maxBytes: deps.limits.maxBytes, maxAttachmentBytes: deps.limits.maxAttachmentBytes });
  } catch {
    // The parser answers every input with a verdict; should it ever throw, the raw bytes still identify the message.
    const contentHash = createHash("sha256").update(input.raw).digest("hex");
    parsed = { kind: "quarantine", reason: "malformed", detail, messageId: syntheticMessageId(input.raw), messageIdSource: "synthetic", sizeBytes: input.raw.byteLength, contentHash };
  }
  const partner = await deps.partners.getPartner(input.partnerId);
  if (!partner) {
    await deps.blobs.putQuarantine(`_unknown-partner/${input.blobName}`, input.raw, { reason: "unknown-partner", detail: `no partner ${input.partnerId}`, messageid: parsed.messageId, sourceblob: input.blobName });
    return { kind: "ignored", reason: `unknown partner ${input.partnerId}` };
  }
  const verdict: QuarantineVerdict = {
    kind: "quarantine",
    reason: "processing-failed",
    detail,
    messageId: parsed.messageId,
    messageIdSource: parsed.messageIdSource,
    sizeBytes: input.raw.byteLength,
    contentHash: parsed.contentHash,
  };
  const from = isQuarantine(parsed) ? parsed.from : parsed.from.address;
  const subject = isQuarantine(parsed) ? parsed.subject : parsed.subjectDecodable ? parsed.subject : UNDECODABLE_SUBJECT_TITLE;
  if (from) verdict.from = from;
  if (subject !== undefined) verdict.subject = subject;
  return quarantineMessage(deps, partner, input, verdict, intakeKeyOf(parsed.messageId, parsed.contentHash), "best-effort");
}

async function storeAttachments(deps: InboundEmailDeps, partnerId: string, caseId: string, msg: IntakeMessage, receivedAt: string): Promise<CaseAttachment[]> {
  const folder = `${partnerId}/${caseId}/${sha(msg.intakeKey)}`;
  const out: CaseAttachment[] = [];
  for (const [i, a] of msg.attachments.entries()) {
    const base: CaseAttachment = { filename: a.filename, contentType: a.contentType, sizeBytes: a.size, inline: a.inline, messageId: msg.messageId, receivedAt, ...(a.contentId ? { contentId: a.contentId } : {}) };
    if (a.omitted) {
      out.push({ ...base, omitted: a.omitted });
      continue;
    }
    const blobName = `${folder}/${i + 1}-${safeSegment(a.filename)}`;
    await deps.blobs.putAttachment(blobName, a.content, a.contentType);
    out.push({ ...base, blobName });
  }
  await deps.inboundLog.recordAttachments(partnerId, caseId, out);
  return out;
}

/** Attachments that are mail-system parts of a report, not the customer's files. */
function customerAttachments(list: readonly ParsedAttachment[]): ParsedAttachment[] {
  return list.filter((a) => !["message/delivery-status", "message/global-delivery-status", "text/rfc822-headers"].includes(a.contentType));
}

async function existingCase(deps: InboundEmailDeps, partnerId: string, caseId: string | undefined): Promise<SupportRequest | undefined> {
  return caseId ? deps.cases.getCase(partnerId, caseId) : undefined;
}

async function recordNoise(
  deps: InboundEmailDeps,
  partner: Partner,
  input: ProcessInboundEmailInput,
  msg: IntakeMessage,
  kind: "auto-reply" | "own-notification" | "bounce",
  marker: string,
  caseId: string | undefined,
  bounce?: { permanent: boolean; failedRecipients: string[]; status?: string },
): Promise<void> {
  const receivedAt = deps.clock.now().toISOString();
  await deps.inboundLog.recordIgnored(partner.id, {
    messageId: msg.messageId,
    intakeKey: msg.intakeKey,
    kind,
    marker,
    from: msg.from.address,
    subject: msg.subject,
    ...(caseId ? { caseId } : {}),
    blobName: input.blobName,
    receivedAt,
    ...(bounce ? { bounce } : {}),
  });
  if (caseId && kind !== "bounce") {
    await deps.cases.appendTimeline(partner.id, caseId, {
      entryId: `email-ignored-${sha(msg.intakeKey)}`,
      kind: "email-received",
      at: receivedAt,
      summary: kind === "auto-reply" ? `Automatic reply from ${msg.from.address} recorded; it does not count as the customer's response` : `Our own notification came back (${msg.from.address}); ignored`,
      details: { messageId: msg.messageId, from: msg.from.address, subject: msg.subject, kind, marker, blobName: input.blobName },
    });
  }
}

async function handleBounce(deps: InboundEmailDeps, partner: Partner, input: ProcessInboundEmailInput, msg: IntakeMessage, verdict: Extract<ReturnType<typeof classifyAutomated>, { kind: "bounce" }>): Promise<InboundEmailOutcome> {
  const candidates = new Set<string>();
  if (verdict.caseId) candidates.add(verdict.caseId);
  if (verdict.originalMessageId) {
    const known = await deps.messageIndex.findByMessageId(partner.id, verdict.originalMessageId);
    if (known) candidates.add(known.caseId);
  }
  const caseIds: string[] = [];
  for (const id of candidates) if (await existingCase(deps, partner.id, id)) caseIds.push(id);
  const at = deps.clock.now().toISOString();
  const detail = { permanent: verdict.permanent, failedRecipients: verdict.failedRecipients, ...(verdict.status ? { status: verdict.status } : {}) };
  await recordNoise(deps, partner, input, msg, "bounce", verdict.marker, caseIds[0], detail);
  for (const caseId of caseIds) {
    const entry: TimelineEntry = {
      entryId: `email-bounce-${sha(msg.intakeKey)}`,
      kind: "email-received",
      at,
      summary: verdict.permanent
        ? `Delivery failed permanently (${verdict.status ?? "5.x.x"}) for ${verdict.failedRecipients.join(", ") || "a recipient"}; no more emails go to ${verdict.failedRecipients.length === 1 ? "that address" : "those addresses"}`
        : `Delivery delayed or failed temporarily (${verdict.status ?? "4.x.x"}) for ${verdict.failedRecipients.join(", ") || "a recipient"}`,
      details: { messageId: msg.messageId, originalMessageId: verdict.originalMessageId, ...detail, blobName: input.blobName },
    };
    if (verdict.permanent && verdict.failedRecipients.length > 0) {
      await deps.cases.updateCase(partner.id, caseId, entry, (current) => {
        const known = new Set((current.undeliverableEmails ?? []).map((u) => u.address.toLowerCase()));
        const added = verdict.failedRecipients.filter((a) => !known.has(a.toLowerCase())).map((address) => ({ address, at, ...(verdict.status ? { status: verdict.status } : {}), messageId: msg.messageId }));
        return added.length ? { ...current, undeliverableEmails: [...(current.undeliverableEmails ?? []), ...added] } : undefined;
      });
      await deps.cases.appendTimeline(partner.id, caseId, entry);
      await createNotifyPartner(deps)({
        partnerId: partner.id,
        caseId,
        notificationKey: `bounce.${sha(msg.intakeKey)}`,
        subject: `Customer email undeliverable: ${verdict.failedRecipients.join(", ")}`,
        text: [
          `An email about case ${caseId} bounced permanently (${verdict.status ?? "5.x.x"}).`,
          `Undeliverable: ${verdict.failedRecipients.join(", ")}`,
          `No further status emails go to ${verdict.failedRecipients.length === 1 ? "this address" : "these addresses"}. Please contact the customer another way and correct the address.`,
        ].join("\n"),
      });
    } else {
      await deps.cases.appendTimeline(partner.id, caseId, entry);
    }
  }
  return { kind: "bounce", permanent: verdict.permanent, failedRecipients: verdict.failedRecipients, caseIds, ...(verdict.status ? { status: verdict.status } : {}) };
}

async function handleReply(deps: InboundEmailDeps, partner: Partner, input: ProcessInboundEmailInput, msg: IntakeMessage, match: { caseId: string; via: "in-reply-to" | "references" | "subject-token"; senderIsCustomer: boolean }): Promise<InboundEmailOutcome> {
  const receivedAt = deps.clock.now().toISOString();
  const text = stripQuotedReply(msg.text);
  const excerpt = truncateText(normalizeText(text), MAX_EXCERPT_CHARS);
  const attachments = await storeAttachments(deps, partner.id, match.caseId, { ...msg, attachments: customerAttachments(msg.attachments) }, receivedAt);
  await recordCustomerReply(deps, partner.id, match.caseId, {
    entryId: `email-reply-${sha(msg.intakeKey)}`,
    receivedAt,
    summary: `${match.senderIsCustomer ? "The customer" : msg.from.address} replied by email`,
    excerpt,
    messageId: msg.messageId,
    from: msg.from.address,
    details: { subject: msg.subject, via: match.via, senderIsCustomer: match.senderIsCustomer, attachments: attachments.length, blobName: input.blobName },
  });
  return { kind: "reply", caseId: match.caseId, via: match.via };
}

function titleOf(subject: string): string {
  const t = normalizeText(subject).replace(/\s+/g, " ").trim();
  return truncateText(t.length >= 3 ? t : `Email request${t ? `: ${t}` : ""}`, 200);
}

async function handleNew(deps: InboundEmailDeps, partner: Partner, input: ProcessInboundEmailInput, msg: IntakeMessage, refusedCaseToken: string | undefined): Promise<InboundEmailOutcome & { language?: LanguageDecision }> {
  const now = deps.clock.now();
  const createdAt = now.toISOString();
  const body = isForwardedSubject(msg.subject) ? msg.text.trim() : stripQuotedReply(msg.text);
  // The request's text is normalised as the webhook's is (shared/contracts/text.ts): well-formed, NFC, no control characters.
  const description = truncateText(normalizeText(body).trim() || "(the email has no text)", 32000);
  const subject = msg.subjectDecodable ? msg.subject : "";
  const classification = classifyRequest({ subject, text: body });
  const found = msg.from.address ? await lookupCustomer(deps, partner, msg.from.address) : { match: "unknown" as const, entry: undefined };
  // The customer directory's language wins; else a confident guess of a served language; else the partner's default.
  const language = await decideLanguage({ ...(found.entry ? { directoryLanguage: found.entry.language } : {}), partnerDefault: partner.defaultLanguage ?? "en", text: `${subject}\n${body}` });
  const needsVerification = found.match === "unknown";
  // A sender the app cannot mail gets no acknowledgement attempt (and no status email: undeliverableEmails).
  const undeliverable = !msg.senderMailable;
  const ack = !undeliverable && deps.limits.ackMaxPerHour > 0 && (await deps.inboundLog.takeAcknowledgement(partner.id, msg.from.address, msg.intakeKey, now, deps.limits.ackMaxPerHour));
  const contactName = msg.from.name ? truncateText(normalizeText(msg.from.name).trim(), 200) : "";
  const customer = {
    tenantId: found.entry?.tenantId ?? PLACEHOLDER_TENANT_ID,
    name: truncateText(normalizeText(found.entry?.name ?? (msg.from.address.split("@")[1] || msg.from.address || "unknown sender")).trim() || "unknown sender", 200),
    email: msg.from.address,
    preferredLanguage: language.language,
    ...(contactName ? { contactName } : {}),
  };
  const first: TimelineEntry = {
    entryId: "received",
    kind: "status-changed",
    at: createdAt,
    toStatus: "received",
    summary: "Support request received by email",
    details: {
      channel: "email",
      messageId: msg.messageId,
      from: msg.from.address,
      customerMatch: found.match,
      language: language.language,
      languageSource: language.source,
      ...(needsVerification ? { needsVerification } : {}),
      ...(ack ? {} : { acknowledgementSuppressed: true }),
      ...(undeliverable ? { undeliverable: true } : {}),
      blobName: input.blobName,
    },
  };
  const gen = deps.generateCaseId ?? defaultGenerateCaseId;
  // The processing key is the delivery id: a replay (or a retry after a crash) finds the stored case.
  const deliveryId = `email:${msg.intakeKey}`;
  for (let attempt = 1; ; attempt++) {
    const caseId = gen(now);
    const sr: SupportRequest = {
      caseId,
      partnerId: partner.id,
      channel: "email",
      customer,
      product: classification.product,
      category: classification.category,
      severity: classification.severity,
      title: msg.subjectDecodable ? titleOf(msg.subject) : UNDECODABLE_SUBJECT_TITLE,
      description,
      status: "received",
      createdAt,
      updatedAt: createdAt,
      ...(needsVerification ? { needsVerification: true } : {}),
      ...(ack ? {} : { acknowledgementSuppressed: true }),
      ...(undeliverable ? { undeliverableEmails: [{ address: msg.from.address, at: createdAt, status: "invalid-address", messageId: msg.messageId }] } : {}),
      inboundEmail: {
        messageId: msg.messageId,
        messageIdSource: msg.messageIdSource,
        from: msg.from.address,
        subject: msg.subject,
        receivedAt: createdAt,
        blobName: input.blobName,
        customerMatch: found.match,
        classifiedBy: classification.matched,
        senderSource: msg.senderSource,
        language,
        ...(undeliverable ? { undeliverable: true } : {}),
        ...(msg.subjectDecodable ? {} : { subjectUndecodable: true }),
        ...(refusedCaseToken ? { refusedCaseToken } : {}),
      },
    };
    let stored = caseId;
    let storedCase: SupportRequest = sr;
    try {
      await deps.cases.createCase(sr, first, { deliveryId });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === "CaseAlreadyExists" && attempt < 5) continue;
      if (code !== "DeliveryAlreadyRecorded") throw e;
      stored = (e as { caseId: string }).caseId;
      storedCase = (await deps.cases.getCase(partner.id, stored)) ?? sr;
    }
    await storeAttachments(deps, partner.id, stored, { ...msg, attachments: customerAttachments(msg.attachments) }, createdAt);
    // A case this call created has no instance yet (none is looked up), its orchestration starts
    // from the facts just stored, and its inbox is empty.
    if (stored === caseId) deps.inbox.noteNewCase(partner.id, stored);
    const caseContext = stored === caseId ? newCaseContext(sr, partner) : undefined;
    await startCaseWorkflow(deps, stored, partner.id, stored === caseId ? { newCase: true, ...(caseContext ? { caseContext } : {}) } : {});
    return { kind: "new", caseId: stored, needsVerification: storedCase.needsVerification === true, acknowledgementSuppressed: storedCase.acknowledgementSuppressed === true, language: storedCase.inboundEmail?.language ?? language };
  }
}

function flagsOf(msg: ParsedMessage | undefined, outcome: InboundEmailOutcome): InboundLogFlag[] {
  const flags: InboundLogFlag[] = [];
  if (msg && msg.senderSource !== "none" && !msg.senderMailable && outcome.kind === "new") flags.push("undeliverable-sender");
  if (msg && !msg.subjectDecodable) flags.push("subject-undecodable");
  if (msg && msg.charsetRepairs.length > 0) flags.push("charset-repaired");
  if (outcome.kind === "new" && outcome.acknowledgementSuppressed) flags.push("acknowledgement-suppressed");
  if (outcome.kind === "new" && outcome.needsVerification) flags.push("needs-verification");
  return flags;
}

/** The inbound log entry of one delivery. */
function logEntryOf(input: ProcessInboundEmailInput, parsed: Awaited<ReturnType<typeof parseMessage>>, intakeKey: string, outcome: InboundEmailOutcome, at: string, extra: { duplicateOf?: string; language?: LanguageDecision } = {}): InboundLogEntry {
  const msg = isQuarantine(parsed) ? undefined : parsed;
  const subject = msg ? (msg.subjectDecodable ? msg.subject : UNDECODABLE_SUBJECT_TITLE) : (parsed as Quarantine).subject ?? "";
  const entry: InboundLogEntry = {
    blobName: input.blobName,
    receivedAt: at,
    messageId: parsed.messageId,
    intakeKey,
    contentHash: parsed.contentHash,
    outcome: outcome.kind === "ignored" ? "quarantine" : extra.duplicateOf !== undefined ? "duplicate" : outcome.kind,
    from: msg ? msg.from.address : ((parsed as Quarantine).from ?? ""),
    subject: subject.slice(0, 500),
    flags: flagsOf(msg, outcome),
  };
  if (msg) entry.senderSource = msg.senderSource;
  if ("caseId" in outcome && outcome.caseId) entry.caseId = outcome.caseId;
  else if (outcome.kind === "bounce" && outcome.caseIds[0]) entry.caseId = outcome.caseIds[0];
  if (outcome.kind === "auto-reply" || outcome.kind === "own-notification") entry.reason = outcome.marker;
  if (outcome.kind === "quarantine") {
    entry.reason = outcome.reason;
    entry.detail = outcome.detail;
  }
  if (outcome.kind === "bounce") entry.detail = `${outcome.permanent ? "permanent" : "transient"}${outcome.status ? ` ${outcome.status}` : ""}${outcome.failedRecipients.length ? `: ${outcome.failedRecipients.join(", ")}` : ""}`;
  if (extra.duplicateOf !== undefined) entry.duplicateOf = extra.duplicateOf;
  if (extra.language) entry.language = extra.language;
  return entry;
}

/**
 * Processes one raw inbound message of a partner's mailbox (see the module comment).
 *
 * Every delivery ends in exactly one inbound log entry (`listLog`): new, reply, auto-reply, bounce,
 * own-notification, duplicate or quarantine. The first delivery of a content claims it (`claim`,
 * keyed by Message-ID and content hash); another delivery of the same content is a `duplicate`
 * and changes nothing; a different content under a Message-ID already seen is processed on its own
 * and every delivery of that Message-ID is flagged `message-id-reused` (checked after the entry is
 * written, so whichever of two concurrent deliveries looks last flags both).
 * @param deps - ports, the workflow of this invocation and the limits.
 * @param input - partner, blob name and raw bytes.
 * @returns the Message-ID, where the message landed, and whether it was a replay (`duplicate`:
 *   nothing changed; `outcome` is the first delivery's, or `{kind: "duplicate"}` while that one is
 *   still being processed). A message for an unknown partner is quarantined under that id and `ignored`.
 * @throws Error when storage, the mail provider or the Durable client fails (the caller retries:
 *   every step is idempotent).
 */
export async function processInboundEmail(deps: InboundEmailDeps, input: ProcessInboundEmailInput): Promise<ProcessInboundEmailResult> {
  const parsed = await parseMessage(input.raw, { maxBytes: deps.limits.maxBytes, maxAttachmentBytes: deps.limits.maxAttachmentBytes });
  const partner = await deps.partners.getPartner(input.partnerId);
  if (!partner) {
    await deps.blobs.putQuarantine(`_unknown-partner/${input.blobName}`, input.raw, { reason: "unknown-partner", detail: `no partner ${input.partnerId}`, messageid: parsed.messageId, sourceblob: input.blobName });
    return { messageId: parsed.messageId, outcome: { kind: "ignored", reason: `unknown partner ${input.partnerId}` }, duplicate: false };
  }
  const intakeKey = intakeKeyOf(parsed.messageId, parsed.contentHash);
  const claimedAt = deps.clock.now().toISOString();
  const claim = await deps.inboundLog.claim(partner.id, { messageId: parsed.messageId, intakeKey, contentHash: parsed.contentHash, blobName: input.blobName, at: claimedAt });
  const prior = await deps.inboundLog.getProcessed(partner.id, intakeKey);
  if (claim.owner !== input.blobName || prior) {
    // The same content again: nothing changes; the delivery is still logged.
    const outcome: InboundEmailOutcome = prior?.outcome ?? { kind: "duplicate", duplicateOf: claim.owner };
    const duplicateOf = claim.owner !== input.blobName ? claim.owner : undefined;
    // Idempotent per blob: a retry of the first delivery after a crash writes its missing entry.
    await deps.inboundLog.recordLogEntry(partner.id, logEntryOf(input, parsed, intakeKey, outcome, claimedAt, duplicateOf !== undefined ? { duplicateOf } : {}));
    await flagReusedMessageId(deps, partner.id, parsed.messageId);
    return { messageId: parsed.messageId, outcome, duplicate: true };
  }

  let outcome: InboundEmailOutcome;
  let language: LanguageDecision | undefined;
  if (isQuarantine(parsed)) outcome = await quarantineMessage(deps, partner, input, parsed, intakeKey);
  else {
    const msg: IntakeMessage = { ...parsed, intakeKey };
    const ownDomains = ownSenderDomains(partner.senderEmail, deps.senderPolicy ?? { linkedDomains: [] });
    const context: AutomatedContext = { subject: msg.subject, ownDomains, text: msg.text };
    if (msg.deliveryStatus !== undefined) context.deliveryStatus = msg.deliveryStatus;
    if (msg.returnedHeaders !== undefined) context.returnedHeaders = msg.returnedHeaders;
    const verdict = classifyAutomated(msg.headers, msg.from, context);
    const lookups: ReplyLookups = {
      ownDomains,
      findCaseByOutboundMessageId: async (id) => (await deps.messageIndex.findByMessageId(partner.id, id))?.caseId,
      caseCustomerEmail: async (caseId) => (await deps.cases.getCase(partner.id, caseId))?.customer.email,
    };
    if (verdict.kind === "bounce") outcome = await handleBounce(deps, partner, input, msg, verdict);
    else if (verdict.kind === "own-notification" || verdict.kind === "auto-reply") {
      // Auto-replies carry In-Reply-To of our notification: find the case for the record, never as a reply.
      let caseId = verdict.kind === "own-notification" ? verdict.caseId : undefined;
      if (!caseId) {
        const m = await matchReply({ ...msg, subject: "" }, lookups);
        if (m.kind === "reply") caseId = m.caseId;
      }
      if (!(await existingCase(deps, partner.id, caseId))) caseId = undefined;
      await recordNoise(deps, partner, input, msg, verdict.kind, verdict.marker, caseId);
      outcome = { kind: verdict.kind, marker: verdict.marker, ...(caseId ? { caseId } : {}) };
    } else if (msg.senderSource === "none") {
      // A person's message with no address anywhere: nobody to answer; quarantined, partner told.
      outcome = await quarantineMessage(deps, partner, input, senderlessQuarantine(msg), intakeKey);
    } else {
      const match = await matchReply(msg, lookups);
      if (match.kind === "reply") outcome = await handleReply(deps, partner, input, msg, match);
      else {
        const created = await handleNew(deps, partner, input, msg, match.refusedCaseToken);
        const { language: decided, ...rest } = created;
        language = decided;
        outcome = rest as InboundEmailOutcome;
      }
    }
  }
  const processedAt = deps.clock.now().toISOString();
  await deps.inboundLog.recordProcessed(partner.id, { messageId: parsed.messageId, intakeKey, outcome, blobName: input.blobName, processedAt });
  await deps.inboundLog.recordLogEntry(partner.id, logEntryOf(input, parsed, intakeKey, outcome, processedAt, language ? { language } : {}));
  await flagReusedMessageId(deps, partner.id, parsed.messageId);
  return { messageId: parsed.messageId, outcome, duplicate: false };
}

/** Flags every logged delivery of a Message-ID when different contents were claimed under it. */
async function flagReusedMessageId(deps: InboundEmailDeps, partnerId: string, messageId: string): Promise<void> {
  const hashes = await deps.inboundLog.contentHashesOf(partnerId, messageId);
  if (hashes.length > 1) await deps.inboundLog.flagMessageId(partnerId, messageId, "message-id-reused");
}
