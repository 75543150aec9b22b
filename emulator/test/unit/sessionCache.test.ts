/**
 * The in-memory orchestration state kept between episodes: least recently used instances are
 * evicted first, the bounds on instances and on history events hold, and 0 turns it off.
 */
import { SessionCache, type CachedInstance } from "../../durable/sessionCache";
import { EventType, type HistoryEvent } from "../../durable/historyTypes";
import type { InstanceRecord } from "../../durable/historyStore";

function entry(id: string, events: number): CachedInstance {
  const record: InstanceRecord = {
    instanceId: id, name: "Orchestrator", runtimeStatus: "Running", createdTime: "2026-01-01T00:00:00.000Z", lastUpdatedTime: "2026-01-01T00:00:00.000Z",
    input: null, output: null, customStatus: null, executionId: `${id}-execution`, historyLength: events,
  };
  const history: HistoryEvent[] = Array.from({ length: events }, () => ({ EventType: EventType.OrchestratorStarted, EventId: -1, Timestamp: "2026-01-01T00:00:00.000Z" }));
  return { record, etag: `W/"${id}"`, history };
}

test("over the instance bound, the least recently used instance is evicted", () => {
  const c = new SessionCache(2, 1000);
  c.set("a", entry("a", 3));
  c.set("b", entry("b", 3));
  expect(c.get("a")?.etag).toBe('W/"a"'); // a is now the most recently used
  c.set("c", entry("c", 3));
  expect(c.get("b")).toBeUndefined();
  expect(c.get("a")).toBeDefined();
  expect(c.get("c")).toBeDefined();
});

test("over the event bound, instances are evicted until the held histories fit; a history larger than the bound is not kept", () => {
  const c = new SessionCache(100, 10);
  c.set("a", entry("a", 4));
  c.set("b", entry("b", 4));
  c.set("c", entry("c", 4));
  expect(c.get("a")).toBeUndefined();
  expect(c.size).toBe(2);
  c.set("big", entry("big", 11));
  expect(c.get("big")).toBeUndefined();
  // Replacing an entry counts only its new history: 4 (c) + 6 (b) fit in 10, one more event does not.
  c.set("b", entry("b", 6));
  expect(c.get("c")).toBeDefined();
  expect(c.get("b")?.history).toHaveLength(6);
  c.set("d", entry("d", 1));
  expect(c.get("c")).toBeUndefined();
  expect(c.size).toBe(2);
});

test("a bound of 0 instances keeps nothing; delete drops an entry", () => {
  const off = new SessionCache(0, 1000);
  off.set("a", entry("a", 1));
  expect(off.get("a")).toBeUndefined();
  const c = new SessionCache(10, 1000);
  c.set("a", entry("a", 1));
  c.delete("a");
  expect(c.get("a")).toBeUndefined();
  expect(c.size).toBe(0);
});
