/**
 * Inputs nobody here wrote, at every operation of the route table, through the local host's HTTP
 * front end (the `npm start` stack: local host, Durable engine, Azurite, MailDev). fast-check
 * generates, from a fixed seed (a failure replays), the path parameters (the partner's own id and a
 * real request's id, or arbitrary text), the query (the operation's documented parameters and
 * others, with arbitrary values), the headers (content types, `Idempotency-Key`) and the body:
 * arbitrary JSON, an object with the operation's documented field names holding arbitrary JSON
 * values, text, or bytes that are not UTF-8. Partner API calls carry the partner's own API key and
 * intake calls are signed with its webhook secret, so what answers is the validation and the
 * service, not the authentication.
 *
 * Every answer must be:
 * - never a 5xx;
 * - a status the OpenAPI document describes for the operation, with one of the media types it
 *   describes for that status;
 * - when it is an error of the API, RFC 9457 problem details whose `status` is the HTTP status, a
 *   validation error (`/problems/validation-error`) naming each bad field in `errors[]`.
 *
 * Bounded: {@link RUNS} inputs per operation on one stack, loopback only.
 */
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { randomUUID } from "node:crypto";
import type { RunningStack } from "../../scripts/lib/stack";
import { DemoApiClient } from "../../scripts/lib/demoRunner";
import { loadDemoRequests } from "../../scripts/lib/fixtures";
import { buildOpenApiDocument, httpRoutes } from "../../shared/openapi";
import { startTestStack, type TestStack } from "../support/e2eStack";
import path from "node:path";

jest.setTimeout(15 * 60_000);

/** Inputs per operation. */
const RUNS = 100;
const SEED = 20261206;
const ROOT = path.join(__dirname, "..", "..");
const demo = loadDemoRequests(path.join(ROOT, "test", "fixtures", "demo", "requests.json"))[0];

let testStack: TestStack;
let stack: RunningStack;
const hostLog: string[] = [];
let partnerId: string;
let caseId: string;
let apiKey: string;
let webhookSecret: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generated document is walked as plain JSON
type Json = any;
const document: Json = buildOpenApiDocument({ version: "fuzz" });

/** Follows a local `$ref` of the document. */
function resolve(node: Json): Json {
  let n = node;
  while (n && typeof n.$ref === "string") n = n.$ref.slice(2).split("/").reduce((o: Json, k: string) => o?.[k], document);
  return n;
}

/** The property names a JSON schema names (through refs, allOf, anyOf, oneOf). */
function propertyNames(schema: Json, seen = new Set<Json>()): string[] {
  const s = resolve(schema);
  if (!s || typeof s !== "object" || seen.has(s)) return [];
  seen.add(s);
  const own = Object.keys(s.properties ?? {});
  const nested = [...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? [])].flatMap((x: Json) => propertyNames(x, seen));
  return [...new Set([...own, ...nested])];
}

/** Text of every kind: ASCII, any code point, lone surrogates, control and separator characters, URL syntax, long. */
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.constantFrom("/", "%", "\u0000", "\u2028", "\ud800", "\udfff", "..", "?", "#", " ", "é") }),
  fc.string({ minLength: 300, maxLength: 3000 }),
);

/** A path segment as a client can send it: lone surrogates (which no URL can hold) as U+FFFD, then percent-encoded. */
function pathSegment(value: string): string {
  return encodeURIComponent(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD"));
}

interface Input {
  params: Record<string, string>;
  query: Array<[string, string]>;
  contentType: string | undefined;
  idempotencyKey: string | undefined;
  body: Uint8Array | string | undefined;
}

/** The inputs of one operation. */
function inputs(route: string, method: string, op: Json): fc.Arbitrary<Input> {
  const names = [...route.matchAll(/\{\*?([^}:]+)(?::[^}]*)?\}/g)].map((m) => m[1] as string);
  const own: Record<string, () => string> = { partnerId: () => partnerId, caseId: () => caseId };
  const params = fc.record(Object.fromEntries(names.map((n) => [n, own[n] ? fc.oneof({ weight: 3, arbitrary: fc.constant("") }, { weight: 1, arbitrary: anyText }) : anyText])));
  const documented = ((op.parameters ?? []) as Json[]).map(resolve).filter((p: Json) => p.in === "query").map((p: Json) => p.name as string);
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...(documented.length > 0 ? documented : ["q"])), fc.string()), fc.oneof(anyText, fc.constantFrom("", "0", "-1", "1e309", "true", "2026-02-30", "9999-12-31T23:59:59Z", "A", "closed"))), { maxLength: 4 });
  const fields = propertyNames(op.requestBody ? resolve(op.requestBody).content?.["application/json"]?.schema : undefined);
  const shaped = fields.length > 0 ? fc.dictionary(fc.constantFrom(...fields), fc.jsonValue(), { maxKeys: fields.length }) : fc.object();
  const takesBody = !["get", "head", "delete"].includes(method);
  const body = takesBody
    ? fc.oneof(
        { weight: 4, arbitrary: shaped.map((v) => JSON.stringify(v)) },
        { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: anyText },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
    : fc.constant(undefined);
  return fc.record({
    params: params.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v === "" && own[k] ? (own[k] as () => string)() : v]))),
    query,
    contentType: fc.oneof(fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/problem+json"), fc.constant(undefined), fc.string()),
    idempotencyKey: fc.option(anyText, { nil: undefined }),
    body,
  });
}

/** A header value fetch accepts (it refuses control characters and non-Latin-1 text). */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "?");
}

interface Seen {
  status: number;
  contentType: string;
  text: string;
  url: string;
}

async function send(route: string, method: string, input: Input, signed: boolean): Promise<Seen> {
  const pathPart = route.replace(/\{\*?([^}:]+)(?::[^}]*)?\}/g, (_m, name: string) => pathSegment(input.params[name] ?? ""));
  const qs = new URLSearchParams(input.query).toString();
  const url = `${stack.urls.app}/api/${pathPart}${qs ? `?${qs}` : ""}`;
  const headers: Record<string, string> = { "x-api-key": apiKey };
  if (input.contentType !== undefined) headers["content-type"] = headerSafe(input.contentType);
  if (input.idempotencyKey !== undefined) headers["idempotency-key"] = headerSafe(input.idempotencyKey);
  const body = input.body === undefined ? undefined : typeof input.body === "string" ? Buffer.from(input.body, "utf8") : Buffer.from(input.body);
  if (signed) {
    const id = `msg_${randomUUID()}`;
    const at = new Date();
    Object.assign(headers, { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(webhookSecret).sign(id, at, (body ?? Buffer.alloc(0)).toString("utf8")) });
  }
  const res = await fetch(url, { method: method.toUpperCase(), headers, ...(body !== undefined ? { body } : {}), redirect: "manual" });
  return { status: res.status, contentType: (res.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "", text: await res.text(), url };
}

/** What is wrong with an answer, or undefined when it is one the document describes. */
function problemsOf(seen: Seen, op: Json): string | undefined {
  if (seen.status >= 500) return `${seen.status} ${seen.text.slice(0, 300)}`;
  const responses = op.responses ?? {};
  const documented = responses[String(seen.status)] ?? responses.default;
  if (!documented) return `status ${seen.status} is not documented (documented: ${Object.keys(responses).join(", ")}); body ${seen.text.slice(0, 200)}`;
  const content = resolve(documented).content as Record<string, unknown> | undefined;
  if (content && seen.text.length > 0 && !Object.keys(content).some((t) => t === seen.contentType || (t.endsWith("/*") && seen.contentType.startsWith(t.slice(0, -1))))) {
    return `status ${seen.status} answered ${seen.contentType || "(no type)"}, documented ${Object.keys(content).join(", ")}`;
  }
  if (seen.contentType === "application/problem+json") {
    const p = JSON.parse(seen.text) as { status?: unknown; title?: unknown; type?: unknown; errors?: Array<{ pointer?: unknown }> };
    if (p.status !== seen.status || typeof p.title !== "string" || typeof p.type !== "string") return `problem details do not match the answer: ${seen.text.slice(0, 300)}`;
    if (p.type === "/problems/validation-error" && !(Array.isArray(p.errors) && p.errors.length > 0 && p.errors.every((e) => typeof e.pointer === "string" && e.pointer.length > 0))) {
      return `a validation error names no field: ${seen.text.slice(0, 300)}`;
    }
  }
  return undefined;
}

beforeAll(async () => {
  testStack = await startTestStack("http-fuzz", hostLog);
  stack = testStack.stack;
  if (!demo) throw new Error("no demo request");
  partnerId = demo.partnerId;
  const credentials = stack.credentials?.partners[partnerId];
  if (!credentials) throw new Error(`no credentials for ${partnerId}`);
  apiKey = credentials.apiKey;
  webhookSecret = credentials.webhookSecret;
  caseId = (await new DemoApiClient(stack.urls.app).submit(partnerId, webhookSecret, demo.request)).caseId;
});

afterAll(async () => {
  await testStack?.stop();
});

describe("every HTTP operation, fuzzed through the host", () => {
  const operations = httpRoutes().flatMap((r) => r.operations.map((o) => ({ route: r.route, method: o.method, signed: r.route === "partners/{partnerId}/support-requests" && o.method === "post" })));

  it.each(operations.map((o) => [`${o.method.toUpperCase()} /api/${o.route}`, o] as const))("%s answers every input with a documented status and media type, never a 5xx", async (_name, o) => {
    const docPath = `/api/${o.route.replace("{*path}", "{path}")}`;
    const op = document.paths[docPath]?.[o.method === "head" ? "get" : o.method];
    expect(op).toBeDefined();
    const failures: string[] = [];
    let answered = 0;
    // Every input is sent (no early stop, no shrinking) and every wrong answer listed.
    await fc.assert(
      fc.asyncProperty(inputs(o.route, o.method, op), async (input) => {
        const seen = await send(o.route, o.method, input, o.signed);
        answered += 1;
        const problem = problemsOf(seen, op);
        if (problem) failures.push(`${seen.url}: ${problem}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThanOrEqual(RUNS);
  });
});
