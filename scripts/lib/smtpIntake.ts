/**
 * The local SMTP intake: an `smtp-server` listener on 127.0.0.1 that accepts mail only
 * for the registered partners' support addresses (`contacts.support`; other recipients → 550), adds
 * `Return-Path: <envelope-from>` (RFC 5321 4.4, as the final MTA does) and writes the raw message
 * to the `inbound-email` container as `<partnerId>/<ts>-<id>.eml`, one blob per partner recipient.
 * So a message sent with any SMTP client follows the production path (the blob trigger).
 *
 * Sizes: the listener does NOT enforce `INBOUND_EMAIL_MAX_BYTES` itself. A message over that cap
 * is accepted and written to the container like any other, so the pipeline quarantines it as
 * `too-large` and tells the partner ("nothing is dropped"; the sender's MTA would otherwise
 * bounce it and the partner would never know). Only the transport has a hard limit,
 * {@link smtpTransportMaxBytes} = max(2 × `INBOUND_EMAIL_MAX_BYTES`, 25 MiB) by default: it is
 * advertised as `SIZE` (RFC 1870), and a message above it gets 552 (at `MAIL FROM … SIZE=` when
 * declared, else after the data), since the whole message is held in memory before it is stored.
 */
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import type { Container } from "../../shared/container";
import { submitInboundEmail } from "../../shared/services/inboundEmail";

/** Options of {@link startSmtpIntake}. */
export interface SmtpIntakeOptions {
  /** The composition root over the host's settings (partners, blob store, limits). */
  container: Container;
  /** Port; 0 picks a free one. Default 2525. */
  port?: number;
  /** Interface; default 127.0.0.1. */
  host?: string;
  /**
   * Hard transport limit in bytes (advertised `SIZE`; larger messages → 552). Default
   * {@link smtpTransportMaxBytes} of `INBOUND_EMAIL_MAX_BYTES`; never below that cap.
   */
  transportMaxBytes?: number;
  /** How long the partner address map is cached, in ms; default 5000. */
  addressCacheInMs?: number;
  log?: (message: string) => void;
}

/** A running SMTP intake. */
export interface SmtpIntake {
  /** The bound port. */
  port: number;
  /** The hard transport limit in bytes (advertised `SIZE`); messages above the pipeline cap but within it are accepted. */
  transportMaxBytes: number;
  /** Stops accepting connections and closes the server. */
  close(): Promise<void>;
}

/** Floor of the default hard transport limit: 25 MiB, a common MTA message size limit. */
export const SMTP_TRANSPORT_MIN_LIMIT_BYTES = 25 * 1024 * 1024;

/**
 * The default hard transport limit of the SMTP intake for a pipeline cap: twice the cap, at least
 * {@link SMTP_TRANSPORT_MIN_LIMIT_BYTES}. Messages between the cap and this limit are accepted and
 * quarantined by the pipeline as `too-large`.
 * @param maxBytes - `INBOUND_EMAIL_MAX_BYTES`.
 */
export function smtpTransportMaxBytes(maxBytes: number): number {
  return Math.max(2 * maxBytes, SMTP_TRANSPORT_MIN_LIMIT_BYTES);
}

/**
 * Starts the SMTP intake.
 * @throws Error when the port cannot be bound.
 */
export async function startSmtpIntake(options: SmtpIntakeOptions): Promise<SmtpIntake> {
  const { container } = options;
  const log = options.log ?? (() => undefined);
  const capBytes = container.config.INBOUND_EMAIL_MAX_BYTES;
  const maxBytes = Math.max(options.transportMaxBytes ?? smtpTransportMaxBytes(capBytes), capBytes);
  const tooLarge = () => Object.assign(new Error(`5.3.4 Message size exceeds the transport limit of ${maxBytes} bytes`), { responseCode: 552 });
  const cacheMs = options.addressCacheInMs ?? 5000;
  let cache: { at: number; map: Map<string, string> } | undefined;
  const addresses = async (): Promise<Map<string, string>> => {
    if (cache && Date.now() - cache.at < cacheMs) return cache.map;
    const map = new Map<string, string>();
    for (const p of await container.partners.listPartners()) map.set(p.contacts.support.toLowerCase(), p.id);
    cache = { at: Date.now(), map };
    return map;
  };

  const server = new SMTPServer({
    name: "csp-support-intake.local",
    banner: "CSP support email intake (local)",
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: maxBytes,
    logger: false,
    onMailFrom(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const declared = Number((address.args as Record<string, string> | false | undefined) && (address.args as Record<string, string>).SIZE);
      if (Number.isFinite(declared) && declared > maxBytes) return callback(tooLarge());
      callback();
    },
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      addresses().then(
        (map) => (map.has(address.address.toLowerCase()) ? callback() : callback(Object.assign(new Error(`5.1.1 <${address.address}>: no such support mailbox here`), { responseCode: 550 }))),
        (e: unknown) => callback(Object.assign(new Error(`4.3.0 Partner lookup failed: ${(e as Error).message}`), { responseCode: 451 })),
      );
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      let received = 0;
      stream.on("data", (c: Buffer) => {
        received += c.length;
        // Over the hard limit the rest is read and discarded (the answer is 552), never buffered.
        if (received <= maxBytes) chunks.push(c);
      });
      stream.on("end", () => {
        if (stream.sizeExceeded || received > maxBytes) return callback(tooLarge());
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        const raw = Buffer.concat([Buffer.from(`Return-Path: <${envelopeFrom}>\r\n`, "latin1"), ...chunks]);
        void (async () => {
          const map = await addresses();
          const partnerIds = [...new Set(session.envelope.rcptTo.map((r) => map.get(r.address.toLowerCase())).filter((id): id is string => id !== undefined))];
          for (const partnerId of partnerIds) {
            const { blobName } = await submitInboundEmail({ blobs: container.inboundBlobs, clock: container.clock }, partnerId, raw, { relay: "smtp", envelopefrom: envelopeFrom });
            log(`SMTP intake: message from <${envelopeFrom}> stored as inbound-email/${blobName}`);
          }
        })().then(
          () => callback(),
          (e: unknown) => callback(Object.assign(new Error(`4.3.0 Could not store the message: ${(e as Error).message}`), { responseCode: 451 })),
        );
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 2525, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      const addr = server.server.address();
      resolve(typeof addr === "object" && addr ? addr.port : 0);
    });
  });
  server.on("error", (e: Error) => log(`SMTP intake error: ${e.message}`));
  return {
    port,
    transportMaxBytes: maxBytes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
