// @ts-check
/**
 * Partner dashboard (plain browser JavaScript, no dependencies, no build step).
 *
 * Calls the partner API of the same origin (`../partners/{partnerId}/…` relative to the page at
 * `/api/dashboard/`) with the API key the user signs in with. The key is kept in sessionStorage
 * only (this tab; gone when it closes) and sent in `x-api-key`. Every value from the API is put in
 * the page with `textContent` or attributes (never as HTML). Live updates by polling: the list
 * every 4 s, an open request every 3 s (paused while the tab is hidden; backs off on 429).
 *
 * What the key's role may do comes from the API: `GET …/api-keys` (global admins: the key's own
 * row, matched by prefix) or the 403 problem's `role` member; until then every action is offered
 * and a 403 disables the permission it names.
 */

const SESSION_KEY = "csp-dashboard-session";
const LIST_POLL_MS = 4000;
const DETAIL_POLL_MS = 3000;
const PAGE_SIZE = 25;
/** API root, relative to the page (`/api/dashboard/` → `/api/`). */
const API_ROOT = new URL("../", window.location.href);

/** English labels of statuses and other API values. */
const STATUS_LABELS = {
  received: "Received",
  "in-diagnosis": "In diagnosis",
  "awaiting-customer": "Awaiting customer",
  "escalated-to-provider": "Escalated to provider",
  "escalated-to-microsoft": "Escalated to Microsoft",
  resolved: "Resolved",
  closed: "Closed",
};
const CATEGORY_LABELS = { billing: "Billing", "subscription-management": "Subscription management", technical: "Technical" };
const SEVERITY_LABELS = { A: "A — critical", B: "B — moderate", C: "C — minimal" };
const CHANNEL_LABELS = { webhook: "Webhook", email: "Email" };
const SLA_LABELS = { none: "No SLA", "on-track": "On track", "at-risk": "At risk", breached: "Breached" };
const METRIC_LABELS = { "first-response": "First response", "next-update": "Next update", resolution: "Resolution", "escalation-chain": "Escalation chain", "auto-close": "Auto-close" };
const OUTCOME_LABELS = { resolved: "Resolved", "awaiting-customer": "Needs information from the customer", "needs-escalation": "Needs escalation" };
const LANGUAGE_NAMES = { en: "English", hu: "Hungarian", cs: "Czech", pl: "Polish", ru: "Russian" };
const ROLE_LABELS = { "global-admin": "Global admin", "admin-agent": "Admin agent", "helpdesk-agent": "Helpdesk agent", "billing-admin": "Billing admin", "sales-agent": "Sales agent" };
const OPEN_STATUSES = ["received", "in-diagnosis", "awaiting-customer", "escalated-to-provider", "escalated-to-microsoft"];

/**
 * @typedef {{ partnerId: string, apiKey: string, role?: string }} Session
 * @typedef {{ status: number, ok: boolean, body: any, headers: Headers }} ApiResponse
 * @typedef {{ name: string, label: string, kind: "text" | "textarea" | "select", required?: boolean, options?: Array<[string, string]>, value?: string }} ActionField
 * @typedef {{ id: string, label: string, method: "POST" | "PATCH", path: string, permission: "act" | "notes:write" | "workflow:restart", statuses?: readonly string[], when?: () => string | undefined, help: string, fields: (c: any) => ActionField[], body: (v: Record<string, string>, c: any) => unknown, done: string }} ActionSpec
 */

const state = {
  /** @type {Session | null} */ session: null,
  /** @type {any} */ model: null,
  /** @type {any} */ i18n: null,
  /** Filters of the list (query parameter → value). @type {Record<string, string>} */ filters: {},
  status: "",
  /** @type {any[]} */ items: [],
  /** @type {string | undefined} */ token: undefined,
  /** @type {Record<string, number> | null} */ counts: null,
  /** Whether the API filtered the list itself (it answers with `counts`). */ serverFilters: true,
  listSignature: "",
  /** @type {any} */ detail: null,
  detailSignature: "",
  /** @type {string | null} */ detailCaseId: null,
  /** Permissions a 403 said the key lacks. @type {Set<string>} */ denied: new Set(),
  backoffUntil: 0,
  /** @type {number | undefined} */ pollTimer: undefined,
  /** @type {{ spec: ActionSpec, key: string, lastBody: string } | null} */ openAction: null,
  /** Incremented on every navigation; stale responses are dropped. */ generation: 0,
  /** Incremented on every list request; an older answer never overwrites a newer one. */ listSeq: 0,
};

/* ---------------------------------------------------------------- DOM helpers */

/** @param {string} id @returns {HTMLElement} */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el;
}

/**
 * Creates an element with text and attributes (text goes in as textContent, never HTML).
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined>} [attrs]
 * @param {Array<Node | string | null | undefined> | string} [children]
 * @returns {HTMLElement}
 */
function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "class") el.className = String(v);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of typeof children === "string" ? [children] : children) {
    if (c === null || c === undefined) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/** @param {HTMLElement} el @param {Node[]} nodes */
function replaceChildren(el, nodes) {
  el.replaceChildren(...nodes);
}

/** @param {string | undefined | null} iso @returns {string} */
function formatTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString("en-GB", { year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** @param {string | undefined | null} iso @returns {HTMLElement} */
function timeEl(iso) {
  return h("time", { datetime: iso ?? undefined, title: iso ?? undefined }, formatTime(iso));
}

/** Duration in words: `2d 3h`, `1h 05m`, `4m 09s`. @param {number} ms */
function formatDuration(ms) {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  const d = Math.floor(s / 86400);
  const hr = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  if (d > 0) return `${d}d ${hr}h`;
  if (hr > 0) return `${hr}h ${pad(m)}m`;
  return `${m}m ${pad(sec)}s`;
}

/** A live countdown to `dueIso` (updated every second by {@link tickCountdowns}). @param {string | undefined} dueIso @param {string} [prefix] */
function countdownEl(dueIso, prefix = "") {
  if (!dueIso) return h("span", { class: "muted" }, "—");
  const el = h("span", { class: "countdown", "data-due": dueIso, "data-prefix": prefix, title: `Due ${formatTime(dueIso)}` });
  updateCountdown(el);
  return el;
}

/** @param {HTMLElement} el */
function updateCountdown(el) {
  const due = Date.parse(el.dataset.due ?? "");
  if (Number.isNaN(due)) return;
  const left = due - Date.now();
  const prefix = el.dataset.prefix ? `${el.dataset.prefix} ` : "";
  el.textContent = left >= 0 ? `${prefix}in ${formatDuration(left)}` : `${prefix}overdue by ${formatDuration(left)}`;
  el.classList.toggle("overdue", left < 0);
}

function tickCountdowns() {
  for (const el of document.querySelectorAll(".countdown[data-due]")) updateCountdown(/** @type {HTMLElement} */ (el));
}

/** @param {string} status */
function statusLabel(status) {
  return STATUS_LABELS[/** @type {keyof typeof STATUS_LABELS} */ (status)] ?? status;
}

/** @param {string} status @param {string} lang */
function customerStatusLabel(status, lang) {
  const labels = state.i18n?.statusLabels?.[lang] ?? state.i18n?.statusLabels?.en;
  return labels?.[status] ?? statusLabel(status);
}

/** @param {Record<string, string>} labels @param {string} value */
function labelOf(labels, value) {
  return labels[value] ?? value;
}

/* ---------------------------------------------------------------- session */

/** @returns {Session | null} */
function loadSession() {
  try {
    const raw = window.sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw);
    return typeof s?.partnerId === "string" && typeof s?.apiKey === "string" ? { partnerId: s.partnerId, apiKey: s.apiKey } : null;
  } catch {
    return null;
  }
}

/** @param {Session | null} s */
function saveSession(s) {
  if (s) window.sessionStorage.setItem(SESSION_KEY, JSON.stringify({ partnerId: s.partnerId, apiKey: s.apiKey }));
  else window.sessionStorage.removeItem(SESSION_KEY);
}

/** @param {string} [message] */
function signOut(message) {
  state.session = null;
  state.items = [];
  state.detail = null;
  state.denied.clear();
  state.listSignature = "";
  state.detailSignature = "";
  saveSession(null);
  stopPolling();
  $("signin-error").textContent = message ?? "";
  if (window.location.hash && window.location.hash !== "#/") window.history.replaceState(null, "", "#/");
  render();
}

/* ---------------------------------------------------------------- API */

/**
 * Calls the partner API.
 * @param {string} path - below `/api/`, already encoded.
 * @param {{ method?: string, body?: unknown, idempotencyKey?: string, session?: Session }} [options]
 * @returns {Promise<ApiResponse>}
 */
async function api(path, options = {}) {
  const session = options.session ?? state.session;
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (session) headers["x-api-key"] = session.apiKey;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
  const res = await fetch(new URL(path, API_ROOT), {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: "no-store",
    credentials: "omit",
    referrerPolicy: "no-referrer",
  });
  const text = await res.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { detail: text };
    }
  }
  if (res.status === 429) {
    const retry = Number(res.headers.get("retry-after") ?? "5");
    state.backoffUntil = Date.now() + (Number.isFinite(retry) ? Math.max(1, retry) : 5) * 1000;
  }
  return { status: res.status, ok: res.ok, body, headers: res.headers };
}

/** `partners/{partnerId}/…` for the signed-in partner. @param {string} rest */
function partnerPath(rest) {
  return `partners/${encodeURIComponent(state.session?.partnerId ?? "")}/${rest}`;
}

/** A one-line description of a problem+json answer. @param {ApiResponse} r */
function problemText(r) {
  const b = r.body ?? {};
  const parts = [b.title, b.detail].filter((x) => typeof x === "string" && x.length > 0);
  if (Array.isArray(b.errors)) for (const e of b.errors.slice(0, 3)) parts.push(`${e.pointer}: ${e.detail}`);
  return `${r.status} ${parts.join(" — ") || "request failed"}`;
}

/**
 * Handles what every call shares: 401 ends the session, 429 backs off, 403 teaches the role.
 * @param {ApiResponse} r
 * @returns {boolean} whether the caller should stop (signed out).
 */
function common(r) {
  if (r.status === 401) {
    signOut("The API key was rejected (wrong, revoked or expired). Sign in again.");
    return true;
  }
  if (r.status === 403) {
    if (typeof r.body?.permission === "string") state.denied.add(r.body.permission);
    if (typeof r.body?.role === "string" && state.session) setRole(r.body.role);
  }
  return false;
}

/** @param {string | undefined} role */
function setRole(role) {
  if (!state.session || !role) return;
  state.session.role = role;
  const el = $("session-role");
  el.textContent = labelOf(ROLE_LABELS, role);
  el.hidden = false;
}

/**
 * Finds the key's role: the key-management list (global admins) has its row (matched by prefix);
 * other roles get a 403 problem naming their role. Unknown when neither says.
 */
async function discoverRole() {
  const session = state.session;
  if (!session) return;
  try {
    const r = await api(partnerPath("api-keys"));
    if (r.ok && Array.isArray(r.body?.items)) {
      const mine = r.body.items.find((/** @type {any} */ k) => !k.revokedAt && typeof k.prefix === "string" && session.apiKey.startsWith(k.prefix));
      if (mine) setRole(mine.role);
    } else if (r.status === 403 && typeof r.body?.role === "string") setRole(r.body.role);
  } catch {
    // the role stays unknown: every action is offered and a 403 tells
  }
}

/* ---------------------------------------------------------------- rendering: shell */

function render() {
  const signedIn = state.session !== null;
  $("session").hidden = !signedIn;
  $("signin-view").hidden = signedIn;
  const route = parseRoute();
  $("list-view").hidden = !signedIn || route.caseId !== null || route.inbound;
  $("detail-view").hidden = !signedIn || route.caseId === null;
  $("inbound-view").hidden = !signedIn || !route.inbound;
  if (!signedIn) {
    document.title = "Sign in — partner dashboard";
    return;
  }
  $("session-partner").textContent = state.session?.partnerId ?? "";
  if (!state.session?.role) $("session-role").hidden = true;
}

/** @returns {{ caseId: string | null, inbound: boolean }} */
function parseRoute() {
  if (window.location.hash === "#/inbound") return { caseId: null, inbound: true };
  const m = /^#\/requests\/([^/?#]+)$/.exec(window.location.hash);
  if (!m || !m[1]) return { caseId: null, inbound: false };
  try {
    return { caseId: decodeURIComponent(m[1]), inbound: false };
  } catch {
    return { caseId: null, inbound: false };
  }
}

async function navigate() {
  state.generation++;
  render();
  if (!state.session) return;
  const { caseId, inbound } = parseRoute();
  closeActionForm();
  if (inbound) {
    document.title = "Inbound email — partner dashboard";
    await refreshInbound();
  } else if (caseId === null) {
    state.detailCaseId = null;
    state.detail = null;
    state.detailSignature = "";
    document.title = "Requests — partner dashboard";
    await refreshList(true);
  } else {
    if (state.detailCaseId !== caseId) {
      state.detail = null;
      state.detailSignature = "";
      $("detail-body").hidden = true;
      $("detail-heading").textContent = `Request ${caseId}`;
      $("detail-error").textContent = "";
      replaceChildren($("action-result"), []);
    }
    state.detailCaseId = caseId;
    document.title = `${caseId} — partner dashboard`;
    await refreshDetail();
  }
  schedulePoll();
}

/* ---------------------------------------------------------------- polling */

function stopPolling() {
  if (state.pollTimer !== undefined) window.clearTimeout(state.pollTimer);
  state.pollTimer = undefined;
}

function schedulePoll() {
  stopPolling();
  if (!state.session) return;
  const every = parseRoute().caseId === null ? LIST_POLL_MS : DETAIL_POLL_MS;
  const wait = Math.max(every, state.backoffUntil - Date.now());
  state.pollTimer = window.setTimeout(async () => {
    if (!document.hidden && state.session) {
      try {
        const route = parseRoute();
        if (route.inbound) await refreshInbound();
        else if (route.caseId === null) await refreshList(false);
        else await refreshDetail();
      } catch {
        setLive(false, "Connection lost — retrying");
      }
    }
    schedulePoll();
  }, wait);
}

/** @param {boolean} ok @param {string} [text] */
function setLive(ok, text) {
  const el = $("live");
  el.classList.toggle("stale", !ok);
  el.textContent = text ?? `Live · updated ${new Date().toLocaleTimeString("en-GB")}`;
}

/* ---------------------------------------------------------------- inbound email log */

/** Loads the newest 100 entries of the mailbox's inbound log (`GET …/inbound-email/log`) with the chosen filters. */
async function refreshInbound() {
  const gen = state.generation;
  const q = new URLSearchParams({ limit: "100" });
  const outcome = /** @type {HTMLSelectElement} */ ($("i-outcome")).value;
  const from = /** @type {HTMLInputElement} */ ($("i-from")).value.trim();
  if (outcome) q.set("outcome", outcome);
  if (from) q.set("from", from);
  const r = await api(`${partnerPath("inbound-email/log")}?${q}`);
  if (gen !== state.generation || common(r)) return;
  if (!r.ok) {
    $("inbound-notice").textContent = `Could not load the inbound log: ${problemText(r)}`;
    setLive(false, "Error — retrying");
    return;
  }
  const items = Array.isArray(r.body?.items) ? r.body.items : [];
  $("inbound-notice").textContent = items.length === 0 ? "No messages match." : "";
  replaceChildren(
    $("inbound-body"),
    items.map((/** @type {any} */ e) =>
      h("tr", {}, [
        h("td", {}, [timeEl(e.receivedAt)]),
        h("td", {}, [e.reason ? `${e.outcome} (${e.reason})` : e.outcome]),
        h("td", {}, [e.from || "—"]),
        h("td", {}, [e.subject || "—"]),
        h("td", {}, [e.caseId ? h("a", { href: `#/requests/${encodeURIComponent(e.caseId)}` }, [e.caseId]) : "—"]),
        h("td", {}, [(e.flags ?? []).join(", ")]),
      ]),
    ),
  );
  setLive(true);
}

/* ---------------------------------------------------------------- list */

/** The list query for the filters, status and paging. @param {{ limit?: number, token?: string }} [page] */
function listQuery(page = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state.filters)) if (v) q.set(k, v);
  if (state.status) q.set("status", state.status);
  q.set("limit", String(page.limit ?? PAGE_SIZE));
  if (page.token) q.set("continuationToken", page.token);
  return q;
}

/**
 * Loads the list. `reset` starts again from the first page; otherwise (polling) the pages already
 * shown are refreshed in one call (up to 100 requests).
 * @param {boolean} reset
 */
async function refreshList(reset) {
  const gen = state.generation;
  const seq = ++state.listSeq;
  const loaded = reset ? PAGE_SIZE : Math.min(100, Math.max(PAGE_SIZE, state.items.length));
  let r;
  try {
    r = await api(`${partnerPath("support-requests")}?${listQuery({ limit: loaded })}`);
  } catch {
    setLive(false, "Connection lost — retrying");
    return;
  }
  if (gen !== state.generation || seq !== state.listSeq || common(r)) return;
  if (!r.ok) {
    $("list-notice").textContent = r.status === 429 ? "Too many requests — pausing updates briefly." : `Could not load the requests: ${problemText(r)}`;
    setLive(false, r.status === 429 ? "Rate limited — pausing" : "Error — retrying");
    if (r.status === 400 && reset) {
      state.items = [];
      renderList();
    }
    return;
  }
  const items = Array.isArray(r.body?.items) ? r.body.items : [];
  state.serverFilters = r.body?.counts !== undefined;
  if (!reset && state.items.length > 100) {
    const fresh = new Set(items.map((/** @type {any} */ i) => i.caseId));
    state.items = [...items, ...state.items.slice(100).filter((i) => !fresh.has(i.caseId))];
  } else {
    state.items = items;
    state.token = r.body?.continuationToken ?? undefined;
  }
  state.counts = r.body?.counts?.byStatus ?? null;
  $("list-notice").textContent = state.serverFilters ? "" : "This API version does not filter or count: filters and counts apply to the requests loaded so far.";
  setLive(true);
  renderList();
}

async function loadMore() {
  if (!state.token) return;
  const gen = state.generation;
  const btn = /** @type {HTMLButtonElement} */ ($("load-more"));
  btn.disabled = true;
  try {
    const r = await api(`${partnerPath("support-requests")}?${listQuery({ token: state.token })}`);
    if (gen !== state.generation || common(r)) return;
    if (!r.ok) {
      $("list-notice").textContent = `Could not load more: ${problemText(r)}`;
      return;
    }
    const seen = new Set(state.items.map((i) => i.caseId));
    state.items = [...state.items, ...(r.body?.items ?? []).filter((/** @type {any} */ i) => !seen.has(i.caseId))];
    state.token = r.body?.continuationToken ?? undefined;
    renderList();
  } finally {
    btn.disabled = false;
  }
}

/** SLA deadline still ahead of a listed request: the earliest unmet target. @param {any} item */
function nextSlaDue(item) {
  const s = item.sla;
  if (!s || item.status === "resolved" || item.status === "closed") return undefined;
  /** @type {Array<{ at: string, metric: string }>} */
  const due = [];
  if (s.firstResponseDueAt && !s.firstResponseAt) due.push({ at: s.firstResponseDueAt, metric: "first-response" });
  if (s.resolutionDueAt && !s.resolvedAt) due.push({ at: s.resolutionDueAt, metric: "resolution" });
  due.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return due[0];
}

/** SLA health of a listed request: the API's `slaHealth`, else estimated from its SLA state. @param {any} item */
function listHealth(item) {
  if (typeof item.slaHealth === "string") return item.slaHealth;
  const s = item.sla;
  if (!s) return "none";
  if (s.firstResponseBreachedAt || s.resolutionBreachedAt) return "breached";
  const next = nextSlaDue(item);
  if (!next) return "on-track";
  const left = Date.parse(next.at) - Date.now();
  const total = Date.parse(next.at) - Date.parse(item.createdAt);
  if (left <= 0) return "breached";
  return left < total * 0.25 ? "at-risk" : "on-track";
}

/** SLA health of an open request from its recomputed clocks. @param {any} d */
function detailHealth(d) {
  const clocks = d.slaClocks ? Object.values(d.slaClocks) : [];
  if (clocks.length === 0) return d.case ? listHealth(d.case) : "none";
  if (clocks.some((c) => c.state === "breached") || d.case?.sla?.firstResponseBreachedAt || d.case?.sla?.resolutionBreachedAt) return "breached";
  if (clocks.some((c) => c.state === "running" && Array.isArray(c.warned) && c.warned.length > 0)) return "at-risk";
  if (clocks.every((c) => c.state === "inactive")) return "none";
  return "on-track";
}

/** @param {string} health */
function slaBadge(health) {
  return h("span", { class: `badge sla-${health}`, "data-sla": health }, labelOf(SLA_LABELS, health));
}

/** Client-side filter, used only when the API does not filter (it answers without `counts`). @param {any} item @param {boolean} withStatus */
function matchesLocally(item, withStatus) {
  const f = state.filters;
  if (withStatus && state.status && item.status !== state.status) return false;
  if (f.severity && item.severity !== f.severity) return false;
  if (f.category && item.category !== f.category) return false;
  if (f.product && item.product !== f.product) return false;
  if (f.channel && item.channel !== f.channel) return false;
  if (f.sla && listHealth(item) !== f.sla) return false;
  if (f.customer) {
    const c = f.customer.toLowerCase();
    if (item.customer?.tenantId?.toLowerCase() !== c && item.customer?.email?.toLowerCase() !== c) return false;
  }
  if (f.createdFrom && Date.parse(item.createdAt) < Date.parse(f.createdFrom)) return false;
  if (f.createdTo && Date.parse(item.createdAt) >= Date.parse(f.createdTo)) return false;
  return true;
}

/** Workflow states that need the partner's attention, with their labels. */
const WORKFLOW_LABELS = { failed: "Workflow failed", restarting: "Workflow restarting", suspended: "Workflow suspended", terminated: "Workflow terminated", "gave-up": "Workflow stopped" };

/**
 * Badges of what needs attention on a request: its workflow not running normally (with the reason
 * as a tooltip) and customer addresses that cannot be mailed.
 * @param {any} c - the request (list item or detail case).
 */
function problemBadges(c) {
  const out = [];
  const wf = c.workflow;
  if (wf && wf.state !== "running") out.push(h("span", { class: "badge sla-breached", "data-workflow": wf.state, title: wf.reason ?? "" }, labelOf(WORKFLOW_LABELS, wf.state)));
  if (Array.isArray(c.undeliverableEmails) && c.undeliverableEmails.length > 0) {
    out.push(h("span", { class: "badge sla-at-risk", "data-undeliverable": "true", title: c.undeliverableEmails.map((/** @type {any} */ u) => `${u.address}: ${u.reason ?? u.status ?? "undeliverable"}`).join("\n") }, "Email undeliverable"));
  }
  return out;
}

function renderList() {
  const items = state.serverFilters ? state.items : state.items.filter((i) => matchesLocally(i, true));
  /** @type {Record<string, number>} */
  let counts = state.counts ?? {};
  if (!state.serverFilters) {
    counts = {};
    for (const i of state.items.filter((x) => matchesLocally(x, false))) counts[i.status] = (counts[i.status] ?? 0) + 1;
  }
  const signature = JSON.stringify([items, counts, state.status, state.token !== undefined]);
  if (signature === state.listSignature) return;
  state.listSignature = signature;
  renderTabs(counts);
  const rows = items.map((item) => {
    const next = nextSlaDue(item);
    const health = listHealth(item);
    const link = h("a", { href: `#/requests/${encodeURIComponent(item.caseId)}`, class: "mono" }, item.caseId);
    return h("tr", { "data-case-id": item.caseId, "data-status": item.status, "data-severity": item.severity }, [
      h("td", {}, [link]),
      h("td", { class: "title" }, [item.title ?? "", item.resellerName ? h("div", { class: "muted" }, `Reseller: ${item.resellerName}`) : null]),
      h("td", {}, [item.customer?.name ?? "", h("div", { class: "muted" }, item.customer?.email ?? "")]),
      h("td", {}, state.model?.productNames?.[item.product] ?? item.product),
      h("td", {}, labelOf(CATEGORY_LABELS, item.category)),
      h("td", {}, [h("span", { class: `badge sev-${item.severity}` }, item.severity)]),
      h("td", {}, [h("span", { class: "badge status", "data-status": item.status }, statusLabel(item.status)), ...problemBadges(item)]),
      h("td", {}, [slaBadge(health)]),
      h("td", {}, [next ? countdownEl(next.at, labelOf(METRIC_LABELS, next.metric)) : h("span", { class: "muted" }, "—"), item.status === "awaiting-customer" ? h("div", { class: "muted" }, "clock paused") : null]),
      h("td", {}, [timeEl(item.createdAt)]),
    ]);
  });
  replaceChildren($("requests-body"), rows);
  $("requests-empty").hidden = items.length > 0;
  $("load-more").hidden = !state.token;
}

/** @param {Record<string, number>} counts */
function renderTabs(counts) {
  const statuses = state.model?.statuses ?? Object.keys(STATUS_LABELS);
  const total = statuses.reduce((/** @type {number} */ n, /** @type {string} */ s) => n + (counts[s] ?? 0), 0);
  const tab = (/** @type {string} */ value, /** @type {string} */ label, /** @type {number} */ n) => {
    const btn = h("button", { type: "button", "aria-pressed": String(state.status === value), "data-status-tab": value || "all" }, [label, h("span", { class: "count", "aria-label": `${n} requests` }, String(n))]);
    btn.addEventListener("click", () => {
      state.status = value;
      state.listSignature = "";
      void refreshList(true);
    });
    return h("li", {}, [btn]);
  };
  replaceChildren($("status-tabs"), [tab("", "All", total), ...statuses.map((/** @type {string} */ s) => tab(s, statusLabel(s), counts[s] ?? 0))]);
}

function readFilters() {
  const form = /** @type {HTMLFormElement} */ ($("filters"));
  /** @type {Record<string, string>} */
  const f = {};
  for (const [k, v] of new FormData(form).entries()) if (typeof v === "string" && v.trim()) f[k] = v.trim();
  state.filters = f;
}

/** @param {HTMLSelectElement} select @param {Array<[string, string]>} options */
function fillSelect(select, options) {
  for (const [value, label] of options) select.append(h("option", { value }, label));
}

/* ---------------------------------------------------------------- detail */

async function refreshDetail() {
  const caseId = state.detailCaseId;
  if (!caseId) return;
  const gen = state.generation;
  const r = await api(partnerPath(`support-requests/${encodeURIComponent(caseId)}`));
  if (gen !== state.generation || caseId !== state.detailCaseId || common(r)) return;
  if (!r.ok) {
    if (r.status === 404) {
      $("detail-error").textContent = "Request not found: it does not exist or your partner may not see it.";
      $("detail-body").hidden = true;
      state.detail = null;
    } else $("detail-error").textContent = `Could not load the request: ${problemText(r)}`;
    setLive(r.status === 404, r.status === 404 ? undefined : "Error — retrying");
    return;
  }
  $("detail-error").textContent = "";
  setLive(true);
  const signature = JSON.stringify(r.body);
  if (signature === state.detailSignature) return;
  state.detailSignature = signature;
  state.detail = r.body;
  renderDetail();
}

/** @param {HTMLElement} dl @param {Array<[string, Node | string | null | undefined]>} rows */
function fillKv(dl, rows) {
  const nodes = [];
  for (const [k, v] of rows) {
    if (v === undefined || v === null || v === "") continue;
    nodes.push(h("dt", {}, k), h("dd", {}, [v]));
  }
  if (nodes.length === 0) nodes.push(h("dt", {}, "—"), h("dd", { class: "muted" }, "Nothing yet"));
  replaceChildren(dl, nodes);
}

function renderDetail() {
  const d = state.detail;
  if (!d?.case) return;
  const c = d.case;
  const lang = c.customer?.preferredLanguage ?? "en";
  $("detail-heading").textContent = `${c.caseId} — ${c.title}`;
  $("detail-body").hidden = false;
  $("detail-body").dataset.status = c.status;

  replaceChildren($("detail-badges"), [
    h("span", { class: "badge status", id: "detail-status", "data-status": c.status }, statusLabel(c.status)),
    h("span", { class: `badge sev-${c.severity}` }, `Severity ${labelOf(SEVERITY_LABELS, c.severity)}`),
    slaBadge(detailHealth(d)),
    h("span", { class: "badge" }, labelOf(CATEGORY_LABELS, c.category)),
    ...problemBadges(c),
  ]);

  fillKv($("detail-summary"), [
    ["Status", h("span", {}, [h("strong", { id: "detail-status-text" }, statusLabel(c.status))])],
    [`Customer sees (${labelOf(LANGUAGE_NAMES, lang)})`, h("span", { lang, id: "detail-customer-status" }, customerStatusLabel(c.status, lang))],
    ["Customer", `${c.customer?.name ?? ""}${c.customer?.contactName ? ` (${c.customer.contactName})` : ""}`],
    ["Email", c.customer?.email],
    ["Tenant", h("span", { class: "mono" }, c.customer?.tenantId ?? "")],
    ["Product", state.model?.productNames?.[c.product] ?? c.product],
    ["Category", labelOf(CATEGORY_LABELS, c.category)],
    ["Severity", labelOf(SEVERITY_LABELS, c.severity)],
    ["Channel", labelOf(CHANNEL_LABELS, c.channel)],
    ["Assignee", d.assignee ?? "Unassigned"],
    ["Created", timeEl(c.createdAt)],
    ["Last update", timeEl(d.lastUpdatedAt ?? c.updatedAt)],
    ["Reseller", d.resellerName ? `${d.resellerName} (${d.resellerPartnerId})` : undefined],
    ["Needs verification", c.needsVerification ? "Yes: the sender is not in the customer directory" : undefined],
    ["Workflow", c.workflow && c.workflow.state !== "running" ? `${labelOf(WORKFLOW_LABELS, c.workflow.state)}${c.workflow.reason ? `: ${c.workflow.reason}` : ""}` : undefined],
    ["Undeliverable", Array.isArray(c.undeliverableEmails) && c.undeliverableEmails.length > 0 ? c.undeliverableEmails.map((/** @type {any} */ u) => u.address).join(", ") : undefined],
    ["Diagnosis notes", c.diagnosisNotes],
    ["Resolution", c.resolutionSummary],
  ]);
  $("detail-description").textContent = c.description ?? "";
  renderLanguages(c.status, lang);
  renderSla(d);
  renderOrchestration(d);
  renderEscalation(d);
  renderEmails(d);
  renderTimeline(d);
  renderActionButtons();
}

/** @param {string} current @param {string} lang */
function renderLanguages(current, lang) {
  const langs = state.i18n?.languages ?? ["en"];
  replaceChildren($("lang-head"), [h("th", { scope: "col" }, "Status"), ...langs.map((/** @type {string} */ l) => h("th", { scope: "col" }, `${labelOf(LANGUAGE_NAMES, l)}${l === lang ? " (customer)" : ""}`))]);
  const statuses = state.model?.statuses ?? Object.keys(STATUS_LABELS);
  replaceChildren(
    $("lang-body"),
    statuses.map((/** @type {string} */ s) =>
      h("tr", { class: s === current ? "current" : undefined }, [h("th", { scope: "row" }, `${statusLabel(s)}${s === current ? " ◀" : ""}`), ...langs.map((/** @type {string} */ l) => h("td", { lang: l }, customerStatusLabel(s, l)))]),
    ),
  );
}

/** @param {any} d */
function renderSla(d) {
  const clocks = d.slaClocks ? Object.values(d.slaClocks) : [];
  const rows = clocks.map((/** @type {any} */ k) =>
    h("tr", { "data-metric": k.metric }, [
      h("th", { scope: "row" }, labelOf(METRIC_LABELS, k.metric)),
      h("td", {}, [h("span", { class: `badge ${k.state === "breached" ? "sla-breached" : k.state === "running" && k.warned?.length ? "sla-at-risk" : k.state === "running" || k.state === "fulfilled" ? "sla-on-track" : ""}` }, k.state)]),
      h("td", {}, formatDuration(k.elapsedInMs ?? 0)),
      h("td", {}, formatDuration(k.targetInMs ?? 0)),
      h("td", {}, [k.dueAt ? timeEl(k.dueAt) : h("span", { class: "muted" }, k.state === "paused" ? "paused" : "—")]),
      h("td", {}, [k.state === "running" && k.dueAt ? countdownEl(k.dueAt) : h("span", { class: "muted" }, k.state === "breached" ? `over by ${formatDuration(k.remainingInMs ?? 0)}` : k.state === "paused" ? `${formatDuration(k.remainingInMs ?? 0)} left` : "—")]),
    ]),
  );
  if (rows.length === 0) rows.push(h("tr", {}, [h("td", { colspan: "6", class: "muted" }, "No SLA policy applies.")]));
  replaceChildren($("sla-body"), rows);
}

/** @param {any} d */
function renderOrchestration(d) {
  const o = d.orchestration;
  if (!o) {
    fillKv($("detail-orchestration"), [["Runtime status", "No orchestration"]]);
    return;
  }
  const cs = o.customStatus && typeof o.customStatus === "object" ? o.customStatus : {};
  const what = [cs.nextDeadlineKind, cs.nextDeadlineMetric ? labelOf(METRIC_LABELS, cs.nextDeadlineMetric) : undefined].filter(Boolean).join(" · ");
  fillKv($("detail-orchestration"), [
    ["Runtime status", h("strong", { id: "detail-runtime" }, o.runtimeStatus)],
    ["Custom status", cs.status ? statusLabel(cs.status) : undefined],
    ["Waiting for", cs.waitingFor],
    ["Next deadline", cs.nextDeadline ? h("span", {}, [timeEl(cs.nextDeadline), " ", countdownEl(cs.nextDeadline), what ? h("div", { class: "muted" }, what) : null]) : undefined],
    ["Generation", cs.generation !== undefined ? String(cs.generation) : undefined],
    ["Started", o.createdTime ? timeEl(o.createdTime) : undefined],
    ["Last updated", o.lastUpdatedTime ? timeEl(o.lastUpdatedTime) : undefined],
    ["Raw custom status", h("details", {}, [h("summary", {}, "JSON"), h("pre", { class: "mono" }, JSON.stringify(o.customStatus, null, 2))])],
  ]);
}

/** @param {any} d */
function renderEscalation(d) {
  const e = d.escalation ?? d.case?.escalation;
  if (!e) {
    fillKv($("detail-escalation"), [["Escalation", "Not escalated"]]);
    return;
  }
  const psi = e.productSupportIncident;
  const sr = e.microsoftServiceRequest;
  fillKv($("detail-escalation"), [
    ["Target", e.target],
    ["Provider", e.providerId],
    ["Support vehicle", e.vehicle],
    ["Reason", e.reason],
    ["Trigger", e.trigger],
    ["Decided", timeEl(e.decidedAt)],
    ["Product support incident", psi ? `${psi.consumed ? "consumed" : "not consumed"}; ${psi.remainingIncidents} left` : undefined],
    ["Microsoft service request", sr ? `${sr.outcome}${sr.serviceRequestId ? ` — ${sr.serviceRequestId}` : " (to file by hand)"} at ${formatTime(sr.at)}` : undefined],
  ]);
}

/** @param {any} d */
function renderEmails(d) {
  /** @type {any[]} */
  const emails = Array.isArray(d.emails) ? d.emails : (d.notifications ?? []).map((/** @type {any} */ n) => ({ ...n, at: n.sentAt, state: "sent" }));
  const rows = emails.map((m) =>
    h("tr", {}, [
      h("td", {}, [timeEl(m.at)]),
      h("td", { class: "mono" }, m.notificationKey),
      h("td", {}, (m.to ?? []).join(", ")),
      h("td", {}, m.subject ?? ""),
      h("td", {}, [h("span", { class: `badge ${m.state === "sent" ? "sla-on-track" : m.state === "bounced" || m.state === "failed" ? "sla-breached" : "sla-at-risk"}` }, m.state), m.reason ? h("div", { class: "muted" }, m.reason) : null]),
    ]),
  );
  if (rows.length === 0) rows.push(h("tr", {}, [h("td", { colspan: "5", class: "muted" }, "No emails yet.")]));
  replaceChildren($("emails-body"), rows);
}

/** @param {any} d */
function renderTimeline(d) {
  const lang = d.case?.customer?.preferredLanguage ?? "en";
  const entries = (d.timeline ?? []).map((/** @type {any} */ e) =>
    h("li", { "data-kind": e.kind }, [
      timeEl(e.at),
      h("span", { class: "kind" }, e.kind),
      h("span", {}, [
        e.summary ?? "",
        e.toStatus ? h("div", { class: "muted" }, `${e.fromStatus ? `${statusLabel(e.fromStatus)} → ` : ""}${statusLabel(e.toStatus)} (customer sees: ${customerStatusLabel(e.toStatus, lang)})`) : null,
      ]),
    ]),
  );
  replaceChildren($("timeline"), entries.length ? entries : [h("li", { class: "muted" }, "No entries yet.")]);
}

/* ---------------------------------------------------------------- actions */

/** @param {string} name @param {string} label @param {boolean} [required] @returns {ActionField} */
const textarea = (name, label, required = true) => ({ name, label, kind: "textarea", required });

/** @returns {ActionSpec[]} */
function actionSpecs() {
  const m = state.model ?? {};
  const open = OPEN_STATUSES;
  return [
    {
      id: "diagnosis", label: "Record diagnosis", method: "POST", path: "diagnosis", permission: "act", statuses: m.actionStatuses?.diagnosis,
      help: "The outcome moves the request on; the notes go to the customer in the status email.",
      fields: () => [
        { name: "outcome", label: "Outcome", kind: "select", required: true, options: (m.diagnosisOutcomes ?? Object.keys(OUTCOME_LABELS)).map((/** @type {string} */ o) => [o, labelOf(OUTCOME_LABELS, o)]) },
        textarea("notes", "Notes (the customer sees them)"),
      ],
      body: (v) => ({ outcome: v.outcome, notes: v.notes }), done: "Diagnosis recorded.",
    },
    {
      id: "information-request", label: "Ask for information", method: "POST", path: "information-requests", permission: "act", statuses: m.actionStatuses?.["information-requests"],
      help: "Emails the question to the customer and pauses the SLA clock until they answer.",
      fields: () => [textarea("message", "Question for the customer")], body: (v) => ({ message: v.message }), done: "Question sent to the customer.",
    },
    {
      id: "note", label: "Add internal note", method: "POST", path: "notes", permission: "notes:write",
      help: "Internal: recorded on the timeline, never emailed.",
      fields: () => [textarea("text", "Note")], body: (v) => ({ text: v.text }), done: "Note added.",
    },
    {
      id: "update", label: "Send update", method: "POST", path: "updates", permission: "act", statuses: m.actionStatuses?.updates,
      help: "A progress update emailed to the customer.",
      fields: () => [textarea("message", "Update for the customer")], body: (v) => ({ message: v.message }), done: "Update sent.",
    },
    {
      id: "escalation", label: "Escalate now", method: "POST", path: "escalation", permission: "act", statuses: m.actionStatuses?.escalation,
      help: "Escalates to the indirect provider or Microsoft under the partner's rules.",
      fields: () => [textarea("reason", "Reason")], body: (v) => ({ reason: v.reason }), done: "Escalation requested.",
    },
    {
      id: "resolution", label: "Resolve", method: "POST", path: "resolution", permission: "act", statuses: m.actionStatuses?.resolution,
      help: "The summary is emailed to the customer; the request closes automatically later.",
      fields: () => [textarea("summary", "Resolution summary")], body: (v) => ({ summary: v.summary }), done: "Resolution recorded.",
    },
    {
      id: "closure", label: "Close", method: "POST", path: "closure", permission: "act", statuses: m.actionStatuses?.closure,
      help: "Closes the request now.",
      fields: () => [textarea("reason", "Reason (optional)", false)], body: (v) => (v.reason ? { reason: v.reason } : {}), done: "Closure requested.",
    },
    {
      id: "reopening", label: "Reopen", method: "POST", path: "reopening", permission: "act", statuses: m.actionStatuses?.reopening,
      help: "Reopens a resolved or closed request.",
      fields: () => [textarea("reason", "Reason")], body: (v) => ({ reason: v.reason }), done: "Reopening requested.",
    },
    {
      id: "workflow-restart", label: "Restart workflow", method: "POST", path: "workflow-restart", permission: "workflow:restart",
      help: "Restarts a stopped workflow from its last checkpoint; nothing already sent is sent again.",
      when: () => (workflowStopped() ? undefined : "The workflow is running."),
      fields: () => [textarea("reason", "Reason (optional)", false)], body: (v) => (v.reason ? { reason: v.reason } : {}), done: "Workflow restart requested.",
    },
    {
      id: "reclassify", label: "Reclassify", method: "PATCH", path: "", permission: "act", statuses: [...open, "resolved"],
      help: "Corrects product, category or severity.",
      fields: (c) => [
        { name: "product", label: "Product", kind: "select", value: c.product, options: (m.products ?? []).map((/** @type {any} */ p) => [p.id, p.name]) },
        { name: "category", label: "Category", kind: "select", value: c.category, options: (m.categories ?? []).map((/** @type {string} */ x) => [x, labelOf(CATEGORY_LABELS, x)]) },
        { name: "severity", label: "Severity", kind: "select", value: c.severity, options: (m.severities ?? []).map((/** @type {string} */ x) => [x, labelOf(SEVERITY_LABELS, x)]) },
      ],
      body: (v, c) => Object.fromEntries(["product", "category", "severity"].filter((k) => v[k] && v[k] !== c[k]).map((k) => [k, v[k]])),
      done: "Reclassified.",
    },
    {
      id: "assignment", label: "Assign", method: "POST", path: "assignment", permission: "act", statuses: [...open, "resolved"],
      help: "Who works the request (an email address or a name).",
      fields: (c) => [{ name: "assignee", label: "Assignee", kind: "text", required: true, value: state.detail?.assignee ?? c.assignee ?? "" }],
      body: (v) => ({ assignee: v.assignee }), done: "Assigned.",
    },
  ];
}

/**
 * Whether the key may take an action on the open request, and why not.
 * @param {ActionSpec} spec @param {any} c
 * @returns {{ allowed: boolean, reason?: string, byRole?: boolean }}
 */
function availability(spec, c) {
  const permission = spec.permission === "act" ? (c.category === "technical" ? "requests:act:technical" : "requests:act:commercial") : spec.permission;
  const role = state.session?.role;
  const granted = role && state.model?.rolePermissions?.[role] ? state.model.rolePermissions[role].includes(permission) : !state.denied.has(permission);
  if (!granted) return { allowed: false, byRole: true, reason: `Your key's role${role ? ` (${labelOf(ROLE_LABELS, role)})` : ""} lacks ${permission}.` };
  if (state.detail?.resellerPartnerId) {
    // The indirect provider's view of a reseller's request: it may resolve or escalate, nothing else.
    const providerStatuses = state.model?.providerActionStatuses?.[spec.path];
    if (!providerStatuses) return { allowed: false, reason: `The reseller (${state.detail.resellerName ?? state.detail.resellerPartnerId}) records this, not its provider.` };
    if (!providerStatuses.includes(c.status)) return { allowed: false, reason: `Not possible while the request is ${statusLabel(c.status).toLowerCase()}.` };
    return { allowed: true };
  }
  if (spec.statuses && !spec.statuses.includes(c.status)) return { allowed: false, reason: `Not possible while the request is ${statusLabel(c.status).toLowerCase()}.` };
  const blocked = spec.when?.();
  if (blocked) return { allowed: false, reason: blocked };
  return { allowed: true };
}

/** Whether the open request's workflow stopped (failed, terminated, or its automatic restarts gave up). */
function workflowStopped() {
  const d = state.detail;
  const runtime = d?.orchestration?.runtimeStatus;
  return runtime === "Failed" || runtime === "Terminated" || d?.case?.workflow?.state === "gave-up";
}

function renderActionButtons() {
  const c = state.detail?.case;
  if (!c) return;
  const specs = actionSpecs();
  let roleBlocked = 0;
  const buttons = specs.map((spec) => {
    const a = availability(spec, c);
    if (a.byRole) roleBlocked++;
    const btn = /** @type {HTMLButtonElement} */ (h("button", { type: "button", class: "secondary", "data-action": spec.id, title: a.reason ?? spec.help, "aria-expanded": String(state.openAction?.spec.id === spec.id) }, spec.label));
    btn.disabled = !a.allowed;
    btn.addEventListener("click", () => openActionForm(spec));
    return btn;
  });
  replaceChildren($("action-buttons"), buttons);
  const role = state.session?.role;
  $("actions-role-note").textContent =
    roleBlocked === specs.length ? `Your key's role (${labelOf(ROLE_LABELS, role ?? "unknown")}) may only read this request.` : roleBlocked > 0 ? `Some actions need a role your key (${labelOf(ROLE_LABELS, role ?? "unknown")}) does not have.` : role ? `Acting as ${labelOf(ROLE_LABELS, role)}.` : "";
}

function closeActionForm() {
  state.openAction = null;
  replaceChildren($("action-form-host"), []);
  for (const b of document.querySelectorAll("#action-buttons button")) b.setAttribute("aria-expanded", "false");
}

/** @param {ActionSpec} spec */
function openActionForm(spec) {
  const c = state.detail?.case;
  if (!c) return;
  if (state.openAction?.spec.id === spec.id) {
    closeActionForm();
    return;
  }
  state.openAction = { spec, key: crypto.randomUUID(), lastBody: "" };
  $("action-result").textContent = "";
  const form = /** @type {HTMLFormElement} */ (h("form", { class: "action-form", "data-form": spec.id, "aria-label": spec.label, novalidate: true }));
  form.append(h("p", { class: "muted" }, spec.help));
  for (const f of spec.fields(c)) {
    const id = `action-${spec.id}-${f.name}`;
    /** @type {HTMLElement} */
    let input;
    if (f.kind === "select") {
      const select = /** @type {HTMLSelectElement} */ (h("select", { id, name: f.name }));
      fillSelect(select, f.options ?? []);
      if (f.value) select.value = f.value;
      input = select;
    } else if (f.kind === "textarea") input = h("textarea", { id, name: f.name, required: f.required, maxlength: "8000" });
    else input = h("input", { id, name: f.name, required: f.required, value: f.value, maxlength: "254", autocomplete: "off" });
    form.append(h("div", { class: "field" }, [h("label", { for: id }, f.label), input]));
  }
  const submit = h("button", { type: "submit" }, spec.label);
  const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
  cancel.addEventListener("click", closeActionForm);
  form.append(h("div", { class: "row" }, [submit, cancel]));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void submitAction(form, spec);
  });
  replaceChildren($("action-form-host"), [form]);
  for (const b of document.querySelectorAll("#action-buttons button")) b.setAttribute("aria-expanded", String(b.getAttribute("data-action") === spec.id));
  const first = form.querySelector("textarea, select, input");
  if (first instanceof HTMLElement) first.focus();
}

/** @param {HTMLFormElement} form @param {ActionSpec} spec */
async function submitAction(form, spec) {
  const c = state.detail?.case;
  const open = state.openAction;
  if (!c || !open) return;
  const result = $("action-result");
  /** @type {Record<string, string>} */
  const values = {};
  for (const [k, v] of new FormData(form).entries()) values[k] = typeof v === "string" ? v.trim() : "";
  const missing = spec.fields(c).filter((f) => f.required && !values[f.name]);
  if (missing.length > 0) {
    result.className = "result fail";
    result.textContent = `Fill in: ${missing.map((f) => f.label).join(", ")}.`;
    return;
  }
  const body = spec.body(values, c);
  if (spec.id === "reclassify" && Object.keys(/** @type {object} */ (body)).length === 0) {
    result.className = "result fail";
    result.textContent = "Change at least one of product, category or severity.";
    return;
  }
  // Same body → same Idempotency-Key (a retry is safe); a changed body is a new request.
  const serialized = JSON.stringify(body);
  if (open.lastBody && open.lastBody !== serialized) open.key = crypto.randomUUID();
  open.lastBody = serialized;
  const buttons = form.querySelectorAll("button");
  for (const b of buttons) b.disabled = true;
  result.className = "result";
  result.textContent = "Sending…";
  try {
    const path = partnerPath(`support-requests/${encodeURIComponent(c.caseId)}${spec.path ? `/${spec.path}` : ""}`);
    const r = await api(path, { method: spec.method, body, idempotencyKey: open.key });
    if (common(r)) return;
    if (r.ok) {
      result.className = "result ok";
      result.textContent = `${spec.done} The request updates here live.`;
      closeActionForm();
      state.detailSignature = "";
      await refreshDetail();
      return;
    }
    result.className = "result fail";
    if (r.status === 403) result.textContent = `Not allowed: ${r.body?.permission ? `your key's role lacks ${r.body.permission}` : problemText(r)}.`;
    else if (r.status === 409) result.textContent = `Not possible now${r.body?.currentStatus ? ` (the request is ${statusLabel(r.body.currentStatus).toLowerCase()})` : ""}: ${problemText(r)}`;
    else if (r.status === 404 && !r.body?.type?.includes("not-found")) result.textContent = "This action is not available on this server yet.";
    else result.textContent = problemText(r);
    renderActionButtons();
  } catch {
    result.className = "result fail";
    result.textContent = "Could not reach the server; try again (the retry is safe).";
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/* ---------------------------------------------------------------- start */

async function signIn(/** @type {SubmitEvent} */ ev) {
  ev.preventDefault();
  const partnerId = /** @type {HTMLInputElement} */ ($("signin-partner")).value.trim();
  const apiKeyInput = /** @type {HTMLInputElement} */ ($("signin-key"));
  const apiKey = apiKeyInput.value.trim();
  const error = $("signin-error");
  if (!partnerId || !apiKey) {
    error.textContent = "Enter the partner id and the API key.";
    return;
  }
  const submit = /** @type {HTMLButtonElement} */ ($("signin-submit"));
  submit.disabled = true;
  error.textContent = "Signing in…";
  try {
    const session = { partnerId, apiKey };
    const r = await api(`partners/${encodeURIComponent(partnerId)}/support-requests?limit=1`, { session });
    if (r.status === 401) error.textContent = "That API key is not valid.";
    else if (r.status === 404) error.textContent = "Unknown partner, or the key belongs to another partner.";
    else if (r.status === 403) error.textContent = "This key may not read support requests.";
    else if (!r.ok) error.textContent = `Sign-in failed: ${problemText(r)}`;
    else {
      apiKeyInput.value = "";
      error.textContent = "";
      state.session = session;
      saveSession(session);
      await discoverRole();
      await navigate();
      $("main").focus();
    }
  } catch {
    error.textContent = "Could not reach the server.";
  } finally {
    submit.disabled = false;
  }
}

async function loadStatic() {
  const [i18n, model] = await Promise.all([fetch("i18n.json", { cache: "no-cache" }), fetch("model.json", { cache: "no-cache" })]);
  state.i18n = i18n.ok ? await i18n.json() : null;
  state.model = model.ok ? await model.json() : {};
  state.model.productNames = Object.fromEntries((state.model.products ?? []).map((/** @type {any} */ p) => [p.id, p.name]));
  fillSelect(/** @type {HTMLSelectElement} */ ($("f-severity")), (state.model.severities ?? ["A", "B", "C"]).map((/** @type {string} */ s) => [s, labelOf(SEVERITY_LABELS, s)]));
  fillSelect(/** @type {HTMLSelectElement} */ ($("f-category")), (state.model.categories ?? Object.keys(CATEGORY_LABELS)).map((/** @type {string} */ s) => [s, labelOf(CATEGORY_LABELS, s)]));
  fillSelect(/** @type {HTMLSelectElement} */ ($("f-product")), (state.model.products ?? []).map((/** @type {any} */ p) => [p.id, p.name]));
  fillSelect(/** @type {HTMLSelectElement} */ ($("f-channel")), (state.model.channels ?? Object.keys(CHANNEL_LABELS)).map((/** @type {string} */ s) => [s, labelOf(CHANNEL_LABELS, s)]));
}

async function main() {
  try {
    await loadStatic();
  } catch {
    state.model = state.model ?? { productNames: {} };
  }
  $("signin-form").addEventListener("submit", (ev) => void signIn(/** @type {SubmitEvent} */ (ev)));
  $("sign-out").addEventListener("click", () => signOut());
  const filters = /** @type {HTMLFormElement} */ ($("filters"));
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    readFilters();
    state.listSignature = "";
    void refreshList(true);
  });
  filters.addEventListener("change", () => {
    readFilters();
    state.listSignature = "";
    void refreshList(true);
  });
  filters.addEventListener("reset", () => {
    window.setTimeout(() => {
      readFilters();
      state.status = "";
      state.listSignature = "";
      void refreshList(true);
    }, 0);
  });
  $("load-more").addEventListener("click", () => void loadMore());
  $("inbound-filters").addEventListener("change", () => void refreshInbound());
  $("inbound-filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void refreshInbound();
  });
  window.addEventListener("hashchange", () => void navigate());
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.session) void navigate();
  });
  window.setInterval(tickCountdowns, 1000);

  state.session = loadSession();
  render();
  if (state.session) {
    await discoverRole();
    await navigate();
  } else {
    const partner = new URLSearchParams(window.location.search).get("partner");
    if (partner) /** @type {HTMLInputElement} */ ($("signin-partner")).value = partner;
  }
}

void main();
