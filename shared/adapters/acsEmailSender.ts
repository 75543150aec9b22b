/**
 * Email through Azure Communication Services (`EmailClient.beginSend` + `pollUntilDone`).
 * Limits (ACS docs): custom domains 30 sends/min and 100/h by default; 50 recipients and 10 MB
 * per message; 429 with `Retry-After` when throttled, surfaced as {@link EmailThrottledError}.
 * Custom headers (Message-ID, In-Reply-To, References, Auto-Submitted, …) are passed through.
 */
import { EmailClient, type EmailMessage as AcsEmailMessage } from "@azure/communication-email";
import type { TokenCredential } from "@azure/identity";
import type { EmailMessage, EmailSendResult, EmailSender } from "../ports";
import { EmailSendError, EmailThrottledError } from "./errors";
import { statusOf } from "./tableStorage";

/** Options of {@link AcsEmailSender}: a connection string, or an endpoint with a credential. */
export type AcsEmailSenderOptions =
  | { connectionString: string; pollIntervalInMs?: number }
  | { endpoint: string; credential: TokenCredential; pollIntervalInMs?: number };

function retryAfterInMs(error: unknown): number {
  const headers = (error as { response?: { headers?: { get?: (n: string) => string | undefined } } }).response?.headers;
  const ms = headers?.get?.("retry-after-ms") ?? headers?.get?.("x-ms-retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const ra = headers?.get?.("retry-after");
  if (ra) {
    const seconds = Number(ra);
    if (Number.isFinite(seconds)) return seconds * 1000;
    const date = Date.parse(ra);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  return 60_000;
}

/** {@link EmailSender} over ACS Email. */
export class AcsEmailSender implements EmailSender {
  readonly #client: EmailClient;
  readonly #endpoint: string;
  readonly #pollIntervalInMs: number;

  /** @param options - connection string, or endpoint plus credential (managed identity). */
  constructor(options: AcsEmailSenderOptions) {
    if ("connectionString" in options) {
      this.#client = new EmailClient(options.connectionString);
      this.#endpoint = /endpoint=([^;]+)/i.exec(options.connectionString)?.[1] ?? "";
    } else {
      this.#client = new EmailClient(options.endpoint, options.credential);
      this.#endpoint = options.endpoint;
    }
    this.#pollIntervalInMs = options.pollIntervalInMs ?? 2000;
  }

  /**
   * Queues the message and waits for the operation to finish.
   * @returns the ACS operation id.
   * @throws EmailThrottledError on 429 (with `retryAfterInMs`).
   * @throws EmailSendError when ACS rejects the message or the operation fails.
   */
  async send(message: EmailMessage): Promise<EmailSendResult> {
    const acsMessage: AcsEmailMessage = {
      senderAddress: message.from.address,
      content: { subject: message.subject, plainText: message.text, html: message.html },
      recipients: { to: message.to, ...(message.cc ? { cc: message.cc } : {}) },
      headers: { ...message.headers, "Message-ID": message.messageId },
      disableUserEngagementTracking: true,
    };
    try {
      const poller = await this.#client.beginSend(acsMessage, { updateIntervalInMs: this.#pollIntervalInMs });
      const result = await poller.pollUntilDone();
      if (result.status !== "Succeeded") throw new EmailSendError(`ACS send ${result.status}: ${result.error?.message ?? "no detail"}`);
      return { providerMessageId: result.id };
    } catch (e) {
      if (e instanceof EmailSendError) throw e;
      if (statusOf(e) === 429) throw new EmailThrottledError(retryAfterInMs(e), { cause: e });
      throw new EmailSendError(`ACS send failed: ${(e as Error).message}`, { cause: e });
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
