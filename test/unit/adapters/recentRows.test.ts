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

  it("remembers a row as missing until it is remembered, forgotten, pushed out or too old; recall gives nothing for it", () => {
    let now = 0;
    const rows = new RecentRows<number>({ maxRows: 2, maxAgeInMs: 1000, nowInMs: () => now });
    rows.rememberMissing("a");
    expect(rows.knownMissing("a")).toBe(true);
    expect(rows.recall("a")).toBeUndefined();
    expect(rows.knownMissing("b")).toBe(false);
    rows.remember("a", 'W/"1"', 1);
    expect(rows.knownMissing("a")).toBe(false);
    expect(rows.recall("a")).toEqual({ etag: 'W/"1"', value: 1 });
    rows.rememberMissing("b");
    rows.forget("b");
    expect(rows.knownMissing("b")).toBe(false);
    rows.rememberMissing("c");
    now = 1001;
    expect(rows.knownMissing("c")).toBe(false);
    now = 0;
    rows.rememberMissing("d"); // two at most: "a", then "c" (the least recently used) are pushed out
    rows.rememberMissing("e");
    expect(rows.size).toBe(2);
    expect(rows.knownMissing("c")).toBe(false);
    expect(rows.knownMissing("d")).toBe(true);
  });

  it("refuses bounds that are not positive", () => {
    expect(() => new RecentRows({ maxAgeInMs: 0 })).toThrow(RangeError);
    expect(() => new RecentRows({ maxRows: 0 })).toThrow(RangeError);
  });
});
