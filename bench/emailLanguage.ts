/**
 * Language identification of email requests on the labelled sample of real mail text
 * (test/fixtures/email/language-sample.json): `npm run bench:language` prints, per language, how
 * often the identifier (eld) named the right language and what the intake decided (detected, or
 * the partner's default `en` when unsure or unserved). Figures are recorded in
 * docs/email-intake.md, never asserted here (the test asserts the floor).
 */
import fs from "node:fs";
import path from "node:path";
import { stripQuotedReply } from "../shared/domain/email";
import { decideLanguage, identifyLanguage } from "../shared/services/inboundEmail/language";
import { parseMessage, type ParsedMessage } from "../shared/services/inboundEmail/parseMessage";

interface SampleItem {
  language: string;
  source: string;
  subject?: string;
  text?: string;
  file?: string;
}

async function main(): Promise<void> {
  const root = path.join(__dirname, "..", "..");
  const sample = (JSON.parse(fs.readFileSync(path.join(root, "test", "fixtures", "email", "language-sample.json"), "utf8")) as { items: SampleItem[] }).items;
  const rows = new Map<string, { n: number; identified: number; detected: number; fallback: number; wrong: number }>();
  for (const item of sample) {
    let text: string;
    if (item.file === undefined) text = `${item.subject ?? ""}\n${stripQuotedReply(item.text ?? "")}`;
    else {
      const parsed = (await parseMessage(fs.readFileSync(path.join(root, item.file)), { maxBytes: 1e7, maxAttachmentBytes: 1e7 })) as ParsedMessage;
      text = `${parsed.subject}\n${stripQuotedReply(parsed.text)}`;
    }
    const guess = await identifyLanguage(text);
    const decision = await decideLanguage({ partnerDefault: "en", text });
    const row = rows.get(item.language) ?? { n: 0, identified: 0, detected: 0, fallback: 0, wrong: 0 };
    row.n++;
    if (guess?.language === item.language) row.identified++;
    if (decision.source === "detected" && decision.language === item.language) row.detected++;
    else if (decision.source === "partner-default") row.fallback++;
    else row.wrong++;
    rows.set(item.language, row);
  }
  const total = [...rows.values()].reduce((a, r) => ({ n: a.n + r.n, identified: a.identified + r.identified, wrong: a.wrong + r.wrong }), { n: 0, identified: 0, wrong: 0 });
  console.log(`Language identification on ${total.n} labelled mail texts in ${rows.size} languages (eld medium)\n`);
  console.log("| language | texts | identified | answered in it | partner default | wrong language |");
  console.log("|---|---|---|---|---|---|");
  for (const [lang, r] of [...rows].sort(([a], [b]) => (a < b ? -1 : 1))) console.log(`| ${lang} | ${r.n} | ${r.identified} | ${r.detected} | ${r.fallback} | ${r.wrong} |`);
  console.log(`\nIdentified: ${total.identified}/${total.n} (${((100 * total.identified) / total.n).toFixed(1)} %); answered in a wrong language: ${total.wrong}.`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
