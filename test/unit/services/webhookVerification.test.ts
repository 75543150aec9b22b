import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { generateWebhookSecret } from "../../../shared/services/credentials";
import { verifyWebhook } from "../../../shared/services/webhookVerification";

function sign(secret: string, body: string, at: Date, id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W") {
  return { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": new Webhook(secret).sign(id, at, body) };
}

describe("Standard Webhooks verification", () => {
  const body = JSON.stringify({ title: "Azure VM down", severity: "A" });

  it("generates secrets in the whsec_ + base64(32 bytes) format the standard signer accepts", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    expect(verifyWebhook([secret], body, sign(secret, body, new Date()))).toMatchObject({ ok: true, webhookId: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W" });
  });

  it("accepts header names in any case and a Headers object", () => {
    const secret = generateWebhookSecret();
    const h = sign(secret, body, new Date());
    const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook([secret], body, upper).ok).toBe(true);
    expect(verifyWebhook([secret], body, new Headers(h)).ok).toBe(true);
  });

  it("rejects a tampered body", () => {
    const secret = generateWebhookSecret();
    const h = sign(secret, body, new Date());
    expect(verifyWebhook([secret], body.replace("A", "C"), h)).toMatchObject({ ok: false, reason: "signature-mismatch" });
  });

  it("rejects a signature made with another secret", () => {
    const h = sign(generateWebhookSecret(), body, new Date());
    expect(verifyWebhook([generateWebhookSecret()], body, h)).toMatchObject({ ok: false, reason: "signature-mismatch" });
  });

  it("rejects timestamps more than 5 minutes old or ahead, and accepts them within", () => {
    const secret = generateWebhookSecret();
    const now = Date.now();
    expect(verifyWebhook([secret], body, sign(secret, body, new Date(now - 6 * 60_000)))).toMatchObject({ ok: false, reason: "timestamp-too-old" });
    expect(verifyWebhook([secret], body, sign(secret, body, new Date(now + 6 * 60_000)))).toMatchObject({ ok: false, reason: "timestamp-too-new" });
    expect(verifyWebhook([secret], body, sign(secret, body, new Date(now - 4 * 60_000))).ok).toBe(true);
    expect(verifyWebhook([secret], body, sign(secret, body, new Date(now + 4 * 60_000))).ok).toBe(true);
  });

  it("reports missing headers by name and a non-numeric timestamp", () => {
    const secret = generateWebhookSecret();
    const { "webhook-signature": _s, ...noSig } = sign(secret, body, new Date());
    const r = verifyWebhook([secret], body, noSig);
    expect(r).toMatchObject({ ok: false, reason: "missing-headers" });
    expect(!r.ok && r.detail).toContain("webhook-signature");
    expect(verifyWebhook([secret], body, { ...sign(secret, body, new Date()), "webhook-timestamp": "yesterday" })).toMatchObject({ ok: false, reason: "invalid-timestamp" });
  });

  it("supports rotation: either secret verifies, and several signatures in one header", () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const secrets = [newSecret, oldSecret];
    expect(verifyWebhook(secrets, body, sign(oldSecret, body, new Date())).ok).toBe(true);
    expect(verifyWebhook(secrets, body, sign(newSecret, body, new Date())).ok).toBe(true);
    const at = new Date();
    const a = sign(oldSecret, body, at);
    const b = sign(generateWebhookSecret(), body, at);
    const both = { ...a, "webhook-signature": `${b["webhook-signature"]} ${a["webhook-signature"]}` };
    expect(verifyWebhook([oldSecret], body, both).ok).toBe(true);
  });

  it("verifies a body that is not JSON (parsing is a separate step)", () => {
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    expect(verifyWebhook([secret], "not json", sign(secret, "not json", new Date())).ok).toBe(true);
  });
});
