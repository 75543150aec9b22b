/**
 * The Dashboard function: it finds and serves the page Vite built (`dist/dashboard/`), never the
 * sources in `dashboard/`, only by one-segment names of the allow-list; and `model.json` names every
 * value it serves, so the page keeps no vocabulary of its own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HttpRequest } from "@azure/functions";
import { createDashboardHandler, dashboardModel, findDashboardDir } from "../../../functions/dashboard";
import { CaseStatuses, Categories, Channels, DiagnosisOutcomes, InboundLogOutcomes, ReportGroupings, Roles, Severities, SlaFilters, SlaHealths, SupportedLanguages, SupportVehicles, WorkflowStates } from "../../../shared/contracts";
import { SlaMetrics } from "../../../shared/contracts/sla";

let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-fn-"));
  fs.mkdirSync(path.join(root, "dashboard", "src"), { recursive: true });
  fs.writeFileSync(path.join(root, "dashboard", "index.html"), '<script type="module" src="./src/main.ts"></script>');
  fs.writeFileSync(path.join(root, "dashboard", "src", "main.ts"), "export {};");
  fs.mkdirSync(path.join(root, "dist", "dashboard"), { recursive: true });
  fs.mkdirSync(path.join(root, "dist", "functions"), { recursive: true });
  fs.mkdirSync(path.join(root, "functions"), { recursive: true });
  fs.writeFileSync(path.join(root, "dist", "dashboard", "index.html"), '<script type="module" crossorigin src="./app.js"></script>');
  fs.writeFileSync(path.join(root, "dist", "dashboard", "app.js"), "console.log(1);");
  fs.writeFileSync(path.join(root, "dist", "dashboard", "dashboard.css"), "body{}");
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function get(rel: string, headers: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({ method: "GET", url: `http://localhost/api/dashboard/${rel}`, headers, params: rel === "" ? {} : { path: rel } });
}

describe("findDashboardDir", () => {
  it("finds the built page from the compiled handler (dist/functions) and from the sources (functions)", () => {
    expect(findDashboardDir(path.join(root, "dist", "functions"))).toBe(path.join(root, "dist", "dashboard"));
    expect(findDashboardDir(path.join(root, "functions"))).toBe(path.join(root, "dist", "dashboard"));
  });

  it("never takes the sources' dashboard/ for the page", () => {
    const sourcesOnly = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-src-"));
    try {
      fs.mkdirSync(path.join(sourcesOnly, "dashboard"), { recursive: true });
      fs.mkdirSync(path.join(sourcesOnly, "functions"), { recursive: true });
      fs.writeFileSync(path.join(sourcesOnly, "dashboard", "index.html"), "<!doctype html>");
      const found = findDashboardDir(path.join(sourcesOnly, "functions"));
      expect(found === undefined || !found.startsWith(sourcesOnly)).toBe(true);
    } finally {
      fs.rmSync(sourcesOnly, { recursive: true, force: true });
    }
  });
});

describe("the Dashboard handler", () => {
  const handler = (): ReturnType<typeof createDashboardHandler> => createDashboardHandler({ dir: path.join(root, "dist", "dashboard") });

  it("serves the built page, script and style by their types, with the strict CSP and ETags", async () => {
    const serve = handler();
    const page = await serve(get(""));
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('src="./app.js"');
    const headers = page.headers as Record<string, string>;
    expect(headers["Content-Type"]).toBe("text/html; charset=utf-8");
    expect(headers["Content-Security-Policy"]).toContain("script-src 'self'");
    const js = await serve(get("app.js"));
    expect((js.headers as Record<string, string>)["Content-Type"]).toBe("text/javascript; charset=utf-8");
    expect((await serve(get("app.js", { "if-none-match": (js.headers as Record<string, string>).ETag ?? "" }))).status).toBe(304);
    expect(((await serve(get("dashboard.css"))).headers as Record<string, string>)["Content-Type"]).toBe("text/css; charset=utf-8");
  });

  it("answers 404 for sources, sub-folders, traversal and names outside the allow-list", async () => {
    const serve = handler();
    for (const bad of ["src/main.ts", "main.ts", "app.ts", "../index.html", "..", ".env", "vite.config.mts", "missing.js"]) expect((await serve(get(bad))).status).toBe(404);
  });
});

describe("model.json", () => {
  it("names every value it serves (the page keeps no copy of a vocabulary)", () => {
    const { labels, ...model } = dashboardModel();
    const keysOf = (o: object): string[] => Object.keys(o).sort();
    expect(keysOf(labels.statuses)).toEqual([...CaseStatuses].sort());
    expect(keysOf(labels.severities)).toEqual([...Severities].sort());
    expect(keysOf(labels.categories)).toEqual([...Categories].sort());
    expect(keysOf(labels.channels)).toEqual([...Channels].sort());
    expect(keysOf(labels.slaHealths)).toEqual([...SlaHealths].sort());
    expect(keysOf(labels.slaMetrics)).toEqual([...SlaMetrics].sort());
    expect(keysOf(labels.diagnosisOutcomes)).toEqual([...DiagnosisOutcomes].sort());
    expect(keysOf(labels.roles)).toEqual([...Roles].sort());
    expect(keysOf(labels.languages)).toEqual([...SupportedLanguages].sort());
    expect(keysOf(labels.workflowStates)).toEqual([...WorkflowStates].sort());
    expect(keysOf(labels.inboundOutcomes)).toEqual([...InboundLogOutcomes].sort());
    expect(keysOf(labels.reportGroupings)).toEqual([...ReportGroupings].sort());
    expect(model.reportGroupings).toEqual(ReportGroupings);
    expect(keysOf(labels.escalationTargets)).toEqual([...model.escalationTargets].sort());
    expect(model.escalationTargets).toEqual(["indirect-provider", "microsoft", "none"]);
    expect(keysOf(labels.supportVehicles)).toEqual([...SupportVehicles].sort());
    expect(model.supportVehicles).toEqual(SupportVehicles);
    expect(model.slaFilters).toEqual(SlaFilters);
    for (const f of model.slaFilters) expect(labels.slaHealths[f]).toBeTruthy();
    expect(model.actPermissions).toEqual({ billing: "requests:act:commercial", "subscription-management": "requests:act:commercial", technical: "requests:act:technical" });
    expect(model.caseEditStatuses.assignment).toEqual(CaseStatuses.filter((s) => s !== "closed"));
    expect(model.caseEditStatuses.reclassification).not.toContain("closed");
  });
});
