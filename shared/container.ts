/**
 * Composition root: builds the adapters from the configuration once per process and wires the
 * services and activity factories over them (docs/architecture.md "Layers"). functions/ and
 * scripts/ reach adapters only through here.
 */
import { DefaultAzureCredential } from "@azure/identity";
import type * as df from "durable-functions";
import {
  AcsEmailSender,
  BlobInboundEmailStore,
  TableCustomerDirectory,
  TableInboundEmailLog,
  createPartnerCenterCredential,
  DurableSupportRequestWorkflow,
  HttpPartnerCenterClient,
  SmtpEmailSender,
  TableAuditLog,
  KeyVaultKeyEncryptionKey,
  LocalKeyEncryptionKeys,
  TableCaseActionInbox,
  TableCaseRepository,
  TableProductSupportIncidentLedger,
  TableSlaEventLog,
  TableIdempotencyStore,
  TableNotificationLog,
  TablePartnerRepository,
  CachedPartnerRepository,
  TableReportReadModel,
  TableStorage,
  TableUnstartedWorkflows,
  QueueInboundEmailRetries,
  durableClientFault,
  faultOf,
  type WorkflowDurableClient,
} from "./adapters";
import { blobConnectionOf, ConfigError, getConfig, queueConnectionOf, type Config } from "./config";
import type { ActivityImplementations, Fault, PartnerDefinitionInput } from "./contracts";
import type {
  CaseActionInbox,
  CaseRepository,
  Clock,
  CustomerDirectory,
  EmailSender,
  SecretSealer,
  AuditLog,
  InboundEmailLog,
  HealthCheck,
  IdempotencyStore,
  NotificationLog,
  PartnerCenterClient,
  PartnerRepository,
  ProductSupportIncidentLedger,
  ReportReadModel,
  SlaEventLog,
  SupportRequestWorkflow,
} from "./ports";
import {
  createConsumeProductSupportIncident,
  createFileMicrosoftServiceRequest,
  createGetCaseContext,
  createNotifyPartner,
  createRecordCaseTransition,
  createRecordSlaEvents,
  createSendStatusEmail,
  createTakeCaseActions,
  createCloseCaseInbox,
  FixedWindowRateLimiter,
  recordCaseFacts,
  registerPartner,
  type ApiKeyDeps,
  type CaseFactDeps,
  type RegisterPartnerOptions,
  type ReportDeps,
  type RegisterPartnerResult,
  type StatusEmailRenderer,
  type SupportRequestDeps,
  type CaseFactInputs,
} from "./services";
import { renderCustomerEmail, renderStatusEmail } from "./templates/statusEmail";
import type { InboundEmailDeps, PoisonedEmailDeps } from "./services/inboundEmail";
import { createPlatformSenderEmailSender, type SenderPolicy } from "./services/platformSender";
import { createSafeHeaderEmailSender } from "./services/safeHeaders";
import { CompositeKeyEncryptionKeys, EnvelopeSecretSealer } from "./services/secretEnvelope";
import type { WorkflowRecoveryDeps } from "./services/workflowRecovery";
import type { CustomerDataRetentionDeps } from "./services/customerDataRetention";
import type { CustomerStatusDeps } from "./services/customerStatus";
import { StatusLinkSigner } from "./services/statusLinks";
import { parseLocalKeys } from "./adapters/localKeyEncryptionKeys";

/** Everything the functions need, built once. */
export interface Container {
  readonly config: Config;
  readonly clock: Clock;
  readonly storage: TableStorage;
  readonly partners: PartnerRepository;
  readonly cases: CaseRepository;
  readonly idempotency: IdempotencyStore;
  readonly notifications: NotificationLog;
  /** Per-case action inbox. */
  readonly inbox: CaseActionInbox;
  /** Per-case SLA event logs. */
  readonly slaEvents: SlaEventLog;
  /** Product support incidents. */
  readonly psiLedger: ProductSupportIncidentLedger;
  /** The reports' read model (facts per request, aggregates per partner and day). */
  readonly reports: ReportReadModel;
  /** What the reports read (`getSlaReport`, `getVolumeReport`). */
  readonly reportDeps: ReportDeps;
  /** What recording a request's facts and rebuilding a partner's read model use (`recordCaseFacts`, `rebuildPartnerReports`). */
  readonly caseFactDeps: CaseFactDeps;
  /** The Partner Center client when `PARTNER_CENTER_ENABLED=true` (or overridden), else undefined. */
  readonly partnerCenter: PartnerCenterClient | undefined;
  readonly emailSender: EmailSender;
  /** The audit log of partner actions. */
  readonly auditLog: AuditLog;
  /** `storage` and `mail` probes for the health endpoint. */
  readonly healthChecks: readonly HealthCheck[];
  /** Activity implementations (what functions/activities.ts registers). */
  readonly activities: ActivityImplementations;
  /** The per-key rate limiter of the partner API (in process; `API_RATE_LIMIT_PER_MINUTE`). */
  readonly rateLimiter: FixedWindowRateLimiter;
  /** Dependencies of the API-key use cases. */
  readonly apiKeyDeps: ApiKeyDeps;
  /** Raw inbound messages, quarantine and attachments (Blob Storage). */
  readonly inboundBlobs: BlobInboundEmailStore;
  /** De-duplication, quarantine and ignored-mail logs, acknowledgement rate, attachments. */
  readonly inboundLog: InboundEmailLog;
  /** The partners' customer directories. */
  readonly customerDirectory: CustomerDirectory;
  /** Dependencies of `processInboundEmail` for one invocation. */
  inboundEmailDeps(workflow: SupportRequestWorkflow): InboundEmailDeps;
  /** Where the next attempt at an inbound message is scheduled (the blob trigger's poison queue). */
  readonly inboundRetries: QueueInboundEmailRetries;
  /** Dependencies of `retryPoisonedInboundEmail` (the intake's, the retry queue and the fault classifier) for one invocation. */
  poisonedEmailDeps(workflow: SupportRequestWorkflow): PoisonedEmailDeps;
  /** The workflow over the durable client of one invocation (`df.getClient(context)`). */
  createWorkflow(client: df.DurableClient | WorkflowDurableClient): SupportRequestWorkflow;
  /** Dependencies of the support-request services for one invocation. */
  supportRequestDeps(workflow: SupportRequestWorkflow): SupportRequestDeps;
  /** The signer of customers' status-page links (`STATUS_LINK_KEYS`), or undefined when unset (no links, no status page). */
  readonly statusLinks: StatusLinkSigner | undefined;
  /** Dependencies of the status-page use cases for one invocation. */
  customerStatusDeps(workflow: SupportRequestWorkflow): CustomerStatusDeps;
  /** Dependencies of the workflow restarts and the recovery sweeper for one invocation. */
  workflowRecoveryDeps(workflow: SupportRequestWorkflow): WorkflowRecoveryDeps;
  /** Dependencies of the customer data retention (erasure past the partners' retention) for one invocation. */
  customerDataRetentionDeps(workflow: SupportRequestWorkflow): CustomerDataRetentionDeps;
  /**
   * Registers or updates a partner (see `registerPartner` in shared/services/partnerRegistration.ts).
   * @throws ValidationError when the definition is invalid.
   */
  registerPartner(definition: PartnerDefinitionInput | unknown, options?: RegisterPartnerOptions): Promise<RegisterPartnerResult>;
}

/** Replacements for tests (e.g. a fixed clock, a recording email sender). */
export interface ContainerOverrides {
  clock?: Clock;
  emailSender?: EmailSender;
  renderStatusEmail?: StatusEmailRenderer;
  createWorkflow?: (client: df.DurableClient | WorkflowDurableClient) => SupportRequestWorkflow;
  /** A Partner Center client (e.g. over a local test server); `null` forces the integration off. */
  partnerCenter?: PartnerCenterClient | null;
  /** The sealer of secrets at rest (default from `SECRETS_KEY_VAULT_KEY_ID` / `SECRETS_LOCAL_KEYS`). */
  secretSealer?: SecretSealer;
}

function createPartnerCenter(config: Config): PartnerCenterClient | undefined {
  if (!config.PARTNER_CENTER_ENABLED) return undefined;
  // loadConfig requires the three credential settings when enabled.
  const credential = createPartnerCenterCredential(config.PARTNER_CENTER_TENANT_ID as string, config.PARTNER_CENTER_CLIENT_ID as string, config.PARTNER_CENTER_CLIENT_SECRET as string);
  return new HttpPartnerCenterClient({ baseUrl: config.PARTNER_CENTER_BASE_URL, credential });
}

/**
 * The sealer of secrets at rest: KEK in Key Vault when `SECRETS_KEY_VAULT_KEY_ID` is set (local
 * keys then only unwrap what they sealed before), else the local keys of `SECRETS_LOCAL_KEYS`.
 * @throws ConfigError when neither is set.
 */
export function createSecretSealer(config: Config): SecretSealer {
  const local = config.SECRETS_LOCAL_KEYS ? new LocalKeyEncryptionKeys(config.SECRETS_LOCAL_KEYS) : undefined;
  const cache = { cacheTtlInMs: config.SECRETS_CACHE_TTL_SECONDS * 1000 };
  if (config.SECRETS_KEY_VAULT_KEY_ID) {
    const vault = new KeyVaultKeyEncryptionKey(config.SECRETS_KEY_VAULT_KEY_ID, new DefaultAzureCredential({ managedIdentityClientId: process.env.AZURE_CLIENT_ID }));
    return new EnvelopeSecretSealer(new CompositeKeyEncryptionKeys(vault, local ? [local] : []), cache);
  }
  if (local) return new EnvelopeSecretSealer(local, cache);
  throw new ConfigError(
    "SECRETS_KEY_VAULT_KEY_ID or SECRETS_LOCAL_KEYS: is required: secrets are stored envelope-encrypted (Key Vault key id in Azure; locally `<id>:<base64 of 32 random bytes>`, which `npm start` generates)",
    ["SECRETS_KEY_VAULT_KEY_ID", "SECRETS_LOCAL_KEYS"],
  );
}

/** Whether an ACS connection string's endpoint is plain http on a loopback address. */
function isLoopbackHttp(connectionString: string): boolean {
  const endpoint = /endpoint=([^;]+)/i.exec(connectionString)?.[1] ?? "";
  return /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i.test(endpoint);
}

function createEmailSender(config: Config): EmailSender {
  if (config.EMAIL_PROVIDER === "acs") {
    // Plain http is allowed for a loopback endpoint only (a local stand-in of ACS); ACS itself is https.
    if (config.ACS_CONNECTION_STRING) return new AcsEmailSender({ connectionString: config.ACS_CONNECTION_STRING, ...(isLoopbackHttp(config.ACS_CONNECTION_STRING) ? { allowInsecureConnection: true } : {}) });
    return new AcsEmailSender({ endpoint: config.ACS_ENDPOINT as string, credential: new DefaultAzureCredential({ managedIdentityClientId: process.env.AZURE_CLIENT_ID }) });
  }
  return new SmtpEmailSender({
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    ...(config.SMTP_USER && config.SMTP_PASSWORD ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD } } : {}),
  });
}

/**
 * The fault of an error the email intake threw: an adapter's own classification or storage's
 * (shared/adapters/faults.ts `faultOf`), else the Durable client's (starting or signalling a
 * workflow), else `unexpected` (transient, tried a few times).
 */
function classifyIntakeFault(error: unknown): Fault {
  const fault = faultOf(error);
  return fault.code === "unexpected" ? (durableClientFault(error) ?? fault) : fault;
}

/**
 * Builds a container from a configuration (tests call this with their own `TABLE_PREFIX`).
 * Nothing connects until first use; tables are created on first use.
 * @param config - validated configuration (see `loadConfig`).
 * @param overrides - replacements for tests.
 */
export function createContainer(config: Config, overrides: ContainerOverrides = {}): Container {
  const clock: Clock = overrides.clock ?? { now: () => new Date() };
  const now = (): Date => clock.now();
  const storage =
    config.storage.kind === "connectionString"
      ? new TableStorage({ connectionString: config.storage.connectionString, tablePrefix: config.TABLE_PREFIX })
      : new TableStorage({ tableServiceUri: config.storage.tableServiceUri, managedIdentityClientId: config.storage.managedIdentityClientId, tablePrefix: config.TABLE_PREFIX });
  const secrets = overrides.secretSealer ?? createSecretSealer(config);
  const partners = new TablePartnerRepository(storage, now, secrets);
  const cases = new TableCaseRepository(storage, now);
  const idempotency = new TableIdempotencyStore(storage, { now });
  const notifications = new TableNotificationLog(storage);
  const inbox = new TableCaseActionInbox(storage, now);
  const slaEvents = new TableSlaEventLog(storage, now);
  const psiLedger = new TableProductSupportIncidentLedger(storage, now);
  const partnerCenter = overrides.partnerCenter === null ? undefined : (overrides.partnerCenter ?? createPartnerCenter(config));
  // Every outgoing email passes one filter for customer text in headers (display names, subject),
  // then goes out from an address the mail service may send from (shared/services/platformSender.ts).
  const senderPolicy: SenderPolicy = { ...(config.EMAIL_SENDER_ADDRESS ? { platformAddress: config.EMAIL_SENDER_ADDRESS } : {}), linkedDomains: config.EMAIL_SENDER_LINKED_DOMAINS };
  const emailSender = createSafeHeaderEmailSender(createPlatformSenderEmailSender(overrides.emailSender ?? createEmailSender(config), senderPolicy));
  const render = overrides.renderStatusEmail ?? renderStatusEmail;
  const createWorkflow = overrides.createWorkflow ?? ((client: df.DurableClient | WorkflowDurableClient) => new DurableSupportRequestWorkflow(client));
  const statusLinks = config.STATUS_LINK_KEYS ? new StatusLinkSigner(parseLocalKeys(config.STATUS_LINK_KEYS, "STATUS_LINK_KEYS")) : undefined;
  const reports = new TableReportReadModel(storage);
  // The workflow's steps read the partner's terms from memory for up to 30 s (nine reads of one row
  // per case otherwise); credentials and API keys are never cached (shared/adapters/cachedPartnerRepository.ts).
  const workflowPartners = new CachedPartnerRepository(partners);
  const caseFactDeps: CaseFactDeps = { cases, slaEvents, partners: workflowPartners, reports };
  // The activities that record SLA events and transitions keep the reports' read model current.
  // A workflow step writes the case's fact and marks its day dirty; the next report that reads the
  // day recomputes it (a step does not pay a day's recompute).
  const recordFacts = (partnerId: string, caseId: string, known?: CaseFactInputs): Promise<void> => recordCaseFacts(caseFactDeps, partnerId, caseId, { recomputeDay: false, known });
  const activityDeps = { cases, partners: workflowPartners, notifications, emailSender, clock, inbox, slaEvents, psiLedger, recordCaseFacts: recordFacts };
  // Blob access is built lazily: only email intake needs it (and the identity form may lack a blob endpoint).
  let inboundBlobs: BlobInboundEmailStore | undefined;
  const getInboundBlobs = (): BlobInboundEmailStore => (inboundBlobs ??= new BlobInboundEmailStore(blobConnectionOf(config)));
  let inboundRetries: QueueInboundEmailRetries | undefined;
  const getInboundRetries = (): QueueInboundEmailRetries => (inboundRetries ??= new QueueInboundEmailRetries(queueConnectionOf(config)));
  const inboundLog = new TableInboundEmailLog(storage);
  const unstartedWorkflows = new TableUnstartedWorkflows(storage);
  const customerDirectory = new TableCustomerDirectory(storage);
  const auditLog = new TableAuditLog(storage);
  const inboundEmailDeps = (workflow: SupportRequestWorkflow): InboundEmailDeps => ({
      partners,
      cases,
      notifications,
      messageIndex: notifications,
      inbox,
      workflow,
      unstartedWorkflows,
      blobs: getInboundBlobs(),
      inboundLog,
      directory: customerDirectory,
      emailSender,
      senderPolicy,
      clock,
      limits: { maxBytes: config.INBOUND_EMAIL_MAX_BYTES, maxAttachmentBytes: config.INBOUND_ATTACHMENT_MAX_BYTES, ackMaxPerHour: config.INBOUND_ACK_MAX_PER_HOUR },
    });
  return {
    auditLog,
    config,
    clock,
    storage,
    partners,
    cases,
    idempotency,
    notifications,
    inbox,
    slaEvents,
    psiLedger,
    reports,
    reportDeps: { reports, partners, clock },
    caseFactDeps,
    partnerCenter,
    emailSender,
    healthChecks: [
      { name: "storage", check: () => storage.ping() },
      { name: "mail", check: () => emailSender.checkHealth() },
    ],
    activities: {
      getCaseContext: createGetCaseContext(activityDeps),
      recordTransition: createRecordCaseTransition(activityDeps),
      sendStatusEmail: createSendStatusEmail({
        ...activityDeps,
        renderStatusEmail: render,
        renderCustomerEmail,
        ...(statusLinks ? { statusLinks: { signer: statusLinks, publicBaseUrl: config.PUBLIC_BASE_URL, maxAgeInMs: config.STATUS_LINK_MAX_AGE_DAYS * 86_400_000 } } : {}),
      }),
      notifyPartner: createNotifyPartner({ ...activityDeps, publicBaseUrl: config.PUBLIC_BASE_URL }),
      takeCaseActions: createTakeCaseActions(activityDeps),
      closeCaseInbox: createCloseCaseInbox(activityDeps),
      recordSlaEvents: createRecordSlaEvents(activityDeps),
      consumeProductSupportIncident: createConsumeProductSupportIncident(activityDeps),
      fileMicrosoftServiceRequest: createFileMicrosoftServiceRequest({ ...activityDeps, ...(partnerCenter ? { partnerCenter } : {}), supportTopicId: config.PARTNER_CENTER_SUPPORT_TOPIC_ID ?? "" }),
    },
    rateLimiter: new FixedWindowRateLimiter(config.API_RATE_LIMIT_PER_MINUTE, 60_000, () => clock.now().getTime()),
    apiKeyDeps: { partners, clock },
    get inboundBlobs(): BlobInboundEmailStore {
      return getInboundBlobs();
    },
    get inboundRetries(): QueueInboundEmailRetries {
      return getInboundRetries();
    },
    inboundLog,
    customerDirectory,
    inboundEmailDeps,
    poisonedEmailDeps: (workflow) => ({ ...inboundEmailDeps(workflow), retries: getInboundRetries(), classify: classifyIntakeFault }),
    createWorkflow,
    supportRequestDeps: (workflow) => ({ partners, cases, notifications, inbox, slaEvents, psiLedger, workflow, unstartedWorkflows, clock, publicBaseUrl: config.PUBLIC_BASE_URL }),
    statusLinks,
    customerStatusDeps: (workflow) => ({ cases, partners, notifications, inbox, slaEvents, attachments: inboundLog, workflow, clock, publicBaseUrl: config.PUBLIC_BASE_URL, recordCaseFacts: recordFacts }),
    workflowRecoveryDeps: (workflow) => ({ partners, cases, slaEvents, notifications, emailSender, workflow, unstartedWorkflows, clock }),
    customerDataRetentionDeps: (workflow) => ({ partners, cases, inbox, notifications, inboundLog, blobs: getInboundBlobs(), directory: customerDirectory, workflow, auditLog, clock }),
    registerPartner: async (definition, options) => {
      const result = await registerPartner({ partners, now }, definition, options);
      // Registrations and rotations change API keys: recorded like the API's key changes.
      if (result.credentials) {
        const at = clock.now().toISOString();
        await auditLog.record({ at, partnerId: result.partner.id, keyId: "cli", action: result.created ? "RegisterPartner" : "RotatePartnerCredentials", method: "CLI", path: "register-partner", status: result.created ? 201 : 200, sourceIp: "local" });
      }
      return result;
    },
  };
}

let container: Container | undefined;

/**
 * Releases what the process-wide container holds open (the SMTP pool), when one was built; the
 * app's `appTerminate` hook calls it (functions/lifecycle.ts). Never throws.
 */
export function closeContainer(): void {
  try {
    container?.emailSender.close?.();
  } catch {
    // Terminating: nothing to do about a sender that fails to close.
  }
}

/**
 * The process-wide container, built on first use from {@link getConfig}.
 * @throws ConfigError naming the bad settings.
 */
export function getContainer(): Container {
  container ??= createContainer(getConfig());
  return container;
}
