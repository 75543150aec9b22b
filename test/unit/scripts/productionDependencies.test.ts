/**
 * The deployed app (what azd ships: functions/, orchestrations/, shared/) and package.json's
 * production `dependencies` agree: every package the app imports is a production dependency, and
 * every production dependency is imported by the app. Everything else (the local host, scripts,
 * tests, the browser) is a development dependency, so it never reaches Azure.
 */
import fs from "node:fs";
import path from "node:path";
import { builtinModules } from "node:module";

const root = path.resolve(__dirname, "../../..");
const deployed = ["functions", "orchestrations", "shared"];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith(".ts") ? [full] : [];
  });
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

/** Bare package specifiers a file imports at run time (static, dynamic, require), not `import type`. */
function importedPackages(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specifiers = [
    ...[...text.matchAll(/^\s*import\s+(?!type\s)[^;]*?\sfrom\s+"([^"]+)"/gm)].map((m) => m[1]),
    ...[...text.matchAll(/^\s*import\s+"([^"]+)"/gm)].map((m) => m[1]),
    ...[...text.matchAll(/^\s*export\s+(?!type\s)[^;]*?\sfrom\s+"([^"]+)"/gm)].map((m) => m[1]),
    ...[...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]),
    ...[...text.matchAll(/\brequire\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]),
  ].filter((s): s is string => s !== undefined);
  return specifiers.filter((s) => !s.startsWith(".") && !s.startsWith("node:") && !builtinModules.includes(s)).map(packageOf);
}

describe("production dependencies", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const imports = new Map<string, string[]>();
  for (const dir of deployed) {
    for (const file of sourceFiles(path.join(root, dir))) {
      for (const name of importedPackages(file)) imports.set(name, [...(imports.get(name) ?? []), path.relative(root, file)]);
    }
  }

  it("hold every package the deployed app imports", () => {
    // `@azure/functions-core` is provided by the Functions host's Node worker, not installed.
    const missing = [...imports.keys()].filter((name) => name !== "@azure/functions-core" && pkg.dependencies[name] === undefined);
    expect(missing).toEqual([]);
  });

  it("hold nothing the deployed app does not import", () => {
    const unused = Object.keys(pkg.dependencies).filter((name) => !imports.has(name));
    expect(unused).toEqual([]);
  });

  it("are pinned to exact versions", () => {
    for (const [name, version] of Object.entries(pkg.dependencies)) expect(`${name}@${version}`).toMatch(/@\d+\.\d+\.\d+$/);
  });
});

describe("the local host package's dependencies (emulator/package.json)", () => {
  const project = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { workspaces?: string[]; dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const host = JSON.parse(fs.readFileSync(path.join(root, "emulator", "package.json"), "utf8")) as { name: string; dependencies: Record<string, string>; peerDependencies: Record<string, string> };
  const sources = sourceFiles(path.join(root, "emulator")).filter((f) => !f.includes(`${path.sep}test${path.sep}`) && !f.includes(`${path.sep}dist${path.sep}`));
  const imported = new Set(sources.flatMap(importedPackages));

  it("is a workspace of the project and one of its development dependencies, never a production one", () => {
    expect(project.workspaces).toEqual(["emulator"]);
    expect(project.devDependencies[host.name]).toBeDefined();
    expect(project.dependencies[host.name]).toBeUndefined();
  });

  it("lists exactly what its sources import (the worker's built-in module aside)", () => {
    expect(Object.keys(host.dependencies).sort()).toEqual([...imported].filter((n) => n !== "@azure/functions-core").sort());
  });

  it("takes @azure/functions and durable-functions as peers, at the versions the app pins", () => {
    expect(host.peerDependencies).toEqual({ "@azure/functions": project.dependencies["@azure/functions"], "durable-functions": project.dependencies["durable-functions"] });
  });

  it("pins the versions the project's lockfile holds", () => {
    const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
    for (const [name, version] of Object.entries(host.dependencies)) expect(`${name}@${lock.packages[`node_modules/${name}`]?.version}`).toBe(`${name}@${version}`);
  });
});
