/**
 * URLs of the Durable HTTP API and the durable client binding payload, built exactly as the Durable
 * extension builds them (azure-functions-durable-extension `HttpApiHandler.GetClientResponseLinks`
 * and `GetInstanceCreationLinks`; https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-http-api).
 */

/** Path of the extension's webhook API on the host (no trailing slash). */
export const DURABLE_WEBHOOK_PATH = "/runtime/webhooks/durabletask";

/** Path of the extension's local RPC endpoint (the client's `rpcBaseUrl`), on its own loopback port. */
export const DURABLE_RPC_PATH = "/durabletask/";

/** Placeholder the extension puts where an instance id goes in `managementUrls`. */
export const INSTANCE_ID_PLACEHOLDER = "INSTANCEID";

/** Connection name the extension reports for the Azure Storage provider (`GetDefaultConnectionName`). */
export const DEFAULT_DURABLE_CONNECTION_NAME = "Storage";

/** The management links of one instance (`HttpManagementPayload`). */
export interface HttpManagementPayload {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

/** What the extension passes to a `durableClient` input binding (durable-functions `OrchestrationClientInputData`). */
export interface DurableClientInputData {
  taskHubName: string;
  creationUrls: { createNewInstancePostUri: string; createAndWaitOnNewInstancePostUri: string };
  managementUrls: HttpManagementPayload;
  /** Webhook base, e.g. `http://127.0.0.1:7071/runtime/webhooks/durabletask`. */
  baseUrl: string;
  /** Query string every webhook call needs, e.g. `code=<system key>`. */
  requiredQueryStringParameters: string;
  /** Local RPC base ending in `/`; when present, the JS client calls it instead of the webhooks. */
  rpcBaseUrl?: string;
}

/** Inputs of {@link buildManagementPayload} and {@link buildDurableClientInput}. */
export interface DurableUrlOptions {
  /** Origin the links point at, e.g. `http://127.0.0.1:7071`. */
  origin: string;
  taskHubName: string;
  /** Connection name reported in links; default {@link DEFAULT_DURABLE_CONNECTION_NAME}. */
  connectionName?: string;
  /** The `durabletask_extension` system key, appended as `code=`. */
  systemKey: string;
}

function querySuffix(o: DurableUrlOptions): string {
  const hub = encodeURIComponent(o.taskHubName);
  const conn = encodeURIComponent(o.connectionName ?? DEFAULT_DURABLE_CONNECTION_NAME);
  return `taskHub=${hub}&connection=${conn}&code=${encodeURIComponent(o.systemKey)}`;
}

/**
 * The management links of an instance.
 * @param instanceId - an id, or {@link INSTANCE_ID_PLACEHOLDER} for the binding payload's templates
 *   (URL-encoded, as the extension does).
 */
export function buildManagementPayload(o: DurableUrlOptions, instanceId: string): HttpManagementPayload {
  const prefix = `${o.origin}${DURABLE_WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
  const q = querySuffix(o);
  return {
    id: instanceId,
    statusQueryGetUri: `${prefix}?${q}`,
    sendEventPostUri: `${prefix}/raiseEvent/{eventName}?${q}`,
    terminatePostUri: `${prefix}/terminate?reason={text}&${q}`,
    rewindPostUri: `${prefix}/rewind?reason={text}&${q}`,
    purgeHistoryDeleteUri: `${prefix}?${q}`,
    restartPostUri: `${prefix}/restart?${q}`,
    suspendPostUri: `${prefix}/suspend?reason={text}&${q}`,
    resumePostUri: `${prefix}/resume?reason={text}&${q}`,
  };
}

/**
 * The JSON the extension sends as the value of a `durableClient` input binding.
 * @param rpcBaseUrl - the local RPC base (ends in `/`), or undefined to make the client use the
 *   keyed webhook URLs.
 */
export function buildDurableClientInput(o: DurableUrlOptions, rpcBaseUrl?: string): DurableClientInputData {
  const baseUrl = `${o.origin}${DURABLE_WEBHOOK_PATH}`;
  const code = `code=${encodeURIComponent(o.systemKey)}`;
  const instancePrefix = `${baseUrl}/orchestrators/{functionName}[/{instanceId}]`;
  return {
    taskHubName: o.taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${instancePrefix}?${code}`,
      createAndWaitOnNewInstancePostUri: `${instancePrefix}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
    },
    managementUrls: buildManagementPayload(o, INSTANCE_ID_PLACEHOLDER),
    baseUrl,
    requiredQueryStringParameters: code,
    ...(rpcBaseUrl ? { rpcBaseUrl } : {}),
  };
}
