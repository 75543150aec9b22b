/**
 * The customer's status page over HTTP: `GET /api/status/{token}` (the page) and
 * `POST /api/status/{token}/{action}` (`reply`, `confirmation`, `reopening`, `rating`: HTML form
 * posts answered with 303 See Other back to the page, POST-redirect-GET). Anonymous by capability:
 * the signed token in the path is the only credential and names one case (shared/services/statusLinks.ts).
 *
 * CSRF: there is no cookie or other ambient credential, so a cross-site page cannot act for the
 * customer without already holding the token. Form posts are also refused (403) when the browser
 * says they come from another site (`Sec-Fetch-Site: cross-site`/`same-site`, or an `Origin` other
 * than the app's), and the page sends no `Referer` (`Referrer-Policy: no-referrer`), so the token
 * does not leak to linked sites.
 *
 * Bad links never answer 5xx: a malformed, tampered or unknown link is 404 and an expired one 410,
 * as a localized HTML page (language from `Accept-Language` among the five) or, when the client
 * asks for JSON, RFC 9457 problem+json.
 */
import { randomBytes } from "node:crypto";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { SupportedLanguages, type SupportedLanguage } from "../../shared/contracts";
import { ConflictError, ValidationError } from "../../shared/services/errors";
import {
  confirmResolutionFromStatusPage,
  getCustomerStatusView,
  openStatusLink,
  rateFromStatusPage,
  reopenFromStatusPage,
  replyFromStatusPage,
  StatusLinkError,
  type CustomerStatusDeps,
} from "../../shared/services/customerStatus";
import type { SupportRequest } from "../../shared/contracts";
import { renderStatusErrorPage, renderStatusPage, STATUS_PAGE_STYLE_HASH, StatusPageNotices, type StatusPageError, type StatusPageNotice } from "../../shared/templates/statusPage";
import type { Container } from "../../shared/container";
import { handleErrors, pathOf, type HttpHandler, type WorkflowSource } from "./common";
import { problem, ProblemTypes, validationProblem } from "./problem";
import { pageSecurityHeaders } from "./securityHeaders";

/** Content-Security-Policy of the status page: the dashboard's, with the page's one stylesheet by hash and forms posting to the app only. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'none'",
  `style-src ${STATUS_PAGE_STYLE_HASH}`,
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  ...pageSecurityHeaders(STATUS_PAGE_CSP),
  "X-Robots-Tag": "noindex, nofollow",
  "Cache-Control": "no-store",
};

/** Largest form body accepted, in bytes (a reply is at most 8,000 characters, up to 4 bytes each, percent-encoded). */
export const MAX_STATUS_FORM_BYTES = 128 * 1024;

/** The form actions and the notice each success shows. */
const ACTIONS: Readonly<Record<string, StatusPageNotice>> = { reply: "replied", confirmation: "confirmed", reopening: "reopened", rating: "rated" };

function html(status: number, body: string, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { ...PAGE_HEADERS, "Content-Type": "text/html; charset=utf-8", ...headers }, body };
}

/** Whether the client asks for JSON rather than a page (API clients, tests). */
function wantsJson(request: HttpRequest): boolean {
  const accept = (request.headers.get("accept") ?? "").toLowerCase();
  return /application\/(problem\+)?json/.test(accept) && !accept.includes("text/html");
}

/** The first of the five languages `Accept-Language` names (RFC 9110 §12.5.4, order of preference by q), else English. */
export function languageFromAcceptLanguage(header: string | null): SupportedLanguage {
  const ranked = (header ?? "")
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = Number(/^\s*q=([0-9.]+)\s*$/.exec(params.join(";"))?.[1] ?? "1");
      return { lang: tag.trim().toLowerCase().split("-")[0] ?? "", q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return (ranked.find((x) => (SupportedLanguages as readonly string[]).includes(x.lang))?.lang as SupportedLanguage | undefined) ?? "en";
}

function refusal(request: HttpRequest, reason: StatusLinkError["reason"]): HttpResponseInit {
  const expired = reason === "expired";
  if (wantsJson(request)) {
    return expired
      ? problem(410, "/problems/status-link-expired", "Status link expired", "The status link has expired; the latest email about the request carries a fresh one.", { instance: "/api/status", headers: { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } })
      : problem(404, ProblemTypes.notFound, "Not Found", "The status link is not valid.", { instance: "/api/status", headers: { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } });
  }
  return html(expired ? 410 : 404, renderStatusErrorPage(languageFromAcceptLanguage(request.headers.get("accept-language")), expired ? "expired" : "invalid"));
}

/** The page path of a token: `/api/status/<token>` (never the action's path). */
function pagePathOf(request: HttpRequest): string {
  return `/api/status/${request.params.token ?? ""}`;
}

function nonce(): string {
  return randomBytes(18).toString("base64url");
}

async function page(deps: CustomerStatusDeps, request: HttpRequest, sr: SupportRequest, status: number, extra: { notice?: StatusPageNotice; error?: StatusPageError; draft?: Record<string, string> } = {}): Promise<HttpResponseInit> {
  const view = await getCustomerStatusView(deps, sr);
  return html(status, renderStatusPage(view, { path: pagePathOf(request), nonce: nonce(), ...extra }));
}

/** Opens the link of the request, or answers the refusal. */
/** What the status page uses: the status link signer (absent when not configured), the case reads and writes behind the customer's page, and the public origin (cross-site check of form posts). */
export type StatusPageDeps = Pick<Container, "statusLinks" | "customerStatusDeps" | "config">;

async function open(deps: WorkflowSource<StatusPageDeps>, request: HttpRequest, context: Parameters<HttpHandler>[1]): Promise<{ ok: true; sr: SupportRequest; statusDeps: CustomerStatusDeps } | { ok: false; response: HttpResponseInit }> {
  const container = deps.getContainer();
  if (!container.statusLinks) return { ok: false, response: refusal(request, "not-found") };
  const statusDeps = container.customerStatusDeps(deps.getWorkflow(context));
  try {
    return { ok: true, sr: await openStatusLink(statusDeps, container.statusLinks, request.params.token ?? ""), statusDeps };
  } catch (e) {
    if (e instanceof StatusLinkError) return { ok: false, response: refusal(request, e.reason) };
    throw e;
  }
}

/**
 * `GET /api/status/{token}`: 200 the status page (HTML) in the customer's language; `?done=replied|confirmed|reopened|rated`
 * shows the notice of the action just taken. 404 / 410 for a bad / expired link.
 */
export function createGetStatusPageHandler(deps: WorkflowSource<StatusPageDeps>): HttpHandler {
  return (request, context) =>
    handleErrors(request, context, async () => {
      const opened = await open(deps, request, context);
      if (!opened.ok) return opened.response;
      const done = request.query.get("done") ?? "";
      const notice = (StatusPageNotices as readonly string[]).includes(done) ? (done as StatusPageNotice) : undefined;
      return page(opened.statusDeps, request, opened.sr, 200, notice ? { notice } : {});
    });
}

/** Whether a form post comes from another site, by the browser's own headers (Fetch Metadata, `Origin`). */
function crossSite(request: HttpRequest, publicBaseUrl: string): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.get("origin");
  if (!origin || origin === "null") return false;
  const allowed = new Set([new URL(publicBaseUrl).origin, new URL(request.url).origin]);
  return !allowed.has(origin);
}

/**
 * `POST /api/status/{token}/{action}` (`application/x-www-form-urlencoded`):
 * - `reply` (`message`, `nonce`): a reply on the case, as an email reply;
 * - `confirmation`: the customer confirms the resolution (the request is closed);
 * - `reopening` (`reason`): reopens a resolved request, or a closed one within the reopen window;
 * - `rating` (`rating` 1–5, `comment`): the satisfaction rating, once.
 * 303 to the page with `?done=…` on success; 400 (the page with the field's error) for bad input,
 * 409 (the page with a conflict notice) when the request's state does not allow it; 403 for a
 * cross-site post; 404 for an unknown action or a bad link, 410 for an expired one; 413 / 415 for
 * an oversized or non-form body.
 */
export function createPostStatusPageActionHandler(deps: WorkflowSource<StatusPageDeps>): HttpHandler {
  return (request, context) =>
    handleErrors(request, context, async () => {
      const opened = await open(deps, request, context);
      if (!opened.ok) return opened.response;
      const { sr, statusDeps } = opened;
      const action = request.params.action ?? "";
      const notice = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!notice) return refusal(request, "not-found");
      if (crossSite(request, deps.getContainer().config.PUBLIC_BASE_URL)) {
        return problem(403, "/problems/cross-site-form", "Forbidden", "The form was posted from another site.", { instance: pathOf(request), headers: { "Cache-Control": "no-store" } });
      }
      const ct = (request.headers.get("content-type") ?? "").toLowerCase();
      if (!ct.startsWith("application/x-www-form-urlencoded")) {
        return problem(415, ProblemTypes.unsupportedMediaType, "Unsupported Media Type", "Send the form as application/x-www-form-urlencoded.", { instance: pathOf(request) });
      }
      const raw = await request.text();
      if (Buffer.byteLength(raw, "utf8") > MAX_STATUS_FORM_BYTES) return problem(413, "/problems/payload-too-large", "Content Too Large", `The form is larger than ${MAX_STATUS_FORM_BYTES} bytes.`, { instance: pathOf(request) });
      const form: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(raw)) if (!(k in form)) form[k] = v;
      try {
        if (action === "reply") await replyFromStatusPage(statusDeps, sr, form);
        else if (action === "confirmation") await confirmResolutionFromStatusPage(statusDeps, sr);
        else if (action === "reopening") await reopenFromStatusPage(statusDeps, sr, form);
        else await rateFromStatusPage(statusDeps, sr, form);
      } catch (e) {
        const draft = { ...(form.message ? { message: form.message } : {}), ...(form.reason ? { reason: form.reason } : {}), ...(form.comment ? { comment: form.comment } : {}) };
        if (e instanceof ValidationError) {
          if (wantsJson(request)) return validationProblem(e.issues.map((i) => ({ pointer: `form:${String(i.path[0] ?? "")}`, detail: i.message })), pathOf(request));
          const field = String(e.issues[0]?.path[0] ?? "");
          const error: StatusPageError = field === "reason" ? "reason" : field === "rating" || field === "comment" ? "rating" : "message";
          return page(statusDeps, request, sr, 400, { error, draft });
        }
        if (e instanceof ConflictError) {
          if (wantsJson(request)) return problem(409, ProblemTypes.conflict, "Conflict", e.message, { instance: pathOf(request) });
          const fresh = (await statusDeps.cases.getCase(sr.partnerId, sr.caseId)) ?? sr;
          return page(statusDeps, request, fresh, 409, { error: "conflict", draft });
        }
        throw e;
      }
      return { status: 303, headers: { Location: `${pagePathOf(request)}?done=${notice}${action === "rating" ? "#rating" : ""}`, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } };
    });
}
