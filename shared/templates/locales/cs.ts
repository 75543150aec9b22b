/**
 * Czech status-email templates (formal "vy"). Terminology from the Partner Center seeds:
 * požadavek na podporu, nepřímý poskytovatel, eskalace na Microsoft.
 */
import type { PartialStatusEmailLocale } from "../types";

/** Czech templates; anything missing falls back to English. */
export const cs: PartialStatusEmailLocale = {
  locale: "cs-CZ",
  subject: "[Case #{{caseId}}] {{statusLabel}}: {{title}}",
  statusLabels: {
    received: "Přijato",
    "in-diagnosis": "Probíhá diagnostika",
    "awaiting-customer": "Čekáme na vaši odpověď",
    "escalated-to-provider": "Předáno našemu poskytovateli",
    "escalated-to-microsoft": "Eskalováno na Microsoft",
    resolved: "Vyřešeno",
    closed: "Uzavřeno",
  },
  // Czech would need the vocative of a personal name; the name is in the details table instead.
  greeting: "Dobrý den,",
  statuses: {
    received: {
      paragraphs: [
        "děkujeme, že jste se obrátili na podporu společnosti {{partnerName}}. Váš požadavek na podporu „{{title}}“ jsme přijali a zaevidovali pod číslem případu {{caseId}}.",
        "Náš tým podpory nyní problém diagnostikuje. Jakmile budeme mít nové informace nebo od vás budeme potřebovat další údaje, ozveme se vám.",
      ],
    },
    "in-diagnosis": {
      paragraphs: [
        "na vašem požadavku „{{title}}“ (případ {{caseId}}) nyní pracuje technik podpory.",
        "Problém diagnostikujeme, a jakmile budeme vědět více, budeme vás informovat.",
      ],
    },
    "awaiting-customer": {
      paragraphs: [
        "abychom mohli pokračovat v řešení vašeho požadavku „{{title}}“ (případ {{caseId}}), potřebujeme od vás další informace.",
        "Odpovězte prosím na tento e-mail s požadovanými údaji a ponechte v předmětu číslo případu. Do vaší odpovědi je případ pozastaven.",
      ],
      messageLabel: "Potřebujeme od vás tyto informace:",
    },
    "escalated-to-provider": {
      paragraphs: [
        "vyřešení vašeho požadavku „{{title}}“ (případ {{caseId}}) vyžaduje součinnost našeho nepřímého poskytovatele CSP, proto jsme případ eskalovali na něj.",
        "Vaším kontaktem zůstáváme my: s poskytovatelem spolupracujeme a o průběhu vás budeme informovat.",
      ],
    },
    "escalated-to-microsoft": {
      paragraphs: [
        "váš požadavek „{{title}}“ (případ {{caseId}}) vyžaduje pomoc společnosti Microsoft, proto jsme jej vaším jménem eskalovali na podporu Microsoftu.",
        "I nadále jsme vaším kontaktem pro tento případ, a jakmile Microsoft odpoví, budeme vás informovat.",
      ],
    },
    resolved: {
      paragraphs: [
        "s potěšením vám oznamujeme, že váš požadavek „{{title}}“ (případ {{caseId}}) byl vyřešen.",
        "Pokud problém přetrvává nebo řešení nefunguje, odpovězte prosím na tento e-mail dříve, než bude případ uzavřen.",
      ],
      messageLabel: "Shrnutí řešení:",
    },
    closed: {
      paragraphs: [
        "váš požadavek „{{title}}“ (případ {{caseId}}) byl uzavřen.",
        "Děkujeme za trpělivost. Pokud budete potřebovat další pomoc, odešlete nový požadavek a uveďte v něm toto číslo případu.",
      ],
    },
  },
  defaultMessageLabel: "Poznámka našeho týmu podpory:",
  labels: { caseNumber: "Číslo případu", request: "Požadavek", customer: "Zákazník", status: "Stav", updated: "Aktualizováno", respondBy: "Odpověď očekávejte do", nextUpdateBy: "Další informace do", target: "Cílový termín" },
  notices: {
    "partner-update": {
      label: "Novinky k vašemu požadavku",
      paragraphs: [
        "k vašemu požadavku „{{title}}“ (případ {{caseId}}) máme od našeho týmu podpory nové informace.",
        "Pokud chcete něco doplnit, odpovězte prosím na tento e-mail a ponechte v předmětu číslo případu.",
      ],
      messageLabel: "Informace od našeho týmu podpory:",
    },
    "sla-delay": {
      label: "Řešení trvá déle, než jsme plánovali",
      paragraphs: [
        "řešení vašeho požadavku „{{title}}“ (případ {{caseId}}) trvá déle než náš cílový čas. Za zpoždění se omlouváme.",
        "Případ jsme v rámci našeho týmu podpory eskalovali, aby měl přednost, a co nejdříve vás budeme informovat.",
      ],
    },
  },
  supportTerms: { heading: "Naše podmínky podpory", supportTypes: "Poskytovaná podpora", serviceHours: "Provozní doba podpory", contactMethods: "Jak nás kontaktovat", pricing: "Ceny" },
  billingContact: "Na vaše dotazy k fakturaci odpovídá: {{billingContact}}.",
  serviceHours: { timeZone: "Časy jsou uvedeny v časovém pásmu {{timeZone}}.", holidays: "Ve svátcích zavřeno: {{dates}}", none: "Po dohodě (bez pravidelné provozní doby)." },
  contact: "S případnými dotazy se na nás obraťte: {{supportContact}}.",
  closing: "S pozdravem",
  signature: "Podpora {{partnerName}}",
  footer: "Toto je automatická zpráva o vašem požadavku na podporu. Při odpovědi prosím ponechte v předmětu „[Case #{{caseId}}]“.",
};
