/**
 * Host start-up: settings loading, entry-point globbing, fail-fast errors, CLI argument parsing,
 * and the route template rules.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expandGlob, loadApp } from "../../../appLoader";
import { formatFunctionList, parseCliArgs } from "../../../cli";
import { checkStorage, createLocalHost, HostStartError } from "../../../host";
import { compileRoute, RouteTemplateError } from "../../../http/router";
import { applyLocalSettings, getTaskHubName } from "../../../settings";
import { getFreePort } from "../../../../test/support/azurite";
import { FIXTURE_APP_DIR } from "./fakeEngine";

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempApp(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-app-"));
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("settings", () => {
  it("applies local.settings.json over the example, existing variables winning", () => {
    const dir = tempApp({
      "local.settings.json": JSON.stringify({ Values: { A: "from-local", B: "from-local" } }),
      "local.settings.example.json": JSON.stringify({ Values: { A: "from-example", C: "from-example" } }),
    });
    const env: NodeJS.ProcessEnv = { B: "from-env" };
    expect(applyLocalSettings(dir, env)).toEqual({ source: "local.settings.json", applied: ["A"] });
    expect(env).toEqual({ A: "from-local", B: "from-env" });
  });

  it("falls back to local.settings.example.json, and reports none when neither exists", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(applyLocalSettings(FIXTURE_APP_DIR, env).source).toBe("local.settings.example.json");
    expect(env.HOST_APP_HUB).toBe("HostAppHub");
    expect(applyLocalSettings(tempApp({}), {}).source).toBe("none");
  });

  it("resolves %SETTING% in the hub name and rejects invalid names", () => {
    expect(getTaskHubName({ extensions: { durableTask: { hubName: "%HUB%" } } }, { HUB: "MyHub1" })).toBe("MyHub1");
    expect(getTaskHubName({})).toBe("TestHubName");
    expect(() => getTaskHubName({ extensions: { durableTask: { hubName: "%MISSING%" } } }, {})).toThrow(/MISSING/);
    expect(() => getTaskHubName({ extensions: { durableTask: { hubName: "my-hub" } } }, {})).toThrow(/invalid/);
  });
});

describe("loading the app", () => {
  it("expands package.json main globs", () => {
    const dir = tempApp({ "dist/functions/a.js": "", "dist/functions/b.js": "", "dist/functions/c.txt": "", "dist/functions/sub/d.js": "" });
    expect(expandGlob("dist/functions/*.js", dir).map((f) => path.relative(dir, f))).toEqual(["dist/functions/a.js", "dist/functions/b.js"]);
    expect(expandGlob("dist/**/*.{js,txt}", dir).map((f) => path.relative(dir, f))).toEqual([
      "dist/functions/a.js",
      "dist/functions/b.js",
      "dist/functions/c.txt",
      "dist/functions/sub/d.js",
    ]);
  });

  it("fails fast listing every entry point that threw", async () => {
    const dir = tempApp({
      "package.json": JSON.stringify({ main: "fns/*.js" }),
      "fns/bad1.js": "throw new Error('first broken');",
      "fns/bad2.js": "throw new Error('second broken');",
      "fns/good.js": "",
    });
    await expect(loadApp(dir)).rejects.toMatchObject({
      code: "AppLoadFailed",
      message: expect.stringMatching(/fns\/bad1\.js: first broken[\s\S]*fns\/bad2\.js: second broken/),
    });
  });

  it("rejects a start when nothing matches main (app not built)", async () => {
    const dir = tempApp({ "package.json": JSON.stringify({ main: "dist/functions/*.js" }) });
    const host = createLocalHost({ appDir: dir, port: 0, log: () => undefined });
    await expect(host.start()).rejects.toMatchObject({ name: "HostStartError", code: "AppLoadFailed", message: expect.stringMatching(/zero files/) });
  });
});

describe("storage", () => {
  it("reports StorageUnreachable when nothing listens", async () => {
    const port = await getFreePort();
    const cs = (process.env.AZURE_STORAGE_CONNECTION_STRING ?? "").replace(/QueueEndpoint=http:\/\/127\.0\.0\.1:\d+/, `QueueEndpoint=http://127.0.0.1:${port}`);
    const error = await checkStorage(cs, 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostStartError);
    expect(error).toMatchObject({ code: "StorageUnreachable" });
  });

  it("passes against Azurite", async () => {
    await expect(checkStorage(process.env.AZURE_STORAGE_CONNECTION_STRING ?? "", 5000)).resolves.toBeUndefined();
  });
});

describe("cli", () => {
  it("parses flags and rejects unknown ones", () => {
    expect(parseCliArgs([])).toEqual({ port: 7071, appDir: ".", rpcPort: 17071, help: false });
    expect(parseCliArgs(["--port", "8080", "--app-dir=/srv/app", "--rpc-port", "off"])).toEqual({ port: 8080, appDir: "/srv/app", rpcPort: false, help: false });
    expect(() => parseCliArgs(["--port", "x"])).toThrow(RangeError);
    expect(() => parseCliArgs(["--nope"])).toThrow(/Unknown option/);
  });

  it("formats the function list like func start", () => {
    const text = formatFunctionList([
      { name: "startCase", triggerType: "httpTrigger", methods: ["POST"], authLevel: "function", url: "http://127.0.0.1:7071/api/cases" },
      { name: "caseOrchestrator", triggerType: "orchestrationTrigger" },
    ]);
    expect(text).toContain("startCase: [POST] http://127.0.0.1:7071/api/cases (authLevel: function)");
    expect(text).toContain("caseOrchestrator: orchestrationTrigger");
  });
});

describe("route templates", () => {
  it("applies ASP.NET constraints", () => {
    const r = compileRoute("a/{id:int:min(1)}/{flag:bool?}");
    expect(r.match("a/5")).toEqual({ id: "5" });
    expect(r.match("a/5/TRUE")).toEqual({ id: "5", flag: "TRUE" });
    expect(r.match("a/0")).toBeUndefined();
    expect(r.match("a/5/maybe")).toBeUndefined();
    expect(r.match("a/2147483648")).toBeUndefined();
    expect(compileRoute("f/{name:length(2,3)}.{ext:alpha}").match("f/abc.txt")).toEqual({ name: "abc", ext: "txt" });
    expect(compileRoute("r/{code:regex(^[A-Z]{{2}}\\d+$)}").match("r/AB12")).toBeDefined();
    expect(compileRoute("d/{x=def}").match("d")).toEqual({ x: "def" });
  });

  it("rejects malformed templates", () => {
    expect(() => compileRoute("a/{id:unknown}")).toThrow(RouteTemplateError);
    expect(() => compileRoute("a/{*rest}/b")).toThrow(RouteTemplateError);
    expect(() => compileRoute("a/{id")).toThrow(RouteTemplateError);
  });
});
