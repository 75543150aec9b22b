/**
 * Which address the app's emails go out from, end to end through the container (real Table
 * Storage on Azurite): over a local ACS Email stand-in that, like ACS, refuses any sender whose
 * domain is not linked to the resource ("The specified sender domain has not been linked"), and
 * over a real SMTP server (MailDev).
 *
 * With the Azure-managed domain `infra/` provisions, only `DoNotReply@<guid>.azurecomm.net` is
 * linked: without `EMAIL_SENDER_ADDRESS` every customer email waits on a sender ACS refuses; with
 * it, the email goes out from the platform address, `Reply-To` the partner's support address, and
 * a partner whose own domain the operator linked still sends as itself.
 */
import { createContainer, type Container } from "../../../shared/container";
import { submitSupportRequest } from "../../../shared/services";
import { FakeAcs, type AcsSendBody } from "../../support/fakeAcs";
import { FakeWorkflow, partnerDefinition, startMailDev, supportRequestBody, testConfig, type MailDevServer } from "./helpers";

const MANAGED_DOMAIN = "1f2e3d4c-0000-4000-8000-000000000001.azurecomm.net";
const PLATFORM = `DoNotReply@${MANAGED_DOMAIN}`;
const UNLINKED = "sava-partner";
const LINKED = "drava-partner";

const acs = new FakeAcs();

beforeAll(async () => {
  await acs.start();
  // ACS sends only from domains linked to the Communication Services resource.
  const linked = [MANAGED_DOMAIN, `${LINKED}.example`];
  acs.decide = (body: AcsSendBody) => (linked.includes(body.senderAddress.slice(body.senderAddress.lastIndexOf("@") + 1).toLowerCase()) ? undefined : { kind: "reject", status: 400, error: { code: "DomainNotLinked", message: "The specified sender domain has not been linked." } });
});

afterAll(async () => {
  await acs.stop();
});

beforeEach(() => {
  acs.requests.length = 0;
  acs.accepted.length = 0;
});

/** A container over the ACS stand-in with the two partners registered and one case each. */
async function acsContainer(extra: Record<string, string>): Promise<{ container: Container; cases: Record<string, string> }> {
  const container = createContainer(testConfig("sender", { EMAIL_PROVIDER: "acs", ACS_CONNECTION_STRING: acs.connectionString, ...extra }));
  const cases: Record<string, string> = {};
  for (const id of [UNLINKED, LINKED]) {
    await container.registerPartner(partnerDefinition(id));
    cases[id] = (await submitSupportRequest(container.supportRequestDeps(new FakeWorkflow()), id, supportRequestBody({ category: "technical" }))).caseId;
  }
  return { container, cases };
}

describe("over ACS with the Azure-managed domain", () => {
  it("without a platform sender the configuration is refused at start, naming EMAIL_SENDER_ADDRESS", () => {
    expect(() => testConfig("sender", { EMAIL_PROVIDER: "acs", ACS_CONNECTION_STRING: acs.connectionString })).toThrow(/EMAIL_SENDER_ADDRESS: is required when EMAIL_PROVIDER=acs/);
  });

  it("a partner domain listed as linked that ACS has not linked: ACS refuses the sender, the acknowledgement waits to be retried", async () => {
    const { container, cases } = await acsContainer({ EMAIL_SENDER_ADDRESS: PLATFORM, EMAIL_SENDER_LINKED_DOMAINS: `${UNLINKED}.example` });
    const result = await container.activities.sendStatusEmail({ caseId: cases[UNLINKED]!, partnerId: UNLINKED, notificationKey: "received", status: "received" });
    // The operator's configuration, not the customer's address: transient, retried by the workflow.
    expect(result).toMatchObject({ outcome: "pending", fault: { class: "transient", code: "sender-rejected" } });
    expect(acs.accepted).toHaveLength(0);
    expect(acs.requests.filter((r) => r.method === "POST").map((r) => (JSON.parse(r.body) as AcsSendBody).senderAddress)).toEqual([`no-reply@${UNLINKED}.example`]);
  });

  it("sends customer emails from DoNotReply@… with Reply-To the partner's support address; Message-IDs keep the partner's domain", async () => {
    const { container, cases } = await acsContainer({ EMAIL_SENDER_ADDRESS: PLATFORM, EMAIL_SENDER_LINKED_DOMAINS: `${LINKED}.example` });
    const caseId = cases[UNLINKED]!;
    const result = await container.activities.sendStatusEmail({ caseId, partnerId: UNLINKED, notificationKey: "received", status: "received" });
    expect(result).toEqual({ outcome: "sent", messageId: `<${caseId}.received@${UNLINKED}.example>` });
    expect(acs.accepted).toHaveLength(1);
    const body = acs.accepted[0]!;
    expect(body.senderAddress).toBe(PLATFORM);
    expect(body.replyTo).toEqual([{ address: `support@${UNLINKED}.example`, displayName: `Partner ${UNLINKED}` }]);
    expect(body.recipients.to.map((t) => t.address)).toEqual(["it@tisza.example"]);
    expect(body.headers?.["Message-ID"]).toBe(`<${caseId}.received@${UNLINKED}.example>`);
    const timeline = await container.cases.listTimeline(UNLINKED, caseId);
    expect(timeline.filter((e) => e.kind === "email-sent").map((e) => e.entryId)).toEqual(["email-received"]);
  });

  it("a partner on a linked custom domain sends as itself, still with Reply-To its support address", async () => {
    const { container, cases } = await acsContainer({ EMAIL_SENDER_ADDRESS: PLATFORM, EMAIL_SENDER_LINKED_DOMAINS: `${LINKED}.example` });
    const result = await container.activities.sendStatusEmail({ caseId: cases[LINKED]!, partnerId: LINKED, notificationKey: "received", status: "received" });
    expect(result.outcome).toBe("sent");
    expect(acs.accepted.map((b) => [b.senderAddress, b.replyTo?.map((r) => r.address)])).toEqual([[`no-reply@${LINKED}.example`, [`support@${LINKED}.example`]]]);
  });

  it("partner notifications go out from the platform address too, without Reply-To", async () => {
    const { container, cases } = await acsContainer({ EMAIL_SENDER_ADDRESS: PLATFORM });
    const result = await container.activities.notifyPartner({ caseId: cases[UNLINKED]!, partnerId: UNLINKED, notificationKey: "sla-breach-first-response", subject: "SLA breach (first-response)", text: "The first-response deadline passed." });
    expect(result.outcome).toBe("sent");
    expect(acs.accepted.map((b) => [b.senderAddress, b.replyTo, b.recipients.to.map((t) => t.address).sort()])).toEqual([[PLATFORM, undefined, [`duty@${UNLINKED}.example`, `support@${UNLINKED}.example`]]]);
  });
});

describe("over SMTP (MailDev)", () => {
  let mail: MailDevServer;

  beforeAll(async () => {
    mail = await startMailDev();
  });

  afterAll(async () => {
    await mail?.close();
  });

  it("with a platform sender: From is the platform address with the partner's name, Reply-To the support address", async () => {
    const container = createContainer(testConfig("sendersmtp", { SMTP_PORT: String(mail.smtpPort), EMAIL_SENDER_ADDRESS: "notifications@relay.example" }));
    await container.registerPartner(partnerDefinition(UNLINKED));
    const { caseId } = await submitSupportRequest(container.supportRequestDeps(new FakeWorkflow()), UNLINKED, supportRequestBody());
    expect((await container.activities.sendStatusEmail({ caseId, partnerId: UNLINKED, notificationKey: "received", status: "received" })).outcome).toBe("sent");
    const email = (await mail.listEmails()).find((e) => e.subject.includes(caseId));
    expect(email?.from).toEqual([{ address: "notifications@relay.example", name: `Partner ${UNLINKED}` }]);
    expect(email?.headers["reply-to"]).toBe(`"Partner ${UNLINKED}" <support@${UNLINKED}.example>`);
    expect(email?.headers["message-id"]).toBe(`<${caseId}.received@${UNLINKED}.example>`);
  });

  it("without one (local development): From is the partner's senderEmail, Reply-To its support address", async () => {
    const container = createContainer(testConfig("sendersmtp", { SMTP_PORT: String(mail.smtpPort) }));
    await container.registerPartner(partnerDefinition(LINKED));
    const { caseId } = await submitSupportRequest(container.supportRequestDeps(new FakeWorkflow()), LINKED, supportRequestBody());
    expect((await container.activities.sendStatusEmail({ caseId, partnerId: LINKED, notificationKey: "received", status: "received" })).outcome).toBe("sent");
    const email = (await mail.listEmails()).find((e) => e.subject.includes(caseId));
    expect(email?.from).toEqual([{ address: `no-reply@${LINKED}.example`, name: `Partner ${LINKED}` }]);
    expect(email?.headers["reply-to"]).toBe(`"Partner ${LINKED}" <support@${LINKED}.example>`);
  });
});
