/**
 * Hungarian status-email templates (formal "Ön"). Terminology from the Partner Center seeds:
 * támogatási kérelem, ügyfélszolgálat, közvetett szolgáltató, eszkalálás.
 */
import type { PartialStatusEmailLocale } from "../types";

/** Hungarian templates; anything missing falls back to English. */
export const hu: PartialStatusEmailLocale = {
  locale: "hu-HU",
  subject: "[Case #{{caseId}}] {{statusLabel}}: {{title}}",
  statusLabels: {
    received: "Beérkezett",
    "in-diagnosis": "Vizsgálat alatt",
    "awaiting-customer": "Válaszára várunk",
    "escalated-to-provider": "Továbbítva a szolgáltatónknak",
    "escalated-to-microsoft": "Eszkalálva a Microsofthoz",
    resolved: "Megoldva",
    closed: "Lezárva",
  },
  greeting: "Tisztelt {{customerName}}!",
  statuses: {
    received: {
      paragraphs: [
        "Köszönjük, hogy a(z) {{partnerName}} ügyfélszolgálatához fordult. Megkaptuk a(z) „{{title}}” tárgyú támogatási kérelmét, amelyet {{caseId}} ügyszámon rögzítettünk.",
        "Támogatási csapatunk már vizsgálja a problémát. Amint új információval szolgálhatunk, vagy további adatokra van szükségünk, felvesszük Önnel a kapcsolatot.",
      ],
    },
    "in-diagnosis": {
      paragraphs: [
        "Támogatási szakemberünk megkezdte a(z) „{{title}}” tárgyú kérelmének ({{caseId}}) feldolgozását.",
        "A probléma okát vizsgáljuk, és amint többet tudunk, tájékoztatjuk.",
      ],
    },
    "awaiting-customer": {
      paragraphs: [
        "A(z) „{{title}}” tárgyú kérelmének ({{caseId}}) további feldolgozásához néhány kiegészítő információra van szükségünk.",
        "Kérjük, válaszoljon erre az e-mailre a kért adatokkal, és a tárgysorban hagyja meg az ügyszámot. Az ügy az Ön válaszáig szünetel.",
      ],
      messageLabel: "A következő információkra van szükségünk:",
    },
    "escalated-to-provider": {
      paragraphs: [
        "A(z) „{{title}}” tárgyú kérelmének ({{caseId}}) megoldásához közvetett CSP-szolgáltatónk közreműködése szükséges, ezért az ügyet eszkaláltuk hozzájuk.",
        "Továbbra is mi vagyunk az Ön kapcsolattartói: együttműködünk a szolgáltatóval, és tájékoztatjuk az ügy előrehaladásáról.",
      ],
    },
    "escalated-to-microsoft": {
      paragraphs: [
        "A(z) „{{title}}” tárgyú kérelme ({{caseId}}) a Microsoft segítségét igényli, ezért az Ön nevében eszkaláltuk a Microsoft ügyfélszolgálatához.",
        "Az ügyben továbbra is mi vagyunk az Ön kapcsolattartói, és amint a Microsoft válaszol, tájékoztatjuk.",
      ],
    },
    resolved: {
      paragraphs: [
        "Örömmel értesítjük, hogy a(z) „{{title}}” tárgyú kérelmét ({{caseId}}) megoldottuk.",
        "Ha a probléma továbbra is fennáll, vagy a megoldás nem működik, kérjük, válaszoljon erre az e-mailre az ügy lezárása előtt.",
      ],
      messageLabel: "A megoldás összefoglalása:",
    },
    closed: {
      paragraphs: [
        "A(z) „{{title}}” tárgyú kérelmét ({{caseId}}) lezártuk.",
        "Köszönjük türelmét. Ha további segítségre van szüksége, kérjük, nyújtson be új kérelmet, és hivatkozzon erre az ügyszámra.",
      ],
    },
  },
  defaultMessageLabel: "Ügyfélszolgálatunk megjegyzése:",
  labels: { caseNumber: "Ügyszám", request: "Kérelem", customer: "Ügyfél", status: "Állapot", updated: "Frissítve", respondBy: "Válasz várható legkésőbb", nextUpdateBy: "Következő tájékoztatás legkésőbb", target: "Vállalt határidő" },
  notices: {
    "partner-update": {
      label: "Tájékoztatás a kérelméről",
      paragraphs: [
        "Támogatási csapatunk új információt küldött a(z) „{{title}}” tárgyú kérelmével ({{caseId}}) kapcsolatban.",
        "Ha bármit hozzá szeretne tenni, kérjük, válaszoljon erre az e-mailre, és a tárgysorban hagyja meg az ügyszámot.",
      ],
      messageLabel: "Támogatási csapatunk tájékoztatása:",
    },
    "sla-delay": {
      label: "A vállaltnál tovább tart",
      paragraphs: [
        "A(z) „{{title}}” tárgyú kérelmének ({{caseId}}) feldolgozása a vállalt határidőnél tovább tart. Elnézést kérünk a késedelemért.",
        "Az ügyet ügyfélszolgálatunkon belül eszkaláltuk, hogy kiemelten foglalkozzunk vele, és a lehető leghamarabb tájékoztatjuk.",
      ],
    },
  },
  supportTerms: { heading: "Támogatási feltételeink", supportTypes: "Támogatási szolgáltatásaink", serviceHours: "Ügyfélszolgálati idő", contactMethods: "Elérhetőségeink", pricing: "Díjazás" },
  billingContact: "Számlázással kapcsolatos kérdéseire a következő kapcsolattartó válaszol: {{billingContact}}.",
  serviceHours: { timeZone: "Az időpontok a(z) {{timeZone}} időzóna szerint értendők.", holidays: "Munkaszüneti napokon zárva: {{dates}}", none: "Egyeztetés szerint (nincs rendszeres ügyfélszolgálati idő)." },
  contact: "Kérdés esetén forduljon hozzánk: {{supportContact}}.",
  closing: "Üdvözlettel:",
  signature: "{{partnerName}} ügyfélszolgálat",
  footer: "Ez egy automatikus üzenet a támogatási kérelméről. Válaszadáskor kérjük, hagyja meg a tárgysorban a következőt: „[Case #{{caseId}}]”.",
};
