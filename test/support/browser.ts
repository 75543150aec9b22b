/**
 * A real browser for end-to-end tests: Debian's Chromium (`apt-get install chromium`, or
 * `CHROMIUM_PATH`) driven by `playwright-core` (no browser download). Headless, sandbox off (CI runs
 * as root in a container), no GPU, no QUIC, no first-run, background networking, component updates
 * or sync: the browser talks only to the app under test. Each launch gets a fresh, temporary
 * profile (user-data dir) that Playwright deletes on close.
 */
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";

/** Where Debian's package installs Chromium. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/** Command-line switches of every launch. */
export const CHROMIUM_ARGS: readonly string[] = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** The Chromium executable: `CHROMIUM_PATH`, else {@link DEFAULT_CHROMIUM_PATH}. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH?.trim() || DEFAULT_CHROMIUM_PATH;
}

/** A launched browser with helpers for pages and screenshots. */
export interface TestBrowser {
  browser: Browser;
  /**
   * A new isolated context (its own storage: a fresh sign-in) and page. Console errors and page
   * errors are collected in `errors` (a Content-Security-Policy violation shows up there).
   */
  newPage(options?: { viewport?: { width: number; height: number } }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  /**
   * Saves a full-page PNG under the screenshot folder.
   * @returns the file path.
   */
  screenshot(page: Page, name: string): Promise<string>;
  /** Closes the browser (idempotent). */
  close(): Promise<void>;
}

/**
 * Launches Chromium.
 * @param options.screenshotDir - where {@link TestBrowser.screenshot} writes (created).
 * @throws Error naming the install command when the executable is missing.
 */
export async function launchBrowser(options: { screenshotDir: string; executablePath?: string }): Promise<TestBrowser> {
  const executablePath = options.executablePath ?? chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install -y --no-install-recommends chromium) or set CHROMIUM_PATH`);
  }
  fs.mkdirSync(options.screenshotDir, { recursive: true });
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: 60_000 });
  let closed = false;
  return {
    browser,
    async newPage(pageOptions = {}) {
      const context = await browser.newContext({ viewport: pageOptions.viewport ?? { width: 1440, height: 1000 }, locale: "en-GB", serviceWorkers: "block" });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("console", (m: ConsoleMessage) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e: Error) => errors.push(`pageerror: ${e.message}`));
      return { context, page, errors };
    },
    async screenshot(page, name) {
      const file = path.join(options.screenshotDir, `${name.replace(/[^\w.-]+/g, "-")}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      if (closed) return;
      closed = true;
      await browser.close();
    },
  };
}
