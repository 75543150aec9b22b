/**
 * Inbound email the blob trigger gave up on, taken back from `webjobs-blobtrigger-poison`
 * (retryPoisonedInboundEmail) on Azurite, with a recording email sender and a fake workflow: a
 * message whose dependency recovers becomes its request; one that keeps failing is tried again
 * later (the delay growing, `Retry-After` honoured), and given up it is quarantined as
 * `processing-failed`, listed, and the partner emailed; the retry queue adapter hides the next
 * attempt until it is due and writes what the queue trigger reads back. The hourly sweep hands
 * blobs no trigger ran on (no inbound log entry) to the same retry path.
 */
import { randomBytes } from "node:crypto";
import { QueueClient } from "@azure/storage-queue";
import { createContainer, type Container } from "../../../shared/container";
import { QueueInboundEmailRetries } from "../../../shared/adapters";
import { INBOUND_EMAIL_CONTAINER, InboundEmailFailurePolicy, type Fault } from "../../../shared/contracts";
import type { InboundEmailRetryQueue } from "../../../shared/ports";
import { PoisonedBlobMessageSchema, processInboundEmail, retryPoisonedInboundEmail, sweepUnprocessedInboundEmail, type PoisonedEmailDeps } from "../../../shared/services/inboundEmail";
import { FakeWorkflow, partnerDefinition, rawEmail, RecordingSender, testConfig } from "../app/helpers";

/** Records what would be scheduled instead of enqueueing it. */
class RecordingRetries implements InboundEmailRetryQueue {
  readonly scheduled: Array<{ message: Record<string, unknown>; delayInMs: number }> = [];
  async schedule(message: Readonly<Record<string, unknown>>, delayInMs: number): Promise<void> {
    this.scheduled.push({ message: { ...message }, delayInMs });
  }
}

let container: Container;
let sender: RecordingSender;
let workflow: FakeWorkflow;
let retries: RecordingRetries;
let deps: PoisonedEmailDeps;
const partnerId = `poison-${randomBytes(3).toString("hex")}`;
const supportAddress = `support@${partnerId}.example`;
let n = 0;

/** Writes a new customer email to `inbound-email` and returns the host's poison message for it. */
async function poisonedEmail(subject: string): Promise<Record<string, unknown>> {
  n++;
  const blobName = `${partnerId}/20261204T000000000Z-${n}-${randomBytes(4).toString("hex")}.eml`;
  const raw = rawEmail({ from: `ops${n}@contoso-${partnerId}.example`, to: supportAddress, subject, date: new Date(), text: `Please help: ${subject}` });
  await container.inboundBlobs.putInbound(blobName, raw);
  return { Type: "BlobTrigger", FunctionId: "Host.Functions.ProcessInboundEmail", BlobType: "BlockBlob", ContainerName: INBOUND_EMAIL_CONTAINER, BlobName: blobName, ETag: '"0x8DD"' };
}

/** `target` with one method replaced; its other methods stay bound to it (the adapters keep private state). */
function replacing<T extends object, K extends keyof T>(target: T, key: K, replacement: T[K]): T {
  return new Proxy(target, {
    get: (t, p) => {
      if (p === key) return replacement;
      const v = Reflect.get(t, p) as unknown;
      return typeof v === "function" ? (v as (...args: unknown[]) => unknown).bind(t) : v;
    },
  });
}

const casesWithTitle = async (title: string) => (await container.cases.listCases(partnerId, { limit: 100 })).items.filter((c) => c.title === title);

beforeAll(async () => {
  sender = new RecordingSender();
  workflow = new FakeWorkflow();
  // As the Durable client (axios) fails when the host's endpoint refuses connections.
  workflow.startError = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:7071"), { code: "ECONNREFUSED" });
  container = createContainer(testConfig("poi"), { emailSender: sender, createWorkflow: () => workflow });
  await container.registerPartner(partnerDefinition(partnerId));
  retries = new RecordingRetries();
  deps = { ...container.poisonedEmailDeps(workflow), retries };
});

beforeEach(() => {
  retries.scheduled.length = 0;
  workflow.failStarts = 0;
});

describe("a poisoned inbound email whose dependency recovers", () => {
  it("fails again while the Durable client is unreachable: the next attempt is scheduled 10 s later with what failed", async () => {
    const message = await poisonedEmail("VPN gateway down since this morning");
    workflow.failStarts = 1;
    const before = Date.now();

    const first = await retryPoisonedInboundEmail(deps, message);

    expect(first).toMatchObject({ kind: "retry-scheduled", attempt: 1, delayInMs: InboundEmailFailurePolicy.initialDelayInMs, fault: { class: "transient", code: "unreachable" } });
    expect(retries.scheduled).toHaveLength(1);
    const next = PoisonedBlobMessageSchema.parse(retries.scheduled[0]!.message);
    expect(next).toMatchObject({ ContainerName: INBOUND_EMAIL_CONTAINER, BlobName: message.BlobName, ETag: message.ETag, FunctionId: message.FunctionId, RetryAttempts: 1, LastFault: { code: "unreachable" } });
    expect(Date.parse(next.FirstFailedAt as string)).toBeGreaterThanOrEqual(before - 1000);

    // The request was stored before the start failed: it is on record as unstarted, for the recovery sweeper.
    const stored = await casesWithTitle("VPN gateway down since this morning");
    expect(stored).toHaveLength(1);
    expect((await deps.unstartedWorkflows.list(1000)).map((u) => u.caseId)).toContain(stored[0]!.caseId);

    // The client answers again: the scheduled attempt creates the request, once.
    const second = await retryPoisonedInboundEmail(deps, JSON.stringify(next));

    expect(second).toMatchObject({ kind: "processed", attempt: 2, result: { duplicate: false, outcome: { kind: "new" } } });
    const cases = await casesWithTitle("VPN gateway down since this morning");
    expect(cases).toHaveLength(1);
    expect(workflow.started.filter((s) => s.caseId === cases[0]!.caseId)).toHaveLength(1);
    expect(retries.scheduled).toHaveLength(1);
  });

  it("a message taken back twice (a crash after scheduling) changes nothing the second time", async () => {
    const message = await poisonedEmail("Licence count wrong after renewal");
    expect(await retryPoisonedInboundEmail(deps, message)).toMatchObject({ kind: "processed" });
    const again = await retryPoisonedInboundEmail(deps, message);
    expect(again).toMatchObject({ kind: "processed", result: { duplicate: true } });
    expect(await casesWithTitle("Licence count wrong after renewal")).toHaveLength(1);
  });
});

describe("a poisoned inbound email that keeps failing", () => {
  it("waits at least as long as a throttled dependency's Retry-After", async () => {
    const message = await poisonedEmail("Throttled while processing");
    workflow.failStarts = 1;
    const throttled: Fault = { class: "transient", code: "throttled", message: "429", retryAfterInMs: 120_000 };
    const outcome = await retryPoisonedInboundEmail({ ...deps, classify: () => throttled }, message);
    expect(outcome).toMatchObject({ kind: "retry-scheduled", delayInMs: 120_000 });
    expect(retries.scheduled[0]?.delayInMs).toBe(120_000);
  });

  it("doubles the delay with each attempt", async () => {
    const message = await poisonedEmail("Still failing");
    workflow.failStarts = 1;
    const outcome = await retryPoisonedInboundEmail(deps, { ...message, RetryAttempts: 3, FirstFailedAt: new Date(Date.now() - 70_000).toISOString() });
    expect(outcome).toMatchObject({ kind: "retry-scheduled", attempt: 4, delayInMs: 80_000 });
  });

  it("after a day of transient faults: quarantined as processing-failed, listed, the partner emailed, nothing scheduled", async () => {
    const message = await poisonedEmail("Exchange mailbox full");
    workflow.failStarts = 1;
    const dayAgo = new Date(Date.now() - 25 * 3_600_000).toISOString();

    const outcome = await retryPoisonedInboundEmail(deps, { ...message, RetryAttempts: 40, FirstFailedAt: dayAgo });

    expect(outcome).toMatchObject({ kind: "quarantined", attempt: 41, outcome: { kind: "quarantine", reason: "processing-failed" } });
    expect(retries.scheduled).toEqual([]);
    const listed = (await container.inboundLog.listQuarantine(partnerId, { limit: 100 })).items.find((q) => q.sourceBlobName === message.BlobName);
    expect(listed).toMatchObject({ reason: "processing-failed", subject: "Exchange mailbox full", from: expect.stringMatching(/^ops\d+@contoso-/) });
    expect(listed?.detail).toMatch(/^unreachable: .*given up after 41 attempts over 25 h/);
    const quarantineBlob = container.inboundBlobs.service.getContainerClient("inbound-email-quarantine").getBlobClient(listed!.blobName);
    expect((await quarantineBlob.getProperties()).metadata).toMatchObject({ reason: "processing-failed" });
    const notice = sender.sent.find((m) => m.subject.startsWith("Inbound email quarantined (processing-failed): Exchange mailbox full"));
    expect(notice?.text).toContain("Reason: processing-failed (unreachable:");
  });

  it("an error no adapter classified: given up after 5 attempts", async () => {
    const message = await poisonedEmail("Teams meeting recordings missing");
    const broken: PoisonedEmailDeps = { ...deps, inboundLog: replacing(container.inboundLog, "claim", async () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'owner')"))) };

    expect(await retryPoisonedInboundEmail(broken, { ...message, RetryAttempts: 3, FirstFailedAt: new Date().toISOString() })).toMatchObject({ kind: "retry-scheduled", attempt: 4, fault: { code: "unexpected" } });
    const last = await retryPoisonedInboundEmail(broken, { ...message, RetryAttempts: 4, FirstFailedAt: new Date().toISOString() });

    expect(last).toMatchObject({ kind: "quarantined", attempt: 5, fault: { code: "unexpected" } });
    const listed = (await container.inboundLog.listQuarantine(partnerId, { limit: 100 })).items.find((q) => q.sourceBlobName === message.BlobName);
    expect(listed?.detail).toMatch(/^unexpected: Cannot read properties .*5 attempts with an unexpected error/);
  });

  it("a permanent fault is not retried", async () => {
    const message = await poisonedEmail("Permanent");
    workflow.failStarts = 1;
    const outcome = await retryPoisonedInboundEmail({ ...deps, classify: () => ({ class: "permanent", code: "bad-request", message: "400 InvalidInput" }) }, message);
    expect(outcome).toMatchObject({ kind: "quarantined", attempt: 1 });
    expect(retries.scheduled).toEqual([]);
  });

  it("the quarantine stands when the partner's email cannot be sent either", async () => {
    const message = await poisonedEmail("Mail down too");
    workflow.failStarts = 1;
    const failingSender = { send: async () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:25")), checkHealth: async () => undefined };
    const outcome = await retryPoisonedInboundEmail({ ...deps, emailSender: failingSender, classify: () => ({ class: "permanent", code: "bad-request", message: "x" }) }, message);
    expect(outcome).toMatchObject({ kind: "quarantined", noticeFailed: expect.stringContaining("ECONNREFUSED") });
    expect((await container.inboundLog.listQuarantine(partnerId, { limit: 100 })).items.some((q) => q.sourceBlobName === message.BlobName)).toBe(true);
  });

  it("a blob store that keeps failing: retried, and given up the message is thrown back to the queue, not dropped", async () => {
    const message = await poisonedEmail("Blob store down");
    const down: PoisonedEmailDeps = { ...deps, blobs: replacing(container.inboundBlobs, "getInbound", async () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:10000"), { code: "ECONNREFUSED" }))) };
    expect(await retryPoisonedInboundEmail(down, message)).toMatchObject({ kind: "retry-scheduled", fault: { code: "unreachable" } });
    await expect(retryPoisonedInboundEmail(down, { ...message, RetryAttempts: 60, FirstFailedAt: new Date(Date.now() - 25 * 3_600_000).toISOString() })).rejects.toThrow("ECONNREFUSED");
  });
});

describe("poison messages that are not an inbound email", () => {
  it("says so for another container, a blob outside any partner, a message without names and one that is not JSON", async () => {
    expect(await retryPoisonedInboundEmail(deps, { ContainerName: "reports", BlobName: "x.csv" })).toMatchObject({ kind: "not-inbound-email", reason: expect.stringContaining("not in inbound-email") });
    expect(await retryPoisonedInboundEmail(deps, { ContainerName: INBOUND_EMAIL_CONTAINER, BlobName: "loose.eml" })).toMatchObject({ kind: "not-inbound-email" });
    expect(await retryPoisonedInboundEmail(deps, { FunctionId: "x" })).toMatchObject({ kind: "not-inbound-email" });
    expect(await retryPoisonedInboundEmail(deps, "{not json")).toMatchObject({ kind: "not-inbound-email" });
    expect(retries.scheduled).toEqual([]);
  });

  it("a blob erased meanwhile: nothing to do", async () => {
    expect(await retryPoisonedInboundEmail(deps, { ContainerName: INBOUND_EMAIL_CONTAINER, BlobName: `${partnerId}/gone.eml` })).toEqual({ kind: "blob-gone", blobName: `${partnerId}/gone.eml` });
  });
});

describe("the sweep for inbound email no trigger ran on", () => {
  it("hands the blobs created in its window without an inbound log entry to the retry path, which processes them", async () => {
    const after = new Date(Date.now() - 1000);
    const processed = await poisonedEmail("Processed by its trigger");
    await processInboundEmail(deps, { partnerId, blobName: processed.BlobName as string, raw: (await container.inboundBlobs.getInbound(processed.BlobName as string))! });
    const dropped = await poisonedEmail("Event Grid dropped this one");
    const loose = `loose-${randomBytes(4).toString("hex")}.eml`;
    await container.inboundBlobs.putInbound(loose, Buffer.from("Subject: no partner folder\r\n\r\nx"));

    const report = await sweepUnprocessedInboundEmail({ blobs: container.inboundBlobs, inboundLog: container.inboundLog, retries }, { after, until: new Date(Date.now() + 1000) });

    // Other suites write to the same container meanwhile: only this suite's blobs are asserted.
    expect(report.enqueued).toContain(dropped.BlobName);
    expect(report.enqueued).not.toContain(processed.BlobName);
    expect(report.skipped).toContain(loose);
    expect(report.checked).toBeGreaterThanOrEqual(3);
    const message = retries.scheduled.find((r) => r.message.BlobName === dropped.BlobName);
    expect(message).toEqual({ delayInMs: 0, message: expect.objectContaining({ ContainerName: INBOUND_EMAIL_CONTAINER, BlobName: dropped.BlobName, FunctionId: "SweepUnprocessedInboundEmail" }) });

    expect(await retryPoisonedInboundEmail(deps, message!.message)).toMatchObject({ kind: "processed", result: { outcome: { kind: "new" } } });
    expect(await casesWithTitle("Event Grid dropped this one")).toHaveLength(1);
    expect(await container.inboundLog.hasLogEntry(partnerId, dropped.BlobName as string)).toBe(true);
  });

  it("a window before the blobs were written finds none of them", async () => {
    const message = await poisonedEmail("Written after the window");
    const report = await sweepUnprocessedInboundEmail({ blobs: container.inboundBlobs, inboundLog: container.inboundLog, retries }, { after: new Date(Date.now() - 3_600_000), until: new Date(Date.now() - 1_800_000) });
    expect(report.enqueued).not.toContain(message.BlobName);
  });
});

describe("QueueInboundEmailRetries on Azurite", () => {
  it("sends the message base64-encoded JSON, hidden until its delay has passed", async () => {
    const queueName = `retries-${randomBytes(4).toString("hex")}`;
    const connectionString = process.env.AZURE_STORAGE_CONNECTION_STRING as string;
    const adapter = new QueueInboundEmailRetries({ connectionString, queueName });
    const message = { ContainerName: INBOUND_EMAIL_CONTAINER, BlobName: `${partnerId}/a.eml`, RetryAttempts: 2, FirstFailedAt: new Date().toISOString() };

    await adapter.schedule(message, 1500);

    const queue = new QueueClient(connectionString, queueName);
    expect((await queue.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems).toEqual([]);
    await new Promise((r) => setTimeout(r, 2200));
    const [item] = (await queue.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems;
    expect(JSON.parse(Buffer.from(item!.messageText, "base64").toString("utf8"))).toEqual(message);
    await queue.delete();
  });

  it("refuses a negative delay", async () => {
    const adapter = new QueueInboundEmailRetries({ connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING as string, queueName: "unused" });
    await expect(adapter.schedule({}, -1)).rejects.toThrow(RangeError);
  });
});
