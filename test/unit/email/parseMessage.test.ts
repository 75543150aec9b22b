/** MIME parsing of inbound email: charsets, encoded words, HTML-only, attachments, quarantine. */
import fc from "fast-check";
import { isQuarantine, parseMessage, repairWindows1252, senderlessQuarantine, syntheticMessageId, type ParsedMessage, type ParseMessageResult } from "../../../shared/services/inboundEmail/parseMessage";
import { readEml } from "./corpus";

const LIMITS = { maxBytes: 10 * 1024 * 1024, maxAttachmentBytes: 5 * 1024 * 1024 };

async function parsed(name: string, limits = LIMITS): Promise<ParsedMessage> {
  const result = await parseMessage(readEml(name), limits);
  if (isQuarantine(result)) throw new Error(`${name} quarantined: ${result.detail}`);
  return result;
}

describe("parseMessage: charsets and RFC 2047 encoded words", () => {
  it.each([
    ["21-new-iso-8859-2-hu.eml", "Sürgős: leállt az Exchange Online levelezés", "Kiss Zoltán", "Ma reggel 6 óta leállt a levelezésünk", "sürgősen nézzék meg"],
    ["22-new-windows-1250-cs.eml", "Faktura za předplatné Microsoft 365 – únor", "Jana Dvořáková", "v přiložené faktuře za předplatné", "„Mazowsze Meble CZ“ s.r.o."],
    ["23-new-iso-8859-2-pl.eml", "Awaria Teams, pilne: nie można się zalogować", "Małgorzata Żółkiewska", "mamy awarię Teams: żaden użytkownik nie może się zalogować", "cała księgowość stoi"],
    ["24-new-windows-1251-ru.eml", "Счёт за подписку Azure за февраль", "Ольга Смирнова", "В счёте за февраль по подписке Azure списана сумма", "ООО «Балатон Трейд»"],
    ["14-reply-thunderbird-ru.eml", "Re: [Case #CS-0K7Q4D5E6F] Ожидается ваш ответ: Не доставляется входящая почта в Exchange Online", "Иван Петров", "входящая почта в Exchange Online", "ООО \"Балатон Трейд\""],
    ["11-reply-outlook-hu.eml", "VÁ: [Case #CS-0K7Q2M4XPR] Beérkezett: Eltérés az októberi Azure-felhasználási számlán", "Nagy Gábor", "Köszönöm, a jóváírás rendben megérkezett", "Feladó: Duna Cloud Kft."],
    ["13-reply-applemail-cs.eml", "Re: [Case #CS-0K7Q6K9M0N] Čekáme na vaši odpověď: Snížení počtu licencí Microsoft 365 E3 ze 120 na 95", "Jana Dvořáková", "posílám seznam 25 uživatelů", "Souhlasím, seznam je v pořádku."],
    ["12-reply-gmail-pl.eml", "Re: [Case #CS-0K7Q5G7H8J] Oczekuje na Państwa odpowiedź: Błąd synchronizacji Dynamics 365 Sales z Outlookiem", "Tomasz Wiśniewski", "przesyłam opis błędu synchronizacji", "napisał(a):"],
  ])("%s decodes subject, display name and body", async (file, subject, name, body1, body2) => {
    const msg = await parsed(file);
    expect(msg.subject).toBe(subject);
    expect(msg.from.name).toBe(name);
    expect(msg.text).toContain(body1);
    expect(msg.text).toContain(body2);
    expect(msg.text).not.toMatch(/[\u0080-\u009f\ufffd]/);
  });

  it("windows-1252 (Outlook, Western): smart quotes, dashes and € survive Node's latin1 TextDecoder", async () => {
    const msg = await parsed("20-new-windows-1252-en.eml");
    expect(msg.subject).toBe("Charged twice for the “February” invoice – credit note please");
    expect(msg.from).toEqual({ address: "ap@contoso-europe.example", name: "Zoë Müller" });
    expect(msg.text).toContain("invoice – see the “Payment received” lines on 3 and 4 March (2 × 1\u00a0245,00 €)");
    expect(repairWindows1252("\u0093x\u0094 \u0080 \u0081")).toBe("“x” € \u0081");
    expect(repairWindows1252("plain ő text")).toBe("plain ő text");
  });

  it("the runtime decodes ISO-8859-2, Windows-1250, Windows-1251 and KOI8-R itself (full ICU, no iconv)", () => {
    expect(new TextDecoder("iso-8859-2").decode(Uint8Array.of(0xf5, 0xfb, 0xb3))).toBe("őűł");
    expect(new TextDecoder("windows-1250").decode(Uint8Array.of(0xf8, 0x9a, 0x84, 0x93))).toBe("řš„“");
    expect(new TextDecoder("windows-1251").decode(Uint8Array.of(0xd1, 0xf7, 0xb8, 0xf2))).toBe("Счёт");
    expect(new TextDecoder("koi8-r").decode(Uint8Array.of(0xf3, 0xde, 0xa3, 0xd4))).toBe("Счёт");
  });

  it("decodes RFC 2047 Q and B words split over folded lines, and RFC 2231 file names", async () => {
    const raw = Buffer.from(
      [
        "From: =?utf-8?B?SsOhbm9zIEtvdsOhY3M=?= <janos@contoso-kft.example>",
        "To: helpdesk@duna-cloud.example",
        "Subject: =?iso-8859-2?Q?=C1rv=EDzt=FBr=F5?=",
        " =?iso-8859-2?Q?_t=FCk=F6rf=FAr=F3g=E9p?= and plain",
        "Message-ID: <x1@contoso-kft.example>",
        "Content-Type: multipart/mixed; boundary=b1",
        "",
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "see attachment",
        "--b1",
        "Content-Type: application/pdf",
        "Content-Disposition: attachment; filename*=iso-8859-2''%C1rv%EDzt%FBr%F5.pdf",
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from("%PDF-1.4 tiny").toString("base64"),
        "--b1--",
        "",
      ].join("\r\n"),
    );
    const msg = (await parseMessage(raw, LIMITS)) as ParsedMessage;
    expect(msg.kind).toBe("parsed");
    expect(msg.subject).toBe("Árvíztűrő tükörfúrógép and plain");
    expect(msg.from).toEqual({ address: "janos@contoso-kft.example", name: "János Kovács" });
    expect(msg.attachments).toEqual([expect.objectContaining({ filename: "Árvíztűrő.pdf", contentType: "application/pdf", size: 13, inline: false })]);
  });
});

describe("parseMessage: bodies", () => {
  it("turns an HTML-only message into text (lists, links, entities; no script or style)", async () => {
    const msg = await parsed("02-new-html-only-hu.eml");
    expect(msg.textSource).toBe("html");
    expect(msg.html).toContain("<b>számlán</b>");
    expect(msg.text).toBe(
      [
        "Tisztelt Duna Cloud!",
        "",
        "Az októberi Azure-felhasználási számlán (G047110815) a virtuális gépek díja kb. 38 %-kal magasabb, mint a Cost Management riportban.",
        "",
        "* Számla összege: 1 284 500 Ft",
        "* Riport szerint: 931 200 Ft",
        "",
        "Kérem, nézzék meg, honnan ered az eltérés. A riport exportja elérhető itt: export <https://portal.tisza-logisztika.example/export/2026-10>.",
        "",
        "Üdvözlettel,",
        "Nagy Gábor",
        "Tisza Logisztika Zrt.",
      ].join("\n"),
    );
    expect(msg.text).not.toMatch(/alert|margin|<\/?(b|p|li)>/);
  });

  it("keeps the text part of multipart/alternative and the HTML beside it", async () => {
    const msg = await parsed("10-reply-outlook-en.eml");
    expect(msg.textSource).toBe("text");
    expect(msg.text.startsWith("Hi,\n\nthe VMs are reachable again since 10:40")).toBe(true);
    expect(msg.html).toContain("mail-editor-reference-message-container");
  });

  it("lists a PDF attachment and an inline cid: image with decoded sizes and contents", async () => {
    const msg = await parsed("30-attachments-pdf-inline-png.eml");
    expect(msg.html).toContain('src="cid:screenshot-costs@tisza-logisztika.example"');
    const [png, pdf] = msg.attachments;
    expect(png).toMatchObject({ filename: "image001.png", contentType: "image/png", contentId: "screenshot-costs@tisza-logisztika.example", inline: true, size: 140 });
    expect(Buffer.from(png!.content.subarray(0, 8))).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(pdf).toMatchObject({ filename: "számla_G047110815.pdf", contentType: "application/pdf", inline: false, size: 626 });
    expect(pdf!.contentId).toBeUndefined();
    expect(Buffer.from(pdf!.content).toString("latin1")).toMatch(/^%PDF-1\.4[\s\S]*%%EOF\n$/);
    expect(msg.attachments).toHaveLength(2);
  });

  it("lists an attachment over maxAttachmentBytes with its size but without content", async () => {
    const msg = await parsed("30-attachments-pdf-inline-png.eml", { maxBytes: LIMITS.maxBytes, maxAttachmentBytes: 500 });
    expect(msg.attachments.map((a) => [a.filename, a.size, a.content.byteLength, a.omitted])).toEqual([
      ["image001.png", 140, 140, undefined],
      ["számla_G047110815.pdf", 626, 0, "too-large"],
    ]);
  });

  it("sanitizes attachment names and names unnamed parts", async () => {
    const raw = Buffer.from(
      "From: a@contoso.example\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nhi\r\n--q\r\nContent-Type: application/octet-stream; name=\"../../etc/passwd\"\r\nContent-Disposition: attachment; filename=\"..\\\\..\\\\evil:name?.bat\"\r\n\r\nx\r\n--q\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--q--\r\n",
    );
    const msg = (await parseMessage(raw, LIMITS)) as ParsedMessage;
    expect(msg.attachments.map((a) => [a.filename, a.inline, a.contentId ?? null])).toEqual([
      ["evilname.bat", false, null],
      ["part-2.png", false, "img1"],
    ]);
  });

  it("lists an attachment whose declared type is not a media type as application/octet-stream (what storage can take as a header)", async () => {
    const declared = ["application/pdf\u0001x", "sz\u00e1mla", "application/\u0151", "=?utf-8?B?!!!?=", "a/b/c", "IMAGE/PNG ; name=a.png", "application/vnd.ms-excel"];
    const part = (type: string, i: number): string => `--q\r\nContent-Type: ${type}\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nDATA${i}\r\n`;
    const raw = Buffer.from(`From: a@contoso.example\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nhi\r\n${declared.map(part).join("")}--q--\r\n`, "utf8");
    const msg = (await parseMessage(raw, LIMITS)) as ParsedMessage;
    expect(msg.attachments.map((a) => a.contentType)).toEqual(["application/octet-stream", "application/octet-stream", "application/octet-stream", "application/octet-stream", "application/octet-stream", "image/png", "application/vnd.ms-excel"]);
    // Every stored type is a valid HTTP header value (RFC 9110 field-value).
    for (const a of msg.attachments) expect(a.contentType).toMatch(/^[\x21-\x7e]+$/);
  });

  it("gives every attachment a media type storage takes as a header value, whatever the part declares (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 40 }).filter((t) => !/[\r\n]/.test(t)), async (declared) => {
        const raw = Buffer.from(`From: a@contoso.example\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nhi\r\n--q\r\nContent-Type: ${declared}\r\nContent-Disposition: attachment; filename="f.bin"\r\n\r\nDATA\r\n--q--\r\n`, "utf8");
        const result = await parseMessage(raw, LIMITS);
        if (isQuarantine(result)) return;
        for (const a of result.attachments) expect(a.contentType).toMatch(/^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/);
      }),
      { numRuns: 300 },
    );
  });

  it("reads a delivery-status report: the DSN text and the returned headers", async () => {
    const msg = await parsed("41-bounce-dsn-permanent.eml");
    expect(msg.deliveryStatus).toContain("Status: 5.1.1");
    expect(msg.returnedHeaders).toContain("Message-ID: <CS-0K7Q2M4XPR.in-diagnosis@duna-cloud.example>");
    expect(msg.headers["content-type"]?.[0]).toMatch(/^multipart\/report; report-type=delivery-status;/);
    expect(msg.headers["return-path"]).toEqual(["<>"]);
  });

  it("reads the returned message/rfc822 part of a report as headers too", async () => {
    const raw = Buffer.from(
      [
        "From: postmaster@outlook.example",
        "To: no-reply@duna-cloud.example",
        "Subject: Undeliverable: [Case #CS-0K7Q3A1B2C] Received",
        "Content-Type: multipart/report; report-type=delivery-status; boundary=r",
        "",
        "--r",
        "Content-Type: text/plain",
        "",
        "Delivery has failed.",
        "--r",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns;AM9PR04MB8211.eurprd04.prod.outlook.example",
        "",
        "Final-Recipient: rfc822;ops@northwind-traders.example",
        "Action: failed",
        "Status: 5.2.2",
        "",
        "--r",
        "Content-Type: message/rfc822",
        "",
        "From: no-reply@duna-cloud.example",
        "Message-ID: <CS-0K7Q3A1B2C.received@duna-cloud.example>",
        "Subject: [Case #CS-0K7Q3A1B2C] Received",
        "",
        "body",
        "--r--",
        "",
      ].join("\r\n"),
    );
    const msg = (await parseMessage(raw, LIMITS)) as ParsedMessage;
    expect(msg.returnedHeaders).toContain("Message-ID: <CS-0K7Q3A1B2C.received@duna-cloud.example>");
    expect(msg.deliveryStatus).toContain("Status: 5.2.2");
  });
});

describe("parseMessage: identity and headers", () => {
  it("uses the Message-ID header, In-Reply-To and References (in order)", async () => {
    const msg = await parsed("13-reply-applemail-cs.eml");
    expect(msg.messageId).toBe("<0B9C8D7E-6F5A-4B3C-9D2E-1F0A9B8C7D6E@mazowsze-meble-cz.example>");
    expect(msg.messageIdSource).toBe("header");
    expect(msg.inReplyTo).toBe("<7D1E2F3A-4B5C-4D6E-8F90-A1B2C3D4E5F6@mazowsze-meble-cz.example>");
    expect(msg.references).toEqual([
      "<CS-0K7Q6K9M0N.received@wisla-it.example>",
      "<CS-0K7Q6K9M0N.awaiting-customer@wisla-it.example>",
      "<7D1E2F3A-4B5C-4D6E-8F90-A1B2C3D4E5F6@mazowsze-meble-cz.example>",
    ]);
    expect(msg.cc).toEqual([{ address: "petr.novotny@mazowsze-meble-cz.example", name: "Petr Novotný" }]);
    expect(msg.date).toBe("2026-03-09T14:22:10.000Z");
  });

  it("gives a message without Message-ID the synthetic <content hash@synthetic.invalid>, stable across parses and relays", async () => {
    const raw = readEml("50-no-message-id-pl.eml");
    const a = (await parseMessage(raw, LIMITS)) as ParsedMessage;
    const b = (await parseMessage(Buffer.from(raw), LIMITS)) as ParsedMessage;
    expect(a.messageIdSource).toBe("synthetic");
    expect(a.messageId).toMatch(/^<[0-9a-f]{64}@synthetic\.invalid>$/);
    expect(a.messageId).toBe(`<${a.contentHash}@synthetic.invalid>`);
    expect(b.messageId).toBe(a.messageId);
    // A relay's trace fields and line-end conversion do not make it another message.
    const relayed = (await parseMessage(Buffer.from(`Return-Path: <x@contoso.example>\r\nReceived: from mx by relay; Thu, 5 Mar 2026 10:00:00 +0000\r\n${raw.toString("latin1").replace(/\r\n/g, "\n")}`, "latin1"), LIMITS)) as ParsedMessage;
    expect(relayed.messageId).toBe(a.messageId);
    // Unreadable messages fall back to the hash of the raw bytes.
    expect(syntheticMessageId(Buffer.from("x"))).toMatch(/^<[0-9a-f]{64}@synthetic\.invalid>$/);
    expect(a.subject).toBe("Prośba o fakturę za subskrypcję");
  });

  it("keeps the raw values of the loop-detection headers, lower-cased names, every occurrence", async () => {
    const msg = await parsed("40-auto-reply-exchange-oof.eml");
    expect(msg.headers).toMatchObject({
      "auto-submitted": ["auto-generated"],
      "x-auto-response-suppress": ["All"],
      "x-ms-exchange-inbox-rules-loop": ["ops@northwind-traders.example"],
      "in-reply-to": ["<CS-0K7Q3A1B2C.in-diagnosis@duna-cloud.example>"],
    });
    expect(msg.headers["thread-index"]).toBeUndefined();
    const raw = Buffer.from("From: a@x.example\r\nX-Loop: one@x.example\r\nX-Loop: two@x.example\r\nSubject: =?utf-8?Q?=C3=A1?=\r\n\r\nhi\r\n");
    const twice = (await parseMessage(raw, LIMITS)) as ParsedMessage;
    expect(twice.headers["x-loop"]).toEqual(["one@x.example", "two@x.example"]);
    expect(twice.headers["subject"]).toEqual(["=?utf-8?Q?=C3=A1?="]);
  });

  it("takes the first mailbox of a From group and lower-cases addresses", async () => {
    const raw = Buffer.from("From: Support team: Eva <EVA@Contoso.example>, b@contoso.example;\r\nTo: undisclosed-recipients:;\r\n\r\nhi\r\n");
    const msg = (await parseMessage(raw, LIMITS)) as ParsedMessage;
    expect(msg.from).toEqual({ address: "eva@contoso.example", name: "Eva" });
    expect(msg.to).toEqual([]);
  });
});

describe("parseMessage: quarantine instead of throwing", () => {
  const verdict = async (raw: Buffer | Uint8Array, limits = LIMITS): Promise<ParseMessageResult> => parseMessage(raw, limits);

  it("too-large: over maxBytes, not parsed, Message-ID kept for de-duplication", async () => {
    const body = "x".repeat(1024 * 1024 + 10);
    const raw = Buffer.from(`From: a@contoso.example\r\nMessage-ID: <big-1@contoso.example>\r\nSubject: logs\r\n\r\n${body}\r\n`);
    const result = await verdict(raw, { maxBytes: 1024 * 1024, maxAttachmentBytes: 1024 });
    expect(result).toEqual({
      kind: "quarantine",
      reason: "too-large",
      detail: `message is ${raw.byteLength} bytes; the limit is ${1024 * 1024}`,
      messageId: "<big-1@contoso.example>",
      messageIdSource: "header",
      sizeBytes: raw.byteLength,
      contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      from: "a@contoso.example",
      subject: "logs",
    });
  });

  it("tells whose mail was quarantined: decoded subject and sender when the headers are readable", async () => {
    const raw = Buffer.from("From: =?utf-8?Q?P=C3=A9ter?= <Peter@Contoso.example>\r\nSubject: =?iso-8859-2?Q?Sz=E1mla?= \u00e1\r\nContent-Type: multipart/mixed\r\n\r\nx");
    expect(await verdict(raw)).toMatchObject({ kind: "quarantine", reason: "malformed", from: "peter@contoso.example", subject: "Számla á", messageIdSource: "synthetic" });
    const senderless = (await verdict(Buffer.from("To: x@y.example\r\nSubject: no sender\r\n\r\nbody"))) as ParsedMessage;
    expect(senderlessQuarantine(senderless)).toMatchObject({ reason: "no-sender", subject: "no sender" });
    expect(await verdict(readEml("51-malformed-header.eml"))).not.toHaveProperty("subject");
  });

  it("malformed: the corpus message with a corrupted header section", async () => {
    const result = await verdict(readEml("51-malformed-header.eml"));
    expect(result).toMatchObject({ kind: "quarantine", reason: "malformed", messageIdSource: "synthetic" });
  });

  it.each([
    ["empty input", Buffer.alloc(0), "empty message"],
    ["no header section", Buffer.from("just some text\r\nwithout headers\r\n"), "header line 1 is not a header field"],
    ["a non-header line among headers", Buffer.from("From: a@contoso.example\r\nthis is not a header\r\nSubject: x\r\n\r\nbody"), "header line 2"],
    ["multipart without boundary", Buffer.from("From: a@contoso.example\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n"), "without a boundary"],
    ["multipart whose boundary never occurs", Buffer.from("From: a@contoso.example\r\nContent-Type: multipart/mixed; boundary=abc\r\n\r\nno parts here\r\n"), 'boundary "abc" never occurs'],
  ])("malformed: %s", async (_label, raw, detail) => {
    const result = await verdict(raw);
    expect(result.kind).toBe("quarantine");
    expect(result).toMatchObject({ reason: "malformed" });
    expect((result as { detail: string }).detail).toContain(detail);
  });

  it("malformed: MIME nesting deeper than the parser's limit", async () => {
    let body = "deep\r\n";
    for (let i = 59; i >= 0; i--) body = `--b${i}\r\nContent-Type: multipart/mixed; boundary=b${i + 1}\r\n\r\n${body}\r\n--b${i}--\r\n`;
    const raw = Buffer.from(`From: a@contoso.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n${body}`);
    expect(await verdict(raw)).toMatchObject({ kind: "quarantine", reason: "malformed" });
  });

  it.each([
    ["no From", "To: helpdesk@duna-cloud.example\r\nSubject: hi\r\n\r\nbody"],
    ["From without an address", "From: Undisclosed\r\nSubject: hi\r\n\r\nbody"],
    ["From with an empty address only", 'From: "Foo" <>\r\nSubject: hi\r\n\r\nbody'],
  ])("no sender anywhere (%s): parsed with senderSource none, the pipeline's no-sender verdict", async (_label, text) => {
    const parsed = (await verdict(Buffer.from(text))) as ParsedMessage;
    expect(parsed).toMatchObject({ kind: "parsed", senderSource: "none", senderMailable: false, from: { address: "" } });
    expect(senderlessQuarantine(parsed)).toMatchObject({ kind: "quarantine", reason: "no-sender", detail: "no address in From, Reply-To, Sender or Return-Path" });
  });

  it.each([
    ["an RFC 2047 display name with a comma", "From: =?UTF-8?Q?M=C3=BCller=2C_Hans?= <Hans@Contoso.example>\r\n", { address: "hans@contoso.example", name: "Müller, Hans" }, "from", true],
    ["a From list whose first entry has an empty address", 'From: "Helpdesk" <>, Real Person <real@contoso.example>\r\n', { address: "real@contoso.example" }, "from", true],
    ["no From, a Reply-To", "Reply-To: <rt@contoso.example>\r\n", { address: "rt@contoso.example" }, "reply-to", true],
    ["no From, a Sender", "Sender: s@contoso.example\r\n", { address: "s@contoso.example" }, "sender", true],
    ["no From, a Return-Path", "Return-Path: <rp@contoso.example>\r\n", { address: "rp@contoso.example" }, "return-path", true],
    ["a trailing-dot domain (normalised)", "From: a@contoso.example.\r\n", { address: "a@contoso.example" }, "from", true],
    ["a local part ending in a dot (cannot be mailed)", "From: john.@contoso.example\r\n", { address: "john.@contoso.example" }, "from", false],
  ])("sender: %s", async (_label, header, from, source, mailable) => {
    const parsed = (await verdict(Buffer.from(`${header}To: helpdesk@duna-cloud.example\r\nSubject: hi\r\n\r\nbody`))) as ParsedMessage;
    expect(parsed).toMatchObject({ kind: "parsed", from, senderSource: source, senderMailable: mailable });
  });

  it("accepts an mbox 'From ' first line, a headers-only message and a Uint8Array view into a larger buffer", async () => {
    const mbox = (await verdict(Buffer.from("From - Thu Mar 05 10:00:00 2026\r\nFrom: a@contoso.example\r\nSubject: x\r\n\r\nbody\r\n"))) as ParsedMessage;
    expect(mbox.kind).toBe("parsed");
    expect(mbox.text).toBe("body\n");
    const headersOnly = (await verdict(Buffer.from("From: a@contoso.example\r\nSubject: only headers\r\n"))) as ParsedMessage;
    expect(headersOnly).toMatchObject({ kind: "parsed", subject: "only headers", text: "", textSource: "none" });
    const big = Buffer.from("GARBAGE!From: a@contoso.example\r\n\r\nview\r\nGARBAGE");
    const view = new Uint8Array(big.buffer, big.byteOffset + 8, big.byteLength - 15);
    expect(await verdict(view)).toMatchObject({ kind: "parsed", text: "view\n", sizeBytes: view.byteLength });
  });

  it("rejects bad limits as a caller bug (RangeError)", async () => {
    await expect(parseMessage(Buffer.from("From: a@b.example\r\n\r\n"), { maxBytes: 0, maxAttachmentBytes: 1 })).rejects.toThrow(RangeError);
    await expect(parseMessage(Buffer.from("From: a@b.example\r\n\r\n"), { maxBytes: 10, maxAttachmentBytes: Number.NaN })).rejects.toThrow(RangeError);
  });

  it("never rejects for arbitrary bytes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }),
          fc.string({ maxLength: 500 }).map((s) => new TextEncoder().encode(`From: a@contoso.example\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n${s}\r\n--z--`)),
        ),
        async (bytes) => {
          const result = await parseMessage(bytes, { maxBytes: 1500, maxAttachmentBytes: 100 });
          expect(["parsed", "quarantine"]).toContain(result.kind);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("mbox postmarks", () => {
  it("an mbox 'From ' line behind a relay's Return-Path is skipped, not taken for a broken header", async () => {
    const raw = Buffer.from("Return-Path: <>\r\nFrom MAILER-DAEMON  Thu Apr 19 23:45:00 2026\r\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@mx.contoso.example>\r\nSubject: Returned mail\r\n\r\nbody\r\n");
    expect(await parseMessage(raw, { maxBytes: 1e6, maxAttachmentBytes: 1e6 })).toMatchObject({ kind: "parsed", from: { address: "mailer-daemon@mx.contoso.example" } });
  });
});
