/**
 * The language rule of new email requests: the customer directory wins; else a confident
 * identification of a served language (en, hu, cs, pl, ru); else the partner's default language.
 * Accuracy on the labelled sample of real mail text (test/fixtures/email/language-sample.json).
 */
import fs from "node:fs";
import path from "node:path";
import { SupportedLanguages } from "../../../shared/contracts";
import { stripQuotedReply } from "../../../shared/domain/email";
import { decideLanguage, identifyLanguage } from "../../../shared/services/inboundEmail/language";
import { parseMessage, type ParsedMessage } from "../../../shared/services/inboundEmail/parseMessage";
import requests from "../../fixtures/demo/requests.json";

const ROOT = path.join(__dirname, "..", "..", "..");
interface SampleItem {
  language: string;
  source: string;
  subject?: string;
  text?: string;
  file?: string;
}
const sample = (JSON.parse(fs.readFileSync(path.join(ROOT, "test", "fixtures", "email", "language-sample.json"), "utf8")) as { items: SampleItem[] }).items;

/** Subject and new text of a sample item, as the intake hands them to the identifier. */
async function textOf(item: SampleItem): Promise<string> {
  if (item.file === undefined) return `${item.subject ?? ""}\n${stripQuotedReply(item.text ?? "")}`;
  const parsed = (await parseMessage(fs.readFileSync(path.join(ROOT, item.file)), { maxBytes: 1e7, maxAttachmentBytes: 1e7 })) as ParsedMessage;
  return `${parsed.subject}\n${stripQuotedReply(parsed.text)}`;
}

describe("decideLanguage", () => {
  it.each([
    ["Hello, we were charged twice for the invoice. Please check.", "en", "detected"],
    ["Tisztelt Ügyfélszolgálat! Ma reggel óta leállt a levelezésünk, kérem nézzék meg.", "hu", "detected"],
    ["Dobrý den, prosím o opravu faktury za předplatné. Děkuji.", "cs", "detected"],
    ["Dzień dobry, mamy awarię Teams, żaden użytkownik nie może się zalogować.", "pl", "detected"],
    ["Здравствуйте! В счёте за февраль ошибка, просим проверить.", "ru", "detected"],
    // Languages the app does not serve get the partner's default, never a served language they are not.
    ["Guten Tag, die Rechnung für Oktober ist leider falsch. Bitte prüfen Sie das. Mit freundlichen Grüßen", "cs", "partner-default"],
    ["Bonjour, notre facture du mois d'octobre est incorrecte, pouvez-vous vérifier ? Cordialement", "cs", "partner-default"],
    // Too little text: the default.
    ["", "cs", "partner-default"],
    ["12345 !!!", "cs", "partner-default"],
    ["Azure", "cs", "partner-default"],
  ])("%s → %s (%s)", async (text, language, source) => {
    const partnerDefault = source === "partner-default" ? "cs" : "en";
    await expect(decideLanguage({ partnerDefault, text })).resolves.toMatchObject({ language, source });
  });

  it("the customer directory's language wins over any guess", async () => {
    await expect(decideLanguage({ directoryLanguage: "hu", partnerDefault: "en", text: "Hello, we were charged twice for the invoice. Please check." })).resolves.toMatchObject({ language: "hu", source: "directory", detected: "en" });
  });

  it("German and French mail are never guessed Hungarian or Czech (identified as what they are)", async () => {
    await expect(identifyLanguage("Sehr geehrte Damen und Herren, unser Exchange Postfach ist seit heute Morgen nicht erreichbar.")).resolves.toMatchObject({ language: "de" });
    await expect(identifyLanguage("Madame, Monsieur, depuis ce matin notre messagerie ne fonctionne plus, merci de votre aide.")).resolves.toMatchObject({ language: "fr" });
  });

  it("answers every demo request in the language its customer wrote in", async () => {
    for (const r of requests) {
      const decision = await decideLanguage({ partnerDefault: "en", text: `${r.request.title}\n${r.request.description}` });
      expect({ title: r.request.title, language: decision.language }).toEqual({ title: r.request.title, language: r.request.customer.preferredLanguage });
    }
  });

  it("on the labelled sample of real mail: no wrong served language, and the identifier right on at least 90%", async () => {
    const served = new Set<string>(SupportedLanguages);
    let right = 0;
    const wrongServed: string[] = [];
    for (const item of sample) {
      const text = await textOf(item);
      const guess = await identifyLanguage(text);
      if (guess?.language === item.language) right++;
      const decision = await decideLanguage({ partnerDefault: "en", text });
      // The customer is written to in their own language, or in the partner's default (en).
      if (decision.language !== item.language && decision.language !== "en") wrongServed.push(`${item.source}: ${decision.language}`);
      if (served.has(item.language) && decision.source === "detected") expect(decision.language).toBe(item.language);
    }
    expect(wrongServed).toEqual([]);
    expect(new Set(sample.map((i) => i.language)).size).toBeGreaterThanOrEqual(10);
    expect(right / sample.length).toBeGreaterThanOrEqual(0.9);
  });
});
