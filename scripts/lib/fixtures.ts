/**
 * Demo fixtures: schemas and loaders of `test/fixtures/demo/partners.json` and `requests.json`,
 * validation messages that name the field path, and the coverage the demo must show.
 */
import fs from "node:fs";
import { z } from "zod";
import {
  CaseStatuses,
  Categories,
  CreateSupportRequestSchema,
  DiagnosisRequestSchema,
  PartnerDefinitionSchema,
  ResolutionRequestSchema,
  SupportedLanguages,
  type Category,
  type PartnerDefinition,
  type ProductId,
  type SupportedLanguage,
} from "../../shared/contracts";

/** One step the demo plays for a request, in order. */
export const DemoActionSchema = z.union([
  z.strictObject({ diagnosis: DiagnosisRequestSchema }),
  z.strictObject({ resolution: ResolutionRequestSchema }),
  /** Poll until the case records the breach of that SLA target. */
  z.strictObject({ wait: z.enum(["first-response-breach", "resolution-breach"]) }),
  /** Poll until the case has the status. */
  z.strictObject({ waitForStatus: z.enum(CaseStatuses) }),
]);
/** A demo action. */
export type DemoAction = z.infer<typeof DemoActionSchema>;

/** One entry of `requests.json`. */
export const DemoRequestSchema = z.object({
  /** Free text shown in the demo output. */
  scenario: z.string().min(1).optional(),
  partnerId: z.string().min(1),
  request: CreateSupportRequestSchema,
  partnerActions: z.array(DemoActionSchema),
  /** What the case must end as; `finalStatus` defaults to "closed". */
  expected: z
    .object({
      finalStatus: z.enum(CaseStatuses).default("closed"),
      /** Escalation target the scenario is meant to show (reported, not required). */
      escalation: z.enum(["none", "indirect-provider", "microsoft"]).optional(),
    })
    .default({ finalStatus: "closed" }),
});
/** A demo request as validated. */
export type DemoRequest = z.infer<typeof DemoRequestSchema>;

/** The whole `requests.json`. */
export const DemoRequestsSchema = z.array(DemoRequestSchema).min(1);
/** The whole `partners.json`. */
export const DemoPartnersSchema = z.array(PartnerDefinitionSchema).min(1);

/** Invalid fixture or partner file; `issues` lists `path: message` lines. */
export class FixtureValidationError extends Error {
  /** Stable code for callers. */
  readonly code = "FixtureInvalid";
  constructor(
    /** The file (or label) that failed. */
    readonly file: string,
    /** One `path: message` per problem, e.g. `[1].supportTerms.serviceHours.timeZone: an IANA time zone …`. */
    readonly issues: string[],
  ) {
    super(`${file} is invalid:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "FixtureValidationError";
  }
}

/**
 * Formats zod issues as `path: message` lines, the path in JavaScript notation
 * (`[0].contacts.support`), `(root)` for the top level.
 */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/** Formats a zod issue path as `a.b[0].c` (`(root)` when empty). */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || "(root)";
}

/**
 * Parses a value with a schema.
 * @throws FixtureValidationError naming every invalid field.
 */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, label: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new FixtureValidationError(label, formatIssues(result.error));
  return result.data;
}

/**
 * Reads and parses a JSON file.
 * @throws FixtureValidationError when it is missing or not JSON (the message says which).
 */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new FixtureValidationError(file, [`cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FixtureValidationError(file, [`is not valid JSON: ${(e as Error).message}`]);
  }
}

/**
 * Loads partner definitions from a file holding one definition or an array of them, ordered so
 * that every indirect provider comes before the resellers that name it.
 * @throws FixtureValidationError when the file is unreadable or a definition is invalid (paths are prefixed with `[i]` for arrays).
 */
export function loadPartnerDefinitions(file: string): PartnerDefinition[] {
  const json = readJsonFile(file);
  const definitions = Array.isArray(json) ? parseWith(DemoPartnersSchema, json, file) : [parseWith(PartnerDefinitionSchema, json, file)];
  return orderProvidersFirst(definitions);
}

/** Orders definitions so that providers precede the resellers referencing them (stable otherwise). */
export function orderProvidersFirst(definitions: PartnerDefinition[]): PartnerDefinition[] {
  const rank = (p: PartnerDefinition) => (p.type === "indirect-reseller" ? 1 : 0);
  return [...definitions].sort((a, b) => rank(a) - rank(b));
}

/**
 * Loads `requests.json`, checking that every `partnerId` is among `knownPartnerIds` when given.
 * @throws FixtureValidationError naming every invalid field.
 */
export function loadDemoRequests(file: string, knownPartnerIds?: ReadonlySet<string>): DemoRequest[] {
  const requests = parseWith(DemoRequestsSchema, readJsonFile(file), file);
  if (knownPartnerIds) {
    const issues = requests.flatMap((r, i) => (knownPartnerIds.has(r.partnerId) ? [] : [`[${i}].partnerId: unknown partner "${r.partnerId}"`]));
    if (issues.length > 0) throw new FixtureValidationError(file, issues);
  }
  return requests;
}

/** What a set of demo requests covers. */
export interface DemoCoverage {
  categories: Category[];
  products: ProductId[];
  languages: SupportedLanguage[];
  /** Categories, languages and required products not covered (empty when complete). */
  missing: string[];
}

/** Products the demo must show (cloud products of the CSP program). */
export const RequiredDemoProducts: readonly ProductId[] = ["azure", "microsoft-365", "dynamics-365"];

/** Computes what the requests cover and what is missing from the required mix (each category, the three cloud products, all five languages). */
export function describeCoverage(requests: readonly DemoRequest[]): DemoCoverage {
  const categories = [...new Set(requests.map((r) => r.request.category))];
  const products = [...new Set(requests.map((r) => r.request.product))];
  const languages = [...new Set(requests.map((r) => r.request.customer.preferredLanguage))];
  const missing = [
    ...Categories.filter((c) => !categories.includes(c)).map((c) => `category ${c}`),
    ...RequiredDemoProducts.filter((p) => !products.includes(p)).map((p) => `product ${p}`),
    ...SupportedLanguages.filter((l) => !languages.includes(l)).map((l) => `language ${l}`),
  ];
  return { categories, products, languages, missing };
}
