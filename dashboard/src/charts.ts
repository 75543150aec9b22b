/**
 * Charts of the reports view, drawn by Chart.js on a `<canvas>` (no injected `<style>`, no eval:
 * it works under the page's strict CSP; it sizes the canvas through the CSSOM, which the CSP
 * allows). Only the pieces the reports use are registered, so the bundle carries no other chart
 * type. Every chart is a picture of a table shown beside it: the canvas is `role="img"` with a
 * label pointing at that table.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartDataset } from "chart.js";
import { h } from "./dom";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

/** A chart that can be taken down (its canvas and resize observer released). */
export interface DrawnChart {
  destroy(): void;
}

/** Colours of the series, by role (fixed, so a metric or severity keeps its colour across charts). */
export const SERIES_COLORS = {
  achieved: ["#1e7b3a", "#4aa564", "#8fcf9f"],
  breached: ["#b3261e", "#d9665f", "#f0a9a4"],
  palette: ["#1f5fa8", "#c47f00", "#6b4fa0", "#2b8a8a", "#a8326e", "#5f6b7a", "#7a9a1f", "#d35400"],
  line: "#1f5fa8",
  count: "#9fb8d8",
} as const;

/** One series of a bar chart: its name, its values per period, and (optional) the stack it joins. */
export interface BarSeries {
  label: string;
  data: ReadonlyArray<number | null>;
  color: string;
  /** Series with the same stack id are stacked; different ids stand side by side. */
  stack?: string;
}

/** A canvas in a sized box (the box's height comes from dashboard.css; Chart.js fills it). */
function chartBox(label: string): { box: HTMLDivElement; canvas: HTMLCanvasElement } {
  const canvas = h("canvas", { role: "img", "aria-label": label });
  return { box: h("div", { class: "chart" }, [canvas]), canvas };
}

const BASE_OPTIONS = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  plugins: { legend: { position: "bottom" } },
} as const;

/**
 * A bar chart of `series` over `labels` (periods), stacked by each series' `stack`.
 * @param host - where the chart's box is appended (visible, so the chart gets its size).
 */
export function barChart(host: HTMLElement, label: string, labels: readonly string[], series: readonly BarSeries[], yTitle: string): DrawnChart {
  const { box, canvas } = chartBox(label);
  host.append(box);
  const stacked = series.some((s) => s.stack !== undefined);
  const datasets: Array<ChartDataset<"bar", Array<number | null>>> = series.map((s) => ({ label: s.label, data: [...s.data], backgroundColor: s.color, stack: s.stack ?? s.label }));
  return new Chart(canvas, {
    type: "bar",
    data: { labels: [...labels], datasets },
    options: {
      ...BASE_OPTIONS,
      scales: { x: { stacked }, y: { stacked, beginAtZero: true, title: { display: true, text: yTitle }, ticks: { precision: 0 } } },
    },
  });
}

/** A line chart of one or more series over `labels` (periods); nulls leave a gap. */
export function lineChart(host: HTMLElement, label: string, labels: readonly string[], series: ReadonlyArray<{ label: string; data: ReadonlyArray<number | null>; color: string }>, yTitle: string): DrawnChart {
  const { box, canvas } = chartBox(label);
  host.append(box);
  return new Chart(canvas, {
    type: "line",
    data: { labels: [...labels], datasets: series.map((s) => ({ label: s.label, data: [...s.data], borderColor: s.color, backgroundColor: s.color, tension: 0, spanGaps: false })) },
    options: { ...BASE_OPTIONS, scales: { y: { beginAtZero: true, title: { display: true, text: yTitle }, ticks: { precision: 0 } } } },
  });
}

/**
 * Bars of a count (left axis) with a line of an average on a 1–5 scale (right axis): CSAT per
 * period, how many ratings and their mean.
 */
export function countAndAverageChart(host: HTMLElement, label: string, labels: readonly string[], counts: readonly number[], averages: ReadonlyArray<number | null>, names: { count: string; average: string }): DrawnChart {
  const { box, canvas } = chartBox(label);
  host.append(box);
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels: [...labels],
      datasets: [
        { type: "line", label: names.average, data: [...averages], borderColor: SERIES_COLORS.line, backgroundColor: SERIES_COLORS.line, yAxisID: "average", spanGaps: false, order: 0 },
        { type: "bar", label: names.count, data: [...counts], backgroundColor: SERIES_COLORS.count, yAxisID: "count", order: 1 },
      ],
    },
    options: {
      ...BASE_OPTIONS,
      scales: {
        count: { type: "linear", position: "left", beginAtZero: true, title: { display: true, text: names.count }, ticks: { precision: 0 } },
        average: { type: "linear", position: "right", min: 1, max: 5, title: { display: true, text: names.average }, grid: { drawOnChartArea: false } },
      },
    },
  });
}
