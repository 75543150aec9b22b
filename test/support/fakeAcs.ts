/**
 * A local stand-in of the ACS Email data plane (node:http on 127.0.0.1, a free port), for tests:
 * `POST /emails:send?api-version=…` → 202 with `Operation-Location`, `operation-id` and
 * `Retry-After`, then `GET /emails/operations/{id}?api-version=…` until a terminal status (the
 * paths and api-version the @azure/communication-email 1.1.0 SDK uses; REST reference
 * https://learn.microsoft.com/rest/api/communication/dataplane/email/send). It checks what ACS
 * would check: the HMAC-SHA256 signature of each request (ACS access-key authentication,
 * https://learn.microsoft.com/rest/api/communication/authentication) and the JSON body. A test
 * scripts its answers (`scenario`, or `decide` per request: e.g. 429 with Retry-After for a while).
 */
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** The api-version the SDK sends. */
export const API_VERSION = "2025-09-01";

/** A request the stand-in received. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Whether `Authorization` is a valid HMAC-SHA256 signature with the access key. */
  signatureValid: boolean;
}

/** What the stand-in answers to the next send and its status polls. */
export interface Scenario {
  /** Answer to `POST /emails:send`: accept (202) or a status with an error body and headers. */
  send: { kind: "accept" } | { kind: "reject"; status: number; headers?: Record<string, string>; error: { code: string; message: string } };
  /** Statuses returned by successive polls; the last one repeats. */
  polls: Array<{ status: "Running" | "Succeeded" | "Failed" | "Canceled"; error?: { code: string; message: string } }>;
}

/** The JSON body of an ACS send request (the fields tests read). */
export interface AcsSendBody {
  senderAddress: string;
  recipients: { to: Array<{ address: string; displayName?: string }>; cc?: Array<{ address: string }> };
  replyTo?: Array<{ address: string; displayName?: string }>;
  content: { subject: string; plainText?: string; html?: string };
  headers?: Record<string, string>;
}

/** A local stand-in of the ACS Email data plane. */
export class FakeAcs {
  readonly requests: RecordedRequest[] = [];
  /** Ids of the operations the stand-in accepted, in order. */
  readonly operationIds: string[] = [];
  readonly accessKey = randomBytes(32).toString("base64");
  scenario: Scenario = { send: { kind: "accept" }, polls: [{ status: "Succeeded" }] };
  /** Decides the answer to each send from its parsed body (wins over `scenario.send` when it returns one). */
  decide?: (body: AcsSendBody) => Scenario["send"] | undefined;
  /** The bodies of the sends it accepted (202), in order: what ACS would deliver. */
  readonly accepted: AcsSendBody[] = [];
  #server = http.createServer((req, res) => void this.#handle(req, res));
  #polls = new Map<string, number>();
  port = 0;

  get connectionString(): string {
    return `endpoint=http://127.0.0.1:${this.port}/;accesskey=${this.accessKey}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((e) => (e ? reject(e) : resolve())));
  }

  /**
   * Verifies the ACS HMAC scheme: `Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64>`
   * over `VERB\npath?query\n<x-ms-date>;<host>;<x-ms-content-sha256>`, where x-ms-content-sha256
   * is the base64 SHA-256 of the body.
   */
  #verifySignature(method: string, url: string, headers: http.IncomingHttpHeaders, body: string): boolean {
    const auth = headers.authorization ?? "";
    const m = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/.exec(auth);
    if (!m) return false;
    const contentHash = createHash("sha256").update(body, "utf8").digest("base64");
    if (headers["x-ms-content-sha256"] !== contentHash) return false;
    const u = new URL(url, `http://${headers.host}`);
    const query = u.searchParams.toString();
    const stringToSign = `${method}\n${u.pathname}${query ? `?${query}` : ""}\n${headers["x-ms-date"]};${headers.host};${contentHash}`;
    const expected = createHmac("sha256", Buffer.from(this.accessKey, "base64")).update(stringToSign, "utf8").digest("base64");
    return m[1] === expected;
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const method = req.method ?? "";
    const url = req.url ?? "";
    const signatureValid = this.#verifySignature(method, url, req.headers, body);
    this.requests.push({ method, url, headers: req.headers, body, signatureValid });
    const json = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(payload));
    };
    if (!signatureValid) return json(401, { error: { code: "Denied", message: "Denied by the resource provider." } });
    const u = new URL(url, "http://127.0.0.1");
    if (u.searchParams.get("api-version") !== API_VERSION) return json(400, { error: { code: "UnsupportedApiVersion", message: `api-version ${u.searchParams.get("api-version")}` } });

    if (method === "POST" && u.pathname === "/emails:send") {
      const parsed = JSON.parse(body) as AcsSendBody;
      const send = this.decide?.(parsed) ?? this.scenario.send;
      if (send.kind === "reject") return json(send.status, { error: send.error }, send.headers);
      this.accepted.push(parsed);
      const id = randomUUID();
      this.operationIds.push(id);
      this.#polls.set(id, 0);
      return json(202, { id, status: "Running" }, {
        "operation-location": `http://127.0.0.1:${this.port}/emails/operations/${id}?api-version=${API_VERSION}`,
        "operation-id": id,
        "retry-after": "0",
      });
    }
    const op = /^\/emails\/operations\/([0-9a-f-]{36})$/.exec(u.pathname);
    if (method === "GET" && op?.[1] && this.#polls.has(op[1])) {
      const id = op[1];
      const n = this.#polls.get(id) as number;
      this.#polls.set(id, n + 1);
      const poll = this.scenario.polls[Math.min(n, this.scenario.polls.length - 1)] as Scenario["polls"][number];
      return json(200, { id, status: poll.status, ...(poll.error ? { error: poll.error } : {}) }, { "retry-after": "0" });
    }
    return json(404, { error: { code: "NotFound", message: `${method} ${u.pathname}` } });
  }
}

