/**
 * The reports of the signed-in partner (`GET …/reports/sla` and `…/reports/volume`, both with the
 * same query): a range, a grouping (month or ISO week) and the severity, product and category
 * filters (vocabularies and names from model.json); then per period SLA attainment per metric,
 * CSAT, requests by severity, channel and category, the backlog, escalations, and for an indirect
 * provider its resellers' escalated requests as a separate series; over the range the top
 * customers and CSAT per product. Every chart has its numbers in a table below it, and every table
 * a CSV export of the same rows. Loaded on opening and on every change of the form (no polling).
 *
 * The form is built when the view opens and removed when it closes (app.ts), so its labels
 * (Severity, Product, …) never duplicate the request list's filters on the page. This module and
 * Chart.js are bundled as a chunk of their own, loaded when the view first opens.
 */
import { problemText, type ApiResult } from "../api";
import { barChart, countAndAverageChart, lineChart, SERIES_COLORS, type BarSeries } from "../charts";
import type { DashboardContext } from "../context";
import { toCsv, type CsvCell } from "../csv";
import { byId, downloadCsv, fillKv, fillSelect, formatTime, h } from "../dom";
import { labelOf } from "../labels";
import type { ReportGrouping, SlaReport, VolumeReport } from "../types";

/** Query parameters the form sets (the reports' query; `from`/`to` are UTC dates). */
const QUERY_FIELDS = ["from", "to", "groupBy", "severity", "product", "category"] as const;

/** Milliseconds as hours, two decimals (durations are shown and exported in hours; the unit is in the header). */
export function msToHours(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms / 36_000) / 100;
}

/** A period's name on a chart's axis: `Dec 2026` for a month, `Week of 30 Nov 2026` for a week (UTC). */
export function periodLabel(from: string, groupBy: ReportGrouping): string {
  const d = new Date(`${from}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return from;
  if (groupBy === "month") return d.toLocaleDateString("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
  return `Week of ${d.toLocaleDateString("en-GB", { day: "2-digit", month: "short", year: "numeric", timeZone: "UTC" })}`;
}

/** A table of a report: what the page shows and the CSV export holds (the same rows). */
interface ReportTable {
  /** Names the table (`id="report-<key>"`) and its CSV file. */
  key: string;
  caption: string;
  header: readonly string[];
  rows: ReadonlyArray<readonly CsvCell[]>;
}

/** Builds the view's form and empty sections (once per opening). */
function buildView(ctx: DashboardContext): void {
  const { model } = ctx;
  const { labels } = model;
  const select = (id: string, name: string, any: boolean): HTMLSelectElement => h("select", { id, name }, any ? [h("option", { value: "" }, "Any")] : []);
  const field = (id: string, label: string, control: HTMLElement): HTMLElement => h("div", { class: "field" }, [h("label", { for: id }, label), control]);
  const groupBy = select("r-group", "groupBy", false);
  fillSelect(groupBy, model.reportGroupings.map((g) => [g, labelOf(labels.reportGroupings, g)]));
  const severity = select("r-severity", "severity", true);
  fillSelect(severity, model.severities.map((s) => [s, labelOf(labels.severities, s)]));
  const product = select("r-product", "product", true);
  fillSelect(product, model.products.map((p) => [p.id, p.name]));
  const category = select("r-category", "category", true);
  fillSelect(category, model.categories.map((c) => [c, labelOf(labels.categories, c)]));
  const form = h("form", { id: "reports-filters", class: "filters card", "aria-label": "Report range and filters" }, [
    field("r-from", "From (UTC date)", h("input", { id: "r-from", name: "from", type: "date" })),
    field("r-to", "To (UTC date, included)", h("input", { id: "r-to", name: "to", type: "date" })),
    field("r-group", "Group by", groupBy),
    field("r-severity", "Severity", severity),
    field("r-product", "Product", product),
    field("r-category", "Category", category),
    h("div", { class: "field buttons" }, [h("button", { type: "submit" }, "Show"), h("button", { type: "reset", class: "secondary" }, "Reset")]),
  ]);
  for (const name of QUERY_FIELDS) {
    const el = form.elements.namedItem(name);
    const value = ctx.state.reports.query[name];
    if ((el instanceof HTMLInputElement || el instanceof HTMLSelectElement) && value) el.value = value;
  }
  const apply = (): void => {
    readQuery(ctx, form);
    void refreshReports(ctx);
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    apply();
  });
  form.addEventListener("change", apply);
  // A reset event fires before the form's fields are cleared: read them on the next turn.
  form.addEventListener("reset", () => window.setTimeout(apply, 0));
  byId("reports-host").replaceChildren(
    form,
    h("p", { class: "notice", id: "reports-notice", role: "status" }),
    h("dl", { class: "kv card", id: "reports-summary", hidden: true }),
    h("div", { class: "report-sections", id: "reports-sections" }),
  );
}

function readQuery(ctx: DashboardContext, form: HTMLFormElement): void {
  const q: Record<string, string> = {};
  for (const [k, v] of new FormData(form).entries()) if (typeof v === "string" && v.trim()) q[k] = v.trim();
  ctx.state.reports.query = q;
}

/** Opens the view: builds the form (with the last query) and loads the reports. */
export async function showReports(ctx: DashboardContext): Promise<void> {
  if (!document.getElementById("reports-filters")) buildView(ctx);
  await refreshReports(ctx);
}

function destroyCharts(ctx: DashboardContext): void {
  for (const c of ctx.state.reports.charts.splice(0)) c.destroy();
}

/** Loads both reports for the form's query and renders them. */
export async function refreshReports(ctx: DashboardContext): Promise<void> {
  const reports = ctx.state.reports;
  const gen = ctx.state.generation;
  const seq = ++reports.seq;
  const q = new URLSearchParams();
  for (const name of QUERY_FIELDS) {
    const v = reports.query[name];
    if (v) q.set(name, v);
  }
  const notice = byId("reports-notice");
  notice.textContent = "Loading the reports…";
  let sla: ApiResult<SlaReport>;
  let volume: ApiResult<VolumeReport>;
  try {
    [sla, volume] = await Promise.all([ctx.callPartner<SlaReport>(`reports/sla?${q}`), ctx.callPartner<VolumeReport>(`reports/volume?${q}`)]);
  } catch {
    if (gen === ctx.state.generation && seq === reports.seq) notice.textContent = "Could not reach the server.";
    ctx.setLive(false, "Connection lost");
    return;
  }
  if (gen !== ctx.state.generation || seq !== reports.seq || ctx.settle(sla) || ctx.settle(volume)) return;
  if (!sla.ok || !volume.ok) {
    const failed = !sla.ok ? sla : !volume.ok ? volume : undefined;
    notice.textContent = failed ? `Could not load the reports: ${problemText(failed)}` : "";
    destroyCharts(ctx);
    byId("reports-sections").replaceChildren();
    byId("reports-summary").hidden = true;
    ctx.setLive(false, "Error");
    return;
  }
  notice.textContent = "";
  // Show the range the API answered for (its defaults when the form left them empty).
  const form = byId("reports-filters", HTMLFormElement);
  for (const [name, value] of [["from", sla.body.from], ["to", sla.body.to], ["groupBy", sla.body.groupBy]] as const) {
    const el = form.elements.namedItem(name);
    if ((el instanceof HTMLInputElement || el instanceof HTMLSelectElement) && !el.value) el.value = value;
  }
  render(ctx, sla.body, volume.body);
  ctx.setLive(true, `Reports generated ${formatTime(sla.body.generatedAt)}`);
}

/** The tables and charts of both reports. */
function render(ctx: DashboardContext, sla: SlaReport, volume: VolumeReport): void {
  const { model } = ctx;
  const { labels } = model;
  destroyCharts(ctx);
  const sections = byId("reports-sections");
  sections.replaceChildren();
  const periodLabels = sla.periods.map((p) => periodLabel(p.from, sla.groupBy));
  const volumeLabels = volume.periods.map((p) => periodLabel(p.from, volume.groupBy));
  const per = sla.groupBy;
  const fileStem = `${sla.partnerId}-${sla.from}-to-${sla.to}-by-${sla.groupBy}`;

  fillSummary(ctx, sla, volume);

  /** Appends a section: heading, chart (when `draw` is given), table and its CSV button. */
  const section = (table: ReportTable, draw?: (host: HTMLElement, label: string) => { destroy(): void }): void => {
    const card = h("section", { class: "card report", id: `section-${table.key}`, "aria-labelledby": `heading-${table.key}` }, [h("h3", { id: `heading-${table.key}` }, table.caption)]);
    sections.append(card);
    if (draw) ctx.state.reports.charts.push(draw(card, `Chart: ${table.caption}. The numbers are in the table below.`));
    card.append(renderTable(table, `${fileStem}-${table.key}.csv`));
  };

  // SLA attainment per period and metric.
  const metricSeries: BarSeries[] = model.slaMetrics.flatMap((m, i) => [
    { label: `${labelOf(labels.slaMetrics, m)}: achieved`, data: sla.periods.map((p) => p.metrics[m].achieved), color: SERIES_COLORS.achieved[i % 3] ?? SERIES_COLORS.line, stack: m },
    { label: `${labelOf(labels.slaMetrics, m)}: breached`, data: sla.periods.map((p) => p.metrics[m].breached), color: SERIES_COLORS.breached[i % 3] ?? SERIES_COLORS.line, stack: m },
  ]);
  section(
    {
      key: "sla",
      caption: `SLA attainment per ${per} and metric`,
      header: ["From", "To", "Metric", "Achieved", "Breached", "In progress", "Attainment (%)", "Measured", "Median (business hours)", "p90 (business hours)", "Paused (calendar hours)"],
      rows: sla.periods.flatMap((p) =>
        model.slaMetrics.map((m) => {
          const r = p.metrics[m];
          return [p.from, p.to, labelOf(labels.slaMetrics, m), r.achieved, r.breached, r.inProgress, r.attainmentPercent, r.measured, msToHours(r.medianInMs), msToHours(r.p90InMs), msToHours(r.pausedInMs)];
        }),
      ),
    },
    (host, label) => barChart(host, label, periodLabels, metricSeries, "SLA cycles"),
  );

  // CSAT per period.
  section(
    {
      key: "csat",
      caption: `Customer satisfaction per ${per}`,
      header: ["From", "To", "Ratings", "Average (1–5)", "Rated 1", "Rated 2", "Rated 3", "Rated 4", "Rated 5"],
      rows: sla.periods.map((p) => [p.from, p.to, p.csat.count, p.csat.average, p.csat.distribution[1], p.csat.distribution[2], p.csat.distribution[3], p.csat.distribution[4], p.csat.distribution[5]]),
    },
    (host, label) =>
      countAndAverageChart(
        host,
        label,
        periodLabels,
        sla.periods.map((p) => p.csat.count),
        sla.periods.map((p) => p.csat.average),
        { count: "Ratings", average: "Average rating (1–5)" },
      ),
  );

  // Requests per period by severity (chart), channel and category (table).
  section(
    {
      key: "volume",
      caption: `Requests created per ${per}`,
      header: ["From", "To", "Requests", ...model.severities.map((s) => `Severity ${labelOf(labels.severities, s)}`), ...model.channels.map((c) => `Channel ${labelOf(labels.channels, c)}`), ...model.categories.map((c) => `Category ${labelOf(labels.categories, c)}`)],
      rows: volume.periods.map((p) => [p.from, p.to, p.cases, ...model.severities.map((s) => p.bySeverity[s] ?? 0), ...model.channels.map((c) => p.byChannel[c] ?? 0), ...model.categories.map((c) => p.byCategory[c] ?? 0)]),
    },
    (host, label) =>
      barChart(
        host,
        label,
        volumeLabels,
        model.severities.map((s, i) => ({ label: labelOf(labels.severities, s), data: volume.periods.map((p) => p.bySeverity[s] ?? 0), color: SERIES_COLORS.palette[i % SERIES_COLORS.palette.length] ?? SERIES_COLORS.line, stack: "severity" })),
        "Requests",
      ),
  );

  // The backlog at each period's end.
  section(
    {
      key: "backlog",
      caption: `Backlog: requests open at the end of each ${per}`,
      header: ["From", "To", "Open at the end"],
      rows: volume.periods.map((p) => [p.from, p.to, p.backlogAtEnd]),
    },
    (host, label) => lineChart(host, label, volumeLabels, [{ label: "Open requests", data: volume.periods.map((p) => p.backlogAtEnd), color: SERIES_COLORS.line }], "Open requests"),
  );

  // Escalations by target and support vehicle.
  section(
    {
      key: "escalations",
      caption: `Escalations per ${per}`,
      header: ["From", "To", ...model.escalationTargets.map((t) => `Target ${labelOf(labels.escalationTargets, t)}`), ...model.supportVehicles.map((v) => `Vehicle ${labelOf(labels.supportVehicles, v)}`), "Product support incidents used"],
      rows: volume.periods.map((p) => [p.from, p.to, ...model.escalationTargets.map((t) => p.escalations.byTarget[t] ?? 0), ...model.supportVehicles.map((v) => p.escalations.byVehicle[v] ?? 0), p.productSupportIncidentsUsed]),
    },
    (host, label) =>
      barChart(
        host,
        label,
        volumeLabels,
        model.escalationTargets.map((t, i) => ({ label: labelOf(labels.escalationTargets, t), data: volume.periods.map((p) => p.escalations.byTarget[t] ?? 0), color: SERIES_COLORS.palette[(i + 3) % SERIES_COLORS.palette.length] ?? SERIES_COLORS.line, stack: "target" })),
        "Escalations",
      ),
  );

  // An indirect provider: its resellers' requests escalated to it, beside its own.
  const resellers = volume.resellerEscalations;
  if (resellers) {
    const ids = [...new Set(resellers.periods.flatMap((p) => Object.keys(p.byReseller)))].sort();
    section(
      {
        key: "resellers",
        caption: `Resellers' requests escalated to you, per ${per}`,
        header: ["From", "To", "Escalated requests", ...model.severities.map((s) => `Severity ${labelOf(labels.severities, s)}`), ...ids.map((id) => `Reseller ${id}`)],
        rows: resellers.periods.map((p) => [p.from, p.to, p.cases, ...model.severities.map((s) => p.bySeverity[s] ?? 0), ...ids.map((id) => p.byReseller[id] ?? 0)]),
      },
      (host, label) =>
        barChart(
          host,
          label,
          volumeLabels,
          [
            { label: "Your requests", data: volume.periods.map((p) => p.cases), color: SERIES_COLORS.palette[0], stack: "own" },
            { label: "Resellers' escalated requests", data: resellers.periods.map((p) => p.cases), color: SERIES_COLORS.palette[1], stack: "resellers" },
          ],
          "Requests",
        ),
    );
  }

  // Over the range: the top customers and CSAT per product (tables only).
  section({ key: "top-customers", caption: "Customers with the most requests in the range", header: ["Customer tenant id", "Requests"], rows: volume.topCustomers.map((c) => [c.tenantId, c.cases]) });
  section({
    key: "csat-products",
    caption: "Customer satisfaction per product in the range",
    header: ["Product", "Ratings", "Average (1–5)"],
    rows: model.products.flatMap((p) => {
      const c = sla.csatByProduct[p.id];
      return c ? [[p.name, c.count, c.average]] : [];
    }),
  });
}

function fillSummary(ctx: DashboardContext, sla: SlaReport, volume: VolumeReport): void {
  const { model } = ctx;
  const dl = byId("reports-summary");
  dl.hidden = false;
  const psi = volume.productSupportIncidents;
  const csat = sla.totals.csat;
  const filters = [sla.filters.severity && `severity ${labelOf(model.labels.severities, sla.filters.severity)}`, sla.filters.product && (model.products.find((p) => p.id === sla.filters.product)?.name ?? sla.filters.product), sla.filters.category && labelOf(model.labels.categories, sla.filters.category)].filter(Boolean);
  fillKv(dl, [
    ["Range", `${sla.from} to ${sla.to} (UTC), by ${sla.groupBy}${filters.length ? `; ${filters.join(", ")}` : ""}`],
    ["Requests created", h("span", { id: "reports-total-cases" }, String(volume.cases))],
    ...model.slaMetrics.map((m): [string, string] => {
      const r = sla.totals.metrics[m];
      return [`${labelOf(model.labels.slaMetrics, m)} attainment`, r.attainmentPercent === null ? "—" : `${r.attainmentPercent} % (${r.achieved} achieved, ${r.breached} breached)`];
    }),
    ["Customer satisfaction", csat.average === null ? "No ratings" : `${csat.average} of 5 (${csat.count} ratings)`],
    ["Product support incidents", `${psi.used} used in the range; ${psi.remaining === null ? "no entitlement" : `${psi.remaining} left`}`],
    ["Resellers' escalated requests", volume.resellerEscalations ? String(volume.resellerEscalations.cases) : undefined],
  ]);
}

/** A table of `t` with its CSV export button (a download of the same rows, made in the browser). */
function renderTable(t: ReportTable, fileName: string): HTMLElement {
  const table = h("table", { id: `report-${t.key}`, class: "report-table" }, [
    h("caption", {}, t.caption),
    h("thead", {}, [h("tr", {}, t.header.map((c) => h("th", { scope: "col" }, c)))]),
    h(
      "tbody",
      {},
      t.rows.map((r) => h("tr", {}, r.map((c) => h("td", { class: typeof c === "number" ? "num" : undefined }, c === null ? "—" : String(c))))),
    ),
  ]);
  if (t.rows.length === 0) table.tBodies[0]?.append(h("tr", {}, [h("td", { colspan: String(t.header.length), class: "muted" }, "Nothing in this range.")]));
  const button = h("button", { type: "button", class: "secondary csv", "data-csv": t.key, "aria-label": `Download “${t.caption}” as CSV` }, "Download CSV");
  button.addEventListener("click", () => downloadCsv(fileName, toCsv(t.header, t.rows)));
  return h("div", {}, [h("div", { class: "table-wrap" }, [table]), h("p", { class: "table-actions" }, [button])]);
}
