/**
 * SmtpEmailSender's faults from the errors nodemailer really raises, against a real SMTP server
 * (smtp-server on a free loopback port) that answers each stage of a session as a relay can: a
 * refused login, a sender refused, a recipient refused for good or deferred, the message refused
 * at DATA, the service closing (421), a connection dropped before the greeting and a closed port.
 * Each case asserts the fault the email activity records and retries by (class and code), so a
 * change of the library's error shapes (codes, `responseCode`, `command`) shows here.
 */
import type { AddressInfo } from "node:net";
import net from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { EmailSendError } from "../../../shared/adapters/errors";
import { SmtpEmailSender } from "../../../shared/adapters/smtpEmailSender";
import { emailMessage } from "../../support/builders";
import { getFreePort } from "../../support/azurite";

const message = emailMessage("Your request");

const refusal = (code: number, text: string): Error => Object.assign(new Error(text), { responseCode: code });

async function withServer(options: SMTPServerOptions, run: (port: number) => Promise<void>): Promise<void> {
  const server = new SMTPServer({ disabledCommands: ["STARTTLS"], logger: false, disableReverseLookup: true, ...options });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await run((server.server.address() as AddressInfo).port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function faultOfSend(sender: SmtpEmailSender): Promise<EmailSendError["fault"]> {
  try {
    await sender.send(message);
  } catch (e) {
    expect(e).toBeInstanceOf(EmailSendError);
    return (e as EmailSendError).fault;
  } finally {
    sender.close();
  }
  throw new Error("the send was accepted");
}

const sendTo = (port: number, extra: Partial<ConstructorParameters<typeof SmtpEmailSender>[0]> = {}) => faultOfSend(new SmtpEmailSender({ host: "127.0.0.1", port, timeoutInMs: 3000, ...extra }));

describe("SMTP faults from a real server", () => {
  it("a recipient refused for good (550 to RCPT TO) is permanent `recipient-refused`", async () => {
    await withServer({ authOptional: true, onRcptTo: (_a, _s, cb) => cb(refusal(550, "No such user")) }, async (port) => {
      expect(await sendTo(port)).toMatchObject({ class: "permanent", code: "recipient-refused", message: expect.stringContaining("No such user") });
    });
  });

  it("a recipient deferred (450 to RCPT TO) is transient `service-unavailable`", async () => {
    await withServer({ authOptional: true, onRcptTo: (_a, _s, cb) => cb(refusal(450, "Mailbox busy")) }, async (port) => {
      expect(await sendTo(port)).toMatchObject({ class: "transient", code: "service-unavailable" });
    });
  });

  it("the sender refused (553 to MAIL FROM: the relay does not let this address send) is transient `sender-rejected`", async () => {
    await withServer({ authOptional: true, onMailFrom: (_a, _s, cb) => cb(refusal(553, "Sender not allowed")) }, async (port) => {
      expect(await sendTo(port)).toMatchObject({ class: "transient", code: "sender-rejected" });
    });
  });

  it("the message refused at DATA (554) is permanent `message-rejected`", async () => {
    await withServer({ authOptional: true, onData: (stream, _s, cb) => { stream.resume(); stream.on("end", () => cb(refusal(554, "Message refused as spam"))); } }, async (port) => {
      expect(await sendTo(port)).toMatchObject({ class: "permanent", code: "message-rejected" });
    });
  });

  it("a login refused (535) is transient `sender-rejected` (credentials an operator rotates)", async () => {
    await withServer({ authMethods: ["PLAIN", "LOGIN"], allowInsecureAuth: true, onAuth: (_auth, _s, cb) => cb(refusal(535, "Authentication credentials invalid")) }, async (port) => {
      expect(await sendTo(port, { auth: { user: "relay", pass: "wrong" } })).toMatchObject({ class: "transient", code: "sender-rejected" });
    });
  });

  it("a relay that requires a login and gets none (530) is transient `sender-rejected`", async () => {
    await withServer({ authMethods: ["PLAIN", "LOGIN"], allowInsecureAuth: true, onAuth: (_auth, _s, cb) => cb(null, { user: "relay" }) }, async (port) => {
      expect(await sendTo(port)).toMatchObject({ class: "transient", code: "sender-rejected" });
    });
  });

  it("the service closing (421 to MAIL FROM) is transient `service-unavailable`", async () => {
    await withServer({ authOptional: true, onMailFrom: (_a, _s, cb) => cb(refusal(421, "Too many connections, try later")) }, async (port) => {
      expect(await sendTo(port)).toMatchObject({ class: "transient", code: "service-unavailable" });
    });
  });

  it("a connection dropped before the greeting is transient (`unreachable` or `timeout`)", async () => {
    const dropper = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropper.listen(0, "127.0.0.1", resolve));
    try {
      const fault = await sendTo((dropper.address() as AddressInfo).port);
      expect(fault.class).toBe("transient");
      expect(["unreachable", "timeout"]).toContain(fault.code);
    } finally {
      await new Promise<void>((resolve) => dropper.close(() => resolve()));
    }
  });

  it("a closed port is transient `unreachable`", async () => {
    expect(await sendTo(await getFreePort())).toMatchObject({ class: "transient", code: "unreachable" });
  });
});
