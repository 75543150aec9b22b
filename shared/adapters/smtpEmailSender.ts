/**
 * Email over SMTP with nodemailer (local development against MailDev, or any SMTP relay).
 * From (with its display name), To, Cc and Reply-To are sent as given.
 * The Message-ID is ours (deterministic per case and notification, so a duplicate send after a
 * crash threads and de-duplicates in mail clients); In-Reply-To and References are passed as
 * nodemailer's own fields, other headers as given.
 */
import nodemailer, { type SendMailOptions, type Transporter } from "nodemailer";
import type { EmailMessage, EmailSendResult, EmailSender } from "../ports";
import { EmailSendError } from "./errors";
import { smtpFault } from "./faults";

/** Options of {@link SmtpEmailSender}. */
export interface SmtpEmailSenderOptions {
  host: string;
  port: number;
  /** Implicit TLS (port 465). Otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /** Socket/greeting timeouts in ms. Default 10 000. */
  timeoutInMs?: number;
  /** Connections kept open to the server at most (nodemailer pool `maxConnections`). Default 4. */
  maxConnections?: number;
  /**
   * How long connections stay open with nothing to send, in ms, before they are closed (the next
   * email opens a new one). Default 30 000: status emails a few seconds apart (an acknowledgement,
   * then the partner's diagnosis) reuse the connection instead of paying a new session (TCP, the
   * server's greeting delay — smtp-server and MailDev wait 100 ms to catch early talkers —, EHLO,
   * STARTTLS, AUTH); it stays below the idle timeouts of common servers (smtp-server 60 s, Postfix
   * 300 s; RFC 5321 section 4.5.3.2.7 asks servers for at least 5 minutes), so the client closes
   * first, and an app without mail to send holds none.
   */
  idleCloseInMs?: number;
}

function formatAddress(a: { address: string; displayName?: string }): { name: string; address: string } | string {
  return a.displayName ? { name: a.displayName, address: a.address } : a.address;
}

/**
 * The nodemailer message of an {@link EmailMessage}: addresses with display names, subject, text
 * and HTML parts, our Message-ID, In-Reply-To and References as nodemailer's own fields (so it
 * formats them), every other header as given.
 * @param message - the email as an activity built it (after `withSafeHeaderText`).
 */
export function toNodemailerMessage(message: EmailMessage): SendMailOptions {
  const headers: Record<string, string> = {};
  let inReplyTo: string | undefined;
  let references: string | undefined;
  for (const [name, value] of Object.entries(message.headers)) {
    const lower = name.toLowerCase();
    if (lower === "in-reply-to") inReplyTo = value;
    else if (lower === "references") references = value;
    else if (lower !== "message-id") headers[name] = value;
  }
  return {
    from: formatAddress(message.from),
    to: message.to.map(formatAddress),
    cc: message.cc?.map(formatAddress),
    ...(message.replyTo?.length ? { replyTo: message.replyTo.map(formatAddress) } : {}),
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    inReplyTo,
    references,
    headers,
  };
}

/**
 * {@link EmailSender} over SMTP. Connections are pooled (nodemailer `pool: true`): emails sent close
 * together share a connection instead of paying TCP, greeting and STARTTLS for each; the pool is
 * closed once it has been idle for `idleCloseInMs` and opened again by the next email. nodemailer
 * 10.1 and later turn Nagle's algorithm off on its sockets: with it on, the end of each message
 * waited for the server's delayed ACK (about 40 ms per email on Linux).
 */
export class SmtpEmailSender implements EmailSender {
  readonly #options: SmtpEmailSenderOptions;
  #transport: Transporter | undefined;
  #inFlight = 0;
  #idleTimer: NodeJS.Timeout | undefined;

  /** @param options - server, TLS, credentials and pooling. */
  constructor(options: SmtpEmailSenderOptions) {
    this.#options = options;
  }

  /** The open pool, or a new one; an idle close pending is cancelled. */
  #pool(): Transporter {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (!this.#transport) {
      const o = this.#options;
      const timeout = o.timeoutInMs ?? 10_000;
      this.#transport = nodemailer.createTransport({
        pool: true,
        maxConnections: o.maxConnections ?? 4,
        host: o.host,
        port: o.port,
        secure: o.secure ?? false,
        auth: o.auth,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      });
    }
    return this.#transport;
  }

  /** Closes the pool once nothing has been sent for `idleCloseInMs` (the timer never keeps the process alive). */
  #scheduleIdleClose(): void {
    if (this.#inFlight > 0) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#inFlight === 0) this.close();
    }, this.#options.idleCloseInMs ?? 30_000);
    this.#idleTimer.unref();
  }

  /**
   * Sends the message.
   * @returns the SMTP Message-ID as provider id, and the recipients the server refused while it
   *   accepted the message for others.
   * @throws EmailSendError classified by ./faults.ts `smtpFault`: `recipient-refused` (every
   *   recipient refused with 5xx), `message-rejected`, `sender-rejected` (transient), `unreachable`,
   *   `timeout`, `deferred` (4xx).
   */
  async send(message: EmailMessage): Promise<EmailSendResult> {
    const transport = this.#pool();
    this.#inFlight++;
    try {
      const info = await transport.sendMail(toNodemailerMessage(message));
      const rejected = ((info as { rejected?: Array<string | { address: string }> }).rejected ?? []).map((r) => (typeof r === "string" ? r : r.address));
      return { providerMessageId: String(info.messageId ?? message.messageId), ...(rejected.length > 0 ? { rejectedRecipients: rejected } : {}) };
    } catch (e) {
      const fault = smtpFault(e);
      const rejected = ((e as { rejected?: unknown }).rejected ?? []) as Array<string | { address: string }>;
      throw new EmailSendError({ ...fault, message: `SMTP send failed: ${fault.message}`.slice(0, 1000) }, { cause: e, rejectedRecipients: rejected.map((r) => (typeof r === "string" ? r : r.address)) });
    } finally {
      this.#inFlight--;
      this.#scheduleIdleClose();
    }
  }

  /** Connects and authenticates (nodemailer `verify()`). @throws Error when the server is unreachable or refuses. */
  async checkHealth(): Promise<void> {
    try {
      await this.#pool().verify();
    } finally {
      this.#scheduleIdleClose();
    }
  }

  /** Closes the pooled connections now (sends in flight finish first); the next email opens a new pool. */
  close(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    const transport = this.#transport;
    this.#transport = undefined;
    transport?.close();
  }
}
