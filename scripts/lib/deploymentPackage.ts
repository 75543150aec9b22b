/**
 * The deployment package: the folder `azd deploy` zips and uploads to the Flex Consumption app
 * (azure.yaml `dist: dist-package`, built by the service's `prepackage` hook). It holds what the
 * Functions host runs and nothing else:
 *
 * | path | what |
 * |---|---|
 * | `host.json` | the host configuration |
 * | `package.json` | `main` (`dist/functions/*.js`), `engines` and the production dependencies (no scripts, no devDependencies) |
 * | `dist/functions`, `dist/orchestrations`, `dist/shared` | the compiled JavaScript (no source maps, no TypeScript) |
 * | `dist/dashboard` | the partners' dashboard page as Vite built it (index.html, app.js, reports.js, dashboard.css), which the `Dashboard` function serves |
 * | `node_modules/` | the production dependencies exactly as package-lock.json pins them (`npm ci --omit=dev`) |
 *
 * Not in it: tests, the local host (`emulator/`), scripts, benchmarks, infra, sources (the
 * dashboard's TypeScript included), dev tools.
 * Built locally because the app is TypeScript with a build step (Microsoft's TypeScript build
 * options recommend a local build; https://learn.microsoft.com/azure/azure-functions/typescript-build-options),
 * so azure.yaml says `remoteBuild: false` and the package carries its `node_modules`.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

/** The compiled folders of `dist/` the app consists of (everything else in `dist/` is tooling). */
export const APP_DIST_FOLDERS = ["functions", "orchestrations", "shared"] as const;

/** The folder of `dist/` holding the built dashboard page (`vite build dashboard`, part of `npm run build`). */
export const DASHBOARD_DIST_FOLDER = "dashboard";

/** Options of {@link buildDeploymentPackage}. */
export interface BuildDeploymentPackageOptions {
  /** The project root (package.json, package-lock.json, host.json, a built dist/ with the dashboard). */
  root: string;
  /** The folder to create (emptied first), e.g. `<root>/dist-package`. */
  outDir: string;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

/** What {@link buildDeploymentPackage} produced. */
export interface DeploymentPackageSummary {
  outDir: string;
  /** Regular files in the package. */
  files: number;
  /** Their total size, in bytes. */
  bytes: number;
  /** Of which under `node_modules/`, in bytes. */
  dependencyBytes: number;
  /** Top-level packages in `node_modules/` (scoped ones counted singly). */
  packages: number;
  /**
   * Size of the zip azd uploads, in bytes, estimated as each file deflated (zlib level 6, as zip
   * tools default to) plus the zip format's per-entry headers (30 + 46 bytes + twice the name).
   */
  zipBytesEstimate: number;
}

/** Thrown when the package cannot be built or would contain something it must not. */
export class DeploymentPackageError extends Error {
  override name = "DeploymentPackageError";
}

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  main: string;
  engines?: Record<string, string>;
  license?: string;
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
  overrides?: Record<string, string>;
}

function copyTree(from: string, to: string, keep: (file: string) => boolean): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst, keep);
    else if (entry.isFile() && keep(entry.name)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
}

function* walkFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(p);
    else if (entry.isFile()) yield p;
  }
}

/** The npm command line: the npm that runs this script (`npm run package`), else `npm` on the PATH. */
function npmCommand(): { command: string; prefix: string[]; shell: boolean } {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli)) return { command: process.execPath, prefix: [cli], shell: false };
  return { command: "npm", prefix: [], shell: process.platform === "win32" };
}

/** The parts of package-lock.json (lockfileVersion 3) the packaging reads. */
export interface Lockfile {
  packages: Record<string, { version?: string; integrity?: string; link?: boolean; dev?: boolean; devOptional?: boolean }>;
}

/** Runs npm in `cwd`. @throws DeploymentPackageError with npm's last output lines when it fails. */
function runNpm(cwd: string, args: string[]): void {
  const npm = npmCommand();
  const result = spawnSync(npm.command, [...npm.prefix, ...args], { cwd, shell: npm.shell, encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } });
  if (result.status !== 0) throw new DeploymentPackageError(`npm ${args.slice(0, 2).join(" ")} failed (${result.error?.message ?? `exit ${result.status}`}): ${(result.stderr ?? "").trim().slice(-2000)}`);
}

/**
 * Checks that pruning changed no version: every package the pruned lockfile installs is in the
 * project's lockfile at the same path with the same version and integrity, and none is a link
 * (a workspace package).
 * @throws DeploymentPackageError naming the packages that differ.
 */
export function checkPrunedLockfile(pruned: Lockfile, project: Lockfile): void {
  const differing: string[] = [];
  for (const [key, entry] of Object.entries(pruned.packages)) {
    if (key === "") continue;
    const original = project.packages[key];
    if (entry.link || !original || original.version !== entry.version || original.integrity !== entry.integrity) differing.push(`${key}@${entry.version ?? "link"}`);
  }
  if (differing.length > 0) throw new DeploymentPackageError(`Pruning the lockfile changed what it installs: ${differing.slice(0, 20).join(", ")}`);
}

/**
 * Checks the package holds nothing it must not: no package the lockfile marks dev-only, no
 * TypeScript or source maps of the app, no tooling folders of `dist/`, no sources at the top
 * level (the dashboard's included: only its build in `dist/dashboard` is served).
 * @throws DeploymentPackageError naming what it found.
 */
export function checkDeploymentPackage(outDir: string, lockfile: Lockfile): void {
  const found: string[] = [];
  for (const [key, entry] of Object.entries(lockfile.packages)) {
    if (key !== "" && (entry.dev || entry.devOptional) && fs.existsSync(path.join(outDir, key))) found.push(key);
  }
  for (const name of fs.readdirSync(path.join(outDir, "dist"))) {
    if (!(APP_DIST_FOLDERS as readonly string[]).includes(name) && name !== DASHBOARD_DIST_FOLDER) found.push(`dist/${name}`);
  }
  for (const file of walkFiles(path.join(outDir, "dist"))) {
    if (/\.(ts|map)$/.test(file)) found.push(path.relative(outDir, file));
  }
  for (const name of ["test", "emulator", "scripts", "bench", "infra", "functions", "shared", "orchestrations", "dashboard", "local.settings.json", "tsconfig.json"]) {
    if (fs.existsSync(path.join(outDir, name))) found.push(name);
  }
  if (found.length > 0) throw new DeploymentPackageError(`The deployment package holds what it must not: ${found.slice(0, 20).join(", ")}${found.length > 20 ? ` and ${found.length - 20} more` : ""}`);
}

/**
 * Sizes of a package folder (see {@link DeploymentPackageSummary}).
 * @param outDir - the package folder.
 */
export function measureDeploymentPackage(outDir: string): DeploymentPackageSummary {
  let files = 0;
  let bytes = 0;
  let dependencyBytes = 0;
  let zipBytesEstimate = 22; // end of central directory record
  const modules = path.join(outDir, "node_modules") + path.sep;
  for (const file of walkFiles(outDir)) {
    const content = fs.readFileSync(file);
    const nameBytes = Buffer.byteLength(path.relative(outDir, file).split(path.sep).join("/"));
    files += 1;
    bytes += content.length;
    if (file.startsWith(modules)) dependencyBytes += content.length;
    zipBytesEstimate += Math.min(content.length, zlib.deflateRawSync(content, { level: 6 }).length) + 30 + 46 + 2 * nameBytes;
  }
  const nodeModules = path.join(outDir, "node_modules");
  const packages = fs.existsSync(nodeModules)
    ? fs.readdirSync(nodeModules).filter((n) => !n.startsWith(".")).reduce((n, name) => n + (name.startsWith("@") ? fs.readdirSync(path.join(nodeModules, name)).length : 1), 0)
    : 0;
  return { outDir, files, bytes, dependencyBytes, packages, zipBytesEstimate };
}

/**
 * Builds the deployment package from a built project (`npm run build` first): copies the compiled
 * app, the built dashboard (`dist/dashboard`), host.json and a package.json without scripts, workspaces or devDependencies,
 * prunes the project's lockfile to it (`npm install --package-lock-only`; {@link checkPrunedLockfile}
 * makes sure no version moved), installs the production dependencies with
 * `npm ci --omit=dev --ignore-scripts` (exactly the lockfile's versions; no production dependency
 * has an install script; npm's cache is preferred), then checks it ({@link checkDeploymentPackage}).
 * @returns its sizes.
 * @throws DeploymentPackageError when `dist/` is missing, npm fails, or the check finds something.
 */
export function buildDeploymentPackage(options: BuildDeploymentPackageOptions): DeploymentPackageSummary {
  const { root, outDir } = options;
  const log = options.log ?? (() => undefined);
  for (const folder of APP_DIST_FOLDERS) {
    if (!fs.existsSync(path.join(root, "dist", folder))) throw new DeploymentPackageError(`dist/${folder} is missing: run npm run build first`);
  }
  if (!fs.existsSync(path.join(root, "dist", DASHBOARD_DIST_FOLDER, "index.html"))) throw new DeploymentPackageError(`dist/${DASHBOARD_DIST_FOLDER} is missing: run npm run build first`);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  for (const folder of APP_DIST_FOLDERS) copyTree(path.join(root, "dist", folder), path.join(outDir, "dist", folder), (name) => name.endsWith(".js") || name.endsWith(".json"));
  // Vite writes the page flat (index.html, its scripts and styles); a folder under it is not the
  // page's (e.g. dashboard sources a later incremental `tsc -b` emitted there for the unit tests).
  const dashboardOut = path.join(outDir, "dist", DASHBOARD_DIST_FOLDER);
  fs.mkdirSync(dashboardOut, { recursive: true });
  for (const entry of fs.readdirSync(path.join(root, "dist", DASHBOARD_DIST_FOLDER), { withFileTypes: true })) {
    if (entry.isFile()) fs.copyFileSync(path.join(root, "dist", DASHBOARD_DIST_FOLDER, entry.name), path.join(dashboardOut, entry.name));
  }
  fs.copyFileSync(path.join(root, "host.json"), path.join(outDir, "host.json"));

  // The project is an npm workspace (the local host, emulator/, is its package). The deployed app
  // is not: its package.json names no workspaces and no devDependencies, and its lockfile is the
  // project's, pruned by npm to what that package.json needs (every version kept, checked below),
  // so `npm ci` installs exactly the versions the project's lockfile pins and none of the local
  // host's dependencies.
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as PackageJson;
  const projectLock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as Lockfile;
  const shipped = {
    name: pkg.name,
    version: pkg.version,
    private: true,
    ...(pkg.description ? { description: pkg.description } : {}),
    main: pkg.main,
    ...(pkg.engines ? { engines: pkg.engines } : {}),
    ...(pkg.license ? { license: pkg.license } : {}),
    dependencies: pkg.dependencies,
    ...(pkg.overrides ? { overrides: pkg.overrides } : {}),
  };
  fs.writeFileSync(path.join(outDir, "package.json"), `${JSON.stringify(shipped, null, 2)}\n`);
  fs.copyFileSync(path.join(root, "package-lock.json"), path.join(outDir, "package-lock.json"));
  log("Pruning the lockfile to the production dependencies (npm install --package-lock-only)…");
  runNpm(outDir, ["install", "--package-lock-only", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"]);
  const pruned = JSON.parse(fs.readFileSync(path.join(outDir, "package-lock.json"), "utf8")) as Lockfile;
  checkPrunedLockfile(pruned, projectLock);
  log(`Installing the production dependencies (npm ci --omit=dev) into ${outDir}…`);
  runNpm(outDir, ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"]);
  fs.rmSync(path.join(outDir, "package-lock.json"));
  checkDeploymentPackage(outDir, projectLock);
  return measureDeploymentPackage(outDir);
}

/** One line per figure of a summary, sizes in MB (10^6 bytes). */
export function formatDeploymentPackageSummary(s: DeploymentPackageSummary): string {
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  return [
    `Deployment package: ${s.outDir}`,
    `  ${s.files} files, ${mb(s.bytes)} unpacked (production dependencies: ${s.packages} packages, ${mb(s.dependencyBytes)})`,
    `  zip as azd uploads it: about ${mb(s.zipBytesEstimate)}`,
  ].join("\n");
}
