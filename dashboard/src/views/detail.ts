/**
 * One request: status (also as the customer sees it, in every language), the customer's
 * satisfaction rating once given, SLA clocks, the orchestration, escalation, emails, timeline and
 * the actions the key's role may take; refreshed in place while polling.
 */
import { problemText } from "../api";
import type { DashboardContext } from "../context";
import { byId, countdownEl, fillKv, formatDuration, formatTime, h, timeEl } from "../dom";
import { customerStatusLabel, labelOf, languageName, statusLabel } from "../labels";
import type { CaseEmail, CaseStatus, SatisfactionRating, SlaClockView, SupportedLanguage, SupportRequestCustomStatus, SupportRequestDetailResponse } from "../types";
import { writtenText } from "../timelineText";
import { renderActionButtons } from "./actions";
import { problemBadges, slaBadge } from "./badges";

/** Loads the open request and renders it when it changed. */
export async function refreshDetail(ctx: DashboardContext): Promise<void> {
  const d = ctx.state.detail;
  const caseId = d.caseId;
  if (!caseId) return;
  const gen = ctx.state.generation;
  const r = await ctx.callPartner<SupportRequestDetailResponse>(`support-requests/${encodeURIComponent(caseId)}`);
  if (gen !== ctx.state.generation || caseId !== d.caseId || ctx.settle(r)) return;
  if (!r.ok) {
    if (r.status === 404) {
      byId("detail-error").textContent = "Request not found: it does not exist or your partner may not see it.";
      byId("detail-body").hidden = true;
      d.detail = null;
    } else byId("detail-error").textContent = `Could not load the request: ${problemText(r)}`;
    ctx.setLive(r.status === 404, r.status === 404 ? undefined : "Error — retrying");
    return;
  }
  byId("detail-error").textContent = "";
  ctx.setLive(true);
  const signature = JSON.stringify(r.body);
  if (signature === d.signature) return;
  d.signature = signature;
  d.detail = r.body;
  renderDetail(ctx, r.body);
}

function renderDetail(ctx: DashboardContext, d: SupportRequestDetailResponse): void {
  const { model, i18n } = ctx;
  const { labels } = model;
  const c = d.case;
  const lang = c.customer.preferredLanguage ?? "en";
  byId("detail-heading").textContent = `${c.caseId} — ${c.title}`;
  const body = byId("detail-body");
  body.hidden = false;
  body.dataset.status = c.status;

  byId("detail-badges").replaceChildren(
    h("span", { class: "badge status", id: "detail-status", "data-status": c.status }, statusLabel(model, c.status)),
    h("span", { class: `badge sev-${c.severity}` }, `Severity ${labelOf(labels.severities, c.severity)}`),
    slaBadge(model, c.slaHealth),
    h("span", { class: "badge" }, labelOf(labels.categories, c.category)),
    ...problemBadges(model, c),
  );

  const undeliverable = c.undeliverableEmails ?? [];
  fillKv(byId("detail-summary"), [
    ["Status", h("span", {}, [h("strong", { id: "detail-status-text" }, statusLabel(model, c.status))])],
    [`Customer sees (${languageName(model, lang)})`, h("span", { lang, id: "detail-customer-status" }, customerStatusLabel(i18n, model, c.status, lang))],
    ["Customer", `${c.customer.name}${c.customer.contactName ? ` (${c.customer.contactName})` : ""}`],
    ["Email", c.customer.email],
    ["Tenant", h("span", { class: "mono" }, c.customer.tenantId)],
    ["Product", model.products.find((p) => p.id === c.product)?.name ?? c.product],
    ["Category", labelOf(labels.categories, c.category)],
    ["Severity", labelOf(labels.severities, c.severity)],
    ["Channel", labelOf(labels.channels, c.channel)],
    ["Assignee", d.assignee ?? "Unassigned"],
    ["Created", timeEl(c.createdAt)],
    ["Last update", timeEl(d.lastUpdatedAt)],
    ["Reseller", d.resellerName ? `${d.resellerName} (${d.resellerPartnerId ?? ""})` : undefined],
    ["Needs verification", c.needsVerification ? "Yes: the sender is not in the customer directory" : undefined],
    ["Workflow", c.workflow && c.workflow.state !== "running" ? `${labelOf(labels.workflowStates, c.workflow.state)}${c.workflow.reason ? `: ${c.workflow.reason}` : ""}` : undefined],
    ["Undeliverable", undeliverable.length > 0 ? undeliverable.map((u) => u.address).join(", ") : undefined],
    ["Diagnosis notes", c.diagnosisNotes],
    ["Resolution", c.resolutionSummary],
    ["Customer rating", c.satisfaction ? ratingEl(c.satisfaction) : undefined],
  ]);
  byId("detail-description").textContent = c.description;
  renderLanguages(ctx, c.status, lang);
  renderSla(ctx, d);
  renderOrchestration(ctx, d);
  renderEscalation(d);
  renderEmails(ctx, d.emails);
  renderTimeline(ctx, d, lang);
  renderActionButtons(ctx, () => refreshDetail(ctx));
}

/** The customer's satisfaction rating: the score of 5 (also as stars), when it was given and the comment as written. */
function ratingEl(r: SatisfactionRating): HTMLElement {
  const score = Math.min(5, Math.max(0, Math.round(r.rating)));
  return h("span", { id: "detail-rating", "data-rating": String(r.rating) }, [
    h("span", { class: "rating", id: "detail-rating-score" }, `${r.rating} of 5`),
    h("span", { class: "rating-stars", "aria-hidden": "true" }, `${"★".repeat(score)}${"☆".repeat(5 - score)}`),
    h("span", { class: "muted" }, [" given ", timeEl(r.at)]),
    r.comment ? h("q", { class: "rating-comment", id: "detail-rating-comment" }, r.comment) : null,
  ]);
}

function renderLanguages(ctx: DashboardContext, current: CaseStatus, lang: SupportedLanguage): void {
  const { model, i18n } = ctx;
  byId("lang-head").replaceChildren(h("th", { scope: "col" }, "Status"), ...i18n.languages.map((l) => h("th", { scope: "col" }, `${languageName(model, l)}${l === lang ? " (customer)" : ""}`)));
  byId("lang-body").replaceChildren(
    ...model.statuses.map((s) =>
      h("tr", { class: s === current ? "current" : undefined }, [h("th", { scope: "row" }, `${statusLabel(model, s)}${s === current ? " ◀" : ""}`), ...i18n.languages.map((l) => h("td", { lang: l }, customerStatusLabel(i18n, model, s, l)))]),
    ),
  );
}

/**
 * The badge colour of an SLA clock's state: red once breached, green while running without a
 * warning or once fulfilled, neutral otherwise (the warning thresholds reached are shown as text;
 * the request's SLA health is the server's `slaHealth`).
 */
function clockBadgeClass(k: SlaClockView): string {
  if (k.state === "breached") return "sla-breached";
  if ((k.state === "running" && k.warned.length === 0) || k.state === "fulfilled") return "sla-on-track";
  return "";
}

function renderSla(ctx: DashboardContext, d: SupportRequestDetailResponse): void {
  const { labels } = ctx.model;
  const clocks: SlaClockView[] = d.slaClocks ? Object.values(d.slaClocks) : [];
  const rows = clocks.map((k) =>
    h("tr", { "data-metric": k.metric }, [
      h("th", { scope: "row" }, labelOf(labels.slaMetrics, k.metric)),
      h("td", {}, [
        h("span", { class: `badge ${clockBadgeClass(k)}`, "data-clock-state": k.state }, labelOf(labels.slaClockStates, k.state)),
        k.warned.length > 0 && k.state === "running" ? h("div", { class: "muted" }, `warned at ${k.warned.map((p) => `${p} %`).join(", ")}`) : null,
      ]),
      h("td", {}, formatDuration(k.elapsedInMs)),
      h("td", {}, formatDuration(k.targetInMs)),
      h("td", {}, [k.dueAt ? timeEl(k.dueAt) : h("span", { class: "muted" }, k.state === "paused" ? "paused" : "—")]),
      h("td", {}, [
        k.state === "running" && k.dueAt
          ? countdownEl(k.dueAt)
          : h("span", { class: "muted" }, k.state === "breached" ? `over by ${formatDuration(k.remainingInMs)}` : k.state === "paused" ? `${formatDuration(k.remainingInMs)} left` : "—"),
      ]),
    ]),
  );
  if (rows.length === 0) rows.push(h("tr", {}, [h("td", { colspan: "6", class: "muted" }, "No SLA policy applies.")]));
  byId("sla-body").replaceChildren(...rows);
}

/** The orchestration's custom status as the API passes it through (an object, or nothing). */
function customStatusOf(value: unknown): Partial<SupportRequestCustomStatus> {
  return typeof value === "object" && value !== null ? (value as Partial<SupportRequestCustomStatus>) : {};
}

function renderOrchestration(ctx: DashboardContext, d: SupportRequestDetailResponse): void {
  const o = d.orchestration;
  const dl = byId("detail-orchestration");
  if (!o) {
    fillKv(dl, [["Runtime status", "No orchestration"]]);
    return;
  }
  const { model } = ctx;
  const cs = customStatusOf(o.customStatus);
  const metric = cs.nextDeadlineMetric;
  const metricName = metric === undefined ? undefined : (model.slaMetrics as readonly string[]).includes(metric) ? labelOf(model.labels.slaMetrics, metric as (typeof model.slaMetrics)[number]) : metric;
  const what = [cs.nextDeadlineKind, metricName].filter(Boolean).join(" · ");
  fillKv(dl, [
    ["Runtime status", h("strong", { id: "detail-runtime" }, o.runtimeStatus)],
    ["Custom status", cs.status ? statusLabel(model, cs.status) : undefined],
    ["Waiting for", cs.waitingFor],
    ["Next deadline", cs.nextDeadline ? h("span", {}, [timeEl(cs.nextDeadline), " ", countdownEl(cs.nextDeadline), what ? h("div", { class: "muted" }, what) : null]) : undefined],
    ["Generation", cs.generation !== undefined ? String(cs.generation) : undefined],
    ["Started", o.createdTime ? timeEl(o.createdTime) : undefined],
    ["Last updated", o.lastUpdatedTime ? timeEl(o.lastUpdatedTime) : undefined],
    ["Raw custom status", h("details", {}, [h("summary", {}, "JSON"), h("pre", { class: "mono" }, JSON.stringify(o.customStatus, null, 2))])],
  ]);
}

function renderEscalation(d: SupportRequestDetailResponse): void {
  const e = d.escalation ?? d.case.escalation;
  const dl = byId("detail-escalation");
  if (!e) {
    fillKv(dl, [["Escalation", "Not escalated"]]);
    return;
  }
  const psi = e.productSupportIncident;
  const sr = e.microsoftServiceRequest;
  fillKv(dl, [
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

/** The badge colour of an email's delivery state. */
function deliveryClass(state: CaseEmail["state"]): string {
  if (state === "sent") return "sla-on-track";
  if (state === "bounced" || state === "failed") return "sla-breached";
  return "sla-at-risk";
}

function renderEmails(ctx: DashboardContext, emails: readonly CaseEmail[]): void {
  const rows = emails.map((m) =>
    h("tr", {}, [
      h("td", {}, [timeEl(m.at)]),
      h("td", { class: "mono" }, m.notificationKey),
      h("td", {}, m.to.join(", ")),
      h("td", {}, m.subject ?? ""),
      h("td", {}, [h("span", { class: `badge ${deliveryClass(m.state)}`, "data-delivery": m.state }, labelOf(ctx.model.labels.emailDeliveryStates, m.state)), m.reason ? h("div", { class: "muted" }, m.reason) : null]),
    ]),
  );
  if (rows.length === 0) rows.push(h("tr", {}, [h("td", { colspan: "5", class: "muted" }, "No emails yet.")]));
  byId("emails-body").replaceChildren(...rows);
}

/** What the entry's author wrote ({@link writtenText}) as a quote under its summary, or nothing. */
function writtenBlock(e: { summary: string; details?: Record<string, unknown> }): HTMLQuoteElement | null {
  const text = writtenText(e);
  return text === undefined ? null : h("blockquote", { class: "written" }, text);
}

function renderTimeline(ctx: DashboardContext, d: SupportRequestDetailResponse, lang: SupportedLanguage): void {
  const { model, i18n } = ctx;
  const entries = d.timeline.map((e) =>
    h("li", { "data-kind": e.kind }, [
      timeEl(e.at),
      h("span", { class: "kind" }, e.kind),
      h("span", {}, [
        e.summary,
        writtenBlock(e),
        e.toStatus ? h("div", { class: "muted" }, `${e.fromStatus ? `${statusLabel(model, e.fromStatus)} → ` : ""}${statusLabel(model, e.toStatus)} (customer sees: ${customerStatusLabel(i18n, model, e.toStatus, lang)})`) : null,
      ]),
    ]),
  );
  byId("timeline").replaceChildren(...(entries.length ? entries : [h("li", { class: "muted" }, "No entries yet.")]));
}
