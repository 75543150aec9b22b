/**
 * Ports: what the services need from the outside world, named after what they do. Adapters in
 * shared/adapters implement them (Table Storage, ACS Email, SMTP, Durable client).
 */
import type {
  AuditEntry,
  CaseContext,
  CaseFact,
  DayAggregate,
  ReportGrouping,
  ReportSeries,
  Fault,
  WorkflowState,
  Actor,
  CaseAction,
  CaseActionRecord,
  CaseAttachment,
  CustomerDirectoryEntry,
  IgnoredEmail,
  InboundEmailOutcome,
  InboundLogEntry,
  InboundLogFlag,
  InboundLogOutcome,
  QuarantinedEmail,
  CaseStatus,
  Role,
  SupportRequestOrchestrationInput,
  ConsumeProductSupportIncidentResult,
  MicrosoftServiceRequestPayload,
  Partner,
  PartnerDefinition,
  RecordTransitionInput,
  SlaEvent,
  SupportRequest,
  TimelineEntry,
} from "../contracts";

/** One page of a listing; `continuationToken` is opaque and absent on the last page. */
export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

/**
 * Filters of {@link CaseRepository.searchCases}, every one optional. Applied in the Table
 * Storage query on the listing row's columns (status, severity, category, product, channel,
 * customer tenant id / lower-cased email, SLA health) and RowKey range (created range); rows shared
 * with an indirect provider are re-checked in memory against the live case.
 */
export interface CaseFilter {
  status?: CaseStatus;
  severity?: SupportRequest["severity"];
  category?: SupportRequest["category"];
  product?: SupportRequest["product"];
  channel?: SupportRequest["channel"];
  /** Tenant id (GUID) or customer email (case-insensitive). */
  customer?: string;
  /** `breached` or `at-risk` ({@link SupportRequest.slaHealth}). */
  sla?: "at-risk" | "breached";
  /** A workflow state ({@link SupportRequest.workflow}), or `attention`: any state but running. */
  workflow?: WorkflowFilter;
  /** ISO 8601 instant, inclusive. */
  createdFrom?: string;
  /** ISO 8601 instant, exclusive. */
  createdTo?: string;
}

/** Values of the `workflow` list filter: a workflow state other than running, or `attention` (any of them). */
export type WorkflowFilter = Exclude<WorkflowState, "running"> | "attention";

/** Options of {@link CaseRepository.listCases}. */
export interface ListCasesOptions {
  /** Page size, 1–100; default 25. */
  limit?: number;
  /** Token from the previous page. */
  continuationToken?: string;
  /**
   * Whether the cases of resellers shared with the partner as their indirect provider are
   * included (default true). False when the caller knows the partner is not an indirect provider
   * (only a provider is shared cases): they are left out, and the provider-share range is not read.
   */
  withShares?: boolean;
}

/**
 * One API key of a partner (never the key itself): its SHA-256, the first 8 characters
 * for recognition, the Partner Center role it acts with, and its life (created, last used,
 * revoked). Revoked keys stay listed and answer 401.
 */
export interface ApiKeyRecord {
  /** Stable id (`key_` + 16 hex), used in `DELETE …/api-keys/{keyId}`. */
  keyId: string;
  /** SHA-256 (hex, 64 characters) of the key. */
  hash: string;
  /** First 8 characters of the key (`csp_` + 4); `csp_····` for keys migrated from the hash-only record. */
  prefix: string;
  role: Role;
  /** Human name ("Registration key", "Helpdesk laptop"). */
  name: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** ISO 8601 UTC of the last authenticated use (updated at most once a minute per key and instance). */
  lastUsedAt?: string;
  /** ISO 8601 UTC; set once revoked. */
  revokedAt?: string;
}

/** Stored hashes and metadata of a partner's credentials. */
export interface PartnerCredentialRecord {
  /**
   * Webhook signing secrets (`whsec_…`), newest first; several during rotation. HMAC needs them in
   * clear, so they are stored envelope-encrypted ({@link SecretSealer}) and decrypted on read.
   */
  webhookSecrets: string[];
  /**
   * SHA-256 (hex) of each valid (not revoked) API key. The first shape: on write, used only when
   * `apiKeys` is absent (each hash becomes a global-admin key); on read, derived from `apiKeys`.
   */
  apiKeyHashes: string[];
  /** Every API key with its role, revoked ones included. Older rows read as global-admin keys. */
  apiKeys?: ApiKeyRecord[];
}

/** A data encryption key wrapped by a key encryption key (KEK), with the KEK that wrapped it. */
export interface WrappedKey {
  /**
   * Which KEK wrapped it: `local:<id>` for a key from settings, or the versioned Key Vault key id
   * (`https://<vault>.vault.azure.net/keys/<name>/<version>`).
   */
  kekId: string;
  /** The wrapped key bytes. */
  wrapped: Uint8Array;
}

/**
 * Key encryption keys (KEKs) that wrap and unwrap data encryption keys: Azure Key Vault in Azure
 * (`wrapKey`/`unwrapKey`, the key never leaves the vault), keys from settings locally.
 */
export interface KeyEncryptionKeys {
  /** Wraps a 32-byte data key with the current KEK. @throws Error when the KEK is unavailable. */
  wrapKey(dataKey: Uint8Array): Promise<WrappedKey>;
  /** Unwraps with the KEK named by `kekId` (current or older). @throws Error when that KEK is unknown or refuses. */
  unwrapKey(key: WrappedKey): Promise<Uint8Array>;
  /** Id of the KEK new wraps use (for rewrapping after a rotation). @throws Error when the KEK is unavailable. */
  currentKekId(): Promise<string>;
}

/** Seals secrets for storage (envelope encryption) and opens them again. */
export interface SecretSealer {
  /**
   * Encrypts `plaintext` under a fresh data key wrapped by the current KEK.
   * @param context - what the secret belongs to (e.g. `partner:<id>:webhook-secrets`); bound to the
   *   ciphertext as associated data, so a sealed value copied elsewhere does not open.
   * @returns the envelope as a string (JSON), safe to store.
   */
  seal(plaintext: string, context: string): Promise<string>;
  /** Decrypts an envelope of {@link SecretSealer.seal}. @throws Error when it was tampered with, moved or its KEK is unknown. */
  open(envelope: string, context: string): Promise<string>;
  /** Whether the envelope was wrapped by another KEK than the current one (rewrap it after a rotation). */
  needsRewrap(envelope: string): Promise<boolean>;
}

/** The audit log (Table Storage), newest first per partner. */
export interface AuditLog {
  /** Appends an entry. @throws Error when storage fails. */
  record(entry: AuditEntry): Promise<void>;
  /**
   * A page of a partner's entries, newest first, optionally within [from, to) (ISO 8601).
   * @throws RangeError when `limit` is not an integer from 1 to 100 (no `code`).
   * @throws RangeError (`code` `InvalidContinuationToken`) for a token this log did not issue.
   */
  list(partnerId: string, options?: { from?: string; to?: string; limit?: number; continuationToken?: string }): Promise<{ items: AuditEntry[]; continuationToken?: string }>;
  /** Deletes every entry older than `cutoff` (ISO 8601), all partners. @returns how many. @throws Error when storage fails. */
  purgeBefore(cutoff: string): Promise<number>;
}

/** A closed request due for erasure of its personal data (see {@link CaseRepository.listErasableCases}). */
export interface ErasableCase {
  caseId: string;
  /** ISO 8601 UTC instant it was closed (`closedAt`, or `updatedAt` on rows from before that field). */
  closedAt: string;
}

/** Partners as data (Table Storage). */
export interface PartnerRepository {
  /**
   * Creates or replaces a partner and its credential record.
   * @throws Error when storage fails.
   */
  upsertPartner(definition: PartnerDefinition, credentials: PartnerCredentialRecord): Promise<Partner>;
  /** The partner, or undefined when unknown. */
  getPartner(partnerId: string): Promise<Partner | undefined>;
  /** Credential record of a partner, or undefined when unknown. */
  getCredentials(partnerId: string): Promise<PartnerCredentialRecord | undefined>;
  /**
   * The partner and its credential record from one read (the signed webhook needs both: the
   * secrets to verify, the partner to create the case), or undefined when unknown.
   */
  getPartnerWithCredentials(partnerId: string): Promise<{ partner: Partner; credentials: PartnerCredentialRecord } | undefined>;
  /** Every partner (small: a partner count, not a case count). */
  listPartners(): Promise<Partner[]>;
  /**
   * The id of the partner holding an API key with this SHA-256 (hex) hash, or undefined. Lets the
   * partner API answer 404 rather than 401 to a valid key used on another partner's URL (OWASP API1).
   */
  findPartnerIdByApiKeyHash(apiKeyHash: string): Promise<string | undefined>;
  /**
   * Adds an API key to the partner's credential record (ETag-guarded read-modify-write of
   * the partner row, so concurrent changes are not lost) and its lookup index row.
   * @throws Error when the partner does not exist or storage fails.
   */
  addApiKey(partnerId: string, key: ApiKeyRecord): Promise<void>;
  /**
   * Marks a key revoked (ETag-guarded); a key revoked before keeps its first `revokedAt`.
   * @returns the key after the change, or undefined when the partner has no such key.
   */
  revokeApiKey(partnerId: string, keyId: string, revokedAt: string): Promise<ApiKeyRecord | undefined>;
  /**
   * Records the last use of a key on its lookup index row (a merge of one property; never
   * the partner row, so authentication never contends with key management).
   */
  recordApiKeyUse(apiKeyHash: string, usedAt: string): Promise<void>;
  /** The last use of each key hash that has one (read from the lookup index rows). */
  getApiKeyUses(apiKeyHashes: readonly string[]): Promise<Map<string, string>>;
}

/**
 * A reseller's case shared with its indirect provider (CSP support rules "Who is who": an
 * indirect reseller escalates to its indirect provider). Stored in the provider's scope.
 */
export interface ProviderCaseShare {
  caseId: string;
  /** The indirect reseller that owns the case. */
  resellerPartnerId: string;
  /** The reseller's display name. */
  resellerName: string;
  /** ISO 8601 UTC instant the case was escalated to the provider. */
  sharedAt: string;
}

/** A listed case; cases shared by a reseller carry the reseller. */
export type CaseListItem = SupportRequest & { resellerPartnerId?: string; resellerName?: string };

/** Support requests and their timelines (Table Storage), always scoped by partner (OWASP API1). */
export interface CaseRepository {
  /**
   * Stores a new case with status "received" and its first timeline entry, atomically.
   * With `options.deliveryId` (the intake's webhook id) the delivery is recorded in the same
   * transaction, so one delivery never creates two cases; `options.deliveryFingerprint` (a hash
   * of the delivered payload) is recorded with it.
   * @throws CaseAlreadyExistsError (code `CaseAlreadyExists`) when the case id is taken.
   * @throws DeliveryAlreadyRecordedError (code `DeliveryAlreadyRecorded`, with the existing `caseId`
   *   and the stored `fingerprint`) when the delivery already created a case.
   */
  createCase(supportRequest: SupportRequest, firstEntry: TimelineEntry, options?: { deliveryId?: string; deliveryFingerprint?: string }): Promise<void>;
  /** The case when it belongs to the partner; undefined otherwise (never reveals other partners' cases). */
  getCase(partnerId: string, caseId: string): Promise<SupportRequest | undefined>;
  /**
   * Cases of a partner, newest first; for an indirect provider also the resellers' cases escalated
   * to it (with `resellerPartnerId` and `resellerName`, read live from the reseller's scope).
   */
  listCases(partnerId: string, options?: ListCasesOptions): Promise<Page<CaseListItem>>;
  /**
   * Shares a reseller's case with its indirect provider: index rows in the PROVIDER's scope (a
   * lookup row and a newest-first listing row, written in one transaction). Idempotent (upsert).
   * The share alone grants nothing: readers also check that the case is escalated to the provider.
   * @throws Error when storage fails.
   */
  shareWithProvider(providerId: string, supportRequest: SupportRequest, reseller: { partnerId: string; name: string }, sharedAtIso: string): Promise<void>;
  /** The share of a case with this provider, or undefined when the case was never shared with it. */
  getProviderShare(providerId: string, caseId: string): Promise<ProviderCaseShare | undefined>;
  /** Timeline of a case in chronological order. */
  listTimeline(partnerId: string, caseId: string): Promise<TimelineEntry[]>;
  /**
   * Applies a transition: appends the timeline entry (idempotent by `entryId`) and merges status
   * and patch onto the case (optimistic concurrency with ETag, retried on 412). A move to `closed`
   * sets `closedAt` to the transition's `at` (the retention period counts from it); leaving
   * `closed` removes it.
   * @returns the case after the change.
   * @throws Error when the case does not exist.
   */
  applyTransition(input: RecordTransitionInput): Promise<SupportRequest>;
  /**
   * Appends an entry without changing the case (e.g. "email-sent"); idempotent by `entryId`.
   */
  appendTimeline(partnerId: string, caseId: string, entry: TimelineEntry): Promise<void>;
  /**
   * Changes fields of a case outside the workflow (the partner's reclassification, an
   * address marked undeliverable), once per `entry.entryId`: `mutate` gets the current case and
   * returns the new one (status and ids are kept), or undefined for no change; the case row is
   * replaced with `If-Match` (retried on 412) and the entry appended.
   * @returns the case after the change (unchanged when the entry was applied before or `mutate` returned undefined).
   * @throws CaseNotFoundError when the case does not exist.
   */
  updateCase(partnerId: string, caseId: string, entry: TimelineEntry, mutate: (current: SupportRequest) => SupportRequest | undefined): Promise<SupportRequest>;
  /**
   * The partner's cases matching `filter`, newest first (as {@link listCases}, which it
   * generalises). Pages may be shorter than `limit`, even empty with a continuation token.
   * @throws InvalidContinuationTokenError / RangeError as {@link listCases}.
   */
  searchCases(partnerId: string, filter: CaseFilter, options?: ListCasesOptions): Promise<Page<CaseListItem>>;
  /**
   * How many of the partner's cases match `filter` (its `status` ignored), per status, each status
   * counted up to `capPerStatus` (default 1,000), so the cost stays bounded whatever the partner
   * holds.
   * @returns the counts, and `capped`: the statuses whose count is a lower bound (it reached the
   *   cap, or the adapter stopped reading before the end); every other count is exact.
   * @throws Error when storage fails.
   */
  countCasesByStatus(partnerId: string, filter: CaseFilter, capPerStatus?: number, options?: Pick<ListCasesOptions, "withShares">): Promise<{ byStatus: Record<CaseStatus, number>; capped: CaseStatus[] }>;
  /**
   * Changes fields of a case without a timeline entry and without touching `updatedAt`
   * (derived fields such as `slaHealth`); ETag-guarded like {@link updateCase}.
   * @returns the case after the change, or undefined when it does not exist.
   */
  patchCase(partnerId: string, caseId: string, mutate: (current: SupportRequest) => SupportRequest | undefined): Promise<SupportRequest | undefined>;
  /**
   * The partner's closed requests closed before `closedBefore` (ISO 8601) whose personal data is
   * not erased yet, at most `limit` (oldest created first). Never the indirect provider's shares.
   * @throws Error when storage fails.
   */
  listErasableCases(partnerId: string, closedBefore: string, limit: number): Promise<ErasableCase[]>;
  /**
   * Erases the customer's personal data of a closed request (shared/domain `eraseSupportRequest`,
   * `eraseTimelineEntry`): every timeline row, the indirect provider's listing copy of a shared
   * request, then the case and listing rows, marked `personalDataErasedAt` last (so a run that
   * stops half-way is completed by the next). Idempotent. A request that is not closed (reopened
   * meanwhile) is left as it is.
   * @param at - ISO 8601 UTC instant of the erasure.
   * @returns the request after the erasure (unchanged when not closed), or undefined when it does not exist.
   * @throws Error when storage fails.
   */
  erasePersonalData(partnerId: string, caseId: string, at: string): Promise<SupportRequest | undefined>;
}

/** A stored idempotent response (IETF httpapi Idempotency-Key draft). */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Result of {@link IdempotencyStore.begin}. */
export type IdempotencyBeginResult =
  | { state: "started" }
  | { state: "in-flight" }
  | { state: "completed"; response: StoredResponse }
  | { state: "mismatch" };

/**
 * Idempotency keys scoped per partner, kept at least 24 h (IETF draft, Stripe): same key and same
 * payload → the first response; different payload → mismatch (422); first still running → in-flight (409).
 */
export interface IdempotencyStore {
  /**
   * Claims a key atomically (insert-if-absent).
   * @param fingerprint - SHA-256 of method, path and body.
   */
  begin(scope: string, key: string, fingerprint: string): Promise<IdempotencyBeginResult>;
  /**
   * Stores the final response for the key (kept for the retention period from now).
   * @throws Error when the key is not claimed (never, or released meanwhile), or storage fails.
   */
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Releases a claimed key after a failure that the client may retry (5xx). */
  release(scope: string, key: string): Promise<void>;
  /**
   * Deletes keys that expired before `before` (ISO 8601), every scope, at most `limit`: a stored
   * answer may hold personal data (a reclassification answers the whole case), so none outlives its
   * 24 hours by more than a maintenance run.
   * @returns how many were deleted.
   * @throws Error when storage fails.
   */
  deleteExpired(before: string, limit: number): Promise<number>;
}

/** An email message as the product sends it. */
export interface EmailMessage {
  from: { address: string; displayName?: string };
  to: Array<{ address: string; displayName?: string }>;
  cc?: Array<{ address: string; displayName?: string }>;
  /**
   * Where replies go (`Reply-To`): on customer emails the partner's support address, so an answer
   * reaches the mailbox the email intake reads whatever address the mail was sent from. Absent: replies go to From.
   */
  replyTo?: Array<{ address: string; displayName?: string }>;
  subject: string;
  /** Plain-text part (always present). */
  text: string;
  /** HTML part with every customer-supplied value escaped. */
  html: string;
  /** RFC 5322 Message-ID, with angle brackets, e.g. `<case-…@example.com>`. */
  messageId: string;
  /** Extra headers (In-Reply-To, References, Auto-Submitted, X-Auto-Response-Suppress, …). */
  headers: Record<string, string>;
}

/** Result of sending: the provider's id for the message (ACS operation id or SMTP message id). */
export interface EmailSendResult {
  providerMessageId: string;
  /**
   * Recipients the server refused while it accepted the message for the others (SMTP `RCPT TO`
   * 5xx for some addresses); absent or empty when every recipient was accepted.
   */
  rejectedRecipients?: string[];
}

/**
 * Sends email (ACS Email in Azure, SMTP locally).
 * @throws DependencyError (shared/contracts/faults.ts) with the adapter's classification of the
 *   failure: permanent (recipient refused, message rejected) or transient (throttled with
 *   `retryAfterInMs`, unreachable, timeout, sender or credentials refused).
 */
export interface EmailSender {
  send(message: EmailMessage): Promise<EmailSendResult>;
  /** Checks the provider is reachable (health endpoint). */
  checkHealth(): Promise<void>;
  /**
   * Releases what the sender holds open (the SMTP pool's connections, their sockets ended); the next
   * send opens them again. Called when the app terminates. Optional: senders holding nothing
   * (ACS over HTTPS) leave it out.
   */
  close?(): void;
}

/**
 * Delivery state of a notification: `sent` (the provider accepted it), `pending` (a transient
 * failure; the workflow retries it with backoff), `failed` (a permanent failure, or retries gave
 * up: recorded with the reason, never retried).
 */
export type NotificationState = "sent" | "pending" | "failed";

/**
 * What the workflow asked to deliver: the activity and its input, kept with a pending
 * notification so a restarted workflow can deliver it (see shared/services/workflowRecovery.ts).
 */
export interface NotificationDelivery {
  activity: "SendStatusEmail" | "NotifyPartner";
  input: Record<string, unknown>;
}

/** A notification as recorded (once per case and notification key); `state` absent = `sent`. */
export interface SentNotification {
  caseId: string;
  notificationKey: string;
  messageId: string;
  providerMessageId: string;
  to: string[];
  subject: string;
  /** ISO 8601 UTC: when it was sent; for pending and failed ones, when that state was recorded. */
  sentAt: string;
  /** Delivery state (absent on rows written as sent). */
  state?: NotificationState;
  /** Pending or failed: the classified failure (shared/contracts/faults.ts). */
  fault?: Fault;
  /** Pending or failed: delivery attempts made so far. */
  attempts?: number;
  /** Pending: ISO 8601 UTC of the next attempt (as the workflow planned it). */
  nextAttemptAt?: string;
  /** Pending: ISO 8601 UTC of the first time it was queued or failed. */
  queuedAt?: string;
  /** Pending: what to deliver (the activity and its input). */
  delivery?: NotificationDelivery;
}

/** A case whose workflow could not be started when the case was stored ({@link UnstartedWorkflows}). */
export interface UnstartedWorkflow {
  partnerId: string;
  caseId: string;
  /** When the start failed, ISO 8601 UTC (the first failure: a later one keeps it). */
  failedAt: string;
  /** What the Durable client said. */
  reason: string;
}

/**
 * Cases stored without a running workflow: the intake stored the case, then starting its
 * orchestration failed (the Durable host unreachable) and the sender was answered 503. Written only
 * on that failure path; the recovery sweeper starts each one the sender does not send again.
 */
export interface UnstartedWorkflows {
  /** Records the case (a second record of the same case keeps the first `failedAt`). @throws Error when storage fails. */
  record(entry: UnstartedWorkflow): Promise<void>;
  /** The recorded cases, oldest failure first, at most `limit` (1–1000). @throws RangeError for a bad limit; Error when storage fails. */
  list(limit: number): Promise<UnstartedWorkflow[]>;
  /** Forgets the case (its workflow runs now, or the case is gone). Idempotent. @throws Error when storage fails. */
  remove(partnerId: string, caseId: string): Promise<void>;
}

/** A case marked as having a notification left pending by a failed delivery ({@link NotificationLog.listUndeliveredMarks}). */
export interface UndeliveredMark {
  caseId: string;
  /** ISO 8601 UTC: when the case was last marked (the last pending record). */
  markedAt: string;
  /** The mark's version as read (Table Storage ETag); a clear with an older one leaves the mark. */
  etag: string;
}

/** Outbox/log of notifications: makes sending idempotent per case and key and records failures. */
export interface NotificationLog {
  /** The notification when it was SENT, or undefined (not sent yet, pending or failed). */
  getSent(partnerId: string, caseId: string, notificationKey: string): Promise<SentNotification | undefined>;
  /** The notification in any state, or undefined when never recorded. */
  get(partnerId: string, caseId: string, notificationKey: string): Promise<SentNotification | undefined>;
  /** Records a sent notification (insert-or-replace; indexed by Message-ID for reply threading). */
  recordSent(partnerId: string, notification: SentNotification): Promise<void>;
  /**
   * Records a pending or failed notification (insert-or-replace). Never overwrites a `sent` row: a
   * late failure report of a message that went out changes nothing. A `pending` one marks its case
   * first ({@link listUndeliveredMarks}).
   */
  recordUndelivered(partnerId: string, notification: SentNotification & { state: "pending" | "failed" }): Promise<void>;
  /**
   * Claims a notification before its first delivery attempt: records it as `pending` (with what to
   * deliver, so a restarted workflow finds it) unless a notification with its key was recorded
   * before, in one conditional insert. The email activities claim instead of reading first, so a
   * new notification costs no read that is known to find nothing.
   * @returns undefined when this call recorded the claim; the notification recorded before (any
   *   state) when there is one (a rerun of the activity, or a retry).
   * @throws Error when storage fails.
   */
  claim(partnerId: string, notification: SentNotification & { state: "pending" }): Promise<SentNotification | undefined>;
  /**
   * Deletes a notification while it is `pending` — with the fault code `options.onlyCode`, when
   * given — because no delivery will follow: the email was skipped (`onlyCode` absent: whatever
   * earlier attempt left it pending), or its activity failed before sending (`onlyCode`: the
   * claim's code, so a notification pending after an earlier failure stays for its retry). A sent or
   * failed notification always stays. Idempotent.
   * @throws Error when storage fails.
   */
  dropPending(partnerId: string, caseId: string, notificationKey: string, options?: { onlyCode?: string }): Promise<void>;
  /** Every notification of a case in every state, oldest first. */
  listSent(partnerId: string, caseId: string): Promise<SentNotification[]>;
  /**
   * The partner's cases marked as having a notification left pending by a failed delivery: each
   * {@link recordUndelivered} of a `pending` notification marks its case first (one mark per case,
   * re-marked on every such record). The marks let the hourly orphaned-workflow pass find a case
   * whose emails still wait for their retry after its orchestration instance was lost — a closed
   * case is in no open-status list. Oldest mark first; `etag` identifies the mark as read.
   * @throws Error when storage fails.
   */
  listUndeliveredMarks(partnerId: string): Promise<UndeliveredMark[]>;
  /**
   * Removes a case's mark as {@link listUndeliveredMarks} read it: a mark written again since (a
   * newer pending record) stays. Idempotent; call it once the case has no pending notification.
   * @throws Error when storage fails.
   */
  clearUndeliveredMark(partnerId: string, mark: UndeliveredMark): Promise<void>;
  /**
   * Erases the personal data of a case's notifications: recipients become `erased@erased.invalid`,
   * the subject `[erased]`, a fault's message `[erased]`, a pending delivery's input is dropped; state,
   * times, attempts and ids stay. Their Message-ID index rows are deleted, so a reply to one of
   * them is no longer threaded onto the erased request. Idempotent.
   * @param options - `sentBefore`: only notifications recorded before this ISO 8601 instant (the
   *   case-less partner notices of the email intake are erased by age).
   * @returns how many notifications were erased.
   * @throws Error when storage fails.
   */
  eraseCase(partnerId: string, caseId: string, options?: { sentBefore?: string }): Promise<number>;
}

/** Looks up our sent notifications by their Message-ID (email replies are threaded against them). */
export interface NotificationMessageIndex {
  /** The notification of this partner with this Message-ID (`<…>`), or undefined. */
  findByMessageId(partnerId: string, messageId: string): Promise<{ caseId: string; notificationKey: string } | undefined>;
}

/** Raw inbound messages, their quarantine copies and case attachments (Blob Storage). */
export interface InboundEmailBlobStore {
  /**
   * Writes a raw message to the `inbound-email` container (where the blob trigger picks it up).
   * @throws Error when storage fails.
   */
  putInbound(blobName: string, raw: Uint8Array, metadata?: Record<string, string>): Promise<void>;
  /**
   * Reads a raw message from the `inbound-email` container.
   * @returns its bytes, or undefined when no such blob exists (erased, or never written).
   * @throws Error when storage fails.
   */
  getInbound(blobName: string): Promise<Uint8Array | undefined>;
  /**
   * Names of the raw messages in `inbound-email` created in `(after, until]` (the blob's creation
   * time in the store, UTC), in listing order. Lists the whole container (Blob Storage filters by
   * name prefix only): one request per 5,000 blobs.
   * @throws Error when storage fails.
   */
  listInboundCreated(after: Date, until: Date): Promise<string[]>;
  /** Copies a raw message to the `inbound-email-quarantine` container with the reason as blob metadata (overwrites: idempotent). */
  putQuarantine(blobName: string, raw: Uint8Array, metadata: Record<string, string>): Promise<void>;
  /** Stores an attachment in the `case-attachments` container (overwrites: idempotent). */
  putAttachment(blobName: string, content: Uint8Array, contentType: string): Promise<void>;
  /** Checks the blob service answers (health). */
  ping(): Promise<void>;
  /** Deletes raw messages from `inbound-email` (absent ones are skipped). @returns how many existed. @throws Error when storage fails. */
  deleteInbound(blobNames: readonly string[]): Promise<number>;
  /** Deletes quarantined copies from `inbound-email-quarantine` (absent ones are skipped). @returns how many existed. @throws Error when storage fails. */
  deleteQuarantine(blobNames: readonly string[]): Promise<number>;
  /** Deletes every attachment of a case (`case-attachments/<partnerId>/<caseId>/…`). @returns how many. @throws Error when storage fails. */
  deleteCaseAttachments(partnerId: string, caseId: string): Promise<number>;
}

/**
 * Where the email intake puts an inbound message back for a later attempt: the blob trigger's
 * poison queue `webjobs-blobtrigger-poison`, the message hidden until its next attempt is due.
 */
export interface InboundEmailRetryQueue {
  /**
   * Enqueues `message` (the host's poison message with the intake's retry fields) to become
   * visible after `delayInMs` (ms, 0 – 7 days; longer is cut to 7 days, Azure Queue Storage's
   * longest visibility timeout).
   * @throws Error when storage fails.
   */
  schedule(message: Readonly<Record<string, unknown>>, delayInMs: number): Promise<void>;
}

/** What the intake recorded about one message (processing key) of a partner's mailbox (the de-duplication row). */
export interface ProcessedEmailRecord {
  messageId: string;
  /** `<Message-ID>#<content hash prefix>`; the row's key. */
  intakeKey: string;
  outcome: InboundEmailOutcome;
  blobName: string;
  /** ISO 8601 UTC. */
  processedAt: string;
}

/** Options of the listings of {@link InboundEmailLog}. */
export interface ListInboundEmailOptions {
  /** Page size, 1–100; default 25. */
  limit?: number;
  continuationToken?: string;
}

/** Filters of {@link InboundEmailLog.listLog} (all optional, combined with AND). */
export interface InboundLogQuery extends ListInboundEmailOptions {
  /** Outcome kinds to include. */
  outcomes?: readonly InboundLogOutcome[];
  /** Exact sender address (lower-cased). */
  from?: string;
  messageId?: string;
  caseId?: string;
  /** Only entries carrying this flag. */
  flag?: InboundLogFlag;
  /** Entries at or after this instant (ISO 8601 UTC). */
  since?: string;
  /** Entries before this instant (ISO 8601 UTC). */
  until?: string;
}

/** The delivery that claimed a message's content first (see {@link InboundEmailLog.claim}). */
export interface MessageClaim {
  /** Blob name of the first delivery of this content: the one that processes it. */
  owner: string;
}

/** The intake's tables: de-duplication by processing key, the inbound log, quarantine and ignored-mail logs, acknowledgement rate, attachments. */
export interface InboundEmailLog {
  /**
   * Claims a message's content for one delivery: the first blob to claim `intakeKey` owns it (a
   * retry of that blob gets the same answer); any other delivery of the same content is a duplicate.
   * The claim also registers the content hash under the Message-ID for {@link InboundEmailLog.contentHashesOf}.
   */
  claim(partnerId: string, input: { messageId: string; intakeKey: string; contentHash: string; blobName: string; at: string }): Promise<MessageClaim>;
  /** Distinct content hashes claimed under a Message-ID (more than one: the Message-ID was reused by different messages). */
  contentHashesOf(partnerId: string, messageId: string): Promise<string[]>;
  /** Records a delivery in the inbound log (idempotent per blob name: the first entry stays). */
  recordLogEntry(partnerId: string, entry: InboundLogEntry): Promise<void>;
  /**
   * Whether the inbound log has an entry for this blob (the delivery was processed to an outcome).
   * @throws Error when storage fails.
   */
  hasLogEntry(partnerId: string, blobName: string): Promise<boolean>;
  /** Adds a flag to every logged delivery of a Message-ID (idempotent). */
  flagMessageId(partnerId: string, messageId: string, flag: InboundLogFlag): Promise<void>;
  /** The inbound log, newest first, filtered. @throws RangeError for a bad limit, token or instant. */
  listLog(partnerId: string, query?: InboundLogQuery): Promise<Page<InboundLogEntry>>;
  /** The record of a processing key already processed for this partner, or undefined. */
  getProcessed(partnerId: string, intakeKey: string): Promise<ProcessedEmailRecord | undefined>;
  /** Records a processed message under its `intakeKey` (first write wins; a second one is ignored). */
  recordProcessed(partnerId: string, record: ProcessedEmailRecord): Promise<void>;
  /** Lists a quarantined message (idempotent per `intakeKey`, else `messageId`). */
  recordQuarantine(partnerId: string, entry: QuarantinedEmail): Promise<void>;
  /** Quarantined messages, newest first. @throws RangeError for a bad limit or token. */
  listQuarantine(partnerId: string, options?: ListInboundEmailOptions): Promise<Page<QuarantinedEmail>>;
  /** Records an ignored message (idempotent per `intakeKey`, else `messageId`). */
  recordIgnored(partnerId: string, entry: IgnoredEmail): Promise<void>;
  /** Ignored messages (auto-replies, bounces, our own notifications), newest first. @throws RangeError for a bad limit or token. */
  listIgnored(partnerId: string, options?: ListInboundEmailOptions): Promise<Page<IgnoredEmail>>;
  /**
   * Takes one automatic acknowledgement for a sender if fewer than `maxPerHour` were taken in the
   * hour before `now` (ETag-guarded). The same `messageId` asking again gets its earlier answer.
   * @returns whether the acknowledgement may be sent.
   */
  takeAcknowledgement(partnerId: string, sender: string, messageId: string, now: Date, maxPerHour: number): Promise<boolean>;
  /** Lists attachments on a case (idempotent per message and file index). */
  recordAttachments(partnerId: string, caseId: string, attachments: readonly CaseAttachment[]): Promise<void>;
  /** Attachments of a case, oldest first. */
  listAttachments(partnerId: string, caseId: string): Promise<CaseAttachment[]>;
  /**
   * Deletes the inbound log entries of a case (the messages that created or answered it, and the
   * auto-replies and bounces about it) and its attachment list.
   * @returns the raw message blobs of those entries (to delete from `inbound-email`) and how many entries were deleted.
   * @throws Error when storage fails.
   */
  eraseCase(partnerId: string, caseId: string): Promise<{ entries: number; inboundBlobs: string[] }>;
  /**
   * Deletes what the intake keeps about messages received before `before` (ISO 8601) that belong to
   * no request: inbound log entries without a case, quarantine and ignored listings (those about a
   * case follow the case), and acknowledgement counters (addresses in clear) with no grant in the
   * hour before `before`. At most `limit` entries per run.
   * @returns the raw blobs to delete (`inbound` and `quarantine` containers) and how many entries were deleted.
   * @throws Error when storage fails.
   */
  eraseBefore(partnerId: string, before: string, limit: number): Promise<{ entries: number; inboundBlobs: string[]; quarantineBlobs: string[] }>;
}

/** The partner's customer directory (known tenants by contact address and mail domain). */
export interface CustomerDirectory {
  /** The entry of an exact address, or undefined. */
  findByEmail(partnerId: string, email: string): Promise<CustomerDirectoryEntry | undefined>;
  /** The entry of a mail domain when exactly one tenant is known there, or undefined. */
  findByDomain(partnerId: string, domain: string): Promise<CustomerDirectoryEntry | undefined>;
  /** Records a customer by address and by domain (a domain seen with two tenants stops matching). */
  upsert(partnerId: string, entry: CustomerDirectoryEntry): Promise<void>;
  /** Every entry of a tenant: its address entries and its domain entries. @throws Error when storage fails. */
  listByTenant(partnerId: string, tenantId: string): Promise<CustomerDirectoryEntry[]>;
  /**
   * Forgets an address: deletes its address entry; a domain entry that last saw it keeps the
   * domain and tenants but its contact becomes `erased@erased.invalid`. Idempotent.
   * @returns how many entries were deleted or changed.
   * @throws Error when storage fails.
   */
  forgetAddress(partnerId: string, email: string): Promise<number>;
}

/**
 * The durable per-case inbox of case actions (shared/contracts/caseActions.ts): actions are
 * appended BEFORE the orchestration is signalled, and read in order with a cursor.
 */
export interface CaseActionInbox {
  /**
   * Appends an action; its `seq` is the next of the case, gapless from 1 in commit order
   * (shared/contracts `formatActionSeq`): the n-th action appended is `formatActionSeq(n)`, so a
   * reader that processed n knows n + 1 comes next and a cursor never skips one.
   * @param options - `reopen`: the caller restarts the case's completed workflow with this action
   *   (a closed case reopened): appended to a closed inbox too, which it opens again.
   * @throws CaseInboxClosedError (shared/contracts) when the inbox was closed ({@link close}) and
   *   `reopen` is not set: the workflow completed and would never read the action.
   * @throws Error when storage fails.
   */
  append(partnerId: string, caseId: string, action: CaseAction, actor: Actor, options?: CaseActionAppendOptions): Promise<CaseActionRecord>;
  /**
   * Closes the inbox when nothing was appended after `after` (the workflow's cursor; absent = no
   * action processed), atomically with respect to {@link append}: an append either commits before
   * (then this returns it) or is refused after (CaseInboxClosedError). Idempotent: closing a closed
   * inbox at the same position answers closed again. The workflow calls it as the last step before
   * it completes, so no accepted action is left to a completed instance.
   * @param limit - most actions returned when some came in (1–500, default 50).
   * @returns `{ closed: true, actions: [] }`, or `{ closed: false, actions }`: the actions after
   *   `after` in `seq` order (the inbox stays open).
   * @throws RangeError when `limit` is out of range.
   * @throws Error when storage fails.
   */
  close(partnerId: string, caseId: string, after?: string, limit?: number): Promise<{ closed: boolean; actions: CaseActionRecord[] }>;
  /**
   * Actions after `after` (exclusive; absent = from the start), in append order, at most `limit`
   * (1–500, default 50).
   * @throws RangeError when `limit` is out of range.
   */
  listAfter(partnerId: string, caseId: string, after?: string, limit?: number): Promise<CaseActionRecord[]>;
  /**
   * Deletes a case's inbox (its actions and counter): the notes, messages and customer replies it
   * holds are personal data. Only for a request whose workflow is gone (erased). Idempotent.
   * @returns how many rows were deleted.
   * @throws Error when storage fails.
   */
  deleteCase(partnerId: string, caseId: string): Promise<number>;
  /**
   * Tells the inbox that this process has just created the case, so its inbox is empty: no storage
   * call; an adapter may skip looking for the case's counter on its first append (the Table adapter
   * then creates it directly, and reads it after all when another instance created it first).
   * Appends are gapless and correct whether or not this was called.
   */
  noteNewCase(partnerId: string, caseId: string): void;
}

/** Options of {@link CaseActionInbox.append}. */
export interface CaseActionAppendOptions {
  /** The action reopens a closed case whose workflow is restarted with it: a closed inbox takes it and is open again. */
  reopen?: boolean;
}

/** An SLA event as appended: `eventId` is deterministic (the orchestration's), so appends are idempotent. */
export type SlaEventWithId = SlaEvent & { eventId: string };

/** What {@link SlaEventLog.append} did: how many events were new, and the case's whole log after it (oldest first). */
export interface SlaLogAppendResult {
  /** How many of the events given were not logged before (0 for a retried append). */
  appended: number;
  /** The log as {@link SlaEventLog.list} would return it now, so the caller need not read it back. */
  log: SlaEventWithId[];
}

/** Hints for {@link SlaEventLog.append}; the result is the same with or without them. */
export interface SlaLogAppendOptions {
  /**
   * The caller believes the case has no log yet (these are its first SLA events): an adapter may
   * write before reading, and reads first after all when the log turns out to exist.
   */
  startsLog?: boolean;
}

/** The append-only SLA event log of a case (help-desk practice "SLA semantics": clocks are rebuilt from it). */
export interface SlaEventLog {
  /**
   * Appends events; an event whose `eventId` is already logged is skipped (idempotent).
   * @returns how many were new and the whole log after the append ({@link SlaLogAppendResult}).
   * @throws RangeError when two events of the batch share an `eventId`.
   * @throws Error when storage fails.
   */
  append(partnerId: string, caseId: string, events: readonly SlaEventWithId[], options?: SlaLogAppendOptions): Promise<SlaLogAppendResult>;
  /** The log, oldest first (by `at`, then append order). */
  list(partnerId: string, caseId: string): Promise<SlaEventWithId[]>;
}

/**
 * Product support incidents of a partner (CSP support rules: counted; decremented when used), consumed
 * atomically with optimistic concurrency (ETag) and at most once per case.
 */
export interface ProductSupportIncidentLedger {
  /**
   * Consumes one incident for the case when the partner has one left. A second call for a case
   * that consumed returns the same result without consuming again.
   * @throws Error when the partner does not exist or storage keeps conflicting.
   */
  consume(partnerId: string, caseId: string): Promise<ConsumeProductSupportIncidentResult>;
  /** What the case consumed, or undefined when it consumed none. */
  getConsumption(partnerId: string, caseId: string): Promise<ConsumeProductSupportIncidentResult | undefined>;
}

/**
 * A stored day of the reports' read model: its aggregate (absent until first computed) and whether
 * a fact of the day changed since (`dirty`: the aggregate must be recomputed before it is used).
 * `etag` guards the recomputation ({@link ReportReadModel.replaceDay}).
 */
export interface StoredReportDay {
  /** UTC date `YYYY-MM-DD`. */
  day: string;
  aggregate?: DayAggregate;
  dirty: boolean;
  /** Opaque version of the row. */
  etag: string;
}

/**
 * A stored rollup of the reports' read model: the merge of the days of one whole calendar month or
 * ISO week (its aggregate is dated by the period's first day: `YYYY-MM-01`, or the Monday), and
 * whether a fact of the period changed since (`dirty`). `etag` guards its recomputation
 * ({@link ReportReadModel.replaceRollup}).
 */
export interface StoredReportRollup {
  grain: ReportGrouping;
  /** The period's first day (UTC date `YYYY-MM-DD`). */
  start: string;
  aggregate?: DayAggregate;
  dirty: boolean;
  /** Opaque version of the row. */
  etag: string;
}

/**
 * The reports' read model (docs/architecture.md "The reports' read model"): per partner and series
 * (`own`, or `reseller` for an indirect provider's copy of its resellers' escalated requests), one
 * fact per request keyed by its creation instant, one pre-aggregated row per UTC day, and one
 * rollup per calendar month and per ISO week merging that period's days. Writing a fact marks its
 * day, its month and its week dirty in the same atomic write; a day is recomputed from its facts,
 * a rollup from its days, and either is replaced only if no fact changed meanwhile (its version),
 * so concurrent or repeated writers never lose or double-count a request. Nothing is ever
 * incremented.
 */
export interface ReportReadModel {
  /**
   * Stores the fact of a request (insert or replace, keyed by its creation instant and case id) and
   * marks its day dirty, atomically.
   * @throws Error when storage fails.
   */
  putFact(partnerId: string, series: ReportSeries, fact: CaseFact): Promise<void>;
  /** The facts of the requests created on a UTC day (any order). @throws Error when storage fails. */
  listFacts(partnerId: string, series: ReportSeries, day: string): Promise<CaseFact[]>;
  /** One day, or undefined when no fact of that day was ever stored. */
  getDay(partnerId: string, series: ReportSeries, day: string): Promise<StoredReportDay | undefined>;
  /**
   * The stored days from `fromDay` to `toDay` (UTC dates, both included; either absent: unbounded),
   * oldest first; days without requests have no row.
   * @throws Error when storage fails.
   */
  listDays(partnerId: string, series: ReportSeries, fromDay: string | undefined, toDay: string | undefined): Promise<StoredReportDay[]>;
  /**
   * Replaces a day's aggregate and clears its dirty mark, only if the row is still at `etag` (no fact
   * of the day was written since it was read).
   * @returns false when the row changed meanwhile (or vanished): nothing was written.
   * @throws Error when storage fails otherwise.
   */
  replaceDay(partnerId: string, series: ReportSeries, aggregate: DayAggregate, etag: string): Promise<boolean>;
  /**
   * The stored rollups of a grain whose first day is from `fromStart` to `toStart` (UTC dates, both
   * included; either absent: unbounded), oldest first. Once the series' rollups are ready
   * ({@link rollupsReady}), a period without a rollup has no fact.
   * @throws Error when storage fails.
   */
  listRollups(partnerId: string, series: ReportSeries, grain: ReportGrouping, fromStart: string | undefined, toStart: string | undefined): Promise<StoredReportRollup[]>;
  /**
   * Replaces a rollup's aggregate (dated by the period's first day) and clears its dirty mark, only
   * if the row is still at `etag` (no fact of the period was written since it was read).
   * @returns false when the row changed meanwhile (or does not exist): nothing was written.
   * @throws Error when storage fails otherwise.
   */
  replaceRollup(partnerId: string, series: ReportSeries, grain: ReportGrouping, aggregate: DayAggregate, etag: string): Promise<boolean>;
  /**
   * Whether every stored day of the series has its month and week rollup rows (true once
   * {@link prepareRollups} has run: a series whose facts were all written since the rollups exist
   * still needs it once, to be marked).
   * @throws Error when storage fails.
   */
  rollupsReady(partnerId: string, series: ReportSeries): Promise<boolean>;
  /** The UTC dates of every stored day row of the series, oldest first. @throws Error when storage fails. */
  listDayKeys(partnerId: string, series: ReportSeries): Promise<string[]>;
  /**
   * Marks the given rollups dirty (creating their rows as needed), then marks the series' rollups
   * ready. Idempotent. Used once per series to give the days stored before the rollups existed
   * their rollups.
   * @throws Error when storage fails (nothing is marked ready then).
   */
  prepareRollups(partnerId: string, series: ReportSeries, rollups: ReadonlyArray<{ grain: ReportGrouping; start: string }>): Promise<void>;
}

/** Partner Center (`https://api.partnercenter.microsoft.com`) operations the app uses. */
export interface PartnerCenterClient {
  /**
   * Creates a service request (`POST /v1/servicerequests/{locale}`).
   * @param locale - agent locale, e.g. `en-US`.
   * @param options.requestId - `MS-RequestId`: the same id on a retry lets Partner Center de-duplicate.
   * @returns the new service request's id.
   * @throws PartnerCenterError on a non-2xx answer.
   */
  createServiceRequest(locale: string, payload: MicrosoftServiceRequestPayload, options?: { requestId?: string; correlationId?: string }): Promise<{ id: string }>;
}

/** Runtime status of a case's orchestration (Durable runtime status names). */
export interface WorkflowStatus {
  runtimeStatus: string;
  customStatus: unknown;
  /** ISO 8601 UTC. */
  createdTime?: string;
  /** ISO 8601 UTC. */
  lastUpdatedTime?: string;
  /** The current execution's input (with `includeInputAndOutput`). */
  input?: unknown;
  /** The output of a completed execution, or the failure details of a failed one (with `includeInputAndOutput`). */
  output?: unknown;
}

/** Options of {@link SupportRequestWorkflow.getStatus}. */
export interface GetWorkflowStatusOptions {
  /** Also return the execution's input and output (Durable `showInput`). Default false. */
  includeInputAndOutput?: boolean;
}

/** An instance of the workflow as listed by {@link SupportRequestWorkflow.listInstances}. */
export interface WorkflowInstanceSummary {
  /** Instance id = case id. */
  caseId: string;
  /** The partner, from the instance's input (undefined when it cannot be read). */
  partnerId?: string;
  runtimeStatus: string;
  /** ISO 8601 UTC: when the instance (its current execution) was created. */
  createdTime?: string;
  /** True when the execution was started to reopen the closed case (its input's `carry.reopen`). */
  reopening?: boolean;
  /** ISO 8601 UTC. */
  lastUpdatedTime?: string;
}

/** The support-request workflow (a Durable orchestration per case; instance id = case id). */
export interface SupportRequestWorkflow {
  /**
   * Starts the orchestration for a case; succeeds when it already exists (idempotent, also when
   * started concurrently); an instance that completed is left completed. `options.newCase`: the
   * case was created by this call, so no instance can exist and none is looked up first;
   * `options.caseContext`: the new case's facts as just stored (orchestration input `caseContext`),
   * so its first step need not read them back.
   */
  start(caseId: string, partnerId: string, options?: { newCase?: boolean; caseContext?: CaseContext }): Promise<void>;
  /**
   * Raises an external event on the case's orchestration. `options.status`: the instance's status
   * as the caller has just read it, so it is not read again (the extension still drops an event
   * for an instance that completed meanwhile, as it does for any event that races a completion).
   * @returns false when the instance does not exist or is not running or pending.
   */
  raiseEvent(caseId: string, eventName: string, payload: unknown, options?: { status?: WorkflowStatus }): Promise<boolean>;
  /**
   * Raises an external event without reading the instance's status first: the Durable
   * extension's own check decides (Durable Functions HTTP API, "Raise event": 202 raised — also
   * for a Suspended instance, which receives it on resume; 404 no instance; 410 the instance
   * completed, failed or was terminated, and the event is dropped). The durable client reports
   * 410 as success, so a caller that must not lose its event keeps it elsewhere first (a case
   * action is in the inbox, which a restarted execution drains). Without a status read before it,
   * nothing tells the caller that the Durable API is down before it writes: a caller whose write
   * must not be repeated by a retry (a partner action) reads the status first and uses
   * {@link raiseEvent}; this suits writes a retry finds done (a customer reply, appended once per
   * Message-ID) or that follow a status read of their own.
   * @returns false when no instance exists (404); true otherwise, the dropped 410 included.
   * @throws Error when the Durable extension fails.
   */
  raiseEventUnchecked(caseId: string, eventName: string, payload: unknown): Promise<boolean>;
  /** Status of the case's orchestration, or undefined when none exists. */
  getStatus(caseId: string, options?: GetWorkflowStatusOptions): Promise<WorkflowStatus | undefined>;
  /**
   * Starts a new execution of an instance that is not running (completed, failed, terminated),
   * same instance id, with `input` (a carry continuing the previous execution's ids and counters,
   * and for a recovery its reason). Used by shared/services/workflowRecovery.ts only.
   * @returns false when the instance is running, pending or suspended (nothing started).
   */
  restart(caseId: string, input: SupportRequestOrchestrationInput): Promise<boolean>;
  /**
   * Instances in any of `runtimeStatuses` (e.g. `Failed`, `Terminated`, `Suspended`, `Pending`),
   * those `keep` accepts (default all; applied before the limit), at most `limit` (default 1,000),
   * oldest update first where the backend orders them.
   * @throws Error when the Durable extension fails.
   */
  listInstances(runtimeStatuses: readonly string[], options?: { limit?: number; keep?: (instance: WorkflowInstanceSummary) => boolean }): Promise<WorkflowInstanceSummary[]>;
  /**
   * Deletes the instance's history and state (the Durable purge API): inputs, outputs and event
   * payloads hold the request's data. Only an instance in a terminal state (completed, failed,
   * terminated) can be purged.
   * @returns true when an instance was deleted, false when none existed.
   * @throws Error when the instance is not in a terminal state or the Durable extension fails.
   */
  purgeHistory(caseId: string): Promise<boolean>;
}

/** Source of the current time for services (UTC). */
export interface Clock {
  now(): Date;
}

/** A dependency whose health the health endpoint reports. */
export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects with the reason otherwise. */
  check(): Promise<void>;
}

/** Re-exported for adapters. */
export type { CaseStatus };
