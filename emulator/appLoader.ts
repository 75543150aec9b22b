/**
 * Loads the app's entry points as the Node worker does (azure-functions-nodejs-worker
 * `startApp.ts` / `loadScriptFile`): package.json `main` is a file or a glob, every matching file is
 * required, and the `appStart` hooks run afterwards.
 * (https://learn.microsoft.com/azure/azure-functions/functions-reference-node#folder-structure)
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { getHooks } from "./worker/functionsCore";

/** Thrown when the app cannot be loaded; `code` is `AppLoadFailed`, `failures` lists each file's error. */
export class AppLoadError extends Error {
  readonly code = "AppLoadFailed";
  /**
   * @param message - summary naming the files.
   * @param failures - file (relative to the app root) and the error it threw.
   */
  constructor(
    message: string,
    readonly failures: ReadonlyArray<{ file: string; error: unknown }> = [],
  ) {
    super(message);
    this.name = "AppLoadError";
  }
}

function segmentToRegex(seg: string): RegExp {
  let re = "";
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i] as string;
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "{") {
      const end = seg.indexOf("}", i);
      if (end < 0) {
        re += "\\{";
        continue;
      }
      const alts = seg.slice(i + 1, end).split(",").map((a) => a.replace(/[.+^${}()|[\]\\*?]/g, "\\$&"));
      re += `(?:${alts.join("|")})`;
      i = end;
    } else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * Expands a glob relative to `cwd`: `*`, `?`, `{a,b}` within a segment and `**` for any depth.
 * Dot-files and `node_modules` are skipped by wildcards, as the worker's glob does by default.
 * @returns absolute paths of matching files, sorted.
 */
export function expandGlob(pattern: string, cwd: string): string[] {
  const segments = pattern.replace(/\\/g, "/").replace(/^\.\//, "").split("/").filter((s) => s !== "");
  const results = new Set<string>();
  const walk = (dir: string, i: number): void => {
    if (i === segments.length) {
      if (fs.existsSync(dir) && fs.statSync(dir).isFile()) results.add(dir);
      return;
    }
    const seg = segments[i] as string;
    if (seg === "**") {
      walk(dir, i + 1);
      for (const entry of safeReaddir(dir)) {
        if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") {
          walk(path.join(dir, entry.name), i);
        }
      }
      return;
    }
    if (!/[*?{]/.test(seg)) {
      walk(path.join(dir, seg), i + 1);
      return;
    }
    const re = segmentToRegex(seg);
    for (const entry of safeReaddir(dir)) {
      if (entry.name.startsWith(".") || !re.test(entry.name)) continue;
      walk(path.join(dir, entry.name), i + 1);
    }
  };
  walk(path.isAbsolute(pattern) ? "/" : cwd, 0);
  return [...results].sort();
}

function safeReaddir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/**
 * The entry files of the app: package.json `main` (default `index.js`) expanded as a glob.
 * @throws AppLoadError when package.json is missing or invalid, or nothing matches `main`.
 */
export function resolveEntryPoints(appDir: string): string[] {
  const pkgFile = path.join(appDir, "package.json");
  let main = "index.js";
  try {
    const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { main?: unknown };
    if (typeof pkg.main === "string" && pkg.main.trim() !== "") main = pkg.main.trim();
  } catch (e) {
    throw new AppLoadError(`Cannot read ${pkgFile}: ${(e as Error).message}`);
  }
  const files = expandGlob(main, appDir);
  if (files.length === 0) {
    throw new AppLoadError(`Found zero files matching the supplied pattern "${main}" (package.json "main" in ${appDir}). Did you build the app?`);
  }
  return files;
}

function readPackageType(appDir: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(appDir, "package.json"), "utf8")) as { type?: string }).type;
  } catch {
    return undefined;
  }
}

/** Loads one entry file as the worker does: `import()` for ES modules (`.mjs`, `"type": "module"`), else `require`. */
async function loadEntryFile(file: string, isModule: boolean): Promise<void> {
  if (file.endsWith(".mjs") || (isModule && file.endsWith(".js"))) {
    await import(pathToFileURL(file).href);
    return;
  }
  // The app's own CommonJS entry points, loaded into this process exactly as the worker does.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(file);
}

/**
 * Requires every entry file (registering the app's functions through `@azure/functions-core`),
 * then runs the `appStart` hooks in registration order.
 * @returns the files loaded, absolute.
 * @throws AppLoadError listing every file that threw (all files are attempted first), or when an
 *   `appStart` hook throws.
 */
export async function loadApp(appDir: string): Promise<string[]> {
  const files = resolveEntryPoints(appDir);
  const isModule = readPackageType(appDir) === "module";
  const failures: Array<{ file: string; error: unknown }> = [];
  for (const file of files) {
    try {
      await loadEntryFile(file, isModule);
    } catch (error) {
      failures.push({ file: path.relative(appDir, file), error });
    }
  }
  if (failures.length > 0) {
    const lines = failures.map((f) => `  ${f.file}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    throw new AppLoadError(`Worker was unable to load entry point(s):\n${lines.join("\n")}`, failures);
  }
  for (const hook of getHooks("appStart")) {
    try {
      await hook({ hookData: {}, appHookData: {}, functionAppDirectory: appDir });
    } catch (error) {
      throw new AppLoadError(`An appStart hook failed: ${error instanceof Error ? error.message : String(error)}`, [
        { file: "appStart", error },
      ]);
    }
  }
  return files;
}
