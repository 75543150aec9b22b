/**
 * Webhook secrets at rest in the Partners table (Azurite): sealed, bound to their partner, rows
 * written in clear by earlier versions sealed on first read, and a KEK rotation that keeps the
 * webhook verifying throughout.
 */
import { TableClient } from "@azure/data-tables";
import { generateLocalKeyEntry } from "../../../shared/adapters/localKeyEncryptionKeys";
import { TablePartnerRepository } from "../../../shared/adapters";
import { createContainer, createSecretSealer } from "../../../shared/container";
import { loadConfig } from "../../../shared/config";
import { verifyWebhook } from "../../../shared/services";
import { scanStorageForSecrets } from "../../support/secretScan";
import { partnerDefinition, signWebhook, testConfig } from "./helpers";

const cs = process.env.AZURE_STORAGE_CONNECTION_STRING as string;
const k1 = generateLocalKeyEntry("k1");
const k2 = generateLocalKeyEntry("k2");
const config = testConfig("sealed", { SECRETS_LOCAL_KEYS: k1 });
const partnersTable = (): TableClient => TableClient.fromConnectionString(cs, `${config.TABLE_PREFIX}Partners`, { allowInsecureConnection: true });
const withKeys = (keys: string) => createContainer(loadConfig({ AzureWebJobsStorage: cs, TASK_HUB_NAME: "TestHub", TABLE_PREFIX: config.TABLE_PREFIX, SECRETS_LOCAL_KEYS: keys }));

describe("webhook secrets at rest", () => {
  it("are stored sealed: no clear column, no trace of the secret in any table, and they still verify", async () => {
    const container = createContainer(config);
    const { credentials } = await container.registerPartner(partnerDefinition("sealed-a"));
    const row = await partnersTable().getEntity<Record<string, unknown>>("partner", "sealed-a");
    expect(row.webhookSecrets).toBeUndefined();
    expect(JSON.parse(String(row.webhookSecretsSealed))).toMatchObject({ v: 1, kek: "local:k1" });
    const scan = await scanStorageForSecrets(cs, new Map([["webhook secret", credentials!.webhookSecret]]), { tablePrefix: config.TABLE_PREFIX });
    expect(scan.entities).toBeGreaterThan(0);
    expect(scan.findings).toEqual([]);
    const body = '{"x":1}';
    expect(verifyWebhook((await container.partners.getCredentials("sealed-a"))!.webhookSecrets, body, signWebhook(credentials!.webhookSecret, body)).ok).toBe(true);
  });

  it("a sealed value copied to another partner's row does not open there", async () => {
    const container = createContainer(config);
    await container.registerPartner(partnerDefinition("sealed-b"));
    await container.registerPartner(partnerDefinition("sealed-c"));
    const b = await partnersTable().getEntity<Record<string, unknown>>("partner", "sealed-b");
    await partnersTable().updateEntity({ partitionKey: "partner", rowKey: "sealed-c", webhookSecretsSealed: b.webhookSecretsSealed }, "Merge");
    await expect(container.partners.getCredentials("sealed-c")).rejects.toThrow(/does not open for partner:sealed-c/);
  });

  it("a row written in clear by an earlier version is read, then sealed in place", async () => {
    const container = createContainer(config);
    await container.registerPartner(partnerDefinition("sealed-legacy"));
    const legacySecret = "whsec_bGVnYWN5LWxlZ2FjeS1sZWdhY3ktbGVnYWN5LWxlZ2FjeS0wMQ==";
    const row = await partnersTable().getEntity<Record<string, unknown>>("partner", "sealed-legacy");
    const { webhookSecretsSealed: _s, etag: _e, timestamp: _t, ...rest } = row as Record<string, unknown>;
    await partnersTable().updateEntity({ ...(rest as { partitionKey: string; rowKey: string }), webhookSecrets: JSON.stringify([legacySecret]) }, "Replace");
    expect((await container.partners.getCredentials("sealed-legacy"))?.webhookSecrets).toEqual([legacySecret]);
    const after = await partnersTable().getEntity<Record<string, unknown>>("partner", "sealed-legacy");
    expect(after.webhookSecrets).toBeUndefined();
    expect(typeof after.webhookSecretsSealed).toBe("string");
    expect(JSON.stringify(after)).not.toContain(legacySecret.slice(6));
    expect((await container.partners.getCredentials("sealed-legacy"))?.webhookSecrets).toEqual([legacySecret]);
  });

  it("rotating the KEK needs no downtime: old and new KEK both open until reseal, then the old one can go", async () => {
    const before = withKeys(k1);
    const { credentials } = await before.registerPartner(partnerDefinition("sealed-rot"));
    const body = '{"r":1}';
    const verifies = async (c: ReturnType<typeof withKeys>) => verifyWebhook((await c.partners.getCredentials("sealed-rot"))!.webhookSecrets, body, signWebhook(credentials!.webhookSecret, body)).ok;
    // 1. The new KEK goes in front; instances with either setting verify the webhook.
    const during = withKeys(`${k2},${k1}`);
    expect([await verifies(before), await verifies(during)]).toEqual([true, true]);
    // 2. Reseal everything under the new KEK.
    const report = await (during.partners as TablePartnerRepository).resealSecrets();
    expect(report.resealed).toBeGreaterThanOrEqual(1);
    expect(report.remaining).toBe(0);
    expect(JSON.parse(String((await partnersTable().getEntity<Record<string, unknown>>("partner", "sealed-rot")).webhookSecretsSealed)).kek).toBe("local:k2");
    // Idempotent; the row damaged by the test above is reported, not fatal.
    expect(await (during.partners as TablePartnerRepository).resealSecrets()).toMatchObject({ resealed: 0, remaining: 0, failed: ["sealed-c"] });
    // 3. The old KEK is removed.
    expect(await verifies(withKeys(k2))).toBe(true);
    await expect(withKeys(k1).partners.getCredentials("sealed-rot")).rejects.toThrow(/local:k2 is not in SECRETS_LOCAL_KEYS/);
  });

  it("the app does not start without a key encryption key, naming both settings", () => {
    expect(() => createSecretSealer(loadConfig({ AzureWebJobsStorage: cs, TASK_HUB_NAME: "TestHub" }))).toThrow(/SECRETS_KEY_VAULT_KEY_ID or SECRETS_LOCAL_KEYS/);
  });
});
