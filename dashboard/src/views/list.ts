/**
 * The list of requests: status tabs with the API's counts, filters (applied by the API), pages of
 * 25 with "Load more", refreshed in place while polling.
 */
import { problemText } from "../api";
import type { DashboardContext } from "../context";
import { byId, countdownEl, fillSelect, h, timeEl } from "../dom";
import { labelOf, statusLabel } from "../labels";
import type { CaseStatus, StatusCounts, SupportRequestListResponse, SupportRequestSummaryBody } from "../types";
import { problemBadges, slaBadge } from "./badges";

/** Requests per page. */
export const PAGE_SIZE = 25;

/** Fills the filters' options from the server's model (severity, category, product, channel, SLA). */
export function initListFilters(ctx: DashboardContext): void {
  const { model } = ctx;
  const { labels } = model;
  fillSelect(byId("f-severity", HTMLSelectElement), model.severities.map((s) => [s, labelOf(labels.severities, s)]));
  fillSelect(byId("f-category", HTMLSelectElement), model.categories.map((s) => [s, labelOf(labels.categories, s)]));
  fillSelect(byId("f-product", HTMLSelectElement), model.products.map((p) => [p.id, p.name]));
  fillSelect(byId("f-channel", HTMLSelectElement), model.channels.map((s) => [s, labelOf(labels.channels, s)]));
  fillSelect(byId("f-sla", HTMLSelectElement), model.slaFilters.map((s) => [s, labelOf(labels.slaHealths, s)]));
}

/** Reads the filter form into the state. */
export function readFilters(ctx: DashboardContext): void {
  const f: Record<string, string> = {};
  for (const [k, v] of new FormData(byId("filters", HTMLFormElement)).entries()) if (typeof v === "string" && v.trim()) f[k] = v.trim();
  ctx.state.list.filters = f;
}

function listQuery(ctx: DashboardContext, page: { limit?: number; token?: string } = {}): URLSearchParams {
  const list = ctx.state.list;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(list.filters)) if (v) q.set(k, v);
  if (list.status) q.set("status", list.status);
  q.set("limit", String(page.limit ?? PAGE_SIZE));
  if (page.token) q.set("continuationToken", page.token);
  return q;
}

/**
 * Loads the list. `reset` starts again from the first page; otherwise (polling) the pages already
 * shown are refreshed in one call (up to 100 requests).
 */
export async function refreshList(ctx: DashboardContext, reset: boolean): Promise<void> {
  const { state } = ctx;
  const list = state.list;
  const gen = state.generation;
  const seq = ++list.seq;
  const loaded = reset ? PAGE_SIZE : Math.min(100, Math.max(PAGE_SIZE, list.items.length));
  let r;
  try {
    r = await ctx.callPartner<SupportRequestListResponse>(`support-requests?${listQuery(ctx, { limit: loaded })}`);
  } catch {
    ctx.setLive(false, "Connection lost — retrying");
    return;
  }
  if (gen !== state.generation || seq !== list.seq || ctx.settle(r)) return;
  if (!r.ok) {
    byId("list-notice").textContent = r.status === 429 ? "Too many requests — pausing updates briefly." : `Could not load the requests: ${problemText(r)}`;
    ctx.setLive(false, r.status === 429 ? "Rate limited — pausing" : "Error — retrying");
    if (r.status === 400 && reset) {
      list.items = [];
      renderList(ctx);
    }
    return;
  }
  const items = r.body.items;
  if (!reset && list.items.length > 100) {
    const fresh = new Set(items.map((i) => i.caseId));
    list.items = [...items, ...list.items.slice(100).filter((i) => !fresh.has(i.caseId))];
  } else {
    list.items = items;
    list.token = r.body.continuationToken;
  }
  list.counts = r.body.counts.byStatus;
  list.capped = r.body.counts.capped ?? [];
  byId("list-notice").textContent = "";
  ctx.setLive(true);
  renderList(ctx);
}

/** Loads the next page and appends it. */
export async function loadMore(ctx: DashboardContext): Promise<void> {
  const list = ctx.state.list;
  if (!list.token) return;
  const gen = ctx.state.generation;
  const btn = byId("load-more", HTMLButtonElement);
  btn.disabled = true;
  try {
    const r = await ctx.callPartner<SupportRequestListResponse>(`support-requests?${listQuery(ctx, { token: list.token })}`);
    if (gen !== ctx.state.generation || ctx.settle(r)) return;
    if (!r.ok) {
      byId("list-notice").textContent = `Could not load more: ${problemText(r)}`;
      return;
    }
    const seen = new Set(list.items.map((i) => i.caseId));
    list.items = [...list.items, ...r.body.items.filter((i) => !seen.has(i.caseId))];
    list.token = r.body.continuationToken;
    renderList(ctx);
  } finally {
    btn.disabled = false;
  }
}

/** The earliest SLA deadline the request has not met yet (first response or resolution), from its SLA state. */
function nextSlaDue(item: SupportRequestSummaryBody): { at: string; metric: "first-response" | "resolution" } | undefined {
  const s = item.sla;
  if (!s) return undefined;
  const due: Array<{ at: string; metric: "first-response" | "resolution" }> = [];
  if (s.firstResponseDueAt && !s.firstResponseAt) due.push({ at: s.firstResponseDueAt, metric: "first-response" });
  if (s.resolutionDueAt && !s.resolvedAt) due.push({ at: s.resolutionDueAt, metric: "resolution" });
  due.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return due[0];
}

function productName(ctx: DashboardContext, id: string): string {
  return ctx.model.products.find((p) => p.id === id)?.name ?? id;
}

function row(ctx: DashboardContext, item: SupportRequestSummaryBody): HTMLTableRowElement {
  const { model } = ctx;
  const next = nextSlaDue(item);
  const link = h("a", { href: `#/requests/${encodeURIComponent(item.caseId)}`, class: "mono" }, item.caseId);
  return h("tr", { "data-case-id": item.caseId, "data-status": item.status, "data-severity": item.severity }, [
    h("td", {}, [link]),
    h("td", { class: "title" }, [item.title, item.resellerName ? h("div", { class: "muted" }, `Reseller: ${item.resellerName}`) : null]),
    h("td", {}, [item.customer.name, h("div", { class: "muted" }, item.customer.email)]),
    h("td", {}, productName(ctx, item.product)),
    h("td", {}, labelOf(model.labels.categories, item.category)),
    h("td", {}, [h("span", { class: `badge sev-${item.severity}` }, item.severity)]),
    h("td", {}, [h("span", { class: "badge status", "data-status": item.status }, statusLabel(model, item.status)), ...problemBadges(model, item)]),
    h("td", {}, [slaBadge(model, item.slaHealth)]),
    h("td", {}, [next ? countdownEl(next.at, labelOf(model.labels.slaMetrics, next.metric)) : h("span", { class: "muted" }, "—"), item.status === "awaiting-customer" ? h("div", { class: "muted" }, "clock paused") : null]),
    h("td", {}, [timeEl(item.createdAt)]),
  ]);
}

/** Renders the tabs and rows (skipped when nothing changed since the last render). */
export function renderList(ctx: DashboardContext): void {
  const list = ctx.state.list;
  const counts = list.counts;
  const signature = JSON.stringify([list.items, counts, list.capped, list.status, list.token !== undefined]);
  if (signature === list.signature) return;
  list.signature = signature;
  renderTabs(ctx, counts, list.capped);
  byId("requests-body").replaceChildren(...list.items.map((item) => row(ctx, item)));
  byId("requests-empty").hidden = list.items.length > 0;
  byId("load-more").hidden = !list.token;
}

/** A count as a tab shows it: a lower bound with "+" (e.g. "1000+"). */
function countText(n: number, atLeast: boolean): string {
  return atLeast ? `${n}+` : String(n);
}

function renderTabs(ctx: DashboardContext, counts: StatusCounts | null, capped: readonly CaseStatus[]): void {
  const list = ctx.state.list;
  const countOf = (s: CaseStatus): number => counts?.[s] ?? 0;
  const total = ctx.model.statuses.reduce((n, s) => n + countOf(s), 0);
  const tab = (value: CaseStatus | "", label: string, n: number, atLeast: boolean): HTMLLIElement => {
    const shown = countText(n, atLeast);
    const btn = h("button", { type: "button", "aria-pressed": String(list.status === value), "data-status-tab": value || "all" }, [label, h("span", { class: "count", "aria-label": atLeast ? `at least ${n} requests` : `${n} requests` }, shown)]);
    btn.addEventListener("click", () => {
      list.status = value;
      list.signature = "";
      void refreshList(ctx, true);
    });
    return h("li", {}, [btn]);
  };
  byId("status-tabs").replaceChildren(tab("", "All", total, capped.length > 0), ...ctx.model.statuses.map((s) => tab(s, statusLabel(ctx.model, s), countOf(s), capped.includes(s))));
}
