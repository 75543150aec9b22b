/**
 * Customer text in the headers of outgoing mail, as a mail client reads it: a status email sent by
 * the real activity through real SMTP (MailDev), its raw source parsed by postal-mime (a MIME
 * parser that decodes RFC 2047 encoded words as mail clients do). A display name cannot smuggle
 * an address, and an encoded word in a title is shown as the literal text the customer typed.
 */
import PostalMime from "postal-mime";
import { createContainer, type Container } from "../../../shared/container";
import { submitSupportRequest } from "../../../shared/services";
import { FakeWorkflow, partnerDefinition, startMailDev, supportRequestBody, testConfig, type MailDevServer } from "./helpers";

let mail: MailDevServer;
let container: Container;
const partnerId = "hdr-partner";
const spoof = Buffer.from("Your account is suspended, pay now", "utf8").toString("base64");
const encodedWordTitle = `Invoice =?utf-8?b?${spoof}?= question`;

beforeAll(async () => {
  mail = await startMailDev();
  container = createContainer(testConfig("hdr", { SMTP_PORT: String(mail.smtpPort) }));
  await container.registerPartner(partnerDefinition(partnerId, { name: "Contoso =?utf-8?q?Bank?= <ceo@bank.example>" }));
});

afterAll(async () => {
  await mail?.close();
});

/** The header section of a raw message (the body may quote the name, escaped, as text). */
function headerSection(raw: string): string {
  return raw.slice(0, raw.search(/\r?\n\r?\n/));
}

async function sendReceived(contactName: string, title: string): Promise<{ headers: string; parsed: Awaited<ReturnType<typeof PostalMime.parse>> }> {
  const body = supportRequestBody({ title, customer: { ...(supportRequestBody().customer as object), email: "it@contoso.example", contactName, preferredLanguage: "en" } });
  const { caseId } = await submitSupportRequest(container.supportRequestDeps(new FakeWorkflow()), partnerId, body);
  await container.activities.sendStatusEmail({ caseId, partnerId, notificationKey: "received", status: "received" });
  const email = (await mail.listEmails()).find((e) => e.subject.includes(caseId));
  if (!email) throw new Error(`no email for ${caseId}`);
  const raw = await (await fetch(`http://127.0.0.1:${mail.webPort}/email/${email.id}/source`)).text();
  return { headers: headerSection(raw), parsed: await PostalMime.parse(raw) };
}

describe("display names and encoded words from customers", () => {
  it("a contact name holding an address reaches the customer as a plain name with the real address only", async () => {
    const { headers, parsed } = await sendReceived("Evil <evil5@x.example>", "Invoice question");
    expect(parsed.to).toEqual([{ address: "it@contoso.example", name: "Evil" }]);
    expect(headers).toMatch(/^To: /m);
    expect(headers).not.toContain("evil5@x.example");
  });

  it("a contact name that is only an address is dropped: To is the bare address", async () => {
    const { parsed } = await sendReceived("ceo@bank.example", "Invoice question");
    expect(parsed.to).toEqual([{ address: "it@contoso.example", name: "" }]);
  });

  it("an encoded word in the title is shown as the characters typed, never decoded into other text", async () => {
    const { parsed } = await sendReceived("Kovács Eszter", encodedWordTitle);
    expect(parsed.subject).toContain(`=\u2060?utf-8?b?${spoof}`);
    expect(parsed.subject).not.toContain("Your account is suspended");
    expect((parsed.subject ?? "").replaceAll("\u2060", "")).toContain(encodedWordTitle);
    expect(parsed.to).toEqual([{ address: "it@contoso.example", name: "Kovács Eszter" }]);
  });

  it("the partner's name in From gets the same treatment", async () => {
    const { headers, parsed } = await sendReceived("Kovács Eszter", "Invoice question");
    expect(parsed.from).toEqual({ address: `no-reply@${partnerId}.example`, name: "Contoso =\u2060?utf-8?q?Bank?=" });
    expect(headers).not.toContain("ceo@bank.example");
  });
});
