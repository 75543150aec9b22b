/**
 * A mail relay of the tests' own, put between the app and MailDev to play a mail service that
 * fails: a TCP front (loopback, a free port) that either forwards connections to a real SMTP
 * server (smtp-server) or drops them at once (the mail server down: every send fails with a
 * connection error), and that SMTP server refuses the recipients a test names (550 / 501 to
 * `RCPT TO`) and relays everything else, byte for byte with its envelope, to MailDev.
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";

/** A running relay. */
export interface MailRelay {
  /** The port the app sends to (`SMTP_PORT`). */
  port: number;
  /** Recipients refused permanently, by lower-case address: the reply code and text. */
  readonly refuse: Map<string, { code: number; message: string }>;
  /** Connections dropped while down. */
  readonly dropped: number;
  /** Messages relayed to MailDev. */
  readonly relayed: number;
  /** Drops every new connection (and the open ones) until {@link up}. */
  down(): void;
  /** Forwards connections again. */
  up(): void;
  /** Whether it forwards. */
  readonly isUp: boolean;
  close(): Promise<void>;
}

/**
 * Starts the relay on free loopback ports.
 * @param target - the MailDev SMTP port to relay to (asked per message: the stack may start after the relay).
 */
export async function startMailRelay(target: () => number): Promise<MailRelay> {
  const refuse = new Map<string, { code: number; message: string }>();
  let relayed = 0;
  let dropped = 0;
  let isUp = true;
  const sockets = new Set<net.Socket>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    size: 50 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const r = refuse.get(address.address.toLowerCase());
      if (r) return callback(Object.assign(new Error(r.message), { responseCode: r.code }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const transport = nodemailer.createTransport({ host: "127.0.0.1", port: target(), secure: false, ignoreTLS: true });
        const envelope = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address) };
        transport
          .sendMail({ envelope, raw: Buffer.concat(chunks) })
          .then(() => {
            relayed += 1;
            callback();
          })
          .catch((e: Error) => callback(Object.assign(new Error(`relay to MailDev failed: ${e.message}`), { responseCode: 451 })))
          .finally(() => transport.close());
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const front = net.createServer((client) => {
    if (!isUp) {
      dropped += 1;
      client.destroy();
      return;
    }
    const upstream = net.connect(smtpPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  const port = (front.address() as AddressInfo).port;
  return {
    port,
    refuse,
    get dropped() {
      return dropped;
    },
    get relayed() {
      return relayed;
    },
    get isUp() {
      return isUp;
    },
    down() {
      isUp = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    up() {
      isUp = true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}
