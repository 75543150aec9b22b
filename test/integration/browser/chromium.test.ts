/**
 * The browser of the end-to-end tests on a machine with nothing installed: which Chromium is
 * chosen, that the Chromium shipped in the npm package `@sparticuz/chromium` unpacks safely when
 * test files start at once, and that it runs the page's JavaScript and draws every letter of the
 * product's languages (en, hu, cs, pl, ru) with the fonts the package ships — also with no font on
 * the machine at all. Screenshots go to `.artifacts/screenshots/` (git-ignored).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bundledFontsConf, launchBrowser, prepareBundledChromium, resolveChromium, SYSTEM_CHROMIUM_PATHS, type ChromiumExecutable } from "../../support/browser";
import { statusEmailLocales } from "../../../shared/templates/statusEmail";

jest.setTimeout(5 * 60_000);

const ROOT = path.join(__dirname, "..", "..", "..");
const SCREENSHOTS = path.join(ROOT, ".artifacts", "screenshots");
const DASHBOARD_CSS = fs.readFileSync(path.join(ROOT, "dashboard", "dashboard.css"), "utf8");

/** Every string of a value (the templates of a language, recursively). */
function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === "object") return Object.values(value).flatMap(stringsOf);
  return [];
}

/** In the page (plain JavaScript: this project compiles without the DOM types): one paragraph per language. */
const RENDER_IN_PAGE = `(byLanguage) => {
  const out = document.getElementById("out");
  for (const [lang, text] of Object.entries(byLanguage)) {
    const p = document.createElement("p");
    p.lang = lang;
    p.textContent = lang + ": " + text.slice(0, 400);
    out.append(p);
  }
  out.dataset.rendered = String(Object.keys(byLanguage).length);
}`;

/**
 * In the page: each distinct letter drawn in the page's font stack (the dashboard's), compared
 * with a code point no font has (U+10FFFD, private use): a letter without a glyph draws exactly
 * like it. Returns the letters without a glyph per language and their count (\`<lang>:count\`).
 */
const MISSING_GLYPHS_IN_PAGE = `(byLanguage) => {
  const canvas = document.createElement("canvas");
  canvas.width = 48;
  canvas.height = 48;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.font = "32px " + getComputedStyle(document.body).fontFamily;
  const draw = (ch) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.fillText(ch, 6, 36);
    return Array.from(ctx.getImageData(0, 0, 48, 48).data).join(",");
  };
  const none = draw("\\u{10FFFD}");
  const result = {};
  for (const [lang, text] of Object.entries(byLanguage)) {
    const letters = [...new Set(Array.from(text.replace(/\\{\\{\\w+\\}\\}/g, "")))].filter((ch) => /\\p{L}/u.test(ch));
    result[lang] = letters.filter((ch) => draw(ch) === none);
    result[lang + ":count"] = [String(letters.length)];
  }
  return result;
}`;

const npmChromium: ChromiumExecutable = { source: "npm", executablePath: "/unpacked/chromium", env: { FONTCONFIG_FILE: "/unpacked/fonts.conf" } };

describe("which Chromium the tests launch", () => {
  const none = (): boolean => false;
  const bundled = async (): Promise<ChromiumExecutable> => npmChromium;

  it("takes CHROMIUM_PATH first, and refuses one that points nowhere", async () => {
    const exists = (f: string): boolean => f === "/opt/chrome/chrome" || f === "/usr/bin/chromium";
    await expect(resolveChromium({ env: { CHROMIUM_PATH: "/opt/chrome/chrome" }, platform: "linux", arch: "x64", exists, bundled })).resolves.toEqual({ source: "CHROMIUM_PATH", executablePath: "/opt/chrome/chrome", env: {} });
    await expect(resolveChromium({ env: { CHROMIUM_PATH: "/nowhere/chrome" }, platform: "linux", arch: "x64", exists, bundled })).rejects.toThrow("CHROMIUM_PATH is /nowhere/chrome");
  });

  it("takes a browser installed on the machine next", async () => {
    const exists = (f: string): boolean => f === "/usr/bin/google-chrome";
    await expect(resolveChromium({ env: {}, platform: "linux", arch: "x64", exists, bundled })).resolves.toEqual({ source: "system", executablePath: "/usr/bin/google-chrome", env: {} });
    expect(SYSTEM_CHROMIUM_PATHS.linux?.[0]).toBe("/usr/bin/chromium");
  });

  it("falls back to the npm Chromium on Linux x64, and names the choices elsewhere", async () => {
    await expect(resolveChromium({ env: { CHROMIUM_PATH: " " }, platform: "linux", arch: "x64", exists: none, bundled })).resolves.toBe(npmChromium);
    await expect(resolveChromium({ env: {}, platform: "linux", arch: "arm64", exists: none, bundled })).rejects.toThrow(/set CHROMIUM_PATH or install Chromium/);
    await expect(resolveChromium({ env: {}, platform: "darwin", arch: "arm64", exists: none, bundled })).rejects.toThrow(/darwin\/arm64/);
  });
});

describe("the npm Chromium", () => {
  it("unpacks once for test files starting at once, never exposing a partial binary, and clears what dead runs left", async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-chromium-cache-"));
    try {
      // What a run killed while unpacking leaves behind: the staging folder of a process that is gone.
      const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
      const stale = path.join(cacheDir, `.staging-${dead.stdout}-abc123`);
      fs.mkdirSync(stale);
      fs.writeFileSync(path.join(stale, "chromium"), "half a binary");

      const [a, b] = await Promise.all([prepareBundledChromium({ cacheDir }), prepareBundledChromium({ cacheDir })]);
      expect(a).toEqual(b);
      expect(a.source).toBe("npm");
      const version = fs.readdirSync(cacheDir);
      expect(version).toHaveLength(1);
      expect(a.executablePath).toBe(path.join(cacheDir, version[0] as string, "chromium"));
      const run = spawnSync(a.executablePath, ["--version"], { encoding: "utf8" });
      expect(run.stdout).toMatch(new RegExp(`^Chromium ${(version[0] as string).split(".")[0]}\\.`));
      expect(fs.readFileSync(a.env.FONTCONFIG_FILE as string, "utf8")).toContain(`<dir>${path.join(cacheDir, version[0] as string, "fonts")}</dir>`);
      // Again: found, not unpacked again.
      const before = fs.statSync(a.executablePath).mtimeMs;
      await expect(prepareBundledChromium({ cacheDir })).resolves.toEqual(a);
      expect(fs.statSync(a.executablePath).mtimeMs).toBe(before);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it("runs the page's JavaScript and draws every letter of every language the product writes, with only the fonts it ships", async () => {
    const shipped = await prepareBundledChromium();
    // A machine without any font: only those of the package.
    const fontless = fs.mkdtempSync(path.join(os.tmpdir(), "csp-fontless-"));
    const conf = path.join(fontless, "fonts.conf");
    fs.writeFileSync(conf, bundledFontsConf(path.dirname(shipped.executablePath), { systemFonts: false }).replace(/<cachedir>.*<\/cachedir>/, `<cachedir>${fontless}/cache</cachedir>`));
    const texts = Object.fromEntries(Object.entries(statusEmailLocales).map(([lang, locale]) => [lang, stringsOf(locale).join(" ")]));
    for (const [label, executable] of [
      ["package-fonts", { ...shipped, env: { FONTCONFIG_FILE: conf } }],
      ["with-system-fonts", shipped],
    ] as const) {
      const browser = await launchBrowser({ screenshotDir: SCREENSHOTS, executable });
      try {
        const { page, errors } = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><style>${DASHBOARD_CSS}</style></head><body><main id="out"></main></body></html>`);
        // The text arrives through a script, as the dashboard's does.
        await page.evaluate(`(${RENDER_IN_PAGE})(${JSON.stringify(texts)})`);
        expect(await page.locator("#out").getAttribute("data-rendered")).toBe("5");
        expect(await page.locator('p[lang="ru"]').textContent()).toContain("Получен");
        // A control the package's fonts lack (Chinese): the comparison must report it there.
        const missing = (await page.evaluate(`(${MISSING_GLYPHS_IN_PAGE})(${JSON.stringify({ ...texts, control: "你好世界" })})`)) as Record<string, string[]>;
        if (label === "package-fonts") expect(missing.control).toEqual(["你", "好", "世", "界"]);
        for (const lang of Object.keys(texts)) {
          expect({ lang, missing: missing[lang] }).toEqual({ lang, missing: [] });
          expect(Number(missing[`${lang}:count`]?.[0])).toBeGreaterThan(25);
        }
        await browser.screenshot(page, `npm-chromium-${label}`);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }
    fs.rmSync(fontless, { recursive: true, force: true });
  });
});
