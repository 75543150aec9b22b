/**
 * The sender rule (shared/services/platformSender.ts): the platform address unless the partner's
 * own address is on a linked domain, and the domains automatic mail of ours can come from.
 */
import type { EmailMessage, EmailSender } from "../../../shared/ports";
import { createPlatformSenderEmailSender, ownSenderDomains, senderAddressFor, type SenderPolicy } from "../../../shared/services/platformSender";

const PLATFORM = "DoNotReply@1f2e3d4c-0000-4000-8000-000000000001.azurecomm.net";
const partnerFrom = { address: "no-reply@duna-cloud.example", displayName: "Duna Cloud Kft." };

describe("senderAddressFor", () => {
  it("keeps the partner's address when no platform address is configured (SMTP relays that accept any sender)", () => {
    expect(senderAddressFor(partnerFrom, { linkedDomains: [] })).toEqual(partnerFrom);
  });

  it("sends from the platform address with the partner's name when the partner's domain is not linked", () => {
    expect(senderAddressFor(partnerFrom, { platformAddress: PLATFORM, linkedDomains: ["fabrikam.example"] })).toEqual({ address: PLATFORM, displayName: "Duna Cloud Kft." });
    expect(senderAddressFor({ address: "x@duna-cloud.example" }, { platformAddress: PLATFORM, linkedDomains: [] })).toEqual({ address: PLATFORM });
  });

  it("keeps the partner's address on a linked domain, whatever its case", () => {
    const policy: SenderPolicy = { platformAddress: PLATFORM, linkedDomains: ["duna-cloud.example"] };
    expect(senderAddressFor(partnerFrom, policy)).toEqual(partnerFrom);
    expect(senderAddressFor({ address: "No-Reply@DUNA-CLOUD.example" }, policy)).toEqual({ address: "No-Reply@DUNA-CLOUD.example" });
    // A subdomain is another domain: ACS links exact domains.
    expect(senderAddressFor({ address: "no-reply@mail.duna-cloud.example" }, policy).address).toBe(PLATFORM);
  });
});

describe("ownSenderDomains", () => {
  it("is the partner's domain, plus the platform address's domain when one is configured", () => {
    expect(ownSenderDomains("no-reply@Duna-Cloud.example", { linkedDomains: [] })).toEqual(["duna-cloud.example"]);
    expect(ownSenderDomains("no-reply@duna-cloud.example", { platformAddress: PLATFORM, linkedDomains: [] })).toEqual(["duna-cloud.example", "1f2e3d4c-0000-4000-8000-000000000001.azurecomm.net"]);
    expect(ownSenderDomains("a@relay.example", { platformAddress: "b@relay.example", linkedDomains: [] })).toEqual(["relay.example"]);
  });
});

describe("createPlatformSenderEmailSender", () => {
  it("changes only From, leaving Reply-To, Message-ID and headers as the activity built them", async () => {
    const sent: EmailMessage[] = [];
    const transport: EmailSender = { send: async (m) => (sent.push(m), { providerMessageId: "1" }), checkHealth: async () => undefined };
    const sender = createPlatformSenderEmailSender(transport, { platformAddress: PLATFORM, linkedDomains: [] });
    const message: EmailMessage = {
      from: partnerFrom,
      to: [{ address: "it@tisza.example" }],
      replyTo: [{ address: "support@duna-cloud.example", displayName: "Duna Cloud Kft." }],
      subject: "[Case #CS-1] Received",
      text: "t",
      html: "<p>t</p>",
      messageId: "<CS-1.received@duna-cloud.example>",
      headers: { "Auto-Submitted": "auto-generated" },
    };
    await sender.send(message);
    expect(sent).toEqual([{ ...message, from: { address: PLATFORM, displayName: "Duna Cloud Kft." } }]);
  });

  it("is the transport itself when no platform address is configured", () => {
    const transport: EmailSender = { send: async () => ({ providerMessageId: "1" }), checkHealth: async () => undefined };
    expect(createPlatformSenderEmailSender(transport, { linkedDomains: ["x.example"] })).toBe(transport);
  });
});
