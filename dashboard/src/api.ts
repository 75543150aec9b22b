/**
 * The partner API client: calls `…/api/partners/{partnerId}/…` of the same origin with the
 * signed-in key in `x-api-key` (no cookies, no referrer, no cache), parses JSON answers and RFC 9457
 * problems, and remembers a 429's `Retry-After` so polling backs off. Also loads the dashboard's
 * two server documents, `model.json` and `i18n.json`.
 */
import type { DashboardI18n, DashboardModel, ProblemDetailsBody } from "./types";

/** An answer: the typed body of a 2xx, else the problem (a non-JSON error body becomes its `detail`). */
export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; problem: ProblemDetailsBody };

/** A failed answer. */
export type ApiFailure = Extract<ApiResult<unknown>, { ok: false }>;

/** Options of {@link PartnerApi.request}. */
export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH";
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as `Idempotency-Key` (the same key makes a retry safe). */
  idempotencyKey?: string;
}

function isProblem(value: unknown): value is ProblemDetailsBody {
  return typeof value === "object" && value !== null && typeof (value as { status?: unknown }).status === "number";
}

/** Calls the partner API below one root URL (`/api/` of the page's origin). */
export class PartnerApi {
  /** Until when (epoch ms) polling should wait after a 429. */
  backoffUntil = 0;

  /**
   * @param root - the API root, e.g. `new URL("../", location.href)` for a page at `/api/dashboard/`.
   */
  constructor(private readonly root: URL) {}

  /**
   * Calls `path` (below the root, already encoded) with `apiKey`.
   * @returns the answer; rejects only when the server cannot be reached.
   */
  async request<T>(path: string, apiKey: string | undefined, options: RequestOptions = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (apiKey) headers["x-api-key"] = apiKey;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    const res = await fetch(new URL(path, this.root), {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
    const text = await res.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (res.status === 429) {
      const retry = Number(res.headers.get("retry-after") ?? "5");
      this.backoffUntil = Date.now() + (Number.isFinite(retry) ? Math.max(1, retry) : 5) * 1000;
    }
    if (res.ok) return { ok: true, status: res.status, body: parsed as T };
    const problem: ProblemDetailsBody = isProblem(parsed) ? parsed : { type: "about:blank", title: res.statusText, status: res.status, ...(text ? { detail: text } : {}) };
    return { ok: false, status: res.status, problem };
  }
}

/** A one-line description of a failed answer: status, title, detail and up to three invalid fields. */
export function problemText(r: ApiFailure): string {
  const p = r.problem;
  const parts = [p.title, p.detail].filter((x): x is string => typeof x === "string" && x.length > 0);
  for (const e of (p.errors ?? []).slice(0, 3)) parts.push(`${e.pointer}: ${e.detail}`);
  return `${r.status} ${parts.join(" — ") || "request failed"}`;
}

/**
 * Loads `model.json` and `i18n.json` (relative to the page).
 * @throws Error when either cannot be loaded: the page cannot work without them.
 */
export async function loadServerDocuments(): Promise<{ model: DashboardModel; i18n: DashboardI18n }> {
  const [model, i18n] = await Promise.all([fetch("model.json", { cache: "no-cache" }), fetch("i18n.json", { cache: "no-cache" })]);
  if (!model.ok || !i18n.ok) throw new Error(`model.json ${model.status}, i18n.json ${i18n.status}`);
  return { model: (await model.json()) as DashboardModel, i18n: (await i18n.json()) as DashboardI18n };
}
