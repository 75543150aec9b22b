/**
 * RecentRows: the bounded, short-lived memory of rows this process read or wrote, used as the first
 * guess of an optimistic write (shared/adapters/recentRows.ts).
 */
import { RecentRows } from "../../../shared/adapters/recentRows";

describe("RecentRows", () => {
  it("returns the row as remembered, with its ETag, until it is older than maxAgeInMs", () => {
    let now = 1_000;
    const rows = new RecentRows<{ status: string }>({ maxAgeInMs: 500, nowInMs: () => now });
    rows.remember("a", 'W/"1"', { status: "received" });
    now += 500;
    expect(rows.recall("a")).toEqual({ etag: 'W/"1"', value: { status: "received" } });
    now += 1;
    expect(rows.recall("a")).toBeUndefined();
    expect(rows.recall("never")).toBeUndefined();
  });

  it("hands out copies: changing a recalled value, or the value after remembering it, changes nothing remembered", () => {
    const rows = new RecentRows<{ status: string; tags: string[] }>();
    const value = { status: "received", tags: ["x"] };
    rows.remember("a", 'W/"1"', value);
    value.tags.push("changed after");
    const first = rows.recall("a")!;
    first.value.status = "closed";
    expect(rows.recall("a")?.value).toEqual({ status: "received", tags: ["x"] });
  });

  it("a row remembered again replaces the earlier one; without an ETag, or forgotten, it is gone", () => {
    const rows = new RecentRows<number>();
    rows.remember("a", 'W/"1"', 1);
    rows.remember("a", 'W/"2"', 2);
    expect(rows.recall("a")).toEqual({ etag: 'W/"2"', value: 2 });
    rows.remember("a", undefined, 3);
    expect(rows.recall("a")).toBeUndefined();
    rows.remember("b", 'W/"1"', 1);
    rows.forget("b");
    expect(rows.recall("b")).toBeUndefined();
  });

  it("keeps at most maxRows, dropping the least recently used first", () => {
    const rows = new RecentRows<number>({ maxRows: 2 });
    rows.remember("a", "e", 1);
    rows.remember("b", "e", 2);
    expect(rows.recall("a")?.value).toBe(1); // "a" used: "b" is now the least recently used
    rows.remember("c", "e", 3);
    expect(rows.size).toBe(2);
    expect(rows.recall("b")).toBeUndefined();
    expect(rows.recall("a")?.value).toBe(1);
    expect(rows.recall("c")?.value).toBe(3);
  });

  it("refuses bounds that are not positive", () => {
    expect(() => new RecentRows({ maxAgeInMs: 0 })).toThrow(RangeError);
    expect(() => new RecentRows({ maxRows: 0 })).toThrow(RangeError);
  });
});
