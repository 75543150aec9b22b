/**
 * Registers the partner dashboard: `GET /api/dashboard/` serves the built page in `dist/dashboard/`
 * (index.html, app.js, reports.js and dashboard.css, built by Vite from the TypeScript sources in `dashboard/`
 * by `npm run build`), plus two generated JSON documents the page reads: `i18n.json` (status labels
 * in the five customer languages, from shared/templates) and `model.json` (the API's vocabularies
 * with their English names, roles, permissions and the statuses each action accepts, from
 * shared/contracts and shared/domain; typed by shared/contracts/dashboard.ts). Anonymous at the
 * Functions level: the page holds no data; it calls the partner API with the API key the user signs
 * in with (kept in the browser's sessionStorage only).
 *
 * Every answer carries a strict Content-Security-Policy (no inline script or style, same-origin
 * only, no framing), `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`; files
 * are served only from the built folder's top level, by an allow-list of names and extensions,
 * with a strong ETag (304 on `If-None-Match`).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { actPermissionFor, Categories, CaseStatuses, Channels, DASHBOARD_LABELS, DiagnosisOutcomes, EscalationRecordSchema, InboundLogOutcomes, Products, ReportGroupings, RolePermissions, Roles, Severities, SlaFilters, SupportedLanguages, SupportVehicles, type CaseStatus, type DashboardI18n, type DashboardModel, type ProductId } from "../shared/contracts";
import { SlaMetrics } from "../shared/contracts/sla";
import { ActionAllowedStatuses, allowedStatusesOf, isTerminal } from "../shared/domain";
import { statusEmailLocales } from "../shared/templates/statusEmail";
import { registerHttpRoutes } from "./http/routes";
import { pageSecurityHeaders } from "./http/securityHeaders";

/** Content-Security-Policy of every dashboard response (CSP Level 3; no inline code, same origin only). */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Media types by file extension (only these are served). */
export const DASHBOARD_CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

const SECURITY_HEADERS = pageSecurityHeaders(DASHBOARD_CSP);

/** A file name the dashboard serves: one segment, no leading dot, no traversal. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9]+)+$/;

/**
 * Finds the built dashboard (`dist/dashboard/`, made by `npm run build`) by walking up from `start`:
 * the compiled handler runs from `dist/functions` (its sibling), the TypeScript source from
 * `functions` (the project root's `dist/dashboard`); a deployment package has it in its `dist/` too.
 * The sources in the project's `dashboard/` folder are never served.
 * @returns the folder, or undefined when no ancestor has a built `dashboard/index.html`.
 */
export function findDashboardDir(start: string = __dirname): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const candidates = [path.join(dir, "dist", "dashboard")];
    if (path.basename(dir) === "dist") candidates.unshift(path.join(dir, "dashboard"));
    const found = candidates.find((c) => fs.existsSync(path.join(c, "index.html")));
    if (found) return found;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Status labels as customers see them, per language (English fills gaps, as in the emails). */
export function dashboardI18n(): DashboardI18n {
  const english = statusEmailLocales.en;
  const statusLabels = {} as DashboardI18n["statusLabels"];
  const locales = {} as DashboardI18n["locales"];
  for (const lang of SupportedLanguages) {
    const loc = statusEmailLocales[lang];
    const labels = {} as Record<CaseStatus, string>;
    for (const s of CaseStatuses) labels[s] = loc.statusLabels?.[s] ?? english.statusLabels?.[s] ?? s;
    statusLabels[lang] = labels;
    locales[lang] = loc.locale ?? lang;
  }
  return { languages: SupportedLanguages, statusLabels, locales };
}

/**
 * What the page needs to build its filters and decide which actions a key's role may take: the
 * API's vocabularies with their English names, the role → permission matrix, and the statuses each
 * action accepts (keyed by the action's path segment; the server checks again and answers 409).
 */
export function dashboardModel(): DashboardModel {
  return {
    statuses: CaseStatuses,
    severities: Severities,
    categories: Categories,
    channels: Channels,
    products: (Object.keys(Products) as ProductId[]).map((id) => ({ id, name: Products[id].name, kind: Products[id].kind })),
    diagnosisOutcomes: DiagnosisOutcomes,
    slaMetrics: SlaMetrics,
    slaFilters: SlaFilters,
    inboundOutcomes: InboundLogOutcomes,
    reportGroupings: ReportGroupings,
    escalationTargets: EscalationRecordSchema.shape.target.options,
    supportVehicles: SupportVehicles,
    roles: Roles,
    rolePermissions: RolePermissions,
    actPermissions: { billing: actPermissionFor("billing"), "subscription-management": actPermissionFor("subscription-management"), technical: actPermissionFor("technical") },
    /** Per action type and role, the statuses it may be recorded in (shared/domain `ActionAllowedStatuses`). */
    actions: ActionAllowedStatuses,
    /** The same by partner API path segment (`POST …/{caseId}/<path>`), for the owning partner. */
    actionStatuses: {
      diagnosis: allowedStatusesOf("diagnosis"),
      updates: allowedStatusesOf("update"),
      escalation: allowedStatusesOf("escalate"),
      resolution: allowedStatusesOf("resolution"),
      "information-requests": allowedStatusesOf("information-request"),
      closure: allowedStatusesOf("close"),
      reopening: allowedStatusesOf("reopen"),
    },
    /** What the indirect provider may do on a reseller's request escalated to it (nothing else). */
    providerActionStatuses: { escalation: allowedStatusesOf("escalate", "indirect-provider"), resolution: allowedStatusesOf("resolution", "indirect-provider") },
    /** Reclassification (`PATCH …/{caseId}`) as the workflow allows it; assignment until the request is closed (shared/services/partnerActions). */
    caseEditStatuses: { reclassification: allowedStatusesOf("reclassify"), assignment: CaseStatuses.filter((s: CaseStatus) => !isTerminal(s)) },
    labels: DASHBOARD_LABELS,
  };
}

interface ServedFile {
  body: Buffer;
  etag: string;
  contentType: string;
}

function etagOf(body: Buffer | string): string {
  return `"${crypto.createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

function generated(value: unknown): ServedFile {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: etagOf(body), contentType: DASHBOARD_CONTENT_TYPES[".json"] as string };
}

function plain(status: number, text: string, extra: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...extra }, body: text };
}

/** Options of {@link createDashboardHandler}. */
export interface DashboardHandlerOptions {
  /** The folder of the built page; default {@link findDashboardDir}. */
  dir?: string;
}

/**
 * `GET /api/dashboard/{*path}`: the page (`index.html` for an empty path), its static files, and the
 * generated `i18n.json` and `model.json`. `/api/dashboard` without the slash redirects (308) to
 * `/api/dashboard/` so the page's relative URLs resolve. 404 for anything else (names outside the
 * allow-list, sub-folders, traversal attempts). Static files are read on every request (small; lets
 * a developer edit them without restarting) and revalidated by ETag (`Cache-Control: no-cache`).
 */
export function createDashboardHandler(options: DashboardHandlerOptions = {}): (request: HttpRequest) => Promise<HttpResponseInit> {
  const generatedFiles: Record<string, () => ServedFile> = {
    "i18n.json": () => generated(dashboardI18n()),
    "model.json": () => generated(dashboardModel()),
  };
  const cache = new Map<string, ServedFile>();
  return async (request) => {
    const url = new URL(request.url);
    const rel = request.params.path ?? "";
    if (rel === "" && !url.pathname.endsWith("/")) return { status: 308, headers: { ...SECURITY_HEADERS, Location: `${url.pathname}/${url.search}`, "Cache-Control": "no-store" } };
    const name = rel === "" ? "index.html" : rel;
    if (!SAFE_NAME.test(name)) return plain(404, "Not found");
    let file: ServedFile | undefined;
    const make = generatedFiles[name];
    if (make) {
      file = cache.get(name) ?? make();
      cache.set(name, file);
    } else {
      const type = DASHBOARD_CONTENT_TYPES[path.extname(name).toLowerCase()];
      const dir = options.dir ?? findDashboardDir();
      if (!type || !dir) return plain(404, "Not found");
      let body: Buffer;
      try {
        body = await fs.promises.readFile(path.join(dir, name));
      } catch {
        return plain(404, "Not found");
      }
      file = { body, etag: etagOf(body), contentType: type };
    }
    const headers = { ...SECURITY_HEADERS, "Content-Type": file.contentType, "Cache-Control": "no-cache", ETag: file.etag };
    const inm = request.headers.get("if-none-match");
    if (inm && inm.split(",").some((t) => t.trim().replace(/^W\//, "") === file.etag)) return { status: 304, headers };
    if (request.method === "HEAD") return { status: 200, headers };
    return { status: 200, headers, body: file.body };
  };
}

registerHttpRoutes({ Dashboard: () => createDashboardHandler() });
