/**
 * The cost of one email over SMTP as the app sends it (shared/adapters/smtpEmailSender.ts, a
 * nodemailer pool), against a local SMTP server (smtp-server on a free loopback port, accepting
 * every message, with its usual 100 ms wait before the greeting that catches early talkers, as
 * MailDev has): `npm run bench:smtp` prints the latency of one send, in ms, on a pooled connection
 * already open (the session reused) and on a new session each time (the pool closed between
 * sends: TCP, greeting, EHLO). Figures are recorded in bench/RESULTS.md, never asserted.
 *
 * `BENCH_SMTP_SENDS` sends on the pool (default 200), a tenth of that (at least 5) on new sessions.
 */
import type { AddressInfo } from "node:net";
import nodemailerPackage from "nodemailer/package.json";
import { SMTPServer } from "smtp-server";
import { SmtpEmailSender } from "../shared/adapters/smtpEmailSender";
import type { EmailMessage } from "../shared/ports";
import { percentile } from "./stats";

/** A status email's size: a text part and an HTML part of about 1 KB each. */
const message = (i: number): EmailMessage => ({
  from: { address: "support@partner.example", displayName: "Partner Support" },
  to: [{ address: "customer@contoso.example", displayName: "Customer" }],
  subject: `[Case #bench-${i}] We received your request`,
  text: "Thank you for contacting us. ".repeat(36),
  html: `<p>${"Thank you for contacting us. ".repeat(36)}</p>`,
  messageId: `<bench-${i}.${Date.now()}@partner.example>`,
  headers: { "Auto-Submitted": "auto-generated" },
});

function summary(label: string, timesInMs: number[]): string {
  const s = [...timesInMs].sort((a, b) => a - b);
  return `- ${label} (${s.length} sends): p50 ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, max ${(s.at(-1) as number).toFixed(1)} ms`;
}

async function timed(sender: SmtpEmailSender, i: number): Promise<number> {
  const started = performance.now();
  await sender.send(message(i));
  return performance.now() - started;
}

async function main(): Promise<void> {
  const sends = Math.max(10, Number(process.env.BENCH_SMTP_SENDS ?? 200));
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on("end", () => {
        received++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  const sender = new SmtpEmailSender({ host: "127.0.0.1", port });
  try {
    await sender.send(message(-1)); // opens the pool's connection
    const pooled: number[] = [];
    for (let i = 0; i < sends; i++) pooled.push(await timed(sender, i));
    const fresh: number[] = [];
    for (let i = 0; i < Math.max(5, Math.round(sends / 10)); i++) {
      sender.close();
      fresh.push(await timed(sender, sends + i));
    }
    console.log(`SMTP send (nodemailer ${nodemailerPackage.version}, smtp-server on loopback, ${received} messages received):`);
    console.log(summary("on an open pooled connection", pooled));
    console.log(summary("on a new session each time", fresh));
  } finally {
    sender.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
