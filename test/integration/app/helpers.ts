/**
 * Helpers for the app integration tests: a configuration over the Jest Azurite with a unique
 * table prefix per test file, partner definitions, a port-level fake workflow, MailDev, and a
 * Standard Webhooks signer.
 */
import { randomBytes } from "node:crypto";
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { Webhook } from "standardwebhooks";
import { generateLocalKeyEntry } from "../../../shared/adapters/localKeyEncryptionKeys";
import { loadConfig, type Config } from "../../../shared/config";
import type { Container } from "../../../shared/container";
import type { SupportRequest } from "../../../shared/contracts";
import type { EmailMessage, EmailSender } from "../../../shared/ports";
import { getFreePort } from "../../support/azurite";

/** A configuration over the test Azurite with its own tables (`TABLE_PREFIX` = given + random suffix). */
export function testConfig(prefix: string, extra: Record<string, string> = {}): Config {
  const cs = process.env.AZURE_STORAGE_CONNECTION_STRING;
  if (!cs) throw new Error("AZURE_STORAGE_CONNECTION_STRING is not set (Jest globalSetup starts Azurite)");
  return loadConfig({
    AzureWebJobsStorage: cs,
    TASK_HUB_NAME: "TestHub",
    TABLE_PREFIX: `${prefix}${randomBytes(4).toString("hex")}`,
    PUBLIC_BASE_URL: "http://127.0.0.1:7071",
    // A fresh local key encryption key per configuration (secrets at rest are sealed under it).
    SECRETS_LOCAL_KEYS: generateLocalKeyEntry("test"),
    ...extra,
  });
}

export { partnerDefinition, supportRequestBody } from "../../support/builders";

/**
 * A raw RFC 5322 message as a customer's mail client sends it: plain text, optionally a reply
 * (`In-Reply-To`/`References`) and one attachment (multipart/mixed).
 */
export function rawEmail(m: { from: string; to: string; subject: string; date: Date; text: string; inReplyTo?: string; attachment?: { filename: string; content: string } }): Uint8Array {
  const headers = [`From: ${m.from}`, `To: ${m.to}`, `Subject: ${m.subject}`, `Date: ${m.date.toUTCString()}`, `Message-ID: <${randomBytes(8).toString("hex")}@mail.customer.example>`, ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`, `References: ${m.inReplyTo}`] : []), "MIME-Version: 1.0"];
  const body = m.attachment
    ? ['Content-Type: multipart/mixed; boundary="b-test"', "", "--b-test", "Content-Type: text/plain; charset=utf-8", "", m.text, "--b-test", `Content-Type: application/octet-stream; name="${m.attachment.filename}"`, `Content-Disposition: attachment; filename="${m.attachment.filename}"`, "", m.attachment.content, "--b-test--", ""]
    : ["Content-Type: text/plain; charset=utf-8", "", m.text, ""];
  return Buffer.from([...headers, ...body].join("\r\n"), "utf8");
}

/** An {@link EmailSender} that keeps every message it is given (the provider id is `p-<n>`). */
export class RecordingSender implements EmailSender {
  readonly sent: EmailMessage[] = [];
  async send(message: EmailMessage): Promise<{ providerMessageId: string }> {
    this.sent.push(message);
    return { providerMessageId: `p-${this.sent.length}` };
  }
  async checkHealth(): Promise<void> {}
}

import { FakeWorkflow } from "../../support/fakeWorkflow";

export { FakeWorkflow };

/** What a client sees of a handler's answer. */
export interface SeenResponse {
  status: number;
  headers: Headers;
  /** The JSON body, `{}` when empty. */
  body: Record<string, unknown>;
}

/**
 * Invokes an HTTP handler with real `@azure/functions` request and context objects, as the host
 * would for `init` (route parameters as the host decoded them).
 */
export async function callHandler(handler: (r: HttpRequest, c: InvocationContext) => Promise<HttpResponseInit>, init: { method: string; path: string; body?: string; headers?: Record<string, string>; params: Record<string, string> }): Promise<SeenResponse> {
  const request = new HttpRequest({ method: init.method, url: new URL(init.path, "http://127.0.0.1:7071").toString(), ...(init.body !== undefined ? { body: { string: init.body } } : {}), headers: init.headers ?? {}, params: init.params });
  const response = new HttpResponse(await handler(request, new InvocationContext({ functionName: "test", invocationId: "inv", logHandler: () => undefined })));
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Signs a body as a Standard Webhooks sender does. */
export function signWebhook(secret: string, body: string, options: { id?: string; at?: Date } = {}): Record<string, string> {
  const id = options.id ?? `msg_${randomBytes(8).toString("hex")}`;
  const at = options.at ?? new Date();
  return { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(secret).sign(id, at, body) };
}

/** A message as MailDev's REST API returns it (the fields the tests read). */
export interface MailDevEmail {
  id: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
  to: Array<{ address: string; name: string }>;
  from: Array<{ address: string; name: string }>;
}

/** A MailDev (real SMTP server with a REST API) on free ports. */
export interface MailDevServer {
  smtpPort: number;
  webPort: number;
  listEmails(): Promise<MailDevEmail[]>;
  close(): Promise<void>;
}

/** Starts MailDev in-process on free loopback ports. */
export async function startMailDev(): Promise<MailDevServer> {
  const smtpPort = await getFreePort();
  const webPort = await getFreePort();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const MailDev = require("maildev") as new (options: Record<string, unknown>) => { listen(cb: (err?: Error) => void): void; close(cb: () => void): void };
  // maildev 2.2.0 reads an undeclared global `host` after the SMTP server listens
  // (lib/mailserver.js `host === '::'`): without it the log line throws a ReferenceError.
  (globalThis as Record<string, unknown>).host ??= "127.0.0.1";
  const server = new MailDev({ smtp: smtpPort, web: webPort, ip: "127.0.0.1", silent: true, disableWeb: false });
  await new Promise<void>((resolve, reject) => server.listen((err) => (err ? reject(err) : resolve())));
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(`http://127.0.0.1:${webPort}/email`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    smtpPort,
    webPort,
    listEmails: async () => (await (await fetch(`http://127.0.0.1:${webPort}/email`)).json()) as MailDevEmail[],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Stores a webhook case as the workflow would have left it: created `received` at `at`, its
 * workflow started on `workflow`, then moved through `path` (each a status-changed entry at `at`).
 */
export async function seedCase(container: Container, workflow: FakeWorkflow, init: { partnerId: string; caseId: string; language: SupportRequest["customer"]["preferredLanguage"]; path: SupportRequest["status"][]; at?: string }): Promise<string> {
  const at = init.at ?? new Date(Date.now() - 3_600_000).toISOString();
  const sr: SupportRequest = {
    caseId: init.caseId,
    partnerId: init.partnerId,
    channel: "webhook",
    customer: { tenantId: "b73b3144-acc1-422a-a4c7-bc9d4aed30f9", name: "Tisza Logisztika Zrt.", email: "it@tisza.example", preferredLanguage: init.language },
    product: "azure",
    category: "technical",
    severity: "B",
    title: "VPN gateway drops connections",
    description: "Since Monday.",
    status: "received",
    createdAt: at,
    updatedAt: at,
  };
  await container.cases.createCase(sr, { entryId: "received", kind: "status-changed", at, toStatus: "received", summary: "received" });
  await workflow.start(init.caseId, init.partnerId);
  for (const to of init.path) await container.cases.applyTransition({ caseId: init.caseId, partnerId: init.partnerId, entryId: `t-${to}`, kind: "status-changed", at, summary: to, toStatus: to });
  return init.caseId;
}
