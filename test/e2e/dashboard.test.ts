/**
 * The partner dashboard in a real browser: the `npm start` stack on free ports (Azurite, MailDev,
 * the local Functions host running `dist/`), Chromium driven by playwright-core. Signed
 * requests go in through the webhook; a partner signs in with its API key, filters the list, opens
 * a request, records a diagnosis and a resolution through the page and watches the status change
 * without reloading; another partner's key sees none of those requests. Screenshots go to
 * `.artifacts/screenshots/` (git-ignored).
 *
 * Needs `dist/` (`npm test` builds first). The browser is `CHROMIUM_PATH`, else one installed on
 * the machine, else the Chromium of the npm package `@sparticuz/chromium` (test/support/browser.ts).
 */
import path from "node:path";
import type { Page } from "playwright-core";
import type { RunningStack } from "../../scripts/lib/stack";
import { startTestStack, type TestStack } from "../support/e2eStack";
import { DemoApiClient } from "../../scripts/lib/demoRunner";
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
    const timeline = await page.locator("#timeline li").allTextContents();
    expect(timeline.join("\n")).toMatch(/Awaiting customer/);
    expect(timeline.join("\n")).toMatch(/Resolved/);
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
