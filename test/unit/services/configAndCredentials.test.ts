import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { TableStorage } from "../../../shared/adapters/tableStorage";
import { ConfigError, loadConfig } from "../../../shared/config";
import { apiKeyMatches, generateApiKey, hashApiKey } from "../../../shared/services/credentials";
import { fingerprintRequest, parseIdempotencyKey } from "../../../shared/services/idempotency";

describe("configuration", () => {
  const base = { AzureWebJobsStorage: "UseDevelopmentStorage=true", TASK_HUB_NAME: "CspSupportHub" };

  it("applies the local defaults", () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({ EMAIL_PROVIDER: "smtp", SMTP_HOST: "127.0.0.1", SMTP_PORT: 1025, PUBLIC_BASE_URL: "http://127.0.0.1:7071", TABLE_PREFIX: "" });
  });

  it("fails fast naming each bad key", () => {
    const err = (() => {
      try {
        loadConfig({ TASK_HUB_NAME: "x", SMTP_PORT: "99999" });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe("InvalidConfiguration");
    expect(err.keys.sort()).toEqual(["AzureWebJobsStorage", "SMTP_PORT", "TASK_HUB_NAME"]);
    expect(err.message).toContain("AzureWebJobsStorage: is required");
  });

  function configError(env: Record<string, string>): ConfigError {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error("expected a ConfigError");
  }

  it("refuses a Key Vault reference the platform left unresolved, naming the setting, and accepts the resolved secret", () => {
    const partnerCenter = { ...base, PARTNER_CENTER_ENABLED: "true", PARTNER_CENTER_TENANT_ID: "contoso.onmicrosoft.com", PARTNER_CENTER_CLIENT_ID: "00000000-0000-4000-8000-000000000001", PARTNER_CENTER_SUPPORT_TOPIC_ID: "32444671" };
    // App Service leaves the reference text as the value when it cannot read the secret.
    const err = configError({ ...partnerCenter, PARTNER_CENTER_CLIENT_SECRET: "@Microsoft.KeyVault(VaultName=kv-abc;SecretName=partner-center-client-secret)" });
    expect(err.keys).toEqual(["PARTNER_CENTER_CLIENT_SECRET"]);
    expect(err.message).toContain("PARTNER_CENTER_CLIENT_SECRET: is a Key Vault reference the platform could not resolve");
    expect(err.message).not.toContain("partner-center-client-secret)");
    // The other form, any case, and a format error on the same key reported once (as unresolved).
    const both = configError({ ...base, STATUS_LINK_KEYS: " @microsoft.keyvault(SecretUri=https://kv-abc.vault.azure.net/secrets/status-link-keys/)", SMTP_PORT: "99999" });
    expect(both.keys.sort()).toEqual(["SMTP_PORT", "STATUS_LINK_KEYS"]);
    expect(both.message.match(/STATUS_LINK_KEYS:/g)).toHaveLength(1);
    // Resolved, the setting holds the secret itself.
    expect(loadConfig({ ...partnerCenter, PARTNER_CENTER_CLIENT_SECRET: "s3cr3t~value.from-the-vault" }).PARTNER_CENTER_CLIENT_SECRET).toBe("s3cr3t~value.from-the-vault");
  });

  describe("storage connection (AzureWebJobsStorage, connection string or identity-based)", () => {
    const hub = { TASK_HUB_NAME: "CspSupportHub" };
    const clientId = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";

    it("takes a connection string, including UseDevelopmentStorage=true", () => {
      expect(loadConfig({ ...hub, AzureWebJobsStorage: "UseDevelopmentStorage=true" }).storage).toEqual({ kind: "connectionString", connectionString: "UseDevelopmentStorage=true" });
      const cs = "DefaultEndpointsProtocol=https;AccountName=stcsp;AccountKey=a2V5;EndpointSuffix=core.windows.net";
      const c = loadConfig({ ...hub, AzureWebJobsStorage: cs });
      expect(c.storage).toEqual({ kind: "connectionString", connectionString: cs });
      expect(c.AzureWebJobsStorage).toBe(cs);
    });

    it("takes the identity-based form infra/modules/app.bicep sets (accountName, credential, clientId)", () => {
      const c = loadConfig({ ...hub, AzureWebJobsStorage__accountName: "stcspabc123", AzureWebJobsStorage__credential: "managedidentity", AzureWebJobsStorage__clientId: clientId });
      expect(c.storage).toEqual({ kind: "identity", tableServiceUri: "https://stcspabc123.table.core.windows.net", managedIdentityClientId: clientId });
      expect(c.AzureWebJobsStorage).toBe("");
    });

    it("takes an account name alone (system-assigned identity, or the developer's sign-in locally)", () => {
      expect(loadConfig({ ...hub, AzureWebJobsStorage__accountName: "stcsp" }).storage).toEqual({ kind: "identity", tableServiceUri: "https://stcsp.table.core.windows.net" });
    });

    it("prefers tableServiceUri over accountName and drops its trailing slash", () => {
      const c = loadConfig({ ...hub, AzureWebJobsStorage__accountName: "stcsp", AzureWebJobsStorage__tableServiceUri: "https://stcsp.table.core.chinacloudapi.cn/" });
      expect(c.storage).toEqual({ kind: "identity", tableServiceUri: "https://stcsp.table.core.chinacloudapi.cn" });
    });

    it("prefers a connection string over identity settings, as the Functions host does", () => {
      const c = loadConfig({ ...hub, AzureWebJobsStorage: "UseDevelopmentStorage=true", AzureWebJobsStorage__accountName: "stcsp" });
      expect(c.storage.kind).toBe("connectionString");
    });

    it("treats an empty connection string as unset", () => {
      expect(loadConfig({ ...hub, AzureWebJobsStorage: "", AzureWebJobsStorage__accountName: "stcsp" }).storage.kind).toBe("identity");
      expect(loadConfig({ ...hub, AzureWebJobsStorage: "   ", AzureWebJobsStorage__accountName: "stcsp" }).storage.kind).toBe("identity");
    });

    it("fails naming AzureWebJobsStorage and both forms when neither is set", () => {
      for (const env of [hub, { ...hub, AzureWebJobsStorage: "" }, { ...hub, AzureWebJobsStorage__credential: "managedidentity", AzureWebJobsStorage__clientId: clientId }]) {
        const err = configError(env);
        expect(err.keys).toEqual(["AzureWebJobsStorage"]);
        expect(err.message).toContain("AzureWebJobsStorage: is required");
        expect(err.message).toContain("UseDevelopmentStorage=true");
        expect(err.message).toContain("AzureWebJobsStorage__accountName");
        expect(err.message).toContain("AzureWebJobsStorage__tableServiceUri");
      }
    });

    it.each([
      ["AzureWebJobsStorage__accountName", "St-Csp", /3–24 lowercase letters and digits/],
      ["AzureWebJobsStorage__accountName", "ab", /3–24 lowercase letters and digits/],
      ["AzureWebJobsStorage__tableServiceUri", "http://stcsp.table.core.windows.net", /https URI/],
      ["AzureWebJobsStorage__tableServiceUri", "not a url", /https URI/],
      ["AzureWebJobsStorage__credential", "connectionstring", /managedidentity/],
      ["AzureWebJobsStorage__clientId", "not-a-guid", /GUID/],
    ])("rejects %s=%j naming the key", (key, value, message) => {
      const err = configError({ ...hub, AzureWebJobsStorage__accountName: "stcsp", [key]: value });
      expect(err.keys).toEqual([key]);
      expect(err.message).toMatch(new RegExp(`${key}: `));
      expect(err.message).toMatch(message);
    });

    it("accepts the credential value in any case", () => {
      expect(loadConfig({ ...hub, AzureWebJobsStorage__accountName: "stcsp", AzureWebJobsStorage__credential: "ManagedIdentity" }).storage.kind).toBe("identity");
    });
  });

  it("requires an ACS connection string or endpoint for EMAIL_PROVIDER=acs", () => {
    expect(() => loadConfig({ ...base, EMAIL_PROVIDER: "acs", EMAIL_SENDER_ADDRESS: "DoNotReply@x.azurecomm.net" })).toThrow(/ACS_CONNECTION_STRING/);
    expect(loadConfig({ ...base, EMAIL_PROVIDER: "acs", ACS_ENDPOINT: "https://contoso.communication.azure.com", EMAIL_SENDER_ADDRESS: "DoNotReply@x.azurecomm.net" }).ACS_ENDPOINT).toBe("https://contoso.communication.azure.com");
  });

  it("requires the platform sender address for EMAIL_PROVIDER=acs, and reads the linked domains", () => {
    const acs = { ...base, EMAIL_PROVIDER: "acs", ACS_ENDPOINT: "https://contoso.communication.azure.com" };
    const missing = configError(acs);
    expect(missing.keys).toEqual(["EMAIL_SENDER_ADDRESS"]);
    expect(missing.message).toContain("EMAIL_SENDER_ADDRESS: is required when EMAIL_PROVIDER=acs");
    expect(configError({ ...acs, EMAIL_SENDER_ADDRESS: "DoNotReply" }).keys).toEqual(["EMAIL_SENDER_ADDRESS"]);
    const c = loadConfig({ ...acs, EMAIL_SENDER_ADDRESS: "DoNotReply@1f2e3d4c-0000-4000-8000-000000000001.azurecomm.net", EMAIL_SENDER_LINKED_DOMAINS: " Support.Contoso.com , fabrikam.example," });
    expect(c.EMAIL_SENDER_ADDRESS).toBe("DoNotReply@1f2e3d4c-0000-4000-8000-000000000001.azurecomm.net");
    expect(c.EMAIL_SENDER_LINKED_DOMAINS).toEqual(["support.contoso.com", "fabrikam.example"]);
    expect(loadConfig(base).EMAIL_SENDER_LINKED_DOMAINS).toEqual([]);
    expect(configError({ ...base, EMAIL_SENDER_LINKED_DOMAINS: "contoso.com, not a domain" }).keys).toEqual(["EMAIL_SENDER_LINKED_DOMAINS"]);
  });

  it("treats empty values as unset and strips a trailing slash from PUBLIC_BASE_URL", () => {
    const c = loadConfig({ ...base, SMTP_HOST: "", PUBLIC_BASE_URL: "https://api.example/" });
    expect(c.SMTP_HOST).toBe("127.0.0.1");
    expect(c.PUBLIC_BASE_URL).toBe("https://api.example");
    expect(() => loadConfig({ ...base, TABLE_PREFIX: "bad-prefix" })).toThrow(/TABLE_PREFIX/);
  });
});

describe("TableStorage over an identity-based connection", () => {
  /** A credential that records the scopes asked for and then fails, so no request leaves the process. */
  class RecordingCredential implements TokenCredential {
    readonly scopes: string[][] = [];
    async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken | null> {
      this.scopes.push(Array.isArray(scopes) ? scopes : [scopes]);
      throw new Error("no token in unit tests");
    }
  }

  it("addresses the table service URI and asks the credential for a Storage token", async () => {
    const credential = new RecordingCredential();
    const storage = new TableStorage({ tableServiceUri: "https://stcsp.table.core.windows.net/", credential, tablePrefix: "T1" });
    expect(storage.serviceClient.url).toBe("https://stcsp.table.core.windows.net");
    expect(storage.tableName("Cases")).toBe("T1Cases");
    await expect(storage.ping()).rejects.toThrow("no token in unit tests");
    await expect(storage.getTable("Cases")).rejects.toThrow("no token in unit tests");
    expect(credential.scopes).toEqual([["https://storage.azure.com/.default"], ["https://storage.azure.com/.default"]]);
  });

  it("refuses a plain-http table service URI (tokens need TLS)", () => {
    expect(() => new TableStorage({ tableServiceUri: "http://127.0.0.1:10002/devstoreaccount1", credential: new RecordingCredential() })).toThrow(TypeError);
    expect(() => new TableStorage({ tableServiceUri: "not a url", credential: new RecordingCredential() })).toThrow(TypeError);
  });
});

describe("API keys", () => {
  it("are csp_ + 32 random bytes base64url and match only their own SHA-256 hash", () => {
    const key = generateApiKey();
    expect(key).toMatch(/^csp_[A-Za-z0-9_-]{43}$/);
    const hash = hashApiKey(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKeyMatches(key, [hashApiKey(generateApiKey()), hash])).toBe(true);
    expect(apiKeyMatches(generateApiKey(), [hash])).toBe(false);
    expect(apiKeyMatches(key, ["not-hex"])).toBe(false);
  });
});

describe("idempotency keys", () => {
  it("accept sf-strings and bare tokens, reject empty or over-long keys", () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe("8e03978e-40d5-43e8-bc93-6894a57f9324");
    expect(parseIdempotencyKey("abc")).toBe("abc");
    expect(parseIdempotencyKey("")).toBeUndefined();
    expect(parseIdempotencyKey("x".repeat(256))).toBeUndefined();
  });

  it("fingerprint method, path and body", () => {
    const a = fingerprintRequest("POST", "/api/x", "{}");
    expect(fingerprintRequest("post", "/api/x", "{}")).toBe(a);
    expect(fingerprintRequest("POST", "/api/y", "{}")).not.toBe(a);
    expect(fingerprintRequest("POST", "/api/x", "{ }")).not.toBe(a);
  });
});
