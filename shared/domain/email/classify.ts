/**
 * Rule-based classification of a request that arrived by email ("Product, category and
 * severity are classified by rules (keywords in the five languages, with defaults) and can be
 * corrected by the partner through the API"). The customer's language is decided by
 * shared/services/inboundEmail/language.ts (a language-identification library).
 *
 * Keywords are matched on folded text (Unicode NFKD, combining marks removed, lower-cased), so
 * "számla", "szamla" and "SZÁMLÁN" match alike and customers who type without diacritics are
 * understood; a keyword ending in `*` matches as a word prefix (Hungarian, Czech, Polish and Russian
 * inflect: "számlán", "faktury", "licencji", "лицензии"), otherwise as a whole word or phrase.
 * Categories and severities follow shared/contracts/supportRequest.ts (Partner Center: billing,
 * subscription management, technical; severity A critical, B moderate, C minimal).
 */
import type { Category, ProductId, Severity } from "../../contracts/supportRequest";

/** Product when no product keyword matches: Microsoft 365, the bulk of CSP seats and requests; the partner corrects it through the API. */
export const DEFAULT_PRODUCT: ProductId = "microsoft-365";
/** Category when no keyword matches: technical (the only non-commercial category). */
export const DEFAULT_CATEGORY: Category = "technical";
/** Severity when no outage or urgency word is found: C (minimal), the Partner Center default. */
export const DEFAULT_SEVERITY: Severity = "C";
/** How much of the text is read (characters); keywords after that are ignored, bounding the work per message. */
export const MAX_CLASSIFIED_CHARS = 20000;

/** Folds text for matching: NFKD, combining marks removed, lower-cased (`Számlán` → `szamlan`, `ё` → `е`). */
export function foldText(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

interface KeywordRule<V extends string> {
  value: V;
  label: string;
  pattern: RegExp;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Builds rules from keywords as written (with diacritics); `*` at the end = prefix match. */
function keywords<V extends string>(value: V, words: readonly string[]): KeywordRule<V>[] {
  const seen = new Set<string>();
  return words.flatMap((word) => {
    const parts = word.trim().split(/\s+/);
    // A `*` ends a word as a prefix: inside a phrase the rest of that word is skipped (`maszyn* wirtualn*`).
    const body = parts
      .map((part, index) => {
        const star = part.endsWith("*");
        const core = escapeRegExp(foldText(star ? part.slice(0, -1) : part));
        return star && index < parts.length - 1 ? `${core}\\p{L}*` : core;
      })
      .join("[\\s-]+");
    const prefix = word.endsWith("*");
    const source = `(?<![\\p{L}\\p{N}])${body}${prefix ? "" : "(?![\\p{L}\\p{N}])"}`;
    // Keywords that fold to the same pattern (e.g. "faktur*" in cs and pl) count once.
    if (seen.has(source)) return [];
    seen.add(source);
    return [{ value, label: word.replace(/\*/g, ""), pattern: new RegExp(source, "u") }];
  });
}

/** Category keywords in en, hu, cs, pl, ru (the seeds' languages). */
const CATEGORY_RULES: readonly KeywordRule<Category>[] = [
  ...keywords("billing", [
    "invoice*", "billing", "billed", "bill", "bills", "overcharg*", "charged", "charges", "refund*", "credit note*", "payment*", "cost*",
    "számla*", "számláz*", "fizetés*", "díj*", "terhelés*", "jóváír*", "visszatérít*", "költség*",
    "faktur*", "vyúčtování*", "platb*", "účtován*", "dobropis*", "poplat*", "náklad*",
    "płatnoś*", "rozliczen*", "opłat*", "obciążen*", "koszt*",
    "счет*", "оплат*", "платеж*", "биллинг*", "списан*", "возврат*", "стоимост*",
  ]),
  ...keywords("subscription-management", [
    "licens*", "licence*", "subscription*", "seat*", "renewal*", "renew", "new commerce",
    "licenc*", "előfizetés*", "megújít*",
    "předplatn*",
    "subskrypcj*", "odnowien*",
    "лицензи*", "подписк*", "продлен*",
  ]),
  ...keywords("technical", [
    "error*", "fail*", "not working", "does not work", "crash*", "bug*", "unable", "cannot", "can't", "sync*", "outage*",
    "hiba*", "nem működik", "leáll*", "összeomlik", "nem érhető el",
    "chyb*", "nefunguj*", "výpad*", "nelze", "nejde",
    "błąd*", "błęd*", "nie działa*", "awari*", "nie można",
    "ошибк*", "не работает", "сбой*", "не удается", "недоступ*", "не доставляется",
  ]),
];

/** Outage words (any language) for the severity rule. */
const OUTAGE_RULES = keywords("outage", [
  "outage*", "down", "unreachable", "unavailable", "not available", "not working", "service interruption",
  "leállás*", "leállt*", "nem elérhető", "elérhetetlen*", "nem működik", "üzemszünet*", "kiesés*",
  "výpad*", "nedostupn*", "nefunguj*", "nejde",
  "awari*", "niedostępn*", "nie działa*", "przestój*", "przestoj*",
  "сбой*", "авари*", "недоступ*", "не работает",
]);
/** Urgency words (any language) for the severity rule. */
const URGENCY_RULES = keywords("urgent", [
  "urgent*", "asap", "critical*", "emergency", "immediately", "production",
  "sürgős*", "azonnal*", "kritikus*", "éles", "éles környezet*",
  "naléhav*", "urgentn*", "kritick*", "okamžit*", "ihned", "produkčn*", "produkc*",
  "piln*", "krytyczn*", "natychmiast*", "produkcyj*",
  "срочн*", "критич*", "немедлен*", "продакшн*", "продуктив*", "промышленн*",
]);

/** Product keywords; on a tie the earlier product wins (specific on-premises names before cloud families). */
const PRODUCT_RULES: readonly KeywordRule<ProductId>[] = [
  { value: "sql-server", label: "SQL Server", pattern: /(?<!azure[\s-]+)(?<![\p{L}\p{N}])sql[\s-]*server(?![\p{L}])/u },
  ...keywords("sql-server", ["always on availability group*", "always on"]),
  ...keywords("windows-server", ["windows server*", "hyper-v", "active directory domain services"]),
  { value: "exchange-server", label: "Exchange Server", pattern: /(?<![\p{L}\p{N}])exchange[\s-]+(?:server|20(?:10|13|16|19)|se)(?![\p{L}\p{N}])/u },
  { value: "sharepoint-server", label: "SharePoint Server", pattern: /(?<![\p{L}\p{N}])sharepoint[\s-]+(?:server|20(?:13|16|19)|subscription edition)(?![\p{L}\p{N}])/u },
  ...keywords("dynamics-365", ["dynamics*", "d365", "business central"]),
  ...keywords("power-platform", ["power platform", "power bi", "power apps", "powerapps", "power automate", "dataverse", "copilot studio"]),
  ...keywords("azure", ["azure*", "virtual machine*", "vm", "vms", "vnet", "aks", "app service", "virtuális gép*", "virtuální počítač*", "maszyn* wirtualn*", "виртуальн* машин*"]),
  ...keywords("office-365", ["office 365", "o365"]),
  { value: "microsoft-365", label: "SharePoint Online", pattern: /(?<![\p{L}\p{N}])sharepoint(?![\s-]+(?:server|20(?:13|16|19)|subscription edition))/u },
  ...keywords("microsoft-365", ["microsoft 365", "m365", "teams*", "exchange online", "onedrive*", "outlook*", "intune", "entra", "business premium"]),
];

/** Result of {@link classifyRequest}. */
export interface RequestClassification {
  product: ProductId;
  category: Category;
  severity: Severity;
  /**
   * Why: every keyword that matched, as `category:<category>/<keyword>`,
   * `product:<productId>/<keyword>`, `severity:outage/<keyword>` or `severity:urgent/<keyword>`,
   * in rule order. Empty when every field is a default.
   */
  matched: string[];
}

/** Weight of a keyword found in the subject; the body counts 1. Subjects state the request, bodies add context (ids, signatures). */
const SUBJECT_WEIGHT = 2;

interface Found<V extends string> {
  rules: KeywordRule<V>[];
  scores: Map<V, number>;
}

/** Rules that match the subject or the body, with per-value scores (subject hits weigh {@link SUBJECT_WEIGHT}). */
function hits<V extends string>(rules: readonly KeywordRule<V>[], subject: string, body: string): Found<V> {
  const found: KeywordRule<V>[] = [];
  const scores = new Map<V, number>();
  for (const rule of rules) {
    const score = (rule.pattern.test(subject) ? SUBJECT_WEIGHT : 0) + (rule.pattern.test(body) ? 1 : 0);
    if (score === 0) continue;
    found.push(rule);
    scores.set(rule.value, (scores.get(rule.value) ?? 0) + score);
  }
  return { rules: found, scores };
}

function best<V extends string>(scores: ReadonlyMap<V, number>, order: readonly V[], fallback: V): V {
  let winner = fallback;
  let top = 0;
  for (const value of order) {
    const score = scores.get(value) ?? 0;
    if (score > top) {
      top = score;
      winner = value;
    }
  }
  return winner;
}

/**
 * Classifies a request by keywords of the subject and body (en, hu, cs, pl, ru).
 *
 * Scores: each matching keyword counts 2 when it is in the subject and 1 when it is in the body
 * (3 for both).
 * - category: the category with the highest score, outage words counting for technical; ties go billing, then
 *   subscription-management, then technical (commercial questions are the cheapest to route);
 *   default {@link DEFAULT_CATEGORY};
 * - product: the product with the highest score, counted once per place it is named (subject 2,
 *   body 1) however many of its names occur; ties go to the earlier of sql-server,
 *   windows-server, exchange-server, sharepoint-server, dynamics-365, power-platform, azure,
 *   office-365, microsoft-365 (so "Dynamics 365 and Outlook" is Dynamics); "Azure SQL" is Azure,
 *   "Exchange Online"/"SharePoint Online" Microsoft 365, "Exchange 2019"/"SharePoint Server" on-premises;
 *   default {@link DEFAULT_PRODUCT};
 * - severity: A when an outage word and an urgency word both occur ("outage" + "production",
 *   "leállás" + "sürgős", "výpadek" + "kritický", "awaria" + "pilne", "сбой" + "срочно"); B when one of
 *   them occurs; otherwise {@link DEFAULT_SEVERITY}.
 * @param input - the decoded subject and the plain text (quoted history already stripped); only the
 *   first {@link MAX_CLASSIFIED_CHARS} characters of the text are read.
 * @returns the classification and the keywords that decided it.
 */
export function classifyRequest(input: { subject: string; text: string }): RequestClassification {
  const subject = foldText(input.subject);
  const body = foldText(input.text.slice(0, MAX_CLASSIFIED_CHARS));
  const categories = hits(CATEGORY_RULES, subject, body);
  const products = hits(PRODUCT_RULES, subject, body);
  const outage = hits(OUTAGE_RULES, subject, body);
  const urgent = hits(URGENCY_RULES, subject, body);
  // An outage is a technical matter even when no technical keyword is written.
  const categoryScores = new Map(categories.scores);
  if (outage.rules.length > 0) categoryScores.set("technical", (categoryScores.get("technical") ?? 0) + [...outage.scores.values()].reduce((a, b) => a + b, 0));
  const category = best(categoryScores, ["billing", "subscription-management", "technical"], DEFAULT_CATEGORY);
  // A product scores by where it is named (subject 2, body 1), not by how many of its names occur:
  // Microsoft 365 has many service names ("Outlook", "Exchange Online") that Dynamics requests mention.
  const productScores = new Map<ProductId, number>();
  for (const rule of products.rules) {
    const inSubject = products.rules.some((r) => r.value === rule.value && r.pattern.test(subject));
    const inBody = products.rules.some((r) => r.value === rule.value && r.pattern.test(body));
    productScores.set(rule.value, (inSubject ? SUBJECT_WEIGHT : 0) + (inBody ? 1 : 0));
  }
  const product = best(productScores, [...new Set(PRODUCT_RULES.map((r) => r.value))], DEFAULT_PRODUCT);
  const isOutage = outage.rules.length > 0;
  const isUrgent = urgent.rules.length > 0;
  const severity: Severity = isOutage && isUrgent ? "A" : isOutage || isUrgent ? "B" : DEFAULT_SEVERITY;
  const matched = [
    ...categories.rules.map((r) => `category:${r.value}/${r.label}`),
    ...products.rules.map((r) => `product:${r.value}/${r.label}`),
    ...outage.rules.map((r) => `severity:outage/${r.label}`),
    ...urgent.rules.map((r) => `severity:urgent/${r.label}`),
  ];
  return { product, category, severity, matched };
}
