/**
 * Conversions between node:http and the worker's `RpcHttpData`, as the Functions host performs them
 * for the Node worker (request: azure-functions-host `RpcMessageConversionExtensions.ToRpcHttp`;
 * response: what `@azure/functions` `toRpcHttp` produces).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RpcHttpData, RpcTypedData } from "../worker/coreTypes";

/**
 * Largest request body the host accepts, in bytes: 100 MB, Azure's `maxRequestBodySize` default
 * (https://learn.microsoft.com/azure/azure-functions/functions-scale#service-limits).
 */
export const MAX_REQUEST_BODY_BYTES = 104_857_600;

/** Thrown by {@link readBody} when the body exceeds the limit; `code` is `PayloadTooLarge`. */
export class PayloadTooLargeError extends Error {
  readonly code = "PayloadTooLarge";
  /** @param limitInBytes - the limit that was exceeded. */
  constructor(readonly limitInBytes: number) {
    super(`Request body larger than ${limitInBytes} bytes.`);
    this.name = "PayloadTooLargeError";
  }
}

/**
 * Reads the whole request body.
 * @param limitInBytes - maximum size; default {@link MAX_REQUEST_BODY_BYTES}.
 * @throws PayloadTooLargeError when `content-length` or the bytes received exceed the limit (the
 *   rest of the body is drained, not buffered, so the 413 can still be sent).
 */
export async function readBody(req: IncomingMessage, limitInBytes = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limitInBytes) {
    req.resume();
    throw new PayloadTooLargeError(limitInBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limitInBytes) tooLarge = true;
    if (!tooLarge) chunks.push(buf);
  }
  if (tooLarge) throw new PayloadTooLargeError(limitInBytes);
  return Buffer.concat(chunks);
}

/**
 * Request headers as the host sends them: names lower-cased, repeated values joined with ", "
 * (`set-cookie`-style arrays included), as ASP.NET's `StringValues.ToString()` does.
 */
export function toRpcHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Query parameters as the host sends them: one string per name, repeated values joined with ",". */
export function toRpcQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of new Set(query.keys())) out[name] = query.getAll(name).join(",");
  return out;
}

/**
 * Builds the trigger input of an HTTP-triggered function.
 * @param url - absolute request URL (scheme, host and port as the client addressed them).
 * @param params - decoded route parameters.
 * @param body - raw body bytes (sent as `bytes`, which `@azure/functions` `HttpRequest` turns into
 *   its native `Request` body; omitted for an empty body).
 */
export function toRpcHttpRequest(
  req: IncomingMessage,
  url: URL,
  params: Record<string, string>,
  body: Buffer,
): RpcHttpData {
  const headers = toRpcHeaders(req);
  const query = toRpcQuery(url.searchParams);
  const bodyData: RpcTypedData | undefined = body.length > 0 ? { bytes: new Uint8Array(body) } : undefined;
  return {
    method: (req.method ?? "GET").toUpperCase(),
    url: url.href,
    headers,
    query,
    params,
    body: bodyData ?? null,
    rawBody: bodyData ?? null,
    nullableHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { value: v }])),
    nullableQuery: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, { value: v }])),
    nullableParams: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { value: v }])),
  };
}

/** The absolute URL of a request as its client addressed it (`Host` header, else the local address). */
export function requestUrl(req: IncomingMessage, fallbackHost: string): URL {
  const host = req.headers.host || fallbackHost;
  return new URL(req.url ?? "/", `http://${host}`);
}

interface RpcCookie {
  name?: string;
  value?: string;
  domain?: { value?: string } | null;
  path?: { value?: string } | null;
  expires?: { value?: { seconds?: number | string; nanos?: number } } | null;
  secure?: { value?: boolean } | null;
  httpOnly?: { value?: boolean } | null;
  sameSite?: string | null;
  maxAge?: { value?: number } | null;
}

/** Renders one cookie of the worker's response as a `Set-Cookie` value (RFC 6265). */
export function toSetCookie(cookie: RpcCookie): string {
  let s = `${cookie.name ?? ""}=${cookie.value ?? ""}`;
  if (cookie.domain?.value) s += `; domain=${cookie.domain.value}`;
  if (cookie.path?.value) s += `; path=${cookie.path.value}`;
  const secs = cookie.expires?.value?.seconds;
  if (secs !== undefined) s += `; expires=${new Date(Number(secs) * 1000).toUTCString()}`;
  if (cookie.maxAge?.value !== undefined) s += `; max-age=${Math.trunc(cookie.maxAge.value)}`;
  if (cookie.secure?.value) s += "; secure";
  if (cookie.sameSite === "lax") s += "; samesite=lax";
  else if (cookie.sameSite === "strict") s += "; samesite=strict";
  else if (cookie.sameSite === "explicitNone") s += "; samesite=none";
  if (cookie.httpOnly?.value) s += "; httponly";
  return s;
}

function typedDataToBuffer(data: RpcTypedData | null | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  if (data.bytes != null) return Buffer.from(data.bytes);
  if (data.stream != null) return Buffer.from(data.stream);
  if (data.string != null) return Buffer.from(data.string, "utf8");
  if (data.json != null) return Buffer.from(data.json, "utf8");
  if (data.int != null) return Buffer.from(String(data.int));
  if (data.double != null) return Buffer.from(String(data.double));
  return Buffer.alloc(0);
}

/**
 * Writes the function's HTTP output to the client: status (the worker's string code), headers,
 * cookies and body. An absent output (the handler returned nothing) becomes 204 No Content.
 * @throws RangeError when the status code is not an integer in 100–599 (a 500 is more useful than
 *   a socket error; the caller maps it).
 */
export function writeRpcHttpResponse(res: ServerResponse, http: RpcHttpData | null | undefined, method: string): void {
  if (!http) {
    res.writeHead(204).end();
    return;
  }
  const status = Number(http.statusCode ?? "200");
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new RangeError(`Invalid HTTP status code "${String(http.statusCode)}" returned by the function.`);
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(http.headers ?? {})) headers[k.toLowerCase()] = v;
  const cookies = (http.cookies ?? []) as RpcCookie[];
  if (cookies.length > 0) {
    const existing = headers["set-cookie"];
    headers["set-cookie"] = [...(existing ? [existing].flat() : []), ...cookies.map(toSetCookie)];
  }
  const body = typedDataToBuffer(http.body);
  // Bodies are not allowed on these statuses; Node would otherwise throw or ignore silently.
  const noBody = status === 204 || status === 304 || (status >= 100 && status < 200) || method === "HEAD";
  if (!noBody) headers["content-length"] = String(body.length);
  else delete headers["content-length"];
  delete headers["transfer-encoding"];
  res.writeHead(status, headers);
  res.end(noBody ? undefined : body);
}

/**
 * Sends an RFC 9457 problem document (used for the host's own errors, never for the app's).
 * @param status - HTTP status.
 * @param title - short, stable summary; never a stack trace.
 */
export function sendProblem(res: ServerResponse, status: number, title: string, detail?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ type: "about:blank", title, status, ...(detail ? { detail } : {}) });
  res.writeHead(status, { "content-type": "application/problem+json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** Sends a JSON body with the given status and extra headers. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Sends an empty response (the host's bare 401/404/405 responses have no body). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-length": "0", ...headers });
  res.end();
}
