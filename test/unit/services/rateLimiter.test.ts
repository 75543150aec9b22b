/** The per-key fixed-window rate limiter (RFC 6585 429 + Retry-After; OWASP API4:2023). */
import { FixedWindowRateLimiter } from "../../../shared/services/rateLimiter";
import { actPermissionFor, can, RolePermissions, Roles } from "../../../shared/contracts";

describe("FixedWindowRateLimiter", () => {
  it("allows `limit` requests per key per minute, then refuses with the seconds to the window's end", () => {
    let now = Date.parse("2026-03-02T10:00:15.000Z");
    const limiter = new FixedWindowRateLimiter(3, 60_000, () => now);
    expect([1, 2, 3].map(() => limiter.take("a"))).toEqual([
      { allowed: true, limit: 3, remaining: 2, retryAfterInSeconds: 45 },
      { allowed: true, limit: 3, remaining: 1, retryAfterInSeconds: 45 },
      { allowed: true, limit: 3, remaining: 0, retryAfterInSeconds: 45 },
    ]);
    expect(limiter.take("a")).toEqual({ allowed: false, limit: 3, remaining: 0, retryAfterInSeconds: 45 });
    expect(limiter.take("b").allowed).toBe(true);
    now = Date.parse("2026-03-02T10:00:59.500Z");
    expect(limiter.take("a").retryAfterInSeconds).toBe(1);
    now = Date.parse("2026-03-02T10:01:00.000Z");
    expect(limiter.take("a")).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("stays bounded: past windows are swept when the map is full", () => {
    let now = 0;
    const limiter = new FixedWindowRateLimiter(1, 60_000, () => now, 10);
    for (let i = 0; i < 10; i++) limiter.take(`k${i}`);
    now = 60_000;
    for (let i = 10; i < 30; i++) expect(limiter.take(`k${i}`).allowed).toBe(true);
    expect(() => new FixedWindowRateLimiter(0)).toThrow(RangeError);
  });
});

describe("permission matrix (shared/contracts/access.ts)", () => {
  it("follows the Partner Center roles", () => {
    expect(Roles.filter((r) => can(r, "keys:manage"))).toEqual(["global-admin"]);
    expect(Roles.filter((r) => can(r, "requests:act:technical"))).toEqual(["global-admin", "admin-agent", "helpdesk-agent"]);
    expect(Roles.filter((r) => can(r, "requests:act:commercial"))).toEqual(["global-admin", "admin-agent", "billing-admin"]);
    expect(Roles.filter((r) => can(r, "inbound-email:read"))).toEqual(["global-admin", "admin-agent", "helpdesk-agent"]);
    expect(RolePermissions["sales-agent"]).toEqual(["requests:read"]);
    expect(Roles.every((r) => can(r, "requests:read"))).toBe(true);
    expect([actPermissionFor("technical"), actPermissionFor("billing"), actPermissionFor("subscription-management")]).toEqual(["requests:act:technical", "requests:act:commercial", "requests:act:commercial"]);
  });
});
