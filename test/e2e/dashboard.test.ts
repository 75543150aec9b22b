/**
 * The partner dashboard in a real browser: the `npm start` stack on free ports (Azurite, MailDev,
 * the local Functions host running `dist/`), Chromium driven by playwright-core. Signed
 * requests go in through the webhook; a partner signs in with its API key, filters the list, opens
 * a request, records a diagnosis and a resolution through the page and watches the status change
 * without reloading; another partner's key sees none of those requests. Screenshots go to
 * `.artifacts/screenshots/` (git-ignored).
 *
 * The reports view: a request worked to resolution through the API and rated on the customer's
 * status page, a reseller's request escalated to its provider; the page's charts render, their
 * tables equal the reports API's answers for the same query, each table's CSV export holds its
 * rows, no Content-Security-Policy violation; the rating shows in the request's detail.
 *
 * Needs `dist/` (`npm test` builds first). The browser is `CHROMIUM_PATH`, else one installed on
 * the machine, else the Chromium of the npm package `@sparticuz/chromium` (test/support/browser.ts).
 */
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import type { RunningStack } from "../../scripts/lib/stack";
import { startTestStack, type TestStack } from "../support/e2eStack";
import { caseOf as caseOfView, DemoApiClient } from "../../scripts/lib/demoRunner";
import { fetchHonouringRetryAfter } from "../../scripts/lib/retryingFetch";
import { loadDemoRequests, type DemoRequest } from "../../scripts/lib/fixtures";
import { statusEmailLocales } from "../../shared/templates/statusEmail";
import { launchBrowser, type TestBrowser } from "../support/browser";

jest.setTimeout(5 * 60_000);

const ROOT = path.join(__dirname, "..", "..");
const SCREENSHOTS = path.join(ROOT, ".artifacts", "screenshots");
const OWNER = "duna-cloud-budapest";
const OTHER = "wisla-it-warszawa";
const demoRequests = loadDemoRequests(path.join(ROOT, "test", "fixtures", "demo", "requests.json"));

let stack: RunningStack;
let testStack: TestStack | undefined;
let browser: TestBrowser;
let client: DemoApiClient;
const hostLog: string[] = [];
/** Case ids per partner, in submission order. */
const submitted: Record<string, Array<{ caseId: string; demo: DemoRequest }>> = { [OWNER]: [], [OTHER]: [] };

function credentialsOf(partnerId: string): { webhookSecret: string; apiKey: string } {
  const c = stack.credentials?.partners[partnerId];
  if (!c) throw new Error(`no credentials for ${partnerId}`);
  return c;
}

/** Console errors that are not the browser's own "Failed to load resource" lines for 4xx answers the page expects. */
function unexpected(errors: string[]): string[] {
  return errors.filter((e) => !/^Failed to load resource: the server responded with a status of (40[134]|409)/.test(e));
}

/**
 * Polls `read` until `check` stops throwing (the page updates by itself); rethrows the last
 * assertion error after `timeoutInMs`.
 */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => void, timeoutInMs: number): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return value;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function signIn(page: Page, partnerId: string, apiKey: string = credentialsOf(partnerId).apiKey): Promise<void> {
  await page.goto(`${stack.urls.app}/api/dashboard/`);
  await page.getByLabel("Partner id").fill(partnerId);
  await page.getByLabel("API key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#list-view").waitFor({ state: "visible" });
}

async function caseIdsShown(page: Page): Promise<string[]> {
  return page.locator("#requests-body tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-case-id") ?? ""));
}

beforeAll(async () => {
  testStack = await startTestStack("dashboard", hostLog);
  stack = testStack.stack;
  client = new DemoApiClient(stack.urls.app);
  browser = await launchBrowser({ screenshotDir: SCREENSHOTS });
  for (const demo of demoRequests.filter((d) => d.partnerId === OWNER || d.partnerId === OTHER)) {
    const accepted = await client.submit(demo.partnerId, credentialsOf(demo.partnerId).webhookSecret, demo.request);
    submitted[demo.partnerId]?.push({ caseId: accepted.caseId, demo });
  }
});

afterAll(async () => {
  await browser?.close();
  await testStack?.stop();
});

describe("the dashboard is served by the app", () => {
  it("serves the page, its files and the generated JSON with a strict CSP and no inline script", async () => {
    const res = await fetch(`${stack.urls.app}/api/dashboard/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);

    const js = await fetch(`${stack.urls.app}/api/dashboard/app.js`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const etag = js.headers.get("etag") ?? "";
    expect((await fetch(`${stack.urls.app}/api/dashboard/app.js`, { headers: { "If-None-Match": etag } })).status).toBe(304);
    expect((await fetch(`${stack.urls.app}/api/dashboard/dashboard.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
    const bare = await fetch(`${stack.urls.app}/api/dashboard`, { redirect: "manual" });
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe("/api/dashboard/");
    for (const bad of ["..%2Fpackage.json", "%2e%2e/host.json", "missing.js", "app.ts", ".env"]) {
      expect((await fetch(`${stack.urls.app}/api/dashboard/${bad}`)).status).toBe(404);
    }
    const i18n = (await (await fetch(`${stack.urls.app}/api/dashboard/i18n.json`)).json()) as { languages: string[]; statusLabels: Record<string, Record<string, string>> };
    expect(i18n.languages).toEqual(["en", "hu", "cs", "pl", "ru"]);
    expect(i18n.statusLabels.hu?.["in-diagnosis"]).toBe(statusEmailLocales.hu.statusLabels?.["in-diagnosis"]);
  });
});

describe("a partner works its requests in the browser", () => {
  it("signs in, filters, opens a request, records a diagnosis and a resolution, and sees the status change live", async () => {
    const { page, errors } = await browser.newPage();
    const mine = submitted[OWNER] ?? [];
    expect(mine.length).toBeGreaterThanOrEqual(3);
    await signIn(page, OWNER);

    // The list: every request of the partner, newest first.
    await eventually(() => caseIdsShown(page), (v) => expect(v).toEqual([...mine].reverse().map((s) => s.caseId)), 30_000);
    expect(await page.locator("#session-partner").textContent()).toBe(OWNER);
    await browser.screenshot(page, "01-list");

    // Filter: severity A.
    const critical = mine.filter((s) => s.demo.request.severity === "A").map((s) => s.caseId);
    expect(critical.length).toBeGreaterThan(0);
    await page.getByLabel("Severity").selectOption("A");
    await eventually(() => caseIdsShown(page), (v) => expect(v).toEqual([...critical].reverse()), 15_000);
    await browser.screenshot(page, "02-filter-severity-A");

    // Filter: technical, severity B; open the first such request.
    const target = mine.find((s) => s.demo.request.severity === "B" && s.demo.request.category === "technical");
    if (!target) throw new Error("fixture has no B technical request");
    await page.getByLabel("Severity").selectOption("B");
    await page.getByLabel("Category").selectOption("technical");
    // Both filters applied (the list re-renders after each select): only B technical requests, the target among them.
    const bTechnical = mine.filter((s) => s.demo.request.severity === "B" && s.demo.request.category === "technical").map((s) => s.caseId);
    await eventually(() => caseIdsShown(page), (v) => expect([...v].sort()).toEqual([...bTechnical].sort()), 15_000);
    expect(await caseIdsShown(page)).toContain(target.caseId);
    await page.getByRole("link", { name: target.caseId, exact: true }).click();
    await page.locator("#detail-body").waitFor({ state: "visible" });
    await eventually(() => page.locator("#detail-status").getAttribute("data-status"), (v) => expect(v).toBe("in-diagnosis"), 30_000);
    // The status as the customer sees it, in the customer's language.
    const lang = target.demo.request.customer.preferredLanguage ?? "en";
    const sees = (status: string): string => statusEmailLocales[lang].statusLabels?.[status as "resolved"] ?? statusEmailLocales.en.statusLabels?.[status as "resolved"] ?? status;
    expect(await page.locator("#detail-customer-status").textContent()).toBe(sees("in-diagnosis"));
    await eventually(() => page.locator("#detail-runtime").textContent(), (v) => expect(v).toBe("Running"), 15_000);
    expect(await page.locator("#timeline li").count()).toBeGreaterThanOrEqual(2);
    await browser.screenshot(page, "03-detail");

    // A marker that a reload would erase: the status changes below arrive by polling.
    await page.evaluate(() => Object.assign(globalThis, { __noReload: true }));

    // Record a diagnosis through the page: the partner needs information from the customer.
    await page.locator('button[data-action="diagnosis"]').click();
    await page.getByLabel("Outcome").selectOption("awaiting-customer");
    await page.getByLabel("Notes (the customer sees them)").fill("Please send the NDR you received and the time the last message arrived.");
    await page.locator('form[data-form="diagnosis"] button[type="submit"]').click();
    await eventually(() => page.locator("#action-result").textContent(), (v) => expect(v).toContain("Diagnosis recorded"), 15_000);
    await eventually(() => page.locator("#detail-status").getAttribute("data-status"), (v) => expect(v).toBe("awaiting-customer"), 60_000);
    expect(await page.locator("#detail-customer-status").textContent()).toBe(sees("awaiting-customer"));
    await browser.screenshot(page, "04-after-diagnosis");

    // Work it to resolution.
    await page.locator('button[data-action="resolution"]').click();
    await page.getByLabel("Resolution summary").fill("Re-created the inbound connector; mail flows again.");
    await page.locator('form[data-form="resolution"] button[type="submit"]').click();
    await eventually(() => page.locator("#detail-status").getAttribute("data-status"), (v) => expect(v).toMatch(/^(resolved|closed)$/), 60_000);
    // The case row changes a moment before its timeline entry is written (the row records the
    // transition first, then the entry): the page shows the entry by its next refresh.
    await eventually(async () => (await page.locator("#timeline li").allTextContents()).join("\n"), (v) => expect(v).toMatch(/Resolved/), 15_000);
    const timeline = await page.locator("#timeline li").allTextContents();
    expect(timeline.join("\n")).toMatch(/Awaiting customer/);
    // What the partner wrote stays on the timeline under its entry, not only on the case.
    await eventually(async () => (await page.locator("#timeline li blockquote.written").allTextContents()), (v) => expect(v).toEqual(expect.arrayContaining(["Please send the NDR you received and the time the last message arrived.", "Re-created the inbound connector; mail flows again."])), 15_000);
    expect(await page.evaluate(() => (globalThis as { __noReload?: boolean }).__noReload)).toBe(true);
    await browser.screenshot(page, "05-resolved");

    // Back to the list (no reload): the critical request's first-response target (20 s) is missed; its badge turns live.
    await page.getByRole("link", { name: "← All requests" }).click();
    await page.getByRole("button", { name: "Reset" }).click();
    const criticalRow = page.locator(`#requests-body tr[data-case-id="${critical[0]}"]`);
    await eventually(() => criticalRow.locator("[data-sla]").getAttribute("data-sla"), (v) => expect(v).toBe("breached"), 90_000);
    expect(await page.evaluate(() => (globalThis as { __noReload?: boolean }).__noReload)).toBe(true);
    await browser.screenshot(page, "06-list-live");

    expect(unexpected(errors)).toEqual([]);
  });

  it("shows another partner none of them, not even by a direct link", async () => {
    const { page, errors } = await browser.newPage();
    await signIn(page, OTHER);
    const theirs = (submitted[OTHER] ?? []).map((s) => s.caseId);
    await eventually(async () => (await caseIdsShown(page)).sort(), (v) => expect(v).toEqual([...theirs].sort()), 30_000);
    const foreign = (submitted[OWNER] ?? []).map((s) => s.caseId);
    for (const id of await caseIdsShown(page)) expect(foreign).not.toContain(id);
    await browser.screenshot(page, "07-other-partner-list");

    await page.evaluate((id) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `#/requests/${encodeURIComponent(id)}`;
    }, foreign[0] ?? "");
    await eventually(() => page.locator("#detail-error").textContent(), (v) => expect(v).toContain("not found"), 15_000);
    expect(await page.locator("#detail-body").isVisible()).toBe(false);
    await browser.screenshot(page, "08-other-partner-foreign-link");

    // Signing out forgets the key.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("#signin-view").waitFor({ state: "visible" });
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length)).toBe(0);
    expect(unexpected(errors)).toEqual([]);
  });

  it("shows a status the API counted past its cap (1,000 per status) as a lower bound", async () => {
    const { page, errors } = await browser.newPage();
    // The API's answer as it is for a partner with more than 1,000 closed requests: the count of
    // `closed` stops at the cap and is named in `counts.capped` (the capping itself: the
    // CaseRepository contract tests).
    await page.route("**/api/partners/*/support-requests?*", async (route) => {
      const answer = await route.fetch();
      const body = (await answer.json()) as { counts: { byStatus: Record<string, number>; capped?: string[] } };
      body.counts.byStatus.closed = 1000;
      body.counts.capped = ["closed"];
      await route.fulfill({ response: answer, json: body });
    });
    await signIn(page, OWNER);
    const closedTab = page.locator('[data-status-tab="closed"] .count');
    await eventually(() => closedTab.textContent(), (v) => expect(v).toBe("1000+"), 30_000);
    expect(await closedTab.getAttribute("aria-label")).toBe("at least 1000 requests");
    expect(await page.locator('[data-status-tab="all"] .count').textContent()).toMatch(/^\d+\+$/);
    expect(await page.locator('[data-status-tab="in-diagnosis"] .count').textContent()).toMatch(/^\d+$/);
    expect(unexpected(errors)).toEqual([]);
  });

  it("offers only what the key's role may do", async () => {
    const ownerKey = credentialsOf(OWNER).apiKey;
    /** Creates a key of `role` through the key-management API (a global admin's key). */
    const keyOf = async (role: string): Promise<string> => {
      const res = await fetchHonouringRetryAfter(`${stack.urls.app}/api/partners/${OWNER}/api-keys`, { method: "POST", headers: { "x-api-key": ownerKey, "content-type": "application/json" }, body: JSON.stringify({ role, name: `dashboard e2e ${role}` }) });
      expect(res.status).toBe(201);
      return ((await res.json()) as { apiKey: string }).apiKey;
    };
    const technical = (submitted[OWNER] ?? []).find((s) => s.demo.request.category === "technical" && s.demo.request.severity === "B" && s.demo.request.customer.preferredLanguage === "hu");
    if (!technical) throw new Error("fixture has no second B technical request");

    const sales = await keyOf("sales-agent");
    const { page, errors } = await browser.newPage();
    await signIn(page, OWNER, sales);
    await eventually(() => page.locator("#session-role").textContent(), (v) => expect(v).toBe("Sales agent"), 10_000);
    await page.getByRole("link", { name: technical.caseId, exact: true }).click();
    await page.locator("#detail-body").waitFor({ state: "visible" });
    await eventually(() => page.locator("#action-buttons button").count(), (v) => expect(v).toBeGreaterThan(5), 10_000);
    expect(await page.locator("#action-buttons button:not([disabled])").count()).toBe(0);
    expect(await page.locator("#actions-role-note").textContent()).toContain("may only read");
    await browser.screenshot(page, "09-sales-agent-read-only");

    const billing = await keyOf("billing-admin");
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, OWNER, billing);
    await eventually(() => page.locator("#session-role").textContent(), (v) => expect(v).toBe("Billing admin"), 10_000);
    await page.evaluate((id) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `#/requests/${encodeURIComponent(id)}`;
    }, technical.caseId);
    await page.locator("#detail-body").waitFor({ state: "visible" });
    await eventually(() => page.locator('button[data-action="note"]').isDisabled(), (v) => expect(v).toBe(false), 10_000);
    expect(await page.locator('button[data-action="diagnosis"]').isDisabled()).toBe(true);
    // An internal note through the page: on the timeline, never emailed.
    await page.locator('button[data-action="note"]').click();
    await page.getByLabel("Note", { exact: true }).fill("Customer called; checking the AG listener DNS.");
    await page.locator('form[data-form="note"] button[type="submit"]').click();
    await eventually(() => page.locator("#timeline").textContent(), (v) => expect(v).toContain("checking the AG listener DNS"), 15_000);
    expect(unexpected(errors)).toEqual([]);
  });
});

describe("the inbound email log in the dashboard", () => {
  it("lists a message sent to the support mailbox with its outcome and filters by outcome", async () => {
    const partner = (await import("../fixtures/demo/partners.json")).default.find((p) => p.id === OWNER)!;
    const nodemailer = await import("nodemailer");
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port: stack.ports.smtpIntake, secure: false, ignoreTLS: true });
    const subject = `Inbound log check ${Date.now()}`;
    try {
      await transport.sendMail({ envelope: { from: "ops@northwind-traders.example", to: [partner.contacts.support] }, raw: `From: ops@northwind-traders.example\r\nTo: ${partner.contacts.support}\r\nSubject: ${subject}\r\nMessage-ID: <dash-${Date.now()}@northwind-traders.example>\r\n\r\nOur Teams calls drop every few minutes.\r\n` });
    } finally {
      transport.close();
    }
    const { page, errors } = await browser.newPage();
    await signIn(page, OWNER);
    await page.getByRole("link", { name: "Inbound email" }).click();
    await page.locator("#inbound-view").waitFor({ state: "visible" });
    const rowText = () => page.locator("#inbound-body tr").evaluateAll((rows) => rows.map((r) => r.textContent ?? ""));
    // The blob trigger processes the message; the log is polled.
    await eventually(rowText, (v) => expect(v.some((t) => t.includes(subject) && t.includes("new"))).toBe(true), 60_000);
    await page.getByLabel("Handled as").selectOption("bounce");
    await eventually(rowText, (v) => expect(v.some((t) => t.includes(subject))).toBe(false), 15_000);
    await browser.screenshot(page, "10-inbound-log");
    expect(unexpected(errors)).toEqual([]);
  });
});

describe("the reports view", () => {
  const PROVIDER = "vltava-distribution-praha";
  /** `model.json` as the page gets it: the names the tables use. */
  interface Model {
    severities: string[];
    channels: string[];
    categories: string[];
    slaMetrics: string[];
    escalationTargets: string[];
    supportVehicles: string[];
    labels: Record<"severities" | "channels" | "categories" | "slaMetrics" | "escalationTargets" | "supportVehicles", Record<string, string>>;
  }
  type Counts = Record<string, number | undefined>;
  interface MetricRow {
    achieved: number;
    breached: number;
    inProgress: number;
    attainmentPercent: number | null;
    measured: number;
    medianInMs: number | null;
    p90InMs: number | null;
    pausedInMs: number;
  }
  interface Csat {
    count: number;
    average: number | null;
    distribution: Record<"1" | "2" | "3" | "4" | "5", number>;
  }
  interface SlaReportBody {
    from: string;
    to: string;
    groupBy: string;
    periods: Array<{ from: string; to: string; cases: number; metrics: Record<string, MetricRow>; csat: Csat }>;
    totals: { cases: number; csat: Csat };
  }
  interface VolumeReportBody {
    cases: number;
    periods: Array<{ from: string; to: string; cases: number; bySeverity: Counts; byChannel: Counts; byCategory: Counts; backlogAtEnd: number; escalations: { byTarget: Counts; byVehicle: Counts }; productSupportIncidentsUsed: number }>;
    topCustomers: Array<{ tenantId: string; cases: number }>;
    resellerEscalations?: { cases: number; periods: Array<{ from: string; to: string; cases: number; bySeverity: Counts; byReseller: Counts }> };
  }
  /** A table as the page shows it: header cells and body rows (text). */
  interface ShownTable {
    header: string[];
    rows: string[][];
  }

  /** Fetches both reports with the partner's key. */
  async function reportsOf(partnerId: string, query: URLSearchParams): Promise<{ sla: SlaReportBody; volume: VolumeReportBody }> {
    const get = async <T>(name: string): Promise<T> => {
      const res = await fetchHonouringRetryAfter(`${stack.urls.app}/api/partners/${partnerId}/reports/${name}?${query}`, { headers: { "x-api-key": credentialsOf(partnerId).apiKey } });
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    };
    return { sla: await get<SlaReportBody>("sla"), volume: await get<VolumeReportBody>("volume") };
  }

  /** The page's text of an API number: as given, `—` for null. */
  const num = (n: number | null | undefined): string => (n === null || n === undefined ? "—" : String(n));
  /** The page's text of a duration: hours with two decimals. */
  const hours = (ms: number | null): string => (ms === null ? "—" : String(Math.round(ms / 36_000) / 100));

  /** The tables the page should show for these reports (the same rows, built from the API's answer). */
  function expectedTables(model: Model, sla: SlaReportBody, volume: VolumeReportBody): Record<string, string[][]> {
    const { labels } = model;
    const tables: Record<string, string[][]> = {
      sla: sla.periods.flatMap((p) =>
        model.slaMetrics.map((m) => {
          const r = p.metrics[m]!;
          return [p.from, p.to, labels.slaMetrics[m]!, num(r.achieved), num(r.breached), num(r.inProgress), num(r.attainmentPercent), num(r.measured), hours(r.medianInMs), hours(r.p90InMs), hours(r.pausedInMs)];
        }),
      ),
      csat: sla.periods.map((p) => [p.from, p.to, num(p.csat.count), num(p.csat.average), ...(["1", "2", "3", "4", "5"] as const).map((k) => num(p.csat.distribution[k]))]),
      volume: volume.periods.map((p) => [p.from, p.to, num(p.cases), ...model.severities.map((s) => num(p.bySeverity[s] ?? 0)), ...model.channels.map((c) => num(p.byChannel[c] ?? 0)), ...model.categories.map((c) => num(p.byCategory[c] ?? 0))]),
      backlog: volume.periods.map((p) => [p.from, p.to, num(p.backlogAtEnd)]),
      escalations: volume.periods.map((p) => [p.from, p.to, ...model.escalationTargets.map((t) => num(p.escalations.byTarget[t] ?? 0)), ...model.supportVehicles.map((v) => num(p.escalations.byVehicle[v] ?? 0)), num(p.productSupportIncidentsUsed)]),
      "top-customers": volume.topCustomers.map((c) => [c.tenantId, num(c.cases)]),
    };
    const resellers = volume.resellerEscalations;
    if (resellers) {
      const ids = [...new Set(resellers.periods.flatMap((p) => Object.keys(p.byReseller)))].sort();
      tables.resellers = resellers.periods.map((p) => [p.from, p.to, num(p.cases), ...model.severities.map((s) => num(p.bySeverity[s] ?? 0)), ...ids.map((id) => num(p.byReseller[id] ?? 0))]);
    }
    return tables;
  }

  /** Every report table on the page by key (`#report-<key>`). */
  async function shownTables(page: Page): Promise<Record<string, ShownTable>> {
    return page.locator("table.report-table").evaluateAll((tables) =>
      Object.fromEntries(
        tables.map((t) => {
          const table = t as unknown as { id: string; tHead: { rows: ArrayLike<{ cells: ArrayLike<{ textContent: string | null }> }> } | null; tBodies: ArrayLike<{ rows: ArrayLike<{ cells: ArrayLike<{ textContent: string | null; colSpan: number }> }> }> };
          const text = (cells: ArrayLike<{ textContent: string | null }>): string[] => Array.from(cells, (c) => c.textContent ?? "");
          const body = table.tBodies[0];
          const rows = body ? Array.from(body.rows).filter((r) => !(r.cells.length === 1 && (r.cells[0]?.colSpan ?? 1) > 1)) : [];
          return [table.id.replace(/^report-/, ""), { header: table.tHead?.rows[0] ? text(table.tHead.rows[0].cells) : [], rows: rows.map((r) => text(r.cells)) }];
        }),
      ),
    );
  }

  /** The query the form shows (what the page asked the API for). */
  async function formQuery(page: Page): Promise<URLSearchParams> {
    const q = new URLSearchParams();
    for (const [name, id] of [["from", "r-from"], ["to", "r-to"], ["groupBy", "r-group"], ["severity", "r-severity"], ["product", "r-product"], ["category", "r-category"]] as const) {
      const v = await page.locator(`#${id}`).inputValue();
      if (v) q.set(name, v);
    }
    return q;
  }

  /** Reloads the reports with the form's query (the Show button) and waits for the answer. */
  async function show(page: Page): Promise<void> {
    await page.locator("#reports-filters").getByRole("button", { name: "Show" }).click();
    await eventually(() => page.locator("#reports-notice").textContent(), (v) => expect(v).toBe(""), 15_000);
  }

  /**
   * The page's tables equal the API's answer for the form's query. Open requests' clocks move, so
   * the page is reloaded and the API asked again until both agree (they do as soon as nothing
   * changed between the two calls).
   */
  async function expectTablesMatchApi(page: Page, partnerId: string, model: Model): Promise<{ sla: SlaReportBody; volume: VolumeReportBody; shown: Record<string, ShownTable> }> {
    let last: { sla: SlaReportBody; volume: VolumeReportBody; shown: Record<string, ShownTable> } | undefined;
    await eventually(
      async () => {
        await show(page);
        const shown = await shownTables(page);
        const api = await reportsOf(partnerId, await formQuery(page));
        last = { ...api, shown };
        return last;
      },
      (v) => {
        const expected = expectedTables(model, v.sla, v.volume);
        for (const [key, rows] of Object.entries(expected)) expect({ key, rows: v.shown[key]?.rows }).toEqual({ key, rows });
        expect(Object.keys(v.shown).sort()).toEqual([...Object.keys(expected), "csat-products"].sort());
      },
      60_000,
    );
    return last!;
  }

  /** An RFC 4180 parser (quoted fields, doubled quotes, CRLF records) for the downloaded file. */
  function parseCsv(text: string): string[][] {
    const records: string[][] = [];
    let field = "";
    let record: string[] = [];
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i++;
        } else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") {
        record.push(field);
        field = "";
      } else if (c === "\r" && text[i + 1] === "\n") {
        record.push(field);
        records.push(record);
        record = [];
        field = "";
        i++;
      } else field += c;
    }
    if (field !== "" || record.length > 0) records.push([...record, field]);
    return records;
  }

  async function statusOf(partnerId: string, caseId: string): Promise<string> {
    return caseOfView(await client.getCase(partnerId, credentialsOf(partnerId).apiKey, caseId)).status;
  }

  let rated: { caseId: string; comment: string } | undefined;

  beforeAll(async () => {
    // A request of its own, worked to resolution through the API and rated on the customer's status page.
    const base = demoRequests.find((d) => d.partnerId === OWNER && d.request.category === "billing");
    if (!base) throw new Error("fixture has no billing request of the owner");
    const request = { ...base.request, category: "subscription-management", title: "Licence count wrong after the renewal", description: "After the renewal the subscription shows 40 seats instead of 45." };
    const { caseId } = await client.submit(OWNER, credentialsOf(OWNER).webhookSecret, request);
    await eventually(() => statusOf(OWNER, caseId), (s) => expect(s).toBe("in-diagnosis"), 60_000);
    await client.act(OWNER, credentialsOf(OWNER).apiKey, caseId, "resolution", { summary: "Corrected the seat count on the subscription." });
    await eventually(() => statusOf(OWNER, caseId), (s) => expect(s).toBe("resolved"), 60_000);
    const ack = await eventually(
      async () => ((await (await fetch(`${stack.urls.maildev}/email`)).json()) as Array<{ subject: string; text: string }>).find((e) => e.subject.includes(caseId)),
      (e) => expect(e).toBeDefined(),
      60_000,
    );
    const link = new RegExp(`${stack.urls.app.replace(/[.]/g, "\\.")}/api/status/[A-Za-z0-9_.-]+`).exec(ack!.text)?.[0];
    if (!link) throw new Error(`no status link in the email of ${caseId}`);
    const comment = 'Quick, "clear", and polite; thank you';
    const res = await fetch(`${link}/rating`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ rating: "4", comment }).toString(), redirect: "manual" });
    expect(res.status).toBe(303);
    rated = { caseId, comment };

    // A reseller's request escalated to its indirect provider (the provider's separate series).
    const resellerCase = submitted[OTHER]?.[0]?.caseId;
    if (!resellerCase) throw new Error("no request of the reseller");
    await eventually(() => statusOf(OTHER, resellerCase), (s) => expect(s).toBe("in-diagnosis"), 60_000);
    await client.act(OTHER, credentialsOf(OTHER).apiKey, resellerCase, "diagnosis", { outcome: "needs-escalation", notes: "We need the distributor's help." });
    await eventually(() => statusOf(OTHER, resellerCase), (s) => expect(s).toBe("escalated-to-provider"), 60_000);
  });

  it("charts the partner's reports with their numbers in tables equal to the API's, exports them as CSV, without a CSP violation", async () => {
    const { page, errors } = await browser.newPage();
    await page.addInitScript(() => {
      const w = globalThis as unknown as { __csp: string[]; document: { addEventListener(type: string, fn: (e: { violatedDirective: string; blockedURI: string }) => void): void } };
      w.__csp = [];
      w.document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const model = (await (await fetch(`${stack.urls.app}/api/dashboard/model.json`)).json()) as Model;
    await signIn(page, OWNER);
    await page.getByRole("link", { name: "Reports", exact: true }).click();
    await page.locator("#report-sla").waitFor({ state: "visible" });
    expect(await page.locator("#reports-link").getAttribute("aria-current")).toBe("page");

    // The default range (twelve months, by month) as the API answers it.
    const all = await expectTablesMatchApi(page, OWNER, model);
    expect(all.sla.groupBy).toBe("month");
    expect(all.volume.cases).toBeGreaterThanOrEqual(5);
    expect(all.sla.totals.csat.count).toBeGreaterThanOrEqual(1);
    expect(all.shown.sla?.header).toEqual(["From", "To", "Metric", "Achieved", "Breached", "In progress", "Attainment (%)", "Measured", "Median (business hours)", "p90 (business hours)", "Paused (calendar hours)"]);
    expect(all.shown.resellers).toBeUndefined();
    expect(await page.locator("#reports-total-cases").textContent()).toBe(String(all.volume.cases));

    // Charts: SLA attainment, CSAT, volume, backlog and escalations, each drawn with a size.
    const boxes = await page.locator(".chart canvas").evaluateAll((els) => els.map((e) => { const r = (e as unknown as { getBoundingClientRect(): { width: number; height: number } }).getBoundingClientRect(); return { width: r.width, height: r.height }; }));
    expect(boxes.length).toBe(5);
    for (const b of boxes) {
      expect(b.width).toBeGreaterThan(100);
      expect(b.height).toBeGreaterThan(100);
    }
    for (const key of ["sla", "csat", "volume", "backlog", "escalations"]) expect(await page.locator(`#section-${key} .chart canvas`).count()).toBe(1);
    await browser.screenshot(page, "11-reports");

    // CSV export: the table's header and rows, RFC 4180, UTF-8 with a byte order mark, CRLF.
    for (const key of ["sla", "volume"]) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.locator(`button[data-csv="${key}"]`).click()]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^${OWNER}-\\d{4}-\\d{2}-\\d{2}-to-\\d{4}-\\d{2}-\\d{2}-by-month-${key}\\.csv$`));
      const bytes = fs.readFileSync((await download.path())!);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.subarray(3).toString("utf8");
      expect(text.endsWith("\r\n")).toBe(true);
      const shown = (await shownTables(page))[key]!;
      expect(parseCsv(text)).toEqual([shown.header, ...shown.rows.map((r) => r.map((c) => (c === "—" ? "" : c)))]);
    }

    // Filters from model.json, by ISO week: only the rated request is of this category.
    await page.locator("#r-group").selectOption("week");
    await page.locator("#r-category").selectOption("subscription-management");
    const filtered = await expectTablesMatchApi(page, OWNER, model);
    expect(filtered.sla.groupBy).toBe("week");
    expect(filtered.volume.cases).toBe(1);
    expect(filtered.sla.totals.csat).toMatchObject({ count: 1, average: 4 });
    const csatRows = filtered.shown.csat?.rows.filter((r) => r[2] !== "0") ?? [];
    expect(csatRows.map((r) => [r[2], r[3], r[7]])).toEqual([["1", "4", "1"]]);
    await browser.screenshot(page, "12-reports-filtered-weekly");

    expect(await page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp)).toEqual([]);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll("style").length)).toBe(0);
    expect(unexpected(errors)).toEqual([]);
    // The check itself: an injected <style> is refused and reported.
    await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { createElement(t: string): { textContent: string }; head: { append(n: unknown): void } } }).document;
      const style = d.createElement("style");
      style.textContent = "body { color: red; }";
      d.head.append(style);
    });
    await eventually(() => page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp), (v) => expect(v.join()).toMatch(/^style-src/), 5_000);
  });

  it("shows an indirect provider its resellers' escalated requests as a separate series", async () => {
    const { page, errors } = await browser.newPage();
    const model = (await (await fetch(`${stack.urls.app}/api/dashboard/model.json`)).json()) as Model;
    await eventually(() => reportsOf(PROVIDER, new URLSearchParams()), (r) => expect(r.volume.resellerEscalations?.cases).toBeGreaterThanOrEqual(1), 60_000);
    await signIn(page, PROVIDER);
    await page.getByRole("link", { name: "Reports", exact: true }).click();
    await page.locator("#report-resellers").waitFor({ state: "visible" });
    const shown = await expectTablesMatchApi(page, PROVIDER, model);
    expect(shown.shown.resellers?.header).toContain(`Reseller ${OTHER}`);
    expect(await page.locator("#section-resellers .chart canvas").count()).toBe(1);
    await browser.screenshot(page, "13-reports-provider");
    expect(unexpected(errors)).toEqual([]);
  });

  it("shows the customer's rating in the request's detail", async () => {
    if (!rated) throw new Error("no rated request");
    const { page, errors } = await browser.newPage();
    await signIn(page, OWNER);
    await page.evaluate((id) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = `#/requests/${encodeURIComponent(id)}`;
    }, rated.caseId);
    await page.locator("#detail-body").waitFor({ state: "visible" });
    await eventually(() => page.locator("#detail-rating-score").textContent(), (v) => expect(v).toBe("4 of 5"), 15_000);
    expect(await page.locator("#detail-rating").getAttribute("data-rating")).toBe("4");
    expect(await page.locator("#detail-rating-comment").textContent()).toBe(rated.comment);
    await browser.screenshot(page, "14-detail-rating");
    expect(unexpected(errors)).toEqual([]);
  });
});
