/**
 * Charsets of real-world mail: raw 8-bit legacy header text, undeclared body charsets and ISO-2022-JP
 * without a label are decoded as mature mail clients do (shared/services/inboundEmail/charsets.ts).
 * The legacy bytes are made from real text with iconv-lite (the Japanese of a Shift_JIS message of
 * the mikel/mail fixtures, Chinese and German words), so the expected text is the source text.
 */
import fs from "node:fs";
import path from "node:path";
import iconv from "iconv-lite";
import { decodeStrict, detectCharset, repairCharsets } from "../../../shared/services/inboundEmail/charsets";
import { parseMessage, type ParsedMessage } from "../../../shared/services/inboundEmail/parseMessage";

const LIMITS = { maxBytes: 1e7, maxAttachmentBytes: 1e7 };
const REAL = path.join(__dirname, "..", "..", "fixtures", "email", "real-world");
const parse = async (raw: Buffer): Promise<ParsedMessage> => (await parseMessage(raw, LIMITS)) as ParsedMessage;

/** A message whose header lines are given as bytes (8-bit allowed). */
function message(headers: Buffer[], body: Buffer = Buffer.from("Hello\r\n")): Buffer {
  return Buffer.concat([...headers.flatMap((h) => [h, Buffer.from("\r\n")]), Buffer.from("\r\n"), body]);
}

const JAPANESE = "このメールはテスト用のメールです。今後ともよろしくお願い申し上げます";
const CHINESE = "转发：关于发票的问题，请尽快处理";

describe("raw 8-bit headers", () => {
  it.each([
    ["GBK", "gbk", CHINESE],
    ["Shift_JIS", "shift_jis", JAPANESE],
    ["EUC-KR", "euc-kr", "대부분의 마찬가지로, 우리는 하나님을 믿습니다"],
    ["windows-1251", "windows-1251", "Счёт за подписку Azure за февраль"],
  ])("a %s subject and display name are decoded", async (_label, charset, text) => {
    const raw = message([Buffer.concat([Buffer.from("Subject: "), iconv.encode(text, charset)]), Buffer.concat([Buffer.from("From: "), iconv.encode(text.slice(0, 6), charset), Buffer.from(" <sender@contoso.example>")]), Buffer.from("To: helpdesk@duna-cloud.example"), Buffer.from("Message-ID: <c1@contoso.example>")]);
    const parsed = await parse(raw);
    expect(parsed.subject).toBe(text);
    expect(parsed.from).toEqual({ address: "sender@contoso.example", name: text.slice(0, 6) });
    expect(parsed.subjectDecodable).toBe(true);
    expect(parsed.charsetRepairs.map((r) => r.where)).toEqual(["header", "header"]);
  });

  it("the body's declared charset decodes raw header bytes valid in it (Latin-1 Portuguese of the mikel/mail corpus)", async () => {
    const parsed = await parse(fs.readFileSync(path.join(REAL, "mikel-mail", "error_emails--invalid_subject_characters.eml")));
    expect(parsed.subject).toBe("Formação FrenetikPolis: Mega Campanha Final Verão | Cursos de Setembro");
  });

  it("a raw ISO-2022-JP subject (escape sequences, no label) is decoded", async () => {
    // "テスト" in ISO-2022-JP (RFC 1468): ESC $ B, the JIS X 0208 bytes, ESC ( B.
    const raw = message([Buffer.from("Subject: \x1b$B%F%9%H\x1b(B", "latin1"), Buffer.from("From: a@contoso.example")]);
    expect((await parse(raw)).subject).toBe("テスト");
  });

  it("an 8-bit attachment file name in GBK and in Latin-1 is decoded", async () => {
    const part = (name: Buffer): Buffer => Buffer.concat([Buffer.from('--b\r\nContent-Type: application/pdf; name="'), name, Buffer.from('"\r\nContent-Disposition: attachment; filename="'), name, Buffer.from('"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n')]);
    const raw = Buffer.concat([Buffer.from("From: a@contoso.example\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"), part(iconv.encode("发票.pdf", "gbk")), Buffer.from("--b--\r\n")]);
    expect((await parse(raw)).attachments.map((a) => a.filename)).toEqual(["发票.pdf"]);
    const latin = Buffer.concat([Buffer.from("From: a@contoso.example\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nsee attached\r\n"), part(iconv.encode("Prüfbericht Größe.pdf", "latin1")), Buffer.from("--b--\r\n")]);
    expect((await parse(latin)).attachments.map((a) => a.filename)).toEqual(["Prüfbericht Größe.pdf"]);
  });
});

describe("bodies", () => {
  it.each([
    ["Shift_JIS", "shift_jis", JAPANESE],
    ["GBK", "gbk", CHINESE],
    ["windows-1250", "windows-1250", "Dobrý den, prosím o opravu faktury za předplatné. Děkuji za rychlé vyřízení."],
  ])("an 8-bit %s body without a charset is detected", async (_label, charset, text) => {
    const raw = message([Buffer.from("From: a@contoso.example"), Buffer.from("Subject: x"), Buffer.from("Content-Type: text/plain"), Buffer.from("Content-Transfer-Encoding: 8bit")], iconv.encode(`${text}\r\n${text}\r\n`, charset));
    expect((await parse(raw)).text.trim().split("\n")[0]).toBe(text);
  });

  it("ISO-2022-JP without a label is recognised by its escape sequences", async () => {
    const body = Buffer.from("\x1b$B$9$_$^$;$s!#\x1b(B\r\n", "latin1");
    const raw = message([Buffer.from("From: a@contoso.example"), Buffer.from("Subject: x")], body);
    expect((await parse(raw)).text.trim()).toBe("すみません。");
  });

  it("UTF-8 bytes under a us-ascii label are read as UTF-8", async () => {
    const raw = message([Buffer.from("From: a@contoso.example"), Buffer.from("Subject: x"), Buffer.from("Content-Type: text/plain; charset=us-ascii")], Buffer.from("Grüße aus Köln\r\n", "utf8"));
    expect((await parse(raw)).text.trim()).toBe("Grüße aus Köln");
  });

  it("a message that needs nothing is passed on untouched", () => {
    const raw = message([Buffer.from("From: a@contoso.example"), Buffer.from("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=")]);
    const result = repairCharsets(raw);
    expect(result.raw).toBe(raw);
    expect(result.repairs).toEqual([]);
  });
});

describe("detector and decoder", () => {
  it("UTF-8 wins when valid; undetectable bytes fall back to windows-1252", () => {
    expect(detectCharset(Buffer.from("Grüße", "utf8"))).toEqual({ charset: "utf-8", how: "detected" });
    expect(decodeStrict(Buffer.from([0xc3, 0x28]), "utf-8")).toBeUndefined();
    expect(decodeStrict(iconv.encode("Žluťoučký kůň", "windows-1250"), "windows-1250")).toBe("Žluťoučký kůň");
  });

  it("an undecodable subject is flagged, never passed on as clean text", async () => {
    const raw = message([Buffer.from("From: a@contoso.example"), Buffer.from("Subject: =?UTF-8?B?nnDusSNdG92w6Fu4?=")]);
    const parsed = await parse(raw);
    expect(parsed.subjectDecodable).toBe(false);
  });
});
