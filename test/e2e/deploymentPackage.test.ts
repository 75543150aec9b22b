/**
 * The deployment package is what runs: `buildDeploymentPackage` (what `npm run package` and azd's
 * `prepackage` hook run) builds it, it is copied into an empty temporary folder outside the
 * project (so no module can resolve from the project's own node_modules), and the local host of
 * this repository (`emulator/`, which is not in the package) boots that folder as its app
 * (`--app-dir`) against Azurite and MailDev: every function the sources register is registered,
 * `GET /api/health` answers 200, and a signed support request runs to its acknowledgement.
 * The package's size is printed.
 *
 * Needs `dist/` (`npm test` builds first) and npm's cache or registry for `npm ci --omit=dev`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getRegisteredFunctions } from "@csp-support/local-host/worker";
import { buildDeploymentPackage, formatDeploymentPackageSummary, type DeploymentPackageSummary } from "../../scripts/lib/deploymentPackage";
import { findProjectRoot } from "../../scripts/lib/partners";
import { CaseDriver } from "../support/caseDriver";
import { startTestStack, type TestStack } from "../support/e2eStack";

jest.setTimeout(6 * 60_000);

const root = findProjectRoot();
const PARTNER = "duna-cloud-budapest";
const hostLog: string[] = [];
let buildDir: string;
let appDir: string;
let summary: DeploymentPackageSummary;
let testStack: TestStack | undefined;

beforeAll(async () => {
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-package-build-"));
  summary = buildDeploymentPackage({ root, outDir: path.join(buildDir, "dist-package") });
  console.log(formatDeploymentPackageSummary(summary));
  // "Unpacked" into an empty folder: what azd zips is this folder's content.
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), "csp-package-app-"));
  fs.cpSync(summary.outDir, appDir, { recursive: true });
  testStack = await startTestStack("package", hostLog, {
    hostArgs: ["--app-dir", appDir],
    // The settings infra/ gives the app that the package itself does not carry.
    env: { TASK_HUB_NAME: "PackageHub" },
  });
});

afterAll(async () => {
  await testStack?.stop();
  for (const dir of [buildDir, appDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the deployment package", () => {
  it("holds the compiled app, host.json, package.json, the built dashboard and production dependencies only", () => {
    expect(path.relative(root, appDir).startsWith("..")).toBe(true);
    expect(fs.readdirSync(appDir).sort()).toEqual(["dist", "host.json", "node_modules", "package.json"]);
    expect(fs.readdirSync(path.join(appDir, "dist")).sort()).toEqual(["dashboard", "functions", "orchestrations", "shared"]);
    expect(fs.readdirSync(path.join(appDir, "dist", "dashboard")).sort()).toEqual(["app.js", "dashboard.css", "index.html", "reports.js"]);
    const pkg = JSON.parse(fs.readFileSync(path.join(appDir, "package.json"), "utf8")) as Record<string, unknown>;
    const source = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { main: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg).toMatchObject({ main: source.main, dependencies: source.dependencies });
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.workspaces).toBeUndefined();
    // The local host is a workspace package of the project: neither it nor what only it needs ships.
    const localHost = JSON.parse(fs.readFileSync(path.join(root, "emulator", "package.json"), "utf8")) as { name: string; dependencies: Record<string, string> };
    expect(fs.existsSync(path.join(appDir, "node_modules", localHost.name))).toBe(false);
    for (const dep of Object.keys(localHost.dependencies).filter((d) => source.dependencies[d] === undefined)) expect(fs.existsSync(path.join(appDir, "node_modules", dep))).toBe(false);
    for (const dev of Object.keys(source.devDependencies)) expect(fs.existsSync(path.join(appDir, "node_modules", dev))).toBe(false);
    for (const dep of Object.keys(source.dependencies)) expect(fs.existsSync(path.join(appDir, "node_modules", dep, "package.json"))).toBe(true);
    expect(summary.files).toBeGreaterThan(0);
    expect(summary.zipBytesEstimate).toBeLessThan(summary.bytes);
  });

  it("boots on the local host from an empty folder: every function of the sources is registered", async () => {
    for (const file of fs.readdirSync(path.join(root, "functions")).filter((f) => f.endsWith(".ts")).sort()) await import(path.join(root, "functions", file));
    const expected = [...getRegisteredFunctions().keys()].sort();
    // The host's listing, as `func start` prints it: `        <name>: [METHODS] <url> (authLevel: …)` or `        <name>: <trigger>`.
    const listed = hostLog.map((line) => /^ {8}([A-Za-z][A-Za-z0-9_-]*): (?:\[|[a-zA-Z]+Trigger$)/.exec(line)?.[1]).filter((n): n is string => n !== undefined).sort();
    expect(expected.length).toBeGreaterThan(20);
    expect(listed).toEqual(expected);
  });

  it("answers GET /api/health with 200", async () => {
    const res = await fetch(testStack!.stack.urls.health);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "healthy" });
  });

  it("serves the built dashboard from the package", async () => {
    const app = testStack!.stack.urls.app;
    const page = await fetch(`${app}/api/dashboard/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('src="./app.js"');
    expect((await fetch(`${app}/api/dashboard/app.js`)).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
  });

  it("runs a signed support request to its acknowledgement", async () => {
    const driver = new CaseDriver(testStack!.stack);
    const deadline = Date.now() + 2 * 60_000;
    const c = await driver.submit(PARTNER, "package@contoso.example", "Runs from the deployment package");
    const view = await driver.acknowledged(c, deadline);
    expect(view.orchestration?.runtimeStatus).toBe("Running");
    expect((await driver.caughtEmailsTo("package@contoso.example")).map((m) => m.subject)).toEqual([expect.stringContaining(`[Case #${c.caseId}]`)]);
  });
});
