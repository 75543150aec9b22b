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

  it("requires an ACS connection string or endpoint for EMAIL_PROVIDER=acs", () => {
    expect(() => loadConfig({ ...base, EMAIL_PROVIDER: "acs" })).toThrow(/ACS_CONNECTION_STRING/);
    expect(loadConfig({ ...base, EMAIL_PROVIDER: "acs", ACS_ENDPOINT: "https://contoso.communication.azure.com" }).ACS_ENDPOINT).toBe("https://contoso.communication.azure.com");
  });

  it("treats empty values as unset and strips a trailing slash from PUBLIC_BASE_URL", () => {
    const c = loadConfig({ ...base, SMTP_HOST: "", PUBLIC_BASE_URL: "https://api.example/" });
    expect(c.SMTP_HOST).toBe("127.0.0.1");
    expect(c.PUBLIC_BASE_URL).toBe("https://api.example");
    expect(() => loadConfig({ ...base, TABLE_PREFIX: "bad-prefix" })).toThrow(/TABLE_PREFIX/);
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
