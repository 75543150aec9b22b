/**
 * Ports: what the services need from the outside world, named after what they do. Adapters in
 * shared/adapters implement them (Table Storage, ACS Email, SMTP, Durable client).
 */
import type {
  CaseStatus,
  Partner,
  PartnerDefinition,
  RecordTransitionInput,
  SupportRequest,
  TimelineEntry,
} from "../contracts";

/** One page of a listing; `continuationToken` is opaque and absent on the last page. */
export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

/** Options of {@link CaseRepository.listCases}. */
export interface ListCasesOptions {
  /** Page size, 1–100; default 25. */
  limit?: number;
  /** Token from the previous page. */
  continuationToken?: string;
}

/** Stored hashes and metadata of a partner's credentials. */
export interface PartnerCredentialRecord {
  /** Webhook signing secrets (`whsec_…`), newest first; several during rotation. Stored as is: HMAC needs them. */
  webhookSecrets: string[];
  /** SHA-256 (hex) of each valid API key. */
  apiKeyHashes: string[];
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
  /** Every partner (small: a partner count, not a case count). */
  listPartners(): Promise<Partner[]>;
  /**
   * The id of the partner holding an API key with this SHA-256 (hex) hash, or undefined. Lets the
   * partner API answer 404 rather than 401 to a valid key used on another partner's URL (OWASP API1).
   */
  findPartnerIdByApiKeyHash(apiKeyHash: string): Promise<string | undefined>;
}

/** Support requests and their timelines (Table Storage), always scoped by partner (OWASP API1). */
export interface CaseRepository {
  /**
   * Stores a new case with status "received" and its first timeline entry, atomically.
   * With `options.deliveryId` (the intake's webhook id) the delivery is recorded in the same
   * transaction, so one delivery never creates two cases.
   * @throws CaseAlreadyExistsError (code `CaseAlreadyExists`) when the case id is taken.
   * @throws DeliveryAlreadyRecordedError (code `DeliveryAlreadyRecorded`, with the existing `caseId`)
   *   when the delivery already created a case.
   */
  createCase(supportRequest: SupportRequest, firstEntry: TimelineEntry, options?: { deliveryId?: string }): Promise<void>;
  /** The case when it belongs to the partner; undefined otherwise (never reveals other partners' cases). */
  getCase(partnerId: string, caseId: string): Promise<SupportRequest | undefined>;
  /** Cases of a partner, newest first. */
  listCases(partnerId: string, options?: ListCasesOptions): Promise<Page<SupportRequest>>;
  /** Timeline of a case in chronological order. */
  listTimeline(partnerId: string, caseId: string): Promise<TimelineEntry[]>;
  /**
   * Applies a transition: appends the timeline entry (idempotent by `entryId`) and merges status
   * and patch onto the case (optimistic concurrency with ETag, retried on 412).
   * @returns the case after the change.
   * @throws Error when the case does not exist.
   */
  applyTransition(input: RecordTransitionInput): Promise<SupportRequest>;
  /**
   * Appends an entry without changing the case (e.g. "email-sent"); idempotent by `entryId`.
   */
  appendTimeline(partnerId: string, caseId: string, entry: TimelineEntry): Promise<void>;
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
  /** Stores the final response for the key. */
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Releases a claimed key after a failure that the client may retry (5xx). */
  release(scope: string, key: string): Promise<void>;
}

/** An email message as the product sends it. */
export interface EmailMessage {
  from: { address: string; displayName?: string };
  to: Array<{ address: string; displayName?: string }>;
  cc?: Array<{ address: string; displayName?: string }>;
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
}

/**
 * Sends email (ACS Email in Azure, SMTP locally).
 * @throws Error on failure; `retryAfterInMs` set when the provider throttled (ACS 429 Retry-After).
 */
export interface EmailSender {
  send(message: EmailMessage): Promise<EmailSendResult>;
  /** Checks the provider is reachable (health endpoint). */
  checkHealth(): Promise<void>;
}

/** A sent notification as recorded (once per case and notification key). */
export interface SentNotification {
  caseId: string;
  notificationKey: string;
  messageId: string;
  providerMessageId: string;
  to: string[];
  subject: string;
  /** ISO 8601 UTC. */
  sentAt: string;
}

/** Outbox/log of notifications: makes sending idempotent per case and key. */
export interface NotificationLog {
  /** The recorded notification, or undefined when not sent yet. */
  getSent(partnerId: string, caseId: string, notificationKey: string): Promise<SentNotification | undefined>;
  /** Records a sent notification (insert-or-replace). */
  recordSent(partnerId: string, notification: SentNotification): Promise<void>;
  /** Every notification of a case, oldest first. */
  listSent(partnerId: string, caseId: string): Promise<SentNotification[]>;
}

/** Runtime status of a case's orchestration (Durable runtime status names). */
export interface WorkflowStatus {
  runtimeStatus: string;
  customStatus: unknown;
  /** ISO 8601 UTC. */
  createdTime?: string;
  /** ISO 8601 UTC. */
  lastUpdatedTime?: string;
}

/** The support-request workflow (a Durable orchestration per case; instance id = case id). */
export interface SupportRequestWorkflow {
  /** Starts the orchestration for a case; succeeds when it already exists (idempotent). */
  start(caseId: string, partnerId: string): Promise<void>;
  /** Raises an external event on the case's orchestration. @returns false when the instance does not exist or has completed. */
  raiseEvent(caseId: string, eventName: string, payload: unknown): Promise<boolean>;
  /** Status of the case's orchestration, or undefined when none exists. */
  getStatus(caseId: string): Promise<WorkflowStatus | undefined>;
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
