/** Threading (help-desk practice "Email-to-ticket conventions", osTicket order) and quote stripping per mail client. */
import fc from "fast-check";
import {
  extractCaseToken,
  htmlToText,
  isForwardedSubject,
  matchReply,
  normalizeMessageId,
  parseMessageIdList,
  parseOutboundMessageId,
  stripQuotedReply,
  type ReplyLookups,
  type ThreadingInput,
} from "../../../shared/domain/email";
import { isQuarantine, parseMessage, type ParsedMessage } from "../../../shared/services/inboundEmail/parseMessage";
import { lookupsFor, readEml } from "./corpus";

const LIMITS = { maxBytes: 10 * 1024 * 1024, maxAttachmentBytes: 5 * 1024 * 1024 };

async function parsed(name: string): Promise<ParsedMessage> {
  const result = await parseMessage(readEml(name), LIMITS);
  if (isQuarantine(result)) throw new Error(`${name} quarantined`);
  return result;
}

describe("Message-IDs", () => {
  it("normalizes ids and reads id lists", () => {
    expect(normalizeMessageId(" <a.b@c.example> (comment)")).toBe("<a.b@c.example>");
    expect(normalizeMessageId("a.b@c.example")).toBe("<a.b@c.example>");
    expect(normalizeMessageId("no at sign")).toBeUndefined();
    expect(normalizeMessageId(undefined)).toBeUndefined();
    expect(parseMessageIdList("<a@x.example>\r\n <b@y.example>\t<junk> <c@z.example>")).toEqual(["<a@x.example>", "<b@y.example>", "<c@z.example>"]);
    expect(parseMessageIdList("a@x.example b@y.example")).toEqual(["<a@x.example>", "<b@y.example>"]);
    const many = Array.from({ length: 150 }, (_, i) => `<m${i}@x.example>`).join(" ");
    expect(parseMessageIdList(many)).toHaveLength(100);
    expect(parseMessageIdList(many).at(-1)).toBe("<m149@x.example>");
  });

  it("decodes our outbound ids (<caseId.key@senderDomain>), optionally only for our domains", () => {
    expect(parseOutboundMessageId("<CS-0K7Q2M4XPR.received@duna-cloud.example>")).toEqual({ caseId: "CS-0K7Q2M4XPR", notificationKey: "received", domain: "duna-cloud.example" });
    expect(parseOutboundMessageId("<cs-0k7q2m4xpr.partner.breach@Duna-Cloud.example>", ["duna-cloud.example"])).toEqual({ caseId: "CS-0K7Q2M4XPR", notificationKey: "partner.breach", domain: "duna-cloud.example" });
    expect(parseOutboundMessageId("<CS-0K7Q2M4XPR.received@evil.example>", ["duna-cloud.example"])).toBeUndefined();
    expect(parseOutboundMessageId("<CS-0K7Q2M4XPU.received@duna-cloud.example>")).toBeUndefined(); // U is not Crockford
    expect(parseOutboundMessageId("<AM9PR04MB8211@outlook.example>")).toBeUndefined();
  });
});

describe("extractCaseToken", () => {
  it.each([
    ["RE: [Case #CS-0K7Q3A1B2C] Received: Production VMs", "CS-0K7Q3A1B2C"],
    ["VÁ: VÁ: [case #cs-0k7q2m4xpr] Beérkezett", "CS-0K7Q2M4XPR"],
    ["Re: [ Case # CS-0K7Q4D5E6F ] Ожидается ваш ответ", "CS-0K7Q4D5E6F"],
    ["[Case #CS-0K7Q2M4XPU] U is not in the alphabet, then [Case #CS-0K7Q5G7H8J]", "CS-0K7Q5G7H8J"],
    ["Case CS-0K7Q2M4XPR without brackets", undefined],
    ["[Case #CS-0K7Q2M4XP] too short", undefined],
    ["", undefined],
  ])("%s → %s", (subject, id) => {
    expect(extractCaseToken(subject)).toBe(id);
  });

  it("finds any valid id written as a token anywhere in a subject (property)", () => {
    const crockford = fc.constantFrom(..."0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    fc.assert(
      fc.property(fc.array(crockford, { minLength: 10, maxLength: 10 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (chars, before, after) => {
        const id = `CS-${chars.join("")}`;
        fc.pre(!/\[\s*case/i.test(before));
        expect(extractCaseToken(`${before}[Case #${id}]${after}`)).toBe(id);
      }),
    );
  });
});

describe("matchReply (osTicket order)", () => {
  const base = { references: [] as string[], subject: "Re: something", from: { address: "ops@northwind-traders.example" } };

  it.each([
    ["10-reply-outlook-en.eml", "CS-0K7Q3A1B2C", "in-reply-to", "<CS-0K7Q3A1B2C.received@duna-cloud.example>"],
    ["11-reply-outlook-hu.eml", "CS-0K7Q2M4XPR", "in-reply-to", "<CS-0K7Q2M4XPR.received@duna-cloud.example>"],
    ["12-reply-gmail-pl.eml", "CS-0K7Q5G7H8J", "in-reply-to", "<CS-0K7Q5G7H8J.awaiting-customer@wisla-it.example>"],
    ["13-reply-applemail-cs.eml", "CS-0K7Q6K9M0N", "references", "<CS-0K7Q6K9M0N.awaiting-customer@wisla-it.example>"],
    ["14-reply-thunderbird-ru.eml", "CS-0K7Q4D5E6F", "in-reply-to", "<CS-0K7Q4D5E6F.awaiting-customer@duna-cloud.example>"],
  ])("corpus %s → %s via %s", async (file, caseId, via, messageId) => {
    const msg = await parsed(file);
    const partner = caseId === "CS-0K7Q5G7H8J" || caseId === "CS-0K7Q6K9M0N" ? "wisla-it-warszawa" : "duna-cloud-budapest";
    expect(await matchReply(msg, lookupsFor(partner))).toEqual({ kind: "reply", caseId, via, messageId, senderIsCustomer: true });
  });

  it("subject token from the case's customer (address compared case-insensitively) → reply via subject-token", async () => {
    const msg = await parsed("53-subject-token-customer.eml");
    expect(msg.from.address).toBe("ops@northwind-traders.example");
    expect(await matchReply(msg, lookupsFor("duna-cloud-budapest"))).toEqual({ kind: "reply", caseId: "CS-0K7Q3A1B2C", via: "subject-token", senderIsCustomer: true });
  });

  it("subject token from anyone else is refused (no injection into another customer's case)", async () => {
    const msg = await parsed("52-subject-token-non-customer.eml");
    expect(await matchReply(msg, lookupsFor("duna-cloud-budapest"))).toEqual({ kind: "new", refusedCaseToken: "CS-0K7Q2M4XPR" });
    // Another customer of the same partner cannot write into it either.
    expect(await matchReply({ ...msg, from: { address: "ops@northwind-traders.example" } }, lookupsFor("duna-cloud-budapest"))).toEqual({ kind: "new", refusedCaseToken: "CS-0K7Q2M4XPR" });
  });

  it("a token of another partner's case is not even looked at as refused (the lookup is partner-scoped)", async () => {
    const msg: ThreadingInput = { ...base, subject: "Re: [Case #CS-0K7Q5G7H8J] x", from: { address: "crm.admin@mazowsze-meble.example" } };
    expect(await matchReply(msg, lookupsFor("duna-cloud-budapest"))).toEqual({ kind: "new" });
  });

  it("In-Reply-To wins over References and the subject token", async () => {
    const msg: ThreadingInput = {
      inReplyTo: "<CS-0K7Q3A1B2C.received@duna-cloud.example>",
      references: ["<CS-0K7Q2M4XPR.received@duna-cloud.example>"],
      subject: "Re: [Case #CS-0K7Q4D5E6F] x",
      from: { address: "admin@balaton-trade.example" },
    };
    expect(await matchReply(msg, lookupsFor("duna-cloud-budapest"))).toMatchObject({ caseId: "CS-0K7Q3A1B2C", via: "in-reply-to", senderIsCustomer: false });
  });

  it("References are tried right-most first, skipping unknown ids", async () => {
    const calls: string[] = [];
    const msg: ThreadingInput = {
      ...base,
      inReplyTo: "<colleague-1@northwind-traders.example>",
      references: ["<CS-0K7Q2M4XPR.received@duna-cloud.example>", "<CS-0K7Q3A1B2C.received@duna-cloud.example>", "<colleague-1@northwind-traders.example>"],
    };
    expect(await matchReply(msg, lookupsFor("duna-cloud-budapest", calls))).toMatchObject({ caseId: "CS-0K7Q3A1B2C", via: "references" });
    expect(calls.filter((c) => c.startsWith("log:"))).toEqual(["log:<colleague-1@northwind-traders.example>", "log:<CS-0K7Q3A1B2C.received@duna-cloud.example>"]);
  });

  it("decodes ids not in the notification log only for our domains and for cases this partner has", async () => {
    const lookups = lookupsFor("duna-cloud-budapest");
    const reply = (inReplyTo: string) => matchReply({ ...base, inReplyTo }, lookups);
    expect(await reply("<CS-0K7Q3A1B2C.resolved@duna-cloud.example>")).toMatchObject({ kind: "reply", caseId: "CS-0K7Q3A1B2C", via: "in-reply-to" });
    expect(await reply("<CS-0K7Q3A1B2C.resolved@attacker.example>")).toEqual({ kind: "new" });
    expect(await reply("<CS-0K7Q5G7H8J.received@duna-cloud.example>")).toEqual({ kind: "new" }); // another partner's case
    expect(await reply("<CS-0ZZZZZZZZZ.received@duna-cloud.example>")).toEqual({ kind: "new" }); // no such case
    const noDecoding: ReplyLookups = { ...lookups, ownDomains: [] };
    expect(await matchReply({ ...base, inReplyTo: "<CS-0K7Q3A1B2C.resolved@duna-cloud.example>" }, noDecoding)).toEqual({ kind: "new" });
  });

  it("works over synchronous, pre-fetched lookups too", async () => {
    const lookups: ReplyLookups = {
      ownDomains: ["duna-cloud.example"],
      findCaseByOutboundMessageId: (id) => (id === "<x@duna-cloud.example>" ? "CS-0K7Q3A1B2C" : undefined),
      caseCustomerEmail: (id) => (id === "CS-0K7Q3A1B2C" ? "OPS@northwind-traders.example" : undefined),
    };
    expect(await matchReply({ ...base, inReplyTo: "<x@duna-cloud.example>" }, lookups)).toEqual({ kind: "reply", caseId: "CS-0K7Q3A1B2C", via: "in-reply-to", messageId: "<x@duna-cloud.example>", senderIsCustomer: true });
  });

  it("a message with no thread information is new", async () => {
    const msg = await parsed("01-new-plain-en.eml");
    expect(await matchReply(msg, lookupsFor("duna-cloud-budapest"))).toEqual({ kind: "new" });
  });
});

describe("stripQuotedReply per client", () => {
  it("Outlook (en): cuts at the From/Sent/To/Subject block", async () => {
    expect(stripQuotedReply((await parsed("10-reply-outlook-en.eml")).text)).toBe(
      "Hi,\n\nthe VMs are reachable again since 10:40, it was the NSG change on our side.\nYou can close the request.\n\nBest regards,\nAnna Kovacs\nIT Operations, Northwind Traders Hungary Ltd.",
    );
  });

  it("Outlook HTML (en) converted to text: same cut", async () => {
    const msg = await parsed("10-reply-outlook-en.eml");
    const stripped = stripQuotedReply(htmlToText(msg.html!));
    expect(stripped).toContain("You can close the request.");
    expect(stripped).not.toContain("Dear Northwind");
    expect(stripped).not.toContain("From:");
  });

  it("Outlook (hu): cuts at the ____ rule above Feladó:/Elküldve:", async () => {
    expect(stripQuotedReply((await parsed("11-reply-outlook-hu.eml")).text)).toBe(
      "Jó napot kívánok!\n\nKöszönöm, a jóváírás rendben megérkezett, a számlát így már el tudjuk fogadni.\nA kérelmet lezárhatják.\n\nÜdvözlettel,\nNagy Gábor\nTisza Logisztika Zrt.",
    );
  });

  it("Gmail (pl): drops the 'napisał(a):' attribution and the > quote; HTML blockquote the same", async () => {
    const msg = await parsed("12-reply-gmail-pl.eml");
    const expected = "Dzień dobry,\n\nw załączeniu przesyłam opis błędu synchronizacji. Problem nadal występuje\nu wszystkich handlowców od poniedziałku.\n\nPozdrawiam\nTomasz Wiśniewski\nMazowsze Meble S.A.";
    expect(stripQuotedReply(msg.text)).toBe(expected);
    expect(stripQuotedReply(htmlToText(msg.html!))).toBe(expected.replace("występuje\nu", "występuje u"));
  });

  it("Apple Mail (cs): drops the 'napsal(a):' attribution and nested > quotes", async () => {
    expect(stripQuotedReply((await parsed("13-reply-applemail-cs.eml")).text)).toBe(
      "Dobrý den,\n\nposílám seznam 25 uživatelů, kterým máme odebrat licence Microsoft 365 E3.\nSeznam schválil i pan Novotný (viz jeho e-mail níže).\n\nS pozdravem\nJana Dvořáková\nMazowsze Meble CZ s.r.o.",
    );
  });

  it("Thunderbird (ru), bottom-posted: keeps the answer below the quote, drops 'пишет:', the quote and the -- signature", async () => {
    expect(stripQuotedReply((await parsed("14-reply-thunderbird-ru.eml")).text)).toBe(
      "Заголовки прилагаю ниже текстом, входящая почта в Exchange Online\nпо-прежнему не доставляется с внешних доменов.\n\nReceived: from mail.partner-balaton.example (203.0.113.45)\nAuthentication-Results: spf=fail smtp.mailfrom=partner-balaton.example\n\nСпасибо.",
    );
  });

  it.each([
    ["Thunderbird en", "Thanks, works now.\n\n-------- Original Message --------\nSubject: [Case #CS-0K7Q3A1B2C] Resolved\nDate: Thu, 5 Mar 2026 10:00:00 +0100\n\nquoted", "Thanks, works now."],
    ["Thunderbird hu", "Köszönöm!\n\n-------- Eredeti üzenet --------\nTárgy: x", "Köszönöm!"],
    ["Thunderbird cs", "Děkuji.\n-------- Původní zpráva --------\nPředmět: x", "Děkuji."],
    ["Thunderbird pl", "Dziękuję.\n-------- Oryginalna wiadomość --------\nTemat: x", "Dziękuję."],
    ["Thunderbird ru", "Спасибо.\n-------- Исходное сообщение --------\nТема: x", "Спасибо."],
    ["old Outlook", "OK.\n\n-----Original Message-----\nFrom: x\nSent: y", "OK."],
    ["Outlook cs", "Díky.\n\nOd: Wisła IT <no-reply@wisla-it.example>\nOdesláno: pondělí 9. března 2026 9:41\nKomu: spravce@mazowsze-meble-cz.example\nPředmět: [Case #CS-0K7Q6K9M0N] Přijato\n\nDobrý den", "Díky."],
    ["Outlook pl", "Dzięki.\n\nOd: Wisła IT <no-reply@wisla-it.example>\nWysłano: piątek, 6 marca 2026 10:15\nDo: crm.admin@mazowsze-meble.example\nTemat: x\n\ny", "Dzięki."],
    ["Outlook ru", "Спасибо.\n\nОт: Duna Cloud Kft. <no-reply@duna-cloud.example>\nОтправлено: 6 марта 2026 г. 11:02\nКому: admin@balaton-trade.example\nТема: x", "Спасибо."],
    ["Outlook bold labels (HTML converted)", "Thanks\n\n*From:* Duna Cloud\n*Sent:* Thursday\n*To:* me\n*Subject:* x\n\nquoted", "Thanks"],
    ["Gmail en wrapped attribution", "Fine.\n\nOn Thu, Mar 5, 2026 at 10:15 AM Duna Cloud Kft. <\nno-reply@duna-cloud.example> wrote:\n\n> Dear customer\n> quoted", "Fine."],
    ["Gmail hu", "Rendben.\n\nDuna Cloud Kft. <no-reply@duna-cloud.example> ezt írta (időpont: 2026. márc. 5., Cs, 10:15):\n\n> Tisztelt", "Rendben."],
    ["Gmail cs", "Ano.\n\nčt 5. 3. 2026 v 10:15 odesílatel Wisła IT <no-reply@wisla-it.example> napsal:\n\n> Dobrý den", "Ano."],
    ["Gmail ru", "Да.\n\nчт, 5 мар. 2026 г. в 10:15, Duna Cloud Kft. <no-reply@duna-cloud.example>:\n\n> Здравствуйте", "Да."],
    ["Apple Mail en", "Yes.\n\n> On 5 Mar 2026, at 10:15, Duna Cloud Kft. <no-reply@duna-cloud.example> wrote:\n> \n> Dear", "Yes."],
    ["strong attribution without > lines", "Yes.\n\nOn Thu, 5 Mar 2026 at 10:15, Duna Cloud wrote:\nDear customer, unprefixed quote", "Yes."],
    ["interleaved answers kept", "On 5 Mar 2026 10:15, Duna wrote:\n> Which VM?\nvm-prod-01\n> Which region?\nWest Europe", "vm-prod-01\nWest Europe"],
    ["signature", "Short answer.\n-- \nAnna Kovacs\nIT Operations", "Short answer."],
    ["all quote", "> only\n> quoted", ""],
    ["an ordinary line ending in 'wrote:' is kept", "As my colleague wrote:\nthe VM is down.", "As my colleague wrote:\nthe VM is down."],
    ["a From: line alone is kept", "From: the logs we see a timeout.\nRegards", "From: the logs we see a timeout.\nRegards"],
  ])("%s", (_client, text, expected) => {
    expect(stripQuotedReply(text)).toBe(expected);
  });

  it("keeps forwarded content (forward markers are not cut points)", async () => {
    const msg = await parsed("03-forwarded-en.eml");
    expect(isForwardedSubject(msg.subject)).toBe(true);
    const stripped = stripQuotedReply(msg.text);
    expect(stripped).toContain("---------- Forwarded message ---------");
    expect(stripped).toContain("every Teams call with more than 5 people drops");
    expect(stripQuotedReply("FYI\n\nBegin forwarded message:\n\n> From: x\n> body")).toBe("FYI\n\nBegin forwarded message:\n\n> From: x\n> body");
  });

  it.each([
    ["Fwd: x", true], ["FW: x", true], ["Fw: x", true], ["TOV: x", true], ["Továbbítás: x", true], ["PD: x", true], ["Пересл.: x", true], ["WG: x", true], ["Re: Fwd: x", true],
    ["Re: x", false], ["VÁ: x", false], ["Odp: x", false], ["Forward planning", false],
  ])("isForwardedSubject(%s) = %s", (subject, expected) => {
    expect(isForwardedSubject(subject)).toBe(expected);
  });

  it("never grows the text and handles very long quoted input", () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => expect(stripQuotedReply(s).length).toBeLessThanOrEqual(s.replace(/\r\n?/g, "\n").length)));
    const long = ("> quoted line\nOn Thu, 5 Mar 2026 x wrote:\nFrom: a\n".repeat(20000));
    // Pathological input still ends (a ReDoS would hit Jest's timeout) and keeps no quoted line.
    expect(stripQuotedReply(long)).not.toContain("> quoted line");
  });
});

describe("stripQuotedReply keeps forwarded content", () => {
  it("a GMX-style forward with nothing written above keeps the forwarded text", () => {
    const text = "\n----- Original Nachricht ----\nVon:     Anna Schmidt <anna@contoso.example>\nAn:      helpdesk@duna-cloud.example\nDatum:   05.03.2026 10:15\nBetreff: Rechnung\n\nDie Rechnung für Februar ist doppelt belastet worden.\n";
    const kept = stripQuotedReply(text);
    expect(kept).toContain("Die Rechnung für Februar ist doppelt belastet worden.");
    expect(kept.startsWith("----- Original Nachricht ----")).toBe(true);
  });

  it("new text above the separator: the history below is still stripped", () => {
    expect(stripQuotedReply("Bitte prüfen.\n\n----- Original Nachricht ----\nVon: a@contoso.example\nDatum: 05.03.2026\nBetreff: x\n\nalt\n")).toBe("Bitte prüfen.");
  });
});
