/**
 * Email through Azure Communication Services (`EmailClient.beginSend` + `pollUntilDone`;
 * REST: `POST {endpoint}/emails:send?api-version=2025-09-01` → 202 with `Operation-Location`,
 * then `GET` that location until `status` is `Succeeded`, `Failed` or `Canceled`, for at most
 * `pollDeadlineInMs` (60 s): an accepted email still running then counts as sent, since sending it
 * again could deliver it twice; https://learn.microsoft.com/rest/api/communication/dataplane/email/send).
 * Limits (ACS docs): custom domains 30 sends/min and 100/h by default; 50 recipients and 10 MB
 * per message; 429 with `Retry-After` when throttled, surfaced as {@link EmailThrottledError}.
 *
 * Headers. ACS takes custom headers as the `headers` dictionary of the request body, not as SMTP
 * lines; In-Reply-To, References, Auto-Submitted and X-Auto-Response-Suppress travel that way.
 * `Message-ID` is accepted there too, but ACS validates it ("Email headers",
 * https://learn.microsoft.com/azure/communication-services/concepts/email/email-headers): it
 * must be RFC 2822 `<local@domain>` (angle brackets and an `@`) and not a duplicate of one
 * already sent. By default an invalid one is silently removed and ACS generates its own, so
 * replies would no longer thread onto the case; with the reserved header
 * `x-ms-acsemail-validate-message-id: true` ACS answers 400 instead. This adapter does not set
 * that header (a resend after a lost 202 would then fail with 400 rather than be re-sent).
 * The sender's display name is not part of the request: ACS takes it from the sender username
 * configured on the verified domain, so `from.displayName` is not sent (the Azure-managed domain
 * has only `DoNotReply`; custom domains with raised limits can add sender usernames with display
 * names). `replyTo` is sent as the body's `replyTo` list, address and display name.
 *
 * Retries. The Azure SDK pipeline retries 429/503 by itself after `Retry-After` (no upper bound,
 * up to 3 times). For the send request this adapter turns a 429 into {@link EmailThrottledError}
 * at once, so the activity fails fast and the orchestration decides when to retry (activities are
 * at-least-once; a durable timer costs nothing while an activity sleeping in the SDK holds a
 * worker). Status polls (`GET`, idempotent) keep the SDK's retries.
 */
import { EmailClient, type EmailClientOptions, type EmailMessage as AcsEmailMessage } from "@azure/communication-email";
import type { TokenCredential } from "@azure/identity";
import type { EmailMessage, EmailSendResult, EmailSender } from "../ports";
import { EmailSendError, EmailThrottledError } from "./errors";
import { acsFault, retryAfterOf } from "./faults";

/** Options of {@link AcsEmailSender}: a connection string, or an endpoint with a credential. */
export type AcsEmailSenderOptions = (
  | {
      /** `endpoint=https://<resource>.communication.azure.com/;accesskey=<base64>` (HMAC-SHA256 request signing). */
      connectionString: string;
    }
  | {
      /** `https://<resource>.communication.azure.com`. */
      endpoint: string;
      /** Microsoft Entra credential (e.g. the Function App's managed identity). */
      credential: TokenCredential;
    }
) & {
  /** Fallback delay between status polls, in milliseconds (a `Retry-After` on the responses wins). Default 2000. */
  pollIntervalInMs?: number;
  /**
   * How long to poll an accepted send for its final status, in milliseconds. Default 60,000. Past
   * it the email counts as sent (ACS accepted it and delivers or fails it on its own): sending it
   * again could deliver it twice.
   */
  pollDeadlineInMs?: number;
  /**
   * Allows a plain-http endpoint. Only for a local stand-in of ACS in tests; ACS itself is https
   * only. Default false (the SDK then refuses `http:` endpoints).
   */
  allowInsecureConnection?: boolean;
};

type PipelinePolicy = NonNullable<EmailClientOptions["additionalPolicies"]>[number]["policy"];

/**
 * A per-retry pipeline policy (it sees every attempt's raw response, inside the SDK's retry
 * loop) that throws {@link EmailThrottledError} on a 429 to the send request. A non-RestError
 * stops the SDK's retry policy, which would otherwise wait `Retry-After` and send again.
 */
const throwOnThrottledSendPolicy: PipelinePolicy = {
  name: "throwOnThrottledSend",
  async sendRequest(request, next) {
    const response = await next(request);
    if (response.status === 429 && request.method === "POST") throw new EmailThrottledError(retryAfterOf(response.headers) ?? DEFAULT_RETRY_AFTER_IN_MS);
    return response;
  },
};

/** The wait assumed when a 429 names none (ACS counts its quotas per minute). */
const DEFAULT_RETRY_AFTER_IN_MS = 60_000;

/** {@link EmailSender} over ACS Email. */
export class AcsEmailSender implements EmailSender {
  readonly #client: EmailClient;
  readonly #endpoint: string;
  readonly #pollIntervalInMs: number;
  readonly #pollDeadlineInMs: number;

  /** @param options - connection string, or endpoint plus credential (managed identity); poll interval. */
  constructor(options: AcsEmailSenderOptions) {
    const clientOptions: EmailClientOptions = {
      additionalPolicies: [{ policy: throwOnThrottledSendPolicy, position: "perRetry" }],
      ...(options.allowInsecureConnection ? { allowInsecureConnection: true } : {}),
    };
    if ("connectionString" in options) {
      this.#client = new EmailClient(options.connectionString, clientOptions);
      this.#endpoint = /endpoint=([^;]+)/i.exec(options.connectionString)?.[1] ?? "";
    } else {
      this.#client = new EmailClient(options.endpoint, options.credential, clientOptions);
      this.#endpoint = options.endpoint;
    }
    this.#pollIntervalInMs = options.pollIntervalInMs ?? 2000;
    this.#pollDeadlineInMs = options.pollDeadlineInMs ?? 60_000;
  }

  /**
   * Queues the message and waits for the operation to finish, for at most `pollDeadlineInMs`
   * (then the accepted operation's id is returned as sent: a resend could deliver twice). Sends `senderAddress`,
   * `recipients.to`/`cc` and `replyTo` (address and display name), `content.subject/plainText/html`, `headers`
   * (the message's headers plus `Message-ID`) and `userEngagementTrackingDisabled: true`.
   * @param message - the email; `messageId` must be `<local@domain>` or ACS replaces it (see above).
   * @returns the ACS operation id (`id` of the operation, also the `operation-id` header).
   * @throws EmailThrottledError on 429 to the send request, with `retryAfterInMs` from
   *   `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After` (seconds or HTTP date; 60 s if absent).
   * @throws EmailSendError classified by ./faults.ts `acsFault`: permanent when ACS rejects the
   *   message (4xx) or the operation ends `Failed` or `Canceled` (the message carries ACS's error
   *   code and message); transient for 5xx, 401/403, a sender ACS refuses, or an unreachable endpoint.
   */
  async send(message: EmailMessage): Promise<EmailSendResult> {
    const acsMessage: AcsEmailMessage = {
      senderAddress: message.from.address,
      content: { subject: message.subject, plainText: message.text, html: message.html },
      recipients: { to: message.to, ...(message.cc ? { cc: message.cc } : {}) },
      ...(message.replyTo?.length ? { replyTo: message.replyTo } : {}),
      headers: { ...message.headers, "Message-ID": message.messageId },
      disableUserEngagementTracking: true,
    };
    try {
      // The accepted send's operation id, from the 202 (its `operation-id` header, or the body's `id`).
      let accepted: string | undefined;
      const onResponse = (raw: { status: number; headers: { get(name: string): string | undefined }; parsedBody?: unknown }): void => {
        if (raw.status === 202) accepted ??= raw.headers.get("operation-id") ?? (raw.parsedBody as { id?: string } | undefined)?.id;
      };
      const poller = await this.#client.beginSend(acsMessage, { updateIntervalInMs: this.#pollIntervalInMs, onResponse });
      const deadline = AbortSignal.timeout(this.#pollDeadlineInMs);
      let result: Awaited<ReturnType<typeof poller.pollUntilDone>>;
      try {
        result = await poller.pollUntilDone({ abortSignal: deadline });
      } catch (e) {
        // Accepted (202) and still running at the deadline: sent, as far as this activity can know.
        if (deadline.aborted && accepted !== undefined) return { providerMessageId: accepted };
        throw e;
      }
      if (result.status !== "Succeeded") {
        const operation = { status: result.status, ...(result.error?.code ? { code: result.error.code } : {}), ...(result.error?.message ? { message: result.error.message } : {}) };
        throw new EmailSendError(acsFault(undefined, operation));
      }
      return { providerMessageId: result.id };
    } catch (e) {
      if (e instanceof EmailSendError || e instanceof EmailThrottledError) throw e;
      const fault = acsFault(e);
      if (fault.code === "throttled") throw new EmailThrottledError(fault.retryAfterInMs ?? DEFAULT_RETRY_AFTER_IN_MS, { cause: e });
      throw new EmailSendError({ ...fault, message: `ACS send failed: ${fault.message}`.slice(0, 1000) }, { cause: e });
    }
  }

  /**
   * Checks the ACS endpoint answers HTTP (any status counts: there is no cheap authenticated
   * probe that does not send mail).
   * @throws Error when the endpoint is unreachable.
   */
  async checkHealth(): Promise<void> {
    if (!this.#endpoint) throw new Error("ACS endpoint unknown");
    await fetch(this.#endpoint, { method: "GET", signal: AbortSignal.timeout(5000) });
  }
}
