import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { generateWebhookSecret } from "../../../shared/services/credentials";
import fc from "fast-check";
import { decodeUtf8Body, signWebhookBytes, verifyWebhook } from "../../../shared/services/webhookVerification";

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

describe("signatures over raw bytes (properties)", () => {
  const secret = generateWebhookSecret();
  const at = new Date();
  const ts = Math.floor(at.getTime() / 1000);

  it("agrees with the standardwebhooks package on every text body (its UTF-8 bytes are what it signs)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (text) => {
        const signature = new Webhook(secret).sign("msg_prop", at, text);
        expect(signWebhookBytes(secret, "msg_prop", ts, Buffer.from(text, "utf8"))).toBe(signature);
        expect(verifyWebhook([secret], Buffer.from(text, "utf8"), { "webhook-id": "msg_prop", "webhook-timestamp": String(ts), "webhook-signature": signature }, at).ok).toBe(true);
      }),
    );
  });

  it("any byte string verifies against its own signature, and changing any one byte breaks it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, pos, delta) => {
        const headers = { "webhook-id": "msg_bytes", "webhook-timestamp": String(ts), "webhook-signature": signWebhookBytes(secret, "msg_bytes", ts, bytes) };
        expect(verifyWebhook([secret], bytes, headers, at).ok).toBe(true);
        const changed = Uint8Array.from(bytes);
        const i = pos % changed.length;
        changed[i] = ((changed[i] as number) + delta) % 256;
        expect(verifyWebhook([secret], changed, headers, at)).toMatchObject({ ok: false, reason: "signature-mismatch" });
      }),
    );
  });

  it("decodes only valid UTF-8: a BOM is dropped, anything else that is not UTF-8 names where decoding fails", () => {
    expect(decodeUtf8Body(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toEqual({ ok: true, text: "{}" });
    expect(decodeUtf8Body(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]))).toMatchObject({ ok: false, byteOffset: 3 });
    expect(decodeUtf8Body(Buffer.from([0x7b, 0xe2, 0x82]))).toMatchObject({ ok: false, byteOffset: 3 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const d = decodeUtf8Body(bytes);
        const reencoded = d.ok ? Buffer.from(d.text, "utf8") : undefined;
        // Accepted bodies round-trip to the same bytes (less a leading BOM); nothing is ever replaced by U+FFFD.
        if (d.ok) expect(Buffer.compare(reencoded as Buffer, Buffer.from(bytes).subarray(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0))).toBe(0);
        else expect(d.byteOffset).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });
});
