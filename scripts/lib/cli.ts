/**
 * Pure helpers of the script command lines and their console output (unit-tested): argument
 * parsing, progress lines, the stack table and the closing hints of the demo.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import type { CaseStatus, SupportedLanguage } from "../../shared/contracts";

/** A command line the user got wrong; the message is meant to be printed with the usage. */
export class UsageError extends Error {
  /** Stable code for callers. */
  readonly code = "Usage";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Options of `npm run demo`. */
export interface DemoArgs {
  /** App base URL without a trailing slash; default `http://127.0.0.1:7071`. */
  baseUrl: string;
  /** How long to wait for every case to reach its end state, in seconds; default 240. */
  timeoutInSeconds: number;
  /** Default `<root>/test/fixtures/demo/requests.json`. */
  requestsFile: string;
  /** Default `<root>/.data/demo-credentials.json`. */
  credentialsFile: string;
  /** MailDev web UI shown at the end; default `http://127.0.0.1:1080`. */
  maildevUrl: string;
  /** Poll interval of case status, in ms; default 1000. */
  pollIntervalInMs: number;
  help: boolean;
}

/** Usage text of `npm run demo`. */
export const DEMO_USAGE = `Usage: npm run demo -- [--base-url http://127.0.0.1:7071] [--timeout 240] [--requests file] [--credentials file] [--maildev-url http://127.0.0.1:1080]`;

/**
 * Parses `npm run demo` arguments.
 * @param argv - arguments after the script name.
 * @param root - project root for the default file paths.
 * @throws UsageError for unknown options, a non-http(s) base URL or a non-positive timeout.
 */
export function parseDemoArgs(argv: readonly string[], root: string): DemoArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        "base-url": { type: "string" },
        timeout: { type: "string" },
        requests: { type: "string" },
        credentials: { type: "string" },
        "maildev-url": { type: "string" },
        "poll-interval": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const baseUrl = normalizeBaseUrl(values["base-url"] ?? "http://127.0.0.1:7071", "--base-url");
  const maildevUrl = normalizeBaseUrl(values["maildev-url"] ?? "http://127.0.0.1:1080", "--maildev-url");
  return {
    baseUrl,
    maildevUrl,
    timeoutInSeconds: positiveNumber(values.timeout ?? "240", "--timeout"),
    pollIntervalInMs: positiveNumber(values["poll-interval"] ?? "2500", "--poll-interval"),
    requestsFile: path.resolve(values.requests ?? path.join(root, "test", "fixtures", "demo", "requests.json")),
    credentialsFile: path.resolve(values.credentials ?? path.join(root, ".data", "demo-credentials.json")),
    help: values.help ?? false,
  };
}

/** Options of `npm run register-partner`. */
export interface RegisterPartnerArgs {
  /** Partner definition file (JSON). */
  file: string;
  /** Issue new credentials for a partner that is already registered. */
  rotate: boolean;
  help: boolean;
}

/** Usage text of `npm run register-partner`. */
export const REGISTER_PARTNER_USAGE = "Usage: npm run register-partner -- path/to/partner.json [--rotate]";

/**
 * Parses `npm run register-partner` arguments.
 * @throws UsageError without exactly one file argument or with unknown options.
 */
export function parseRegisterPartnerArgs(argv: readonly string[]): RegisterPartnerArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { rotate: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const help = parsed.values.help ?? false;
  if (!help && parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? "Missing the partner definition file" : "Expected exactly one partner definition file");
  return { file: path.resolve(parsed.positionals[0] ?? ""), rotate: parsed.values.rotate ?? false, help };
}

function normalizeBaseUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${option} must be an absolute URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${option} must be http or https, got "${value}"`);
  return url.href.replace(/\/+$/, "");
}

function positiveNumber(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${option} must be a positive number, got "${value}"`);
  return n;
}

/** What a progress line shows about one case. */
export interface ProgressEvent {
  /** When it was observed. */
  at: Date;
  caseId: string;
  language: SupportedLanguage;
  product: string;
  /** Previous status, undefined for the first observation. */
  from?: CaseStatus;
  to: CaseStatus;
  /** Optional extra, e.g. the escalation target or the orchestration's runtime status. */
  note?: string;
}

/**
 * One aligned line per status change: `HH:MM:SS  <caseId>  [hu] azure            received → in-diagnosis  (note)`.
 * Time in UTC, so output does not depend on the machine's zone.
 */
export function formatProgressLine(event: ProgressEvent): string {
  const time = event.at.toISOString().slice(11, 19);
  const change = event.from ? `${event.from} → ${event.to}` : event.to;
  return `${time}  ${event.caseId}  [${event.language}] ${event.product.padEnd(14)} ${change}${event.note ? `  (${event.note})` : ""}`;
}

/** Formats rows as a left-aligned text table with a header rule. */
export function formatTable(rows: ReadonlyArray<readonly [string, string]>, header: readonly [string, string] = ["Service", "Where"]): string {
  const width = Math.max(header[0].length, ...rows.map(([a]) => a.length));
  const lines = [`${header[0].padEnd(width)}  ${header[1]}`, `${"-".repeat(width)}  ${"-".repeat(Math.max(header[1].length, ...rows.map(([, b]) => b.length)))}`];
  for (const [a, b] of rows) lines.push(`${a.padEnd(width)}  ${b}`);
  return lines.join("\n");
}

/** The table `npm start` prints once everything runs. */
export function formatStackSummary(input: {
  ports: { blob: number; queue: number; table: number; smtp: number; web: number; host: number };
  credentialsFile: string;
  registeredNow: boolean;
}): string {
  const { ports } = input;
  const app = `http://127.0.0.1:${ports.host}`;
  return [
    formatTable([
      ["Azurite blob / queue / table", `127.0.0.1:${ports.blob} / ${ports.queue} / ${ports.table}  (state in .data/azurite)`],
      ["MailDev web UI + REST API", `http://127.0.0.1:${ports.web}`],
      ["MailDev SMTP", `127.0.0.1:${ports.smtp}`],
      ["App (local Functions host)", app],
      ["Health", `${app}/api/health`],
      ["Partner API", `${app}/api/partners/{partnerId}/support-requests`],
      ["Demo partner credentials", `${input.credentialsFile}${input.registeredNow ? "  (new: store them, shown nowhere else)" : ""}`],
    ]),
    "",
    "Run the demo in another terminal: npm run demo   ·   Stop: Ctrl-C",
  ].join("\n");
}

/**
 * A copy-paste `curl` command for the partner API (single-quoted for POSIX shells).
 * @param apiKey - printed as given: the user's own demo key.
 */
export function formatCurlExample(baseUrl: string, partnerId: string, apiKey: string, caseId?: string): string {
  const url = `${baseUrl}/api/partners/${encodeURIComponent(partnerId)}/support-requests${caseId ? `/${encodeURIComponent(caseId)}` : ""}`;
  return `curl -s -H 'x-api-key: ${apiKey.replace(/'/g, `'\\''`)}' '${url}'`;
}
