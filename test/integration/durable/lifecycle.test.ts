/**
 * Instance lifecycle in the local Durable engine: continueAsNew, long timers, non-determinism
 * detection, terminate/suspend/resume/purge, listing and unknown instances.
 */
import "../../fixtures/durable-app/app";
import type { DurableEngine, InstanceStatus } from "@csp-support/local-host/durable";
import { eventTypes, finish, newEngine, waitUntil } from "./helpers";

const DAY = 24 * 3600 * 1000;
let engine: DurableEngine;

beforeAll(async () => {
  engine = newEngine();
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
});

type ApiEvent = { EventType: string; FireAt?: string; Timestamp: string; Name?: string; Input?: unknown };
const historyOf = (s: InstanceStatus | undefined): ApiEvent[] => (s?.historyEvents ?? []) as ApiEvent[];

test("continueAsNew starts fresh generations; an event the old generation did not consume is discarded", async () => {
  const id = await engine.startNew("dtCounter", { input: { n: 0, max: 3, delayMs: 400 } });
  // Raised while generation 0 waits for its timer: it lands in generation 0, which never waits for it.
  expect(await engine.raiseEvent(id, "stop", "early")).toBe("accepted");
  const last = await waitUntil(async () => {
    const st = await engine.getStatus(id, { showHistory: true });
    return (st?.input as { n?: number } | null)?.n === 3 && eventTypes(st!).includes("ExecutionStarted") ? st : undefined;
  }, 15000, "generation 3");
  expect(last.runtimeStatus).toBe("Running");
  expect(last.customStatus).toEqual({ generation: 3 });
  // Fresh history: only the last generation, and the early event is gone (preserveUnprocessedEvents is false for JS).
  expect(eventTypes(last).filter((t) => t === "ExecutionStarted")).toHaveLength(1);
  expect(eventTypes(last)).not.toContain("EventRaised");
  await new Promise((r) => setTimeout(r, 300));
  expect((await engine.getStatus(id))?.runtimeStatus).toBe("Running");
  // An event raised to the new generation is delivered.
  expect(await engine.raiseEvent(id, "stop", "late")).toBe("accepted");
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual({ n: 3, stop: "late" });
  expect(s.input).toEqual({ n: 3, max: 3, delayMs: 400 });
});

test("a timer longer than maximumShortTimerDuration is chunked (10 days → first chunk of 3 days), then terminate", async () => {
  const id = await engine.startNew("dtLongTimer", { input: { ms: 10 * DAY } });
  const st = await waitUntil(async () => {
    const s = await engine.getStatus(id, { showHistory: true });
    return eventTypes(s ?? ({} as InstanceStatus)).includes("TimerCreated") ? s : undefined;
  }, 10000, "timer created");
  const timers = historyOf(st).filter((e) => e.EventType === "TimerCreated");
  expect(timers).toHaveLength(1);
  const delay = Date.parse(timers[0]!.FireAt!) - Date.parse(timers[0]!.Timestamp);
  expect(delay).toBe(3 * DAY);
  expect(await engine.terminate(id, "no need to wait 10 days")).toBe("accepted");
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Terminated");
  expect(s.output).toBe("no need to wait 10 days");
  expect(eventTypes(s)).toContain("ExecutionTerminated");
});

test("long timers fire after all their chunks (short durations configured)", async () => {
  const fast = newEngine({ maximumShortTimerDuration: "00:00:02", longRunningTimerIntervalDuration: "00:00:01" });
  await fast.start();
  try {
    const id = await fast.startNew("dtLongTimer", { input: { ms: 4500 } });
    const s = await finish(fast, id, 20000);
    expect(s.runtimeStatus).toBe("Completed");
    expect(s.output).toBe("timer fired");
    const created = historyOf(s).filter((e) => e.EventType === "TimerCreated");
    const fired = historyOf(s).filter((e) => e.EventType === "TimerFired");
    // Chunks of 1 s while more than 2 s remain, then the final timer at the requested time. The
    // library decides from the orchestration's clock (the episode's time) whether the requested time
    // has come, so on a loaded machine a late chunk can end the wait instead of a final timer: what
    // always holds is that every chunk but the last is 1 s, and that the wait ends no earlier than
    // the requested 4.5 s after the orchestration started.
    const startedAt = Date.parse(historyOf(s).find((e) => e.EventType === "ExecutionStarted")!.Timestamp);
    expect(created.length).toBeGreaterThanOrEqual(2);
    expect(fired).toHaveLength(created.length);
    for (const c of created.slice(0, -1)) expect(Date.parse(c.FireAt!) - Date.parse(c.Timestamp)).toBe(1000);
    // No timer is applied before its time by the wall clock (else the wait would need one more chunk).
    for (const f of fired) expect(Date.parse(String(f.Timestamp))).toBeGreaterThanOrEqual(Date.parse(String(f.FireAt)));
    expect(Date.parse(String(fired.at(-1)!.Timestamp))).toBeGreaterThanOrEqual(startedAt + 4500);
    expect(Date.parse(String(fired.at(-1)!.Timestamp))).toBeGreaterThanOrEqual(Date.parse(created.at(-1)!.FireAt!));
  } finally {
    await fast.stop();
  }
});

test("an orchestrator whose replay schedules different work fails as non-deterministic", async () => {
  const id = await engine.startNew("dtNonDeterministic");
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Failed");
  expect(String(s.output)).toContain("Non-Deterministic workflow detected");
  expect(String(s.output)).toContain("dtSayHello");
  expect(String(s.output)).toContain("dtDouble");
});

test("suspend holds events until resume; terminate and purge; unknown instances", async () => {
  const id = await engine.startNew("dtWaitForGo");
  await waitUntil(async () => (await engine.getStatus(id))?.runtimeStatus === "Running", 10000, "running");
  expect(await engine.suspend(id, "maintenance")).toBe("accepted");
  await waitUntil(async () => (await engine.getStatus(id))?.runtimeStatus === "Suspended", 10000, "suspended");
  expect(await engine.raiseEvent(id, "go", "Suspended World")).toBe("accepted");
  await new Promise((r) => setTimeout(r, 700));
  const held = await engine.getStatus(id, { showHistory: true });
  expect(held?.runtimeStatus).toBe("Suspended");
  expect(eventTypes(held!)).not.toContain("EventRaised");
  expect(await engine.resume(id, "done")).toBe("accepted");
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toBe("Hello Suspended World!");
  expect(eventTypes(s)).toEqual(expect.arrayContaining(["ExecutionSuspended", "ExecutionResumed", "EventRaised"]));

  const victim = await engine.startNew("dtWaitForGo", { instanceId: `victim-${Date.now()}` });
  await waitUntil(async () => (await engine.getStatus(victim))?.runtimeStatus === "Running", 10000, "running");
  expect(await engine.purgeInstance(victim)).toBe(0); // not terminal
  expect(await engine.terminate(victim, "stop it")).toBe("accepted");
  const t = await finish(engine, victim);
  expect(t.runtimeStatus).toBe("Terminated");
  expect(t.output).toBe("stop it");
  expect(await engine.raiseEvent(victim, "go", 1)).toBe("gone");
  expect(await engine.terminate(victim)).toBe("gone");
  await expect(engine.startNew("dtWaitForGo", { instanceId: id })).resolves.toBe(id); // terminal ids can be reused
  await expect(engine.startNew("dtWaitForGo", { instanceId: id })).rejects.toMatchObject({ code: "InstanceExists" });
  await engine.terminate(id);
  await finish(engine, id);

  expect(await engine.purgeInstance(victim)).toBe(1);
  expect(await engine.getStatus(victim)).toBeUndefined();
  expect(await engine.raiseEvent("no-such-instance", "go", 1)).toBe("notFound");
  expect(await engine.terminate("no-such-instance")).toBe("notFound");
  await expect(engine.startNew("noSuchOrchestrator")).rejects.toMatchObject({ code: "OrchestratorNotFound" });
});

test("listInstances filters by prefix, status and creation time, with paging", async () => {
  const prefix = `list-${Date.now()}-`;
  const before = new Date(Date.now() - 1000).toISOString();
  const ids = await Promise.all([0, 1, 2].map((i) => engine.startNew("dtSequence", { instanceId: `${prefix}${i}`, input: i })));
  await Promise.all(ids.map((id) => finish(engine, id)));
  const running = await engine.startNew("dtWaitForGo", { instanceId: `${prefix}running` });
  await waitUntil(async () => (await engine.getStatus(running))?.runtimeStatus === "Running", 10000, "running");

  const page1 = await engine.listInstances({ instanceIdPrefix: prefix, top: 2 });
  expect(page1.instances).toHaveLength(2);
  expect(page1.continuationToken).toBeTruthy();
  const page2 = await engine.listInstances({ instanceIdPrefix: prefix, top: 2, continuationToken: page1.continuationToken });
  const all = [...page1.instances, ...page2.instances].map((i) => i.instanceId).sort();
  expect(all).toEqual([...ids, running].sort());

  const completed = await engine.listInstances({ instanceIdPrefix: prefix, runtimeStatus: ["Completed"], showInput: true });
  expect(completed.instances.map((i) => i.instanceId).sort()).toEqual([...ids].sort());
  expect(completed.instances.map((i) => i.input).sort()).toEqual([0, 1, 2]);
  const inRange = await engine.listInstances({ instanceIdPrefix: prefix, createdTimeFrom: before, createdTimeTo: new Date(Date.now() + 1000).toISOString() });
  expect(inRange.instances).toHaveLength(4);
  const future = await engine.listInstances({ instanceIdPrefix: prefix, createdTimeFrom: new Date(Date.now() + 60000).toISOString() });
  expect(future.instances).toHaveLength(0);

  expect(await engine.purgeInstances({ createdTimeFrom: before, runtimeStatus: ["Completed"] })).toBeGreaterThanOrEqual(3);
  expect((await engine.listInstances({ instanceIdPrefix: prefix })).instances.map((i) => i.instanceId)).toEqual([running]);
  await engine.terminate(running);
  await finish(engine, running);
});
