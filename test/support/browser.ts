/**
 * A real browser for end-to-end tests, driven by `playwright-core` (which never downloads a
 * browser). Which Chromium, in order ({@link resolveChromium}):
 * 1. `CHROMIUM_PATH`, when set (an error when nothing is there: a path asked for is never ignored);
 * 2. a browser installed on the machine ({@link SYSTEM_CHROMIUM_PATHS}, e.g. Debian's
 *    `/usr/bin/chromium`);
 * 3. on Linux x64, the headless Chromium shipped inside the npm package `@sparticuz/chromium`
 *    (a devDependency, so `npm ci` brings it; no apt step, no download), unpacked once per package
 *    version into `node_modules/.cache/sparticuz-chromium/<version>/` ({@link prepareBundledChromium}).
 *
 * Headless, sandbox off (CI runs as root in a container), no GPU, no QUIC, no first-run,
 * background networking, component updates or sync: the browser talks only to the app under test.
 * Each launch gets a fresh, temporary profile (user-data dir) that Playwright deletes on close.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";

/** Where Debian's package installs Chromium (the first system path tried on Linux). */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/** Browsers installed on the machine, tried in order, per `process.platform`. */
export const SYSTEM_CHROMIUM_PATHS: Readonly<Partial<Record<NodeJS.Platform, readonly string[]>>> = {
  linux: [DEFAULT_CHROMIUM_PATH, "/usr/bin/chromium-browser", "/usr/bin/google-chrome-stable", "/usr/bin/google-chrome"],
  darwin: ["/Applications/Chromium.app/Contents/MacOS/Chromium", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"],
};

/** Command-line switches of every launch. */
export const CHROMIUM_ARGS: readonly string[] = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** The npm package whose Chromium is the last resort. */
const BUNDLED_PACKAGE = "@sparticuz/chromium";

/** A Chromium to launch and where it came from. */
export interface ChromiumExecutable {
  /** `CHROMIUM_PATH`, a browser installed on the machine, or the one of `@sparticuz/chromium`. */
  source: "CHROMIUM_PATH" | "system" | "npm";
  executablePath: string;
  /**
   * Environment the browser needs on top of this process's: for the npm Chromium,
   * `FONTCONFIG_FILE` (its fonts, then the machine's).
   */
  env: Record<string, string>;
}

/** Options of {@link resolveChromium}; the defaults are this process's. */
export interface ResolveChromiumOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  arch?: string;
  /** Whether a file exists; default `fs.existsSync`. */
  exists?: (file: string) => boolean;
  /** Prepares the npm Chromium; default {@link prepareBundledChromium}. */
  bundled?: () => Promise<ChromiumExecutable>;
}

/**
 * Picks the Chromium to launch: `CHROMIUM_PATH`, else the first of {@link SYSTEM_CHROMIUM_PATHS}
 * that exists, else (Linux x64 only: the package ships an x86-64 binary) the npm Chromium.
 * @throws Error naming `CHROMIUM_PATH` when it is set and nothing is there; Error naming the
 *   choices when the platform has neither a system browser nor the npm one.
 */
export async function resolveChromium(options: ResolveChromiumOptions = {}): Promise<ChromiumExecutable> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const exists = options.exists ?? fs.existsSync;
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) {
    if (!exists(configured)) throw new Error(`CHROMIUM_PATH is ${configured}, and there is no browser there`);
    return { source: "CHROMIUM_PATH", executablePath: configured, env: {} };
  }
  const installed = (SYSTEM_CHROMIUM_PATHS[platform] ?? []).find((p) => exists(p));
  if (installed) return { source: "system", executablePath: installed, env: {} };
  if (platform === "linux" && arch === "x64") return (options.bundled ?? prepareBundledChromium)();
  throw new Error(`No Chromium on this ${platform}/${arch} machine: set CHROMIUM_PATH or install Chromium (the npm Chromium of ${BUNDLED_PACKAGE} is for Linux x64)`);
}

/** Options of {@link prepareBundledChromium}. */
export interface PrepareBundledChromiumOptions {
  /** Where unpacked versions are kept; default `<node_modules>/.cache/sparticuz-chromium`. */
  cacheDir?: string;
}

/** The installed `@sparticuz/chromium`: its entry module, version and `node_modules` folder. */
function bundledPackage(): { entry: string; version: string; nodeModules: string } {
  // The package's `exports` hide its package.json; the entry is <pkg>/build/cjs/index.cjs, beside
  // a package.json of its own (module type only).
  const entry = require.resolve(BUNDLED_PACKAGE);
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (manifest.name === BUNDLED_PACKAGE && manifest.version) return { entry, version: manifest.version, nodeModules: path.resolve(dir, "..", "..") };
  }
  throw new Error(`No package.json of ${BUNDLED_PACKAGE} above ${entry}`);
}

/** Whether a process with this id exists. */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const xmlText = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The fontconfig configuration of the npm Chromium: the fonts the package ships (Open Sans: Latin
 * with the Central European letters, Greek, Cyrillic — every script the product's languages en, hu,
 * cs, pl and ru use), then the machine's own configuration and fonts where there are any (other
 * scripts render only with those). The package's own `fonts.conf` names fixed Lambda folders
 * (`/tmp/fonts`, `/opt/fonts`), so it is not used.
 * @param dir - the unpacked Chromium's folder (the package's fonts are in `<dir>/fonts`).
 * @param options.systemFonts - false leaves out the machine's fonts (what a machine without any
 *   sees); default true.
 * @returns the XML text for `FONTCONFIG_FILE`.
 */
export function bundledFontsConf(dir: string, options: { systemFonts?: boolean } = {}): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
    "<fontconfig>",
    `  <dir>${xmlText(path.join(dir, "fonts"))}</dir>`,
    `  <cachedir>${xmlText(path.join(dir, "fontconfig-cache"))}</cachedir>`,
    ...(options.systemFonts === false ? [] : ['  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>']),
    "</fontconfig>",
    "",
  ].join("\n");
}

/**
 * Unpacks the Chromium of `@sparticuz/chromium` (Brotli-compressed inside the package) once per
 * package version and returns it with its font configuration.
 *
 * The package unpacks into `os.tmpdir()` (`/tmp/chromium`, `/tmp/fonts`, the SwiftShader libraries
 * beside the binary) and reuses `/tmp/chromium` whenever that file exists, even half-written by a
 * concurrent or killed run, or left by another version. Here it unpacks in a child process whose
 * `TMPDIR` is a fresh staging folder, and the folder is renamed to
 * `<cacheDir>/<version>` only when complete. A rename is atomic, so test files (Jest workers)
 * starting at once each either find the finished folder or unpack their own and lose the rename
 * race harmlessly; none ever sees a partial binary. Staging folders of processes that died are
 * removed.
 * @throws Error when the package is not installed or unpacking fails (with the child's output).
 */
export async function prepareBundledChromium(options: PrepareBundledChromiumOptions = {}): Promise<ChromiumExecutable> {
  const pkg = bundledPackage();
  const cacheDir = options.cacheDir ?? path.join(pkg.nodeModules, ".cache", "sparticuz-chromium");
  const dir = path.join(cacheDir, pkg.version);
  const found = (): ChromiumExecutable => ({ source: "npm", executablePath: path.join(dir, "chromium"), env: { FONTCONFIG_FILE: path.join(dir, "fonts.conf") } });
  if (fs.existsSync(path.join(dir, "chromium"))) return found();

  fs.mkdirSync(cacheDir, { recursive: true });
  for (const name of fs.readdirSync(cacheDir)) {
    const owner = /^\.staging-(\d+)-/.exec(name);
    if (owner && !isProcessAlive(Number(owner[1]))) fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  }
  const staging = fs.mkdtempSync(path.join(cacheDir, `.staging-${process.pid}-`));
  try {
    const script = `const m = require(${JSON.stringify(pkg.entry)}); (m.default ?? m).executablePath().then((p) => process.stdout.write(p), (e) => { console.error(e); process.exit(1); });`;
    const unpacked = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ["-e", script], { env: { ...process.env, TMPDIR: staging }, timeout: 5 * 60_000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`Unpacking the Chromium of ${BUNDLED_PACKAGE} ${pkg.version} failed: ${error.message} ${stderr}`.trim()));
        else resolve(stdout.trim());
      });
    });
    if (path.resolve(unpacked) !== path.join(staging, "chromium")) throw new Error(`${BUNDLED_PACKAGE} unpacked to ${unpacked}, not into ${staging}`);
    fs.writeFileSync(path.join(staging, "fonts.conf"), bundledFontsConf(dir));
    try {
      fs.renameSync(staging, dir);
    } catch (e) {
      // Another process finished first: use its folder.
      if (!["EEXIST", "ENOTEMPTY"].includes((e as NodeJS.ErrnoException).code ?? "") || !fs.existsSync(path.join(dir, "chromium"))) throw e;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return found();
}

/** A launched browser with helpers for pages and screenshots. */
export interface TestBrowser {
  browser: Browser;
  /** The Chromium that runs. */
  executable: ChromiumExecutable;
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
 * @param options.executable - the browser; default {@link resolveChromium}.
 * @throws as {@link resolveChromium}; playwright-core's error when the browser does not start
 *   within 60 s.
 */
export async function launchBrowser(options: { screenshotDir: string; executable?: ChromiumExecutable }): Promise<TestBrowser> {
  const executable = options.executable ?? (await resolveChromium());
  fs.mkdirSync(options.screenshotDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: executable.executablePath,
    env: { ...process.env, ...executable.env },
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: 60_000,
  });
  let closed = false;
  return {
    browser,
    executable,
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
