/**
 * Status links in the emails a customer receives, over real Table Storage (Azurite) and a real SMTP
 * server (MailDev): the acknowledgement links the request's status page, the link from the email
 * opens that request's page, and the resolution email links the rating form too.
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { generateLocalKeyEntry } from "../../../shared/adapters/localKeyEncryptionKeys";
import { createContainer, type Container } from "../../../shared/container";
import { submitSupportRequest } from "../../../shared/services";
import { createGetStatusPageHandler } from "../../../functions/http/statusPageHandlers";
import { FakeWorkflow, partnerDefinition, startMailDev, supportRequestBody, testConfig, type MailDevServer } from "./helpers";

let mail: MailDevServer;
let container: Container;
let caseId: string;
const partnerId = "linked-partner";
const workflow = new FakeWorkflow();

beforeAll(async () => {
  mail = await startMailDev();
  container = createContainer(testConfig("links", { SMTP_PORT: String(mail.smtpPort), STATUS_LINK_KEYS: generateLocalKeyEntry("l1"), PUBLIC_BASE_URL: "https://support.example" }));
  await container.registerPartner(partnerDefinition(partnerId));
  caseId = (await submitSupportRequest(container.supportRequestDeps(workflow), partnerId, supportRequestBody({ customer: { ...(supportRequestBody().customer as object), preferredLanguage: "pl" } }))).caseId;
});

afterAll(async () => {
  await mail?.close();
});

async function emailWith(messageId: string): Promise<{ text: string; html: string }> {
  const found = (await mail.listEmails()).find((e) => e.headers["message-id"] === messageId);
  if (!found) throw new Error(`no email ${messageId}`);
  return found;
}

describe("status links in customer emails", () => {
  it("the acknowledgement links the request's page, which the link opens", async () => {
    const sent = await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" });
    const email = await emailWith(sent.messageId);
    const url = /https:\/\/support\.example\/api\/status\/([A-Za-z0-9_.-]+)/.exec(email.text);
    expect(url).not.toBeNull();
    expect(email.text).toContain("Śledź swoje zgłoszenie i odpowiadaj online:");
    expect(email.html).toContain(`href="${url![0]}"`);
    expect(email.text).not.toContain("#rating");
    const token = url![1] as string;
    const request = new HttpRequest({ method: "GET", url: `https://support.example/api/status/${token}`, params: { token } });
    const handler = createGetStatusPageHandler({ getContainer: () => container, getWorkflow: () => workflow });
    const response = new HttpResponse((await handler(request, new InvocationContext({ functionName: "GetStatusPage", invocationId: "inv", logHandler: () => undefined }))) as HttpResponseInit);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain(`Twoje zgłoszenie do pomocy technicznej ${caseId}`);
    expect(page).toContain('<html lang="pl">');
  });

  it("the resolution email links the rating form", async () => {
    const sent = await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "resolved", status: "resolved", message: "Fixed" });
    const email = await emailWith(sent.messageId);
    expect(email.text).toMatch(/Oceń naszą pracę \(jedno pytanie\): https:\/\/support\.example\/api\/status\/[A-Za-z0-9_.-]+#rating/);
  });
});
