/**
 * SmtpEmailSender against a real SMTP server (smtp-server on a free loopback port): emails sent close
 * together share a connection; once the pool has been idle it is closed, and the next email opens a
 * new connection and is delivered; a connection the server closed is not reused. (A send that meets a
 * connection closing at that very moment fails as a transient `unreachable` fault, which the activity
 * retries: tested with the mail server down in emailFailures.test.ts.)
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { SmtpEmailSender } from "../../../shared/adapters/smtpEmailSender";
import { emailMessage } from "../../support/builders";
import { waitUntil } from "../../support/wait";

interface CountingSmtp {
  port: number;
  connections: number;
  open: number;
  delivered: string[];
  server: SMTPServer;
  close(): Promise<void>;
}

async function startCountingSmtp(): Promise<CountingSmtp> {
  const state = { connections: 0, open: 0, delivered: [] as string[] };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onConnect(_session, callback) {
      state.connections++;
      state.open++;
      callback();
    },
    onClose() {
      state.open--;
    },
    onData(stream, _session, callback) {
      let data = "";
      stream.on("data", (c: Buffer) => (data += c.toString("utf8")));
      stream.on("end", () => {
        state.delivered.push(/^Subject: (.*)$/m.exec(data)?.[1] ?? "");
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(state, { port, server, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }) as CountingSmtp;
}

const message = emailMessage;

let smtp: CountingSmtp;
beforeEach(async () => {
  smtp = await startCountingSmtp();
});
afterEach(async () => {
  await smtp.close();
});

test("emails sent one after another share one connection; every one is delivered", async () => {
  const sender = new SmtpEmailSender({ host: "127.0.0.1", port: smtp.port, maxConnections: 1 });
  try {
    for (let i = 1; i <= 5; i++) await sender.send(message(`Update ${i}`));
    expect(smtp.delivered).toEqual(["Update 1", "Update 2", "Update 3", "Update 4", "Update 5"]);
    expect(smtp.connections).toBe(1);
  } finally {
    sender.close();
  }
});

test("an idle pool is closed, and the next email opens a new connection and is delivered", async () => {
  const sender = new SmtpEmailSender({ host: "127.0.0.1", port: smtp.port, idleCloseInMs: 100 });
  try {
    await sender.send(message("Before the pause"));
    await waitUntil(() => smtp.open === 0, 5000, "every SMTP connection to close");
    await sender.send(message("After the pause"));
    expect(smtp.delivered).toEqual(["Before the pause", "After the pause"]);
    expect(smtp.connections).toBe(2);
  } finally {
    sender.close();
  }
});

test("a connection the server closed is left, and the next email is delivered over a new one", async () => {
  const sender = new SmtpEmailSender({ host: "127.0.0.1", port: smtp.port, maxConnections: 1 });
  try {
    await sender.send(message("First"));
    // The server ends every open connection (as a relay restarting or timing out idle clients does);
    // its close event comes once both ends have closed the socket.
    for (const connection of (smtp.server as unknown as { connections: Set<{ close(): void }> }).connections) connection.close();
    await waitUntil(() => smtp.open === 0, 5000, "every SMTP connection to close");
    await sender.send(message("Second"));
    expect(smtp.delivered).toEqual(["First", "Second"]);
    expect(smtp.connections).toBe(2);
  } finally {
    sender.close();
  }
});
