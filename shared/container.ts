/**
 * Composition root: builds the adapters from the configuration once per process and wires the
 * services and activity factories over them (architecture.md "container.ts"). functions/ and
 * scripts/ reach adapters only through here.
 */
import { DefaultAzureCredential } from "@azure/identity";
import type * as df from "durable-functions";
import {
  AcsEmailSender,
  DurableSupportRequestWorkflow,
  SmtpEmailSender,
  TableCaseRepository,
  TableIdempotencyStore,
  TableNotificationLog,
  TablePartnerRepository,
  TableStorage,
  type WorkflowDurableClient,
} from "./adapters";
import { getConfig, type Config } from "./config";
import type { PartnerDefinitionInput } from "./contracts";
import type { CaseRepository, Clock, EmailSender, HealthCheck, IdempotencyStore, NotificationLog, PartnerRepository, SupportRequestWorkflow } from "./ports";
import {
  createGetCaseContext,
  createNotifyPartner,
  createRecordCaseTransition,
  createRecordEscalation,
  createSendStatusEmail,
  registerPartner,
  type RegisterPartnerOptions,
  type RegisterPartnerResult,
  type StatusEmailRenderer,
  type SupportRequestDeps,
} from "./services";
import { renderStatusEmail } from "./templates/statusEmail";

/** Everything the functions need, built once. */
export interface Container {
  readonly config: Config;
  readonly clock: Clock;
  readonly storage: TableStorage;
  readonly partners: PartnerRepository;
  readonly cases: CaseRepository;
  readonly idempotency: IdempotencyStore;
  readonly notifications: NotificationLog;
  readonly emailSender: EmailSender;
  /** `storage` and `mail` probes for the health endpoint. */
  readonly healthChecks: readonly HealthCheck[];
  /** Activity implementations (what functions/activities.ts registers). */
  readonly activities: {
    readonly getCaseContext: ReturnType<typeof createGetCaseContext>;
    readonly recordTransition: ReturnType<typeof createRecordCaseTransition>;
    readonly sendStatusEmail: ReturnType<typeof createSendStatusEmail>;
    readonly recordEscalation: ReturnType<typeof createRecordEscalation>;
    readonly notifyPartner: ReturnType<typeof createNotifyPartner>;
  };
  /** The workflow over the durable client of one invocation (`df.getClient(context)`). */
  createWorkflow(client: df.DurableClient | WorkflowDurableClient): SupportRequestWorkflow;
  /** Dependencies of the support-request services for one invocation. */
  supportRequestDeps(workflow: SupportRequestWorkflow): SupportRequestDeps;
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
}

function createEmailSender(config: Config): EmailSender {
  if (config.EMAIL_PROVIDER === "acs") {
    if (config.ACS_CONNECTION_STRING) return new AcsEmailSender({ connectionString: config.ACS_CONNECTION_STRING });
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
  const partners = new TablePartnerRepository(storage, now);
  const cases = new TableCaseRepository(storage, now);
  const idempotency = new TableIdempotencyStore(storage, { now });
  const notifications = new TableNotificationLog(storage);
  const emailSender = overrides.emailSender ?? createEmailSender(config);
  const render = overrides.renderStatusEmail ?? renderStatusEmail;
  const createWorkflow = overrides.createWorkflow ?? ((client: df.DurableClient | WorkflowDurableClient) => new DurableSupportRequestWorkflow(client));
  const activityDeps = { cases, partners, notifications, emailSender, clock };
  return {
    config,
    clock,
    storage,
    partners,
    cases,
    idempotency,
    notifications,
    emailSender,
    healthChecks: [
      { name: "storage", check: () => storage.ping() },
      { name: "mail", check: () => emailSender.checkHealth() },
    ],
    activities: {
      getCaseContext: createGetCaseContext(activityDeps),
      recordTransition: createRecordCaseTransition(activityDeps),
      sendStatusEmail: createSendStatusEmail({ ...activityDeps, renderStatusEmail: render }),
      recordEscalation: createRecordEscalation(activityDeps),
      notifyPartner: createNotifyPartner(activityDeps),
    },
    createWorkflow,
    supportRequestDeps: (workflow) => ({ partners, cases, notifications, workflow, clock, publicBaseUrl: config.PUBLIC_BASE_URL }),
    registerPartner: (definition, options) => registerPartner({ partners }, definition, options),
  };
}

let container: Container | undefined;

/**
 * The process-wide container, built on first use from {@link getConfig}.
 * @throws ConfigError naming the bad settings.
 */
export function getContainer(): Container {
  container ??= createContainer(getConfig());
  return container;
}
