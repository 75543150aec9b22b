/**
 * The customer's status page in a real browser with JavaScript turned off: the page's handlers
 * served over HTTP on a free loopback port (real Table Storage on Azurite; the Durable client faked
 * at the port), opened in all five languages; a reply typed and sent with the plain HTML form lands
 * on the timeline after the redirect; a rating is given on a resolved request. No request leaves
 * the app's origin and the browser reports no Content-Security-Policy violation.
 */
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { generateLocalKeyEntry } from "../../../shared/adapters/localKeyEncryptionKeys";
import { createContainer, type Container } from "../../../shared/container";
import { SupportedLanguages, type SupportRequest, type SupportedLanguage } from "../../../shared/contracts";
import { resolveStatusEmailLocale } from "../../../shared/templates/statusEmail";
import { statusPageLocales } from "../../../shared/templates/statusPageLocales";
import type { HttpHandlerDeps } from "../../../functions/http/common";
import { createGetStatusPageHandler, createPostStatusPageActionHandler } from "../../../functions/http/statusPageHandlers";
import { launchBrowser, type TestBrowser } from "../../support/browser";
import { FakeWorkflow, partnerDefinition, seedCase, testConfig } from "../app/helpers";

jest.setTimeout(5 * 60_000);

const SCREENSHOTS = path.join(__dirname, "..", "..", "..", ".artifacts", "screenshots");
const P = "status-browser";

let container: Container;
let workflow: FakeWorkflow;
let server: http.Server;
let origin: string;
let browser: TestBrowser;
let seq = 0;

/** Serves the two status-page functions as the host would (route parameters decoded from the path). */
function serve(deps: HttpHandlerDeps): http.Server {
  const get = createGetStatusPageHandler(deps);
  const post = createPostStatusPageActionHandler(deps);
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", origin);
        const m = /^\/api\/status\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
        const handler = m && req.method === "GET" && !m[2] ? get : m && req.method === "POST" && m[2] ? post : undefined;
        if (!m || !handler) {
          res.writeHead(404).end();
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
        const params: Record<string, string> = { token: decodeURIComponent(m[1] as string), ...(m[2] ? { action: decodeURIComponent(m[2]) } : {}) };
        const body = Buffer.concat(chunks).toString("utf8");
        const request = new HttpRequest({ method: req.method ?? "GET", url: url.toString(), headers, params, ...(body ? { body: { string: body } } : {}) });
        const response = new HttpResponse((await handler(request, new InvocationContext({ functionName: "status", invocationId: "inv", logHandler: () => undefined }))) as HttpResponseInit);
        const out: Record<string, string> = {};
        response.headers.forEach((v, k) => (out[k] = v));
        res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()));
      })();
    });
  });
}

async function createCase(language: SupportedLanguage, path: SupportRequest["status"][]): Promise<string> {
  seq += 1;
  return seedCase(container, workflow, { partnerId: P, caseId: `CS-BROWSE${String(seq).padStart(4, "0")}`, language, path });
}

function link(caseId: string): string {
  return `${origin}/api/status/${container.statusLinks!.sign({ partnerId: P, caseId, expiresAt: new Date(Date.now() + 86_400_000).toISOString() })}`;
}

/** A page with JavaScript off, recording every request and console error. */
async function noScriptPage(): Promise<{ page: import("playwright-core").Page; requests: string[]; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.browser.newContext({ javaScriptEnabled: false, locale: "en-GB" });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return { page, requests, errors, close: () => context.close() };
}

beforeAll(async () => {
  container = createContainer(testConfig("statusbrowser", { STATUS_LINK_KEYS: generateLocalKeyEntry("b1") }));
  workflow = new FakeWorkflow();
  await container.registerPartner(partnerDefinition(P));
  server = serve({ getContainer: () => container, getWorkflow: () => workflow });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser({ screenshotDir: SCREENSHOTS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe("the status page in the browser, without JavaScript", () => {
  it.each(SupportedLanguages)("opens in %s and takes a reply through the plain form", async (language) => {
    const caseId = await createCase(language, ["in-diagnosis", "awaiting-customer"]);
    const { page, requests, errors, close } = await noScriptPage();
    try {
      await page.goto(link(caseId));
      const t = statusPageLocales[language];
      expect(await page.getAttribute("html", "lang")).toBe(language);
      expect(await page.locator("h1").textContent()).toBe(t.title.replace("{{caseId}}", caseId));
      expect(await page.locator("#status").textContent()).toBe(resolveStatusEmailLocale(language).statusLabels["awaiting-customer"]);
      const message = `Reply in ${language}: the logs are attached — ${caseId}`;
      await page.getByLabel(t.replyLabel).fill(message);
      await Promise.all([page.waitForURL(/\?done=replied$/), page.getByRole("button", { name: t.replyButton }).click()]);
      expect(await page.locator("#notice").textContent()).toBe(t.notices.replied);
      const replies = await page.locator('#timeline li[data-kind="reply"] blockquote').allTextContents();
      expect(replies).toEqual([message]);
      await browser.screenshot(page, `status-page-${language}`);
      expect(requests.every((u) => u.startsWith(`${origin}/`))).toBe(true);
      expect(errors).toEqual([]);
      const stored = (await container.cases.listTimeline(P, caseId)).filter((e) => e.kind === "customer-reply");
      expect(stored.map((e) => e.details?.text)).toEqual([message]);
    } finally {
      await close();
    }
  });

  it("takes a satisfaction rating on a resolved request", async () => {
    const caseId = await createCase("cs", ["in-diagnosis", "resolved"]);
    const { page, errors, close } = await noScriptPage();
    try {
      const t = statusPageLocales.cs;
      await page.goto(`${link(caseId)}#rating`);
      await page.getByLabel(t.ratingLabels[4]).check();
      await page.getByLabel(t.commentLabel).fill("Rychlé a jasné");
      await Promise.all([page.waitForURL(/\?done=rated#rating$/), page.getByRole("button", { name: t.ratingButton }).click()]);
      expect(await page.locator("#rating-given").textContent()).toBe(t.ratingThanks.replace("{{rating}}", "5"));
      expect(errors).toEqual([]);
      expect((await container.cases.getCase(P, caseId))?.satisfaction).toMatchObject({ rating: 5, comment: "Rychlé a jasné" });
    } finally {
      await close();
    }
  });
});
