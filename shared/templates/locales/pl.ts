/**
 * Polish status-email templates (formal "Państwo"). Terminology from the Partner Center seeds:
 * zgłoszenie, pomoc techniczna, dostawca pośredni, eskalować do firmy Microsoft.
 */
import type { PartialStatusEmailLocale } from "../types";

/** Polish templates; anything missing falls back to English. */
export const pl: PartialStatusEmailLocale = {
  locale: "pl-PL",
  subject: "[Case #{{caseId}}] {{statusLabel}}: {{title}}",
  statusLabels: {
    received: "Przyjęte",
    "in-diagnosis": "W trakcie diagnozy",
    "awaiting-customer": "Oczekuje na Państwa odpowiedź",
    "escalated-to-provider": "Przekazane do naszego dostawcy",
    "escalated-to-microsoft": "Eskalowane do firmy Microsoft",
    resolved: "Rozwiązane",
    closed: "Zamknięte",
  },
  // Polish addresses a customer formally without the name (the name would need the vocative); it is in the details table.
  greeting: "Szanowni Państwo,",
  statuses: {
    received: {
      paragraphs: [
        "dziękujemy za kontakt z działem pomocy technicznej firmy {{partnerName}}. Otrzymaliśmy Państwa zgłoszenie „{{title}}” i zarejestrowaliśmy je pod numerem sprawy {{caseId}}.",
        "Nasz zespół pomocy technicznej diagnozuje obecnie problem. Skontaktujemy się z Państwem, gdy tylko będziemy mieć nowe informacje lub będziemy potrzebować dodatkowych danych.",
      ],
    },
    "in-diagnosis": {
      paragraphs: [
        "nad Państwa zgłoszeniem „{{title}}” (sprawa {{caseId}}) pracuje teraz nasz specjalista pomocy technicznej.",
        "Diagnozujemy problem i poinformujemy Państwa, gdy tylko będziemy wiedzieć więcej.",
      ],
    },
    "awaiting-customer": {
      paragraphs: [
        "aby kontynuować pracę nad Państwa zgłoszeniem „{{title}}” (sprawa {{caseId}}), potrzebujemy dodatkowych informacji.",
        "Prosimy o odpowiedź na tę wiadomość z wymaganymi danymi, bez usuwania numeru sprawy z tematu. Do czasu otrzymania odpowiedzi sprawa jest wstrzymana.",
      ],
      messageLabel: "Potrzebujemy następujących informacji:",
    },
    "escalated-to-provider": {
      paragraphs: [
        "rozwiązanie Państwa zgłoszenia „{{title}}” (sprawa {{caseId}}) wymaga udziału naszego dostawcy pośredniego CSP, dlatego eskalowaliśmy sprawę do niego.",
        "Nadal pozostajemy Państwa punktem kontaktowym: współpracujemy z dostawcą i będziemy informować Państwa o postępach.",
      ],
    },
    "escalated-to-microsoft": {
      paragraphs: [
        "Państwa zgłoszenie „{{title}}” (sprawa {{caseId}}) wymaga pomocy firmy Microsoft, dlatego w Państwa imieniu eskalowaliśmy je do pomocy technicznej firmy Microsoft.",
        "Nadal jesteśmy Państwa punktem kontaktowym w tej sprawie i poinformujemy Państwa, gdy tylko firma Microsoft udzieli odpowiedzi.",
      ],
    },
    resolved: {
      paragraphs: [
        "z przyjemnością informujemy, że Państwa zgłoszenie „{{title}}” (sprawa {{caseId}}) zostało rozwiązane.",
        "Jeśli problem nadal występuje lub rozwiązanie nie działa, prosimy o odpowiedź na tę wiadomość przed zamknięciem sprawy.",
      ],
      messageLabel: "Podsumowanie rozwiązania:",
    },
    closed: {
      paragraphs: [
        "Państwa zgłoszenie „{{title}}” (sprawa {{caseId}}) zostało zamknięte.",
        "Dziękujemy za cierpliwość. Jeśli będą Państwo potrzebować dalszej pomocy, prosimy o utworzenie nowego zgłoszenia z podaniem tego numeru sprawy.",
      ],
    },
  },
  defaultMessageLabel: "Uwagi naszego zespołu pomocy technicznej:",
  labels: { caseNumber: "Numer sprawy", request: "Zgłoszenie", customer: "Klient", status: "Status", updated: "Zaktualizowano", respondBy: "Odpowiedź do", nextUpdateBy: "Kolejna informacja do", target: "Docelowy termin" },
  notices: {
    "partner-update": {
      label: "Informacja o Państwa zgłoszeniu",
      paragraphs: [
        "nasz zespół pomocy technicznej przekazuje nowe informacje dotyczące Państwa zgłoszenia „{{title}}” (sprawa {{caseId}}).",
        "Jeśli chcą Państwo coś dodać, prosimy o odpowiedź na tę wiadomość bez usuwania numeru sprawy z tematu.",
      ],
      messageLabel: "Informacja od naszego zespołu pomocy technicznej:",
    },
    "sla-delay": {
      label: "Realizacja trwa dłużej niż planowano",
      paragraphs: [
        "realizacja Państwa zgłoszenia „{{title}}” (sprawa {{caseId}}) trwa dłużej niż nasz docelowy czas. Przepraszamy za opóźnienie.",
        "Eskalowaliśmy sprawę w ramach naszego zespołu pomocy technicznej, aby została potraktowana priorytetowo, i poinformujemy Państwa o postępach najszybciej, jak to możliwe.",
      ],
    },
  },
  supportTerms: { heading: "Nasze warunki wsparcia", supportTypes: "Zakres wsparcia", serviceHours: "Godziny pracy pomocy technicznej", contactMethods: "Sposoby kontaktu", pricing: "Cennik" },
  billingContact: "Na pytania dotyczące rozliczeń odpowiada: {{billingContact}}.",
  serviceHours: { timeZone: "Godziny podano w strefie czasowej {{timeZone}}.", holidays: "Nieczynne w dni świąteczne: {{dates}}", none: "Po uzgodnieniu (bez stałych godzin pracy)." },
  contact: "W razie pytań prosimy o kontakt: {{supportContact}}.",
  closing: "Z poważaniem",
  signature: "Zespół pomocy technicznej {{partnerName}}",
  footer: "To jest automatyczna wiadomość dotycząca Państwa zgłoszenia. Odpowiadając, prosimy pozostawić w temacie „[Case #{{caseId}}]”.",
};
