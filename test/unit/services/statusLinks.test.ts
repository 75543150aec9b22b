import { randomBytes } from "node:crypto";
import { StatusLinkSigner, statusPageUrl, type StatusLinkKey } from "../../../shared/services/statusLinks";

const k1: StatusLinkKey = { id: "k1", key: randomBytes(32) };
const k2: StatusLinkKey = { id: "k2", key: randomBytes(32) };
const now = new Date("2026-03-02T10:00:00Z");
const claims = { partnerId: "contoso", caseId: "CS-0123456789", expiresAt: "2026-04-01T10:00:00.000Z" };

/** Flips one character of a base64url part to another valid one. */
function flip(part: string, at = 0): string {
  const c = part[at] === "A" ? "B" : "A";
  return part.slice(0, at) + c + part.slice(at + 1);
}

describe("status-link tokens", () => {
  const signer = new StatusLinkSigner([k1]);

  it("verify to the claims they were signed with, until and including their expiry", () => {
    const token = signer.sign(claims);
    expect(token).toMatch(/^k1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(signer.verify(token, now)).toEqual({ ok: true, claims });
    expect(signer.verify(token, new Date("2026-04-01T10:00:00.000Z")).ok).toBe(true);
  });

  it("are refused as expired one millisecond after the expiry", () => {
    expect(signer.verify(signer.sign(claims), new Date("2026-04-01T10:00:00.001Z"))).toEqual({ ok: false, reason: "expired" });
  });

  it("are refused when any part is tampered with (payload, signature, key id)", () => {
    const [kid, payload, sig] = signer.sign(claims).split(".") as [string, string, string];
    expect(signer.verify(`${kid}.${flip(payload, 5)}.${sig}`, now)).toEqual({ ok: false, reason: "signature" });
    expect(signer.verify(`${kid}.${payload}.${flip(sig, 10)}`, now)).toEqual({ ok: false, reason: "signature" });
    expect(signer.verify(`k2.${payload}.${sig}`, now)).toEqual({ ok: false, reason: "signature" });
    // Another case's payload under this signature (a customer editing the case id).
    const other = Buffer.from(JSON.stringify({ p: "contoso", c: "CS-0000000000", x: Date.parse(claims.expiresAt) / 1000 })).toString("base64url");
    expect(signer.verify(`${kid}.${other}.${sig}`, now)).toEqual({ ok: false, reason: "signature" });
    // A later expiry under this signature.
    const later = Buffer.from(JSON.stringify({ p: "contoso", c: claims.caseId, x: Date.parse("2030-01-01T00:00:00Z") / 1000 })).toString("base64url");
    expect(signer.verify(`${kid}.${later}.${sig}`, now)).toEqual({ ok: false, reason: "signature" });
  });

  it("are refused when signed with a key the verifier does not hold", () => {
    expect(new StatusLinkSigner([k2]).verify(signer.sign(claims), now)).toEqual({ ok: false, reason: "signature" });
  });

  it("survive a key rotation: the new key signs, the old one still verifies", () => {
    const old = signer.sign(claims);
    const rotated = new StatusLinkSigner([k2, k1]);
    expect(rotated.sign(claims).startsWith("k2.")).toBe(true);
    expect(rotated.verify(old, now).ok).toBe(true);
  });

  it("refuse malformed input without throwing", () => {
    for (const bad of ["", "abc", "a.b", "a.b.c.d", "k1.!!.x", `k1.${"A".repeat(2000)}.x`, "k1..", "k1.e30.AAAA"]) {
      const v = signer.verify(bad, now);
      expect(v.ok).toBe(false);
    }
  });

  it("refuse bad keys and expiries when built or signing", () => {
    expect(() => new StatusLinkSigner([])).toThrow(RangeError);
    expect(() => new StatusLinkSigner([{ id: "k1", key: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new StatusLinkSigner([{ id: "bad id", key: randomBytes(32) }])).toThrow(/key id/);
    expect(() => signer.sign({ ...claims, expiresAt: "soon" })).toThrow(RangeError);
  });

  it("make a URL under /api/status/ with an optional anchor", () => {
    expect(statusPageUrl("https://support.example", "t.o.k", "rating")).toBe("https://support.example/api/status/t.o.k#rating");
    expect(statusPageUrl("https://support.example", "t.o.k")).toBe("https://support.example/api/status/t.o.k");
  });
});
