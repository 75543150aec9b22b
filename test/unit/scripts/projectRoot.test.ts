/**
 * `npm start` runs the compiled scripts from dist/: they must find the project root (where
 * node_modules, the fixtures and .data live), not a package.json that tsc copied into dist/ (which
 * happens when any compiled file imports package.json).
 */
import fs from "node:fs";
import path from "node:path";
import { findProjectRoot } from "../../../scripts/lib/partners";

const ROOT = path.join(__dirname, "..", "..", "..");

test("the compiled scripts resolve the project root, and the build puts no package.json into dist/", () => {
  expect(findProjectRoot(path.join(ROOT, "dist", "scripts", "lib"))).toBe(ROOT);
  expect(fs.existsSync(path.join(ROOT, "dist", "package.json"))).toBe(false);
  expect(fs.existsSync(path.join(findProjectRoot(path.join(ROOT, "dist", "scripts", "lib")), "node_modules", "maildev"))).toBe(true);
});
