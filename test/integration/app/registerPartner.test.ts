/** Partner registration over real Table Storage: only hashes of API keys are stored; rotation keeps the previous credentials. */
import { TableClient } from "@azure/data-tables";
import { createContainer } from "../../../shared/container";
import { authenticatePartner, hashApiKey, verifyWebhook } from "../../../shared/services";
import { partnerDefinition, signWebhook, testConfig } from "./helpers";

const config = testConfig("reg");
const container = createContainer(config);

describe("registerPartner", () => {
  it("issues credentials once and stores the API key only as its SHA-256 hash", async () => {
    const result = await container.registerPartner(partnerDefinition("epsilon-partner"));
    expect(result.created).toBe(true);
    const creds = result.credentials!;
    expect(creds.webhookSecret).toMatch(/^whsec_/);
    expect(creds.apiKey).toMatch(/^csp_/);

    const table = TableClient.fromConnectionString(config.AzureWebJobsStorage, `${config.TABLE_PREFIX}Partners`, { allowInsecureConnection: true });
    const rows = [];
    for await (const e of table.listEntities()) rows.push(e);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(creds.apiKey);
    expect(dump).not.toContain(creds.apiKey.slice(4));
    expect(dump).toContain(hashApiKey(creds.apiKey));
    expect(await authenticatePartner(container, "epsilon-partner", creds.apiKey)).toEqual({ kind: "authenticated", partnerId: "epsilon-partner" });
  });

  it("keeps existing credentials when registered again, unless asked to rotate", async () => {
    const first = (await container.registerPartner(partnerDefinition("zeta-partner"))).credentials!;
    const again = await container.registerPartner(partnerDefinition("zeta-partner", { name: "Zeta Renamed" }));
    expect(again.created).toBe(false);
    expect(again.credentials).toBeUndefined();
    expect(again.webhookSecret).toBe(first.webhookSecret);
    expect(again.partner.name).toBe("Zeta Renamed");

    const rotated = (await container.registerPartner(partnerDefinition("zeta-partner"), { rotate: true })).credentials!;
    expect(rotated.webhookSecret).not.toBe(first.webhookSecret);
    const stored = await container.partners.getCredentials("zeta-partner");
    expect(stored?.webhookSecrets).toEqual([rotated.webhookSecret, first.webhookSecret]);
    const body = "{}";
    expect(verifyWebhook(stored!.webhookSecrets, body, signWebhook(first.webhookSecret, body)).ok).toBe(true);
    expect(verifyWebhook(stored!.webhookSecrets, body, signWebhook(rotated.webhookSecret, body)).ok).toBe(true);
    expect((await authenticatePartner(container, "zeta-partner", first.apiKey)).kind).toBe("authenticated");
    expect((await authenticatePartner(container, "zeta-partner", rotated.apiKey)).kind).toBe("authenticated");

    const second = (await container.registerPartner(partnerDefinition("zeta-partner"), { rotate: true })).credentials!;
    expect((await authenticatePartner(container, "zeta-partner", first.apiKey)).kind).toBe("unauthorized");
    expect((await authenticatePartner(container, "zeta-partner", second.apiKey)).kind).toBe("authenticated");
  });

  it("rejects an invalid definition naming the fields", async () => {
    await expect(container.registerPartner({ ...partnerDefinition("eta-partner"), type: "indirect-reseller", senderEmail: "nope" })).rejects.toMatchObject({ code: "ValidationFailed", issues: expect.arrayContaining([expect.objectContaining({ path: ["senderEmail"] }), expect.objectContaining({ path: ["indirectProviderId"] })]) });
  });
});
