/**
 * local.settings.json as `npm run start:deps` prepares it for `func start`: created from the example
 * when missing, missing or empty keys filled, the user's values kept (differences reported), mode 0600.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareLocalSettings, readLocalSettingsValues } from "../../../scripts/lib/localSettings";

let dir: string;
let file: string;
let example: string;
const wanted = { AzureWebJobsStorage: "UseDevelopmentStorage=true", SMTP_PORT: "1025", SECRETS_LOCAL_KEYS: `local1:${Buffer.alloc(32, 7).toString("base64")}` };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-settings-"));
  file = path.join(dir, "local.settings.json");
  example = path.join(dir, "local.settings.example.json");
  fs.writeFileSync(example, JSON.stringify({ IsEncrypted: false, Values: { FUNCTIONS_WORKER_RUNTIME: "node", TASK_HUB_NAME: "CspSupportHub", AzureWebJobsStorage: "UseDevelopmentStorage=true", SMTP_PORT: "1025", SECRETS_LOCAL_KEYS: "" } }));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("prepareLocalSettings", () => {
  it("creates the file from the example with the wanted values, readable by the owner only", () => {
    fs.writeFileSync(example, JSON.stringify({ IsEncrypted: false, Values: { FUNCTIONS_WORKER_RUNTIME: "node", TASK_HUB_NAME: "CspSupportHub", AzureWebJobsStorage: "UseDevelopmentStorage=true", SMTP_PORT: "2525", SECRETS_LOCAL_KEYS: "" } }));
    const update = prepareLocalSettings(file, example, wanted);
    expect(update).toEqual({ file, created: true, set: ["AzureWebJobsStorage", "SMTP_PORT", "SECRETS_LOCAL_KEYS"], differing: [] });
    expect(readLocalSettingsValues(file)).toEqual({ FUNCTIONS_WORKER_RUNTIME: "node", TASK_HUB_NAME: "CspSupportHub", ...wanted });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("fills only missing or empty keys of an existing file and reports the values it keeps", () => {
    fs.writeFileSync(file, JSON.stringify({ IsEncrypted: false, Values: { SMTP_PORT: "2025", AzureWebJobsStorage: "", MY_SETTING: "x" }, Host: { LocalHttpPort: 7072 } }), { mode: 0o644 });
    const update = prepareLocalSettings(file, example, wanted);
    expect(update.created).toBe(false);
    expect(update.set).toEqual(["AzureWebJobsStorage", "SECRETS_LOCAL_KEYS"]);
    expect(update.differing).toEqual([{ key: "SMTP_PORT", value: "2025", wanted: "1025" }]);
    const written = JSON.parse(fs.readFileSync(file, "utf8")) as { Values: Record<string, string>; Host: unknown };
    expect(written.Values).toEqual({ SMTP_PORT: "2025", AzureWebJobsStorage: "UseDevelopmentStorage=true", MY_SETTING: "x", SECRETS_LOCAL_KEYS: wanted.SECRETS_LOCAL_KEYS });
    expect(written.Host).toEqual({ LocalHttpPort: 7072 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("leaves a complete file as it is", () => {
    prepareLocalSettings(file, example, wanted);
    const before = fs.readFileSync(file, "utf8");
    expect(prepareLocalSettings(file, example, wanted)).toEqual({ file, created: false, set: [], differing: [] });
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("refuses an encrypted file", () => {
    fs.writeFileSync(file, JSON.stringify({ IsEncrypted: true, Values: {} }));
    expect(() => prepareLocalSettings(file, example, wanted)).toThrow(/func settings decrypt/);
  });
});
