/**
 * DOM helpers: elements by id with their type checked, elements built from text (never HTML),
 * times, durations, live countdowns and CSV downloads.
 */

/** Attributes of {@link h}: `class`, `text` (textContent) or any attribute; `false`/`undefined` omit it, `true` sets it empty. */
export type Attrs = Record<string, string | boolean | undefined>;
/** Children of {@link h}: nodes or text; null and undefined are skipped. */
export type Child = Node | string | null | undefined;

/**
 * The element with this id, checked to be of `kind` (default any HTML element).
 * @throws Error when the page has no such element (a mistake in index.html).
 */
export function byId(id: string): HTMLElement;
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T;
export function byId(id: string, kind: new () => HTMLElement = HTMLElement): HTMLElement {
  const el = document.getElementById(id);
  if (!(el instanceof kind)) throw new Error(`#${id} missing or not a ${kind.name}`);
  return el;
}

/** Creates an element with attributes and children; text always goes in as text, never as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, children: readonly Child[] | string = []): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "class") el.className = String(v);
    else if (k === "text") el.textContent = String(v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of typeof children === "string" ? [children] : children) {
    if (c === null || c === undefined) continue;
    el.append(c);
  }
  return el;
}

/** Appends `<option>`s (value, label) to a select. */
export function fillSelect(select: HTMLSelectElement, options: ReadonlyArray<readonly [string, string]>): void {
  for (const [value, label] of options) select.append(h("option", { value }, label));
}

/** Fills a `<dl>` with the rows that have a value ("Nothing yet" when none has). */
export function fillKv(dl: HTMLElement, rows: ReadonlyArray<readonly [string, Node | string | null | undefined]>): void {
  const nodes: HTMLElement[] = [];
  for (const [k, v] of rows) {
    if (v === undefined || v === null || v === "") continue;
    nodes.push(h("dt", {}, k), h("dd", {}, [v]));
  }
  if (nodes.length === 0) nodes.push(h("dt", {}, "—"), h("dd", { class: "muted" }, "Nothing yet"));
  dl.replaceChildren(...nodes);
}

/** An ISO 8601 instant as `03 Dec 2026, 09:15:00` (en-GB); `—` when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString("en-GB", { year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** A `<time>` element of an instant (the ISO value as its tooltip). */
export function timeEl(iso: string | null | undefined): HTMLTimeElement {
  return h("time", { datetime: iso ?? undefined, title: iso ?? undefined }, formatTime(iso));
}

/** A duration in words: `2d 3h`, `1h 05m`, `4m 09s` (the sign is dropped). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  const d = Math.floor(s / 86400);
  const hr = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number): string => String(n).padStart(2, "0");
  if (d > 0) return `${d}d ${hr}h`;
  if (hr > 0) return `${hr}h ${pad(m)}m`;
  return `${m}m ${pad(sec)}s`;
}

/** A live countdown to `dueIso` ("in 4m 09s", "overdue by …"), kept current by {@link tickCountdowns}. */
export function countdownEl(dueIso: string | undefined, prefix = ""): HTMLSpanElement {
  if (!dueIso) return h("span", { class: "muted" }, "—");
  const el = h("span", { class: "countdown", "data-due": dueIso, "data-prefix": prefix, title: `Due ${formatTime(dueIso)}` });
  updateCountdown(el);
  return el;
}

function updateCountdown(el: HTMLElement): void {
  const due = Date.parse(el.dataset.due ?? "");
  if (Number.isNaN(due)) return;
  const left = due - Date.now();
  const prefix = el.dataset.prefix ? `${el.dataset.prefix} ` : "";
  el.textContent = left >= 0 ? `${prefix}in ${formatDuration(left)}` : `${prefix}overdue by ${formatDuration(left)}`;
  el.classList.toggle("overdue", left < 0);
}

/** Updates every countdown on the page (called every second). */
export function tickCountdowns(): void {
  for (const el of document.querySelectorAll<HTMLElement>(".countdown[data-due]")) updateCountdown(el);
}

/** Offers CSV `text` (csv.ts) as a download named `fileName`: a Blob and an object URL, UTF-8 with a byte order mark (so spreadsheet programs read the accents right), `text/csv`. */
export function downloadCsv(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob(["\uFEFF", text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL; release it once the click was handled.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
