import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Partner, PartnerDefinition } from "../../../shared/contracts";
import { loadPartnerDefinitions } from "../../../scripts/lib/fixtures";
import { applyLocalSettings } from "@csp-support/local-host/settings";
import { ensureDemoPartners, findProjectRoot, prepareRegistrationEnv, readCredentialsFile, writeCredentialsFile, type PartnerRegistrar } from "../../../scripts/lib/partners";
import { loadConfig } from "../../../shared/config";

const definitions = loadPartnerDefinitions(path.join(__dirname, "..", "..", "fixtures", "demo", "partners.json"));

function fakeRegistrar(): PartnerRegistrar & { stored: Map<string, Partner>; calls: Array<{ id: string; rotate?: boolean }> } {
  const stored = new Map<string, Partner>();
  const calls: Array<{ id: string; rotate?: boolean }> = [];
  let n = 0;
  return {
    stored,
    calls,
    getPartner: async (id) => stored.get(id),
    registerPartner: async (definition: PartnerDefinition, options?: { rotate?: boolean }) => {
      if (definition.indirectProviderId && !stored.has(definition.indirectProviderId)) throw new Error("provider first");
      calls.push({ id: definition.id, rotate: options?.rotate });
      const created = !stored.has(definition.id);
      const partner = { ...definition, createdAt: "2026-11-21T10:00:00Z" };
      stored.set(definition.id, partner);
      n++;
      return { partner, created, credentials: created || options?.rotate ? { webhookSecret: `whsec_${n}`, apiKey: `csp_${n}` } : undefined };
    },
  };
}

describe("ensureDemoPartners", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-creds-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("registers on first run only, providers first, and writes a 0600 credentials file", async () => {
    const registrar = fakeRegistrar();
    const file = path.join(dir, "sub", "demo-credentials.json");
    const first = await ensureDemoPartners({ definitions: [...definitions].reverse(), credentialsFile: file, registrar });
    expect(first.registered).toHaveLength(3);
    expect(registrar.calls.map((c) => c.id).indexOf("vltava-distribution-praha")).toBeLessThan(registrar.calls.map((c) => c.id).indexOf("wisla-it-warszawa"));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readCredentialsFile(file)?.partners["duna-cloud-budapest"]).toMatchObject({ name: "Duna Cloud Kft.", webhookSecret: expect.stringMatching(/^whsec_/), apiKey: expect.stringMatching(/^csp_/) });

    const second = await ensureDemoPartners({ definitions, credentialsFile: file, registrar });
    expect(second.registered).toEqual([]);
    expect(second.existing).toHaveLength(3);
    expect(registrar.calls).toHaveLength(3);
  });

  it("rotates a known partner whose credentials are not in the file", async () => {
    const registrar = fakeRegistrar();
    const file = path.join(dir, "demo-credentials.json");
    await ensureDemoPartners({ definitions, credentialsFile: file, registrar });
    fs.rmSync(file);
    const again = await ensureDemoPartners({ definitions, credentialsFile: file, registrar });
    expect(again.registered).toHaveLength(3);
    expect(registrar.calls.slice(3).every((c) => c.rotate === true)).toBe(true);
    expect(Object.keys(readCredentialsFile(file)!.partners)).toHaveLength(3);
  });

  it("keeps 0600 when overwriting an existing file", () => {
    const file = path.join(dir, "c.json");
    fs.writeFileSync(file, "{}", { mode: 0o644 });
    writeCredentialsFile(file, { updatedAt: "x", partners: {} });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe("settings and root", () => {
  it("applies local settings without overriding set variables, falling back to the example file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
    try {
      fs.writeFileSync(path.join(dir, "local.settings.example.json"), JSON.stringify({ Values: { A: "1", B: "2" } }));
      const env: NodeJS.ProcessEnv = { B: "kept" };
      expect(applyLocalSettings(dir, env).applied).toEqual(["A"]);
      expect(env).toEqual({ A: "1", B: "kept" });
      fs.writeFileSync(path.join(dir, "local.settings.json"), JSON.stringify({ Values: { C: "3" } }));
      const env2: NodeJS.ProcessEnv = {};
      applyLocalSettings(dir, env2);
      expect(env2).toEqual({ C: "3" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("finds the project root from a nested directory", () => {
    expect(fs.existsSync(path.join(findProjectRoot(__dirname), "package.json"))).toBe(true);
  });
});

describe("prepareRegistrationEnv (register-partner: local storage, or the Azure account after azd up)", () => {
  let dir: string;
  const localSettings = {
    Values: { AzureWebJobsStorage: "UseDevelopmentStorage=true", AzureWebJobsStorage__credential: "", TASK_HUB_NAME: "CspSupportHub", SECRETS_LOCAL_KEYS: `local1:${Buffer.alloc(32, 1).toString("base64")}`, EMAIL_PROVIDER: "smtp" },
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "register-env-"));
    fs.writeFileSync(path.join(dir, "local.settings.json"), JSON.stringify(localSettings));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("refuses an encrypted local.settings.json rather than registering with ciphertext settings", () => {
    fs.writeFileSync(path.join(dir, "local.settings.json"), JSON.stringify({ IsEncrypted: true, Values: { AzureWebJobsStorage: "c2VjcmV0" } }));
    const env: NodeJS.ProcessEnv = {};
    expect(() => prepareRegistrationEnv(dir, env)).toThrow(/IsEncrypted: true/);
    expect(env.AzureWebJobsStorage).toBeUndefined();
  });

  it("uses local.settings.json when no Azure account is named", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(prepareRegistrationEnv(dir, env)).toEqual({ kind: "local" });
    expect(env.AzureWebJobsStorage).toBe("UseDevelopmentStorage=true");
    expect(loadConfig(env).storage).toEqual({ kind: "connectionString", connectionString: "UseDevelopmentStorage=true" });
  });

  it("with the azd outputs, reaches the account's table endpoint with a credential and takes no storage setting or local key from local.settings.json", () => {
    const env: NodeJS.ProcessEnv = { AZURE_STORAGE_ACCOUNT_NAME: "stk3xq7abc", SECRETS_KEY_VAULT_KEY_ID: "https://kv-k3xq7abc.vault.azure.net/keys/secrets-kek" };
    expect(prepareRegistrationEnv(dir, env)).toEqual({ kind: "azure", accountName: "stk3xq7abc" });
    expect(env.AzureWebJobsStorage).toBeUndefined();
    expect(env.SECRETS_LOCAL_KEYS).toBeUndefined();
    expect(env.TASK_HUB_NAME).toBe("CspSupportHub");
    const config = loadConfig(env);
    expect(config.storage).toEqual({ kind: "identity", tableServiceUri: "https://stk3xq7abc.table.core.windows.net" });
    expect(config.SECRETS_KEY_VAULT_KEY_ID).toBe("https://kv-k3xq7abc.vault.azure.net/keys/secrets-kek");
  });

  it("a connection string in the environment wins, as in the app", () => {
    const env: NodeJS.ProcessEnv = { AzureWebJobsStorage: "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=eA==", AZURE_STORAGE_ACCOUNT_NAME: "stk3xq7abc" };
    expect(prepareRegistrationEnv(dir, env)).toEqual({ kind: "local" });
    expect(loadConfig(env).storage.kind).toBe("connectionString");
  });

  it("accepts an explicit table endpoint instead of a name", () => {
    const env: NodeJS.ProcessEnv = { AzureWebJobsStorage__tableServiceUri: "https://stk3xq7abc.table.core.chinacloudapi.cn" };
    expect(prepareRegistrationEnv(dir, env)).toEqual({ kind: "azure", tableServiceUri: "https://stk3xq7abc.table.core.chinacloudapi.cn" });
    expect(env.AzureWebJobsStorage).toBeUndefined();
  });
});
