/**
 * The durable-functions application patterns run by the local Durable engine over Azurite, with the
 * real library: what a user sees through the management API (status, output, history).
 */
import "../../fixtures/durable-app/app";
import type { DurableEngine, FunctionInvoker } from "@csp-support/local-host/durable";
import { workerInvoker } from "@csp-support/local-host/worker";
import { eventTypes, finish, newEngine, waitUntil } from "./helpers";

let engine: DurableEngine;

beforeAll(async () => {
  engine = newEngine();
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
});

test("function chaining runs activities in order and records them in history", async () => {
  const id = await engine.startNew("dtSequence", { input: null });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  const completed = (s.historyEvents ?? []).filter((e) => (e as { EventType: string }).EventType === "TaskCompleted");
  expect(completed.map((e) => (e as { FunctionName: string }).FunctionName)).toEqual(["dtSayHello", "dtSayHello", "dtSayHello"]);
  expect(completed.map((e) => (e as { Result: unknown }).Result)).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);
  expect(eventTypes(s)[0]).toBe("ExecutionStarted");
  expect(eventTypes(s).at(-1)).toBe("ExecutionCompleted");
});

test("fan-out/fan-in runs activities in parallel and aggregates", async () => {
  const n = 12;
  const id = await engine.startNew("dtFanOut", { input: n });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toBe((n * (n - 1)));
  expect(eventTypes(s).filter((t) => t === "TaskCompleted")).toHaveLength(n);
});

test("human interaction: the approval event wins and the timer is canceled", async () => {
  const id = await engine.startNew("dtApproval", { input: { timeoutMs: 4000 } });
  await waitUntil(async () => (await engine.getStatus(id))?.runtimeStatus === "Running", 10000, "running");
  expect(await engine.raiseEvent(id, "Approval", "alice")).toBe("accepted");
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual({ outcome: "approved", by: "alice" });
  const types = eventTypes(s);
  expect(types).toContain("EventRaised");
  expect(types).toContain("TimerCreated");
  expect(types).not.toContain("TimerFired");
});

test("an event payload holding U+2028/U+2029 is kept in history as sent (batched history rows on Azurite)", async () => {
  const id = await engine.startNew("dtApproval", { input: { timeoutMs: 4000 } });
  await waitUntil(async () => (await engine.getStatus(id))?.runtimeStatus === "Running", 10000, "running");
  const by = "alice\u2028line two\u2029paragraph";
  expect(await engine.raiseEvent(id, "Approval", by)).toBe("accepted");
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual({ outcome: "approved", by });
});

test("human interaction: the timer wins when nobody approves", async () => {
  const id = await engine.startNew("dtApproval", { input: { timeoutMs: 600 } });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual({ outcome: "timeout" });
  expect(eventTypes(s)).toContain("TimerFired");
  expect(await engine.raiseEvent(id, "Approval", "late")).toBe("gone");
});

test("an event raised before the orchestrator waits for it is buffered", async () => {
  const id = await engine.startNew("dtApproval", { input: { timeoutMs: 10000 } });
  expect(await engine.raiseEvent(id, "Approval", "early-bird")).toBe("accepted");
  const s = await finish(engine, id);
  expect(s.output).toEqual({ outcome: "approved", by: "early-bird" });
});

test("callActivityWithRetry retries failed attempts with durable timers and then succeeds", async () => {
  const key = `retry-ok-${Date.now()}`;
  const id = await engine.startNew("dtRetry", { input: { key, failTimes: 2, maxAttempts: 4, firstRetryMs: 300, backoff: 2 } });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual(["ok after 3 attempts", "Hello after-retry!"]);
  const events = (s.historyEvents ?? []) as Array<{ EventType: string; FireAt?: string; Timestamp: string; FunctionName?: string }>;
  expect(events.filter((e) => e.EventType === "TaskFailed")).toHaveLength(2);
  const timers = events.filter((e) => e.EventType === "TimerCreated");
  expect(timers).toHaveLength(2);
  // Backoff: the second retry interval is twice the first (300 ms, then 600 ms).
  const delays = timers.map((t) => Date.parse(t.FireAt ?? "") - Date.parse(t.Timestamp));
  expect(delays[0]).toBeGreaterThanOrEqual(290);
  expect(delays[0]).toBeLessThan(400);
  expect(delays[1]).toBeGreaterThanOrEqual(590);
  expect(delays[1]).toBeLessThan(700);
  expect(events.filter((e) => e.EventType === "TimerFired")).toHaveLength(2);
});

test("callActivityWithRetry surfaces the last failure once maxNumberOfAttempts is exhausted", async () => {
  const key = `retry-ko-${Date.now()}`;
  const id = await engine.startNew("dtRetry", { input: { key, failTimes: 10, maxAttempts: 2, firstRetryMs: 200 } });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Failed");
  expect(String(s.output)).toContain("Activity function 'dtFlaky' failed: flaky failure #2");
  expect(eventTypes(s).filter((t) => t === "TaskFailed")).toHaveLength(2);
  expect(eventTypes(s)).not.toContain("TaskCompleted");
});

test("retryTimeoutInMilliseconds stops real attempts; the remaining attempts fail at once with the last error", async () => {
  const key = `retry-timeout-${Date.now()}`;
  // A retry is made when its attempt would start within the timeout: the second (6 s after the
  // first) does as long as the first failed within 5 s, however loaded the machine; a third (12 s
  // or later) never can.
  const id = await engine.startNew("dtRetry", { input: { key, failTimes: 10, maxAttempts: 5, firstRetryMs: 6000, timeoutMs: 11_000 } });
  const s = await finish(engine, id, 40_000);
  expect(s.runtimeStatus).toBe("Failed");
  expect(String(s.output)).toContain("flaky failure #2");
  expect(String(s.output)).toContain("flaky failure #2 (retry timeout of 11000 ms exceeded)");
  expect(String(s.output).split("retry timeout of 11000 ms exceeded")).toHaveLength(2);
  // The library counts 5 attempts; only the first two ran within the timeout.
  expect(eventTypes(s).filter((t) => t === "TaskFailed")).toHaveLength(5);
});

test("callSubOrchestratorWithRetry starts a new child after a failed one", async () => {
  const key = `suborch-retry-${Date.now()}`;
  const id = await engine.startNew("dtParentRetry", { input: { key, failTimes: 1 } });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toBe("ok after 2 attempts");
  const types = eventTypes(s);
  expect(types.filter((t) => t === "SubOrchestrationInstanceFailed")).toHaveLength(1);
  expect(types.filter((t) => t === "SubOrchestrationInstanceCompleted")).toHaveLength(1);
  expect(types).toContain("TimerFired");
});

test("a retried activity inside Task.all keeps the sequence numbers the library expects", async () => {
  const key = `retry-fan-${Date.now()}`;
  const id = await engine.startNew("dtRetryFanOut", { input: { key } });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual(["ok after 2 attempts", "Hello parallel!", "Hello last!"]);
});

test("payloads larger than a queue message and a table property are stored and returned intact", async () => {
  const size = 200 * 1024;
  const id = await engine.startNew("dtBigPayload", { input: size });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(typeof s.output).toBe("string");
  expect((s.output as string).length).toBe(size);
});

test("sub-orchestration: the parent gets the child's output", async () => {
  const id = await engine.startNew("dtParent", { input: { name: "Kid" } });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  expect(s.output).toEqual({ ok: true, child: { greeting: "Hello Kid!", parent: id } });
  const child = await engine.getStatus(`${id}-child`);
  expect(child?.runtimeStatus).toBe("Completed");
  expect(eventTypes(s)).toContain("SubOrchestrationInstanceCompleted");
});

test("sub-orchestration: the child's failure reaches the parent as an error", async () => {
  const id = await engine.startNew("dtParent", { input: { name: "Rebel", fail: true } });
  const s = await finish(engine, id);
  expect(s.runtimeStatus).toBe("Completed");
  const out = s.output as { ok: boolean; error: string };
  expect(out.ok).toBe(false);
  expect(out.error).toContain("child refused Rebel");
  const child = await engine.getStatus(`${id}-child`);
  expect(child?.runtimeStatus).toBe("Failed");
  expect(String(child?.output)).toContain("Orchestrator function 'dtChild' failed: child refused Rebel");
  expect(eventTypes(s)).toContain("SubOrchestrationInstanceFailed");
});

test("custom status is visible while running and after completion", async () => {
  const id = await engine.startNew("dtCustomStatus");
  await waitUntil(async () => {
    const st = await engine.getStatus(id);
    return (st?.customStatus as { stage?: string } | null)?.stage === "waiting";
  }, 10000, "custom status waiting");
  await engine.raiseEvent(id, "go", 42);
  const s = await finish(engine, id);
  expect(s.output).toBe("finished");
  expect(s.customStatus).toEqual({ stage: "done", go: 42 });
});

test("the engine runs functions only through the invoker it was given", async () => {
  const calls: string[] = [];
  const recording: FunctionInvoker = {
    triggerType: (name) => workerInvoker.triggerType(name),
    invoke: (name, trigger) => {
      calls.push(name);
      return name === "dtSayHello" ? Promise.resolve(`Hi ${String(trigger)}.`) : workerInvoker.invoke(name, trigger);
    },
  };
  const own = newEngine({ invoker: recording });
  await own.start();
  try {
    const id = await own.startNew("dtSequence", { input: null });
    const s = await finish(own, id);
    expect(s.output).toEqual(["Hi Tokyo.", "Hi Seattle.", "Hi London."]);
    expect(calls.filter((c) => c === "dtSayHello")).toHaveLength(3);
    expect(calls).toContain("dtSequence");
    await expect(own.startNew("noSuchOrchestrator", { input: null })).rejects.toMatchObject({ code: "OrchestratorNotFound" });
  } finally {
    await own.stop();
  }
});
