/**
 * No failure kills a support request, on the running app (the `npm start` stack on free ports with
 * a mail relay of the test's own in front of MailDev, test/support/mailRelay.ts):
 * - a customer address the mail service refuses (550 to RCPT TO): the case still reaches closed,
 *   the failure is on its timeline and in its email list, the partner is emailed once;
 * - a terminated orchestration: the recovery sweeper (every 2 s here) restarts it from its
 *   checkpoint, the partner resolves the case, it closes, and every customer email went out once;
 *   a partner action made right after the termination is accepted at once and applied;
 * - a reopening whose execution fails at its first step (the case's SLA log refuses the write once,
 *   a permanent 400 through a fault proxy in front of Azurite's table service): the sweeper
 *   restarts it, the case is reopened once and the customer told once; likewise a new case whose
 *   workflow fails at its acknowledgement is acknowledged once after the restart;
 * - an open case whose orchestration instance is lost (terminated and purged, as a task hub switch
 *   leaves it): the hourly pass over open cases (every 2 s here) restarts it from the app's stores;
 *   so it does a closed case whose closed email waited for a retry (the mail service answering 451),
 *   found by the mark its pending email left;
 * - the health endpoint counts stopped workflows of open cases.
 *
 * Needs `dist/` (the stack runs `node emulator/dist/cli.js`): `npm test` builds first.
 */
import { randomBytes } from "node:crypto";
import { caseOf } from "../../scripts/lib/demoRunner";
import { allocateFreePorts, type RunningStack } from "../../scripts/lib/stack";
import { azuriteConnectionString } from "../support/azurite";
import { CaseDriver, duplicatesOf, durableApi, sleep, type SubmittedCase } from "../support/caseDriver";
import { startTestStack, type TestStack } from "../support/e2eStack";
import { startFaultProxy, type FaultProxy } from "../support/faultProxy";
import { startMailRelay, type MailRelay } from "../support/mailRelay";

jest.setTimeout(6 * 60_000);

const PARTNER = "vltava-distribution-praha";
const systemKey = randomBytes(24).toString("base64url");
const hostLog: string[] = [];
let relay: MailRelay;
let proxy: FaultProxy;
/** Which write to an SLA log the proxy refuses next, once (by its URL); none while undefined. */
let refuseSlaLogWrite: ((url: string) => boolean) | undefined;
let testStack: TestStack | undefined;
let stack: RunningStack;
let driver: CaseDriver;

beforeAll(async () => {
  relay = await startMailRelay(() => stack.ports.smtp);
  const ports = await allocateFreePorts();
  proxy = await startFaultProxy(ports.table);
  proxy.answer = { status: 400, code: "InvalidInput", message: "One of the request inputs is not valid." };
  proxy.refuse = (method, url) => {
    const refuses = refuseSlaLogWrite;
    if (refuses === undefined || method === "GET" || !/\/[^/]*SlaLogs(\(|\?|$)/.test(url) || !refuses(url)) return false;
    refuseSlaLogWrite = undefined;
    return true;
  };
  testStack = await startTestStack(
    "failures",
    hostLog,
    {
      env: {
        SMTP_PORT: String(relay.port),
        WORKFLOW_SWEEP_SCHEDULE: "*/2 * * * * *",
        ORPHANED_WORKFLOW_SCHEDULE: "*/2 * * * * *",
        ORPHANED_WORKFLOW_GRACE_SECONDS: "10",
        API_RATE_LIMIT_PER_MINUTE: "100000",
        EMULATOR_SYSTEM_KEY_DURABLETASK: systemKey,
        AzureWebJobsStorage: azuriteConnectionString({ ...ports, table: proxy.port }),
      },
    },
    async () => ports,
  );
  stack = testStack.stack;
  driver = new CaseDriver(stack);
});

/**
 * Loses the case's orchestration instance as a task hub switch leaves it: its history removed (a
 * purge takes a terminal instance: terminated first, which the host applies a moment after it
 * answers). The recovery sweeper (every 2 s) may restart the terminated instance before the purge;
 * then the purge is refused (412) and the loss is made again once it runs (the sweeper's next
 * restart waits its 1-minute backoff).
 */
async function loseInstance(c: SubmittedCase, deadline: number): Promise<void> {
  const runtimeStatus = async (): Promise<string | undefined> => ((await (await durableApi(stack, systemKey, "GET", `instances/${c.caseId}`)).json()) as { runtimeStatus?: string }).runtimeStatus;
  for (;;) {
    expect((await durableApi(stack, systemKey, "POST", `instances/${c.caseId}/terminate?reason=${encodeURIComponent("chaos: task hub switched")}`)).status).toBe(202);
    while ((await runtimeStatus()) !== "Terminated" && Date.now() < deadline) await sleep(50);
    if ((await durableApi(stack, systemKey, "DELETE", `instances/${c.caseId}`)).status === 200) return;
    await driver.waitFor(c, "running again before the next loss", (v) => v.orchestration?.runtimeStatus === "Running", deadline);
  }
}

afterAll(async () => {
  await testStack?.stop();
  await proxy?.close();
  await relay?.close();
});

describe("failures on the running app never end a support request", () => {
  it("a refused customer address: the case goes on to closed; the failure is recorded and the partner told once", async () => {
    const deadline = Date.now() + 3 * 60_000;
    relay.refuse.set("refused@chaos.example", { code: 550, message: "5.1.1 <refused@chaos.example>: Recipient address rejected: User unknown in virtual mailbox table" });
    const c = await driver.submit(PARTNER, "refused@chaos.example");
    const failed = await driver.waitFor(c, "acknowledgement failed", (v) => (v.emails ?? []).some((e) => e.notificationKey === "received" && e.state === "failed"), deadline);
    expect(caseOf(failed).undeliverableEmails?.map((u) => u.address)).toEqual(["refused@chaos.example"]);
    await driver.resolve(c, deadline);
    const closed = await driver.closed(c, deadline);
    const timeline = closed.timeline ?? [];
    expect(timeline.filter((e) => e.kind === "email-failed").map((e) => e.entryId)).toEqual(["email-failed-received"]);
    expect((closed.emails ?? []).filter((e) => !e.notificationKey.startsWith("partner:")).map((e) => [e.notificationKey, e.state])).toEqual([
      ["received", "failed"],
      ["resolved", "skipped"],
      ["closed", "skipped"],
    ]);
    const emails = await driver.caughtEmails();
    expect(emails.filter((m) => m.to.some((t) => t.address === "refused@chaos.example"))).toHaveLength(0);
    const notices = emails.filter((m) => m.subject.includes(`Customer email not delivered on case ${c.caseId}`));
    expect(notices).toHaveLength(1);
    expect(notices[0]?.to.map((t) => t.address)).toEqual(expect.arrayContaining(["podpora@vltava-distribution.example"]));
  });

  it("a terminated orchestration is restarted by the sweeper from its checkpoint and runs to closed, each email once", async () => {
    const deadline = Date.now() + 3 * 60_000;
    const c: SubmittedCase = await driver.submit(PARTNER, "restart@chaos.example");
    await driver.waitFor(c, "acknowledged", (v) => (v.emails ?? []).some((e) => e.notificationKey === "received" && e.state === "sent"), deadline);
    const terminated = await durableApi(stack, systemKey, "POST", `instances/${c.caseId}/terminate?reason=${encodeURIComponent("chaos: operator terminated it")}`);
    expect(terminated.status).toBe(202);
    const restarted = await driver.waitFor(c, "restarted", (v) => v.orchestration?.runtimeStatus === "Running" && (v.timeline ?? []).some((e) => e.kind === "workflow" && e.summary.startsWith("The workflow was restarted")), deadline);
    expect(restarted.case?.workflow).toMatchObject({ state: "running", attempts: 1 });
    await driver.resolve(c, deadline);
    const closed = await driver.closed(c, deadline);
    expect((closed.timeline ?? []).filter((e) => e.toStatus === "resolved")).toHaveLength(1);
    const mine = (await driver.caughtEmails()).filter((m) => m.to.some((t) => t.address === "restart@chaos.example"));
    expect(mine.map((m) => /^<?[^.]+\.([^@]+)@/.exec(m.messageId)?.[1]).sort()).toEqual(["closed", "received", "resolved"]);
    expect(duplicatesOf(mine.map((m) => m.messageId))).toBe(0);
  });

  it("an open case whose orchestration instance is lost (terminated and purged, as a task hub switch leaves it) goes on from the app's stores to closed, each entry and email once", async () => {
    const deadline = Date.now() + 3 * 60_000;
    const c: SubmittedCase = await driver.submit(PARTNER, "lost-instance@chaos.example");
    await driver.acknowledged(c, deadline);
    // The lost execution had processed a diagnosis awaiting the customer (an entry with its inbox seq, the customer emailed).
    await driver.client.act(c.partnerId, c.apiKey, c.caseId, "diagnosis", { outcome: "awaiting-customer", notes: "Which subscription?" });
    await driver.waitFor(c, "awaiting the customer", (v) => caseOf(v).status === "awaiting-customer" && (v.emails ?? []).some((e) => e.notificationKey === "awaiting-customer" && e.state === "sent") && v.orchestration?.runtimeStatus === "Running", deadline);
    await loseInstance(c, deadline);
    // Found by the pass over open cases (every 2 s here): restarted from the stores.
    const restarted = await driver.waitFor(c, "restarted from the stores", (v) => v.orchestration?.runtimeStatus === "Running" && (v.timeline ?? []).some((e) => e.kind === "workflow" && (e.details as { previousRuntimeStatus?: string } | undefined)?.previousRuntimeStatus === "NotFound"), deadline);
    expect(caseOf(restarted).status).toBe("awaiting-customer");
    await driver.resolve(c, deadline);
    const closed = await driver.closed(c, deadline);
    const timeline = closed.timeline ?? [];
    expect(timeline.filter((e) => e.toStatus).map((e) => e.toStatus)).toEqual(["received", "in-diagnosis", "awaiting-customer", "resolved", "closed"]);
    expect(duplicatesOf(timeline.map((e) => e.entryId))).toBe(0);
    // The SLA clocks as the stored log gives them: the restart's events were logged under new ids (none dropped as already held).
    const clocks = (closed as { slaClocks?: Record<string, { state: string }> | null }).slaClocks;
    expect({ firstResponse: clocks?.["first-response"]?.state, resolution: clocks?.resolution?.state }).toEqual({ firstResponse: "fulfilled", resolution: "fulfilled" });
    const mine = await driver.caughtEmailsTo("lost-instance@chaos.example");
    expect(mine.map((m) => /^<?[^.]+\.([^@]+)@/.exec(m.messageId)?.[1]).sort()).toEqual(["awaiting-customer", "closed", "received", "resolved"]);
    expect(duplicatesOf(mine.map((m) => m.messageId))).toBe(0);
  });

  it("a closed case whose instance is lost while its closed email waits for a retry: the pass finds it by its mark, the email goes out once, the restart is recorded and the workflow completes", async () => {
    const deadline = Date.now() + 4 * 60_000;
    const address = "closed-lost@chaos.example";
    const c: SubmittedCase = await driver.submit(PARTNER, address);
    await driver.acknowledged(c, deadline);
    await driver.resolve(c, deadline);
    await driver.waitFor(c, "resolved", (v) => caseOf(v).status === "resolved" && (v.emails ?? []).some((e) => e.notificationKey === "resolved" && e.state === "sent"), deadline);
    // The customer's mail service defers everything from now on (451: try again later), so the closed
    // email of the auto-close waits for its retry (10 s, 20 s, 40 s … apart).
    relay.refuse.set(address, { code: 451, message: "4.7.1 <closed-lost@chaos.example>: Recipient address rejected: try again later" });
    await driver.waitFor(c, "closed, its email pending", (v) => caseOf(v).status === "closed" && (v.emails ?? []).some((e) => e.notificationKey === "closed" && e.state === "pending") && v.orchestration?.runtimeStatus === "Running", deadline);
    await loseInstance(c, deadline);
    relay.refuse.delete(address);
    const done = await driver.waitFor(c, "its closed email out and the workflow completed", (v) => v.orchestration?.runtimeStatus === "Completed" && (v.emails ?? []).some((e) => e.notificationKey === "closed" && e.state === "sent"), deadline);
    const restarts = (done.timeline ?? []).filter((e) => e.kind === "workflow" && (e.details as { previousRuntimeStatus?: string } | undefined)?.previousRuntimeStatus === "NotFound");
    expect(restarts).toHaveLength(1);
    expect(caseOf(done).status).toBe("closed");
    // Marked running again by the restart: not left under the partner's "needs attention" filter.
    expect(done.case?.workflow?.state).toBe("running");
    expect(duplicatesOf((done.timeline ?? []).map((e) => e.entryId))).toBe(0);
    const mine = await driver.caughtEmailsTo(address);
    expect(mine.map((m) => /^<?[^.]+\.([^@]+)@/.exec(m.messageId)?.[1]).sort()).toEqual(["closed", "received", "resolved"]);
  });

  it("a partner action on an orchestration terminated a moment ago is accepted at once and applied when the workflow runs again", async () => {
    const deadline = Date.now() + 3 * 60_000;
    const c: SubmittedCase = await driver.submit(PARTNER, "terminated-action@chaos.example");
    await driver.acknowledged(c, deadline);
    expect((await durableApi(stack, systemKey, "POST", `instances/${c.caseId}/terminate?reason=${encodeURIComponent("chaos: terminated before the diagnosis")}`)).status).toBe(202);
    // Answered 2xx on the first try (act throws on any other answer): the action is in the inbox,
    // whichever of the sweeper and the action restarts the workflow first.
    await driver.client.act(c.partnerId, c.apiKey, c.caseId, "diagnosis", { outcome: "resolved", notes: "Fixed while the workflow was down." });
    const closed = await driver.closed(c, deadline);
    expect((closed.timeline ?? []).filter((e) => e.toStatus === "resolved")).toHaveLength(1);
    const mine = (await driver.caughtEmails()).filter((m) => m.to.some((t) => t.address === "terminated-action@chaos.example"));
    expect(mine.map((m) => /^<?[^.]+\.([^@]+)@/.exec(m.messageId)?.[1]).sort()).toEqual(["closed", "received", "resolved"]);
    expect(duplicatesOf(mine.map((m) => m.messageId))).toBe(0);
  });

  it("a reopening whose execution fails at its first step is restarted by the sweeper: the case is reopened once, the customer told once", async () => {
    const deadline = Date.now() + 4 * 60_000;
    const c: SubmittedCase = await driver.submit(PARTNER, "reopen-failed@chaos.example");
    await driver.acknowledged(c, deadline);
    await driver.resolve(c, deadline);
    await driver.closed(c, deadline);
    // The reopening's first step records the new resolution cycle in the case's SLA log: refused for good, once.
    refuseSlaLogWrite = (url) => url.includes(c.caseId);
    const res = await fetch(`${stack.urls.app}/api/partners/${c.partnerId}/support-requests/${c.caseId}/reopening`, {
      method: "POST",
      headers: { "x-api-key": c.apiKey, "content-type": "application/json", "idempotency-key": `reopening-${c.caseId}` },
      body: JSON.stringify({ reason: "The customer reports the problem is back." }),
    });
    expect(res.status).toBe(202);
    const reopened = await driver.waitFor(c, "reopened after the restart", (v) => caseOf(v).status === "in-diagnosis" && v.orchestration?.runtimeStatus === "Running" && v.case?.workflow?.state === "running", deadline);
    expect(refuseSlaLogWrite).toBeUndefined();
    const timeline = reopened.timeline ?? [];
    const workflowEntries = timeline.filter((e) => e.kind === "workflow").map((e) => e.summary);
    expect(workflowEntries).toEqual([expect.stringMatching(/^The workflow stopped: RecordCaseTransition failed after 1 attempt \(permanent bad-request\)/), expect.stringMatching(/^Restarting the workflow automatically \(attempt 1 of 5\)/), expect.stringMatching(/^The workflow was restarted \(attempt 1\) after its previous run ended Failed/)]);
    expect(timeline.filter((e) => e.toStatus).map((e) => e.toStatus)).toEqual(["received", "in-diagnosis", "resolved", "closed", "in-diagnosis"]);
    expect(timeline.filter((e) => e.summary.includes("after closure: The customer reports the problem is back."))).toHaveLength(1);
    // Back on its way: resolved and closed again, each customer email once.
    await driver.resolve(c, deadline);
    await driver.waitFor(c, "closed again", (v) => (v.timeline ?? []).filter((e) => e.toStatus === "closed").length === 2 && v.orchestration?.runtimeStatus === "Completed", deadline);
    const mine = await driver.caughtEmailsTo("reopen-failed@chaos.example");
    expect(mine.map((m) => /^<?[^.]+\.([^@]+)@/.exec(m.messageId)?.[1]).sort()).toEqual(["closed", "closed-2", "received", "reopened", "resolved", "resolved-2"]);
    expect(duplicatesOf(mine.map((m) => m.messageId))).toBe(0);
  });

  it("a new case whose workflow fails before it acknowledged it is restarted by the sweeper and acknowledged once", async () => {
    const deadline = Date.now() + 3 * 60_000;
    // The acknowledgement's first step creates the case's SLA log (no other case is in flight): refused for good, once.
    refuseSlaLogWrite = () => true;
    const c: SubmittedCase = await driver.submit(PARTNER, "unacknowledged@chaos.example");
    const acknowledged = await driver.waitFor(c, "acknowledged after the restart", (v) => caseOf(v).status === "in-diagnosis" && v.orchestration?.runtimeStatus === "Running" && v.case?.workflow?.state === "running" && (v.emails ?? []).some((e) => e.notificationKey === "received" && e.state === "sent"), deadline);
    expect(refuseSlaLogWrite).toBeUndefined();
    const timeline = acknowledged.timeline ?? [];
    expect(timeline.filter((e) => e.kind === "workflow").map((e) => e.summary)).toEqual([expect.stringMatching(/^The workflow stopped: RecordCaseTransition failed after 1 attempt \(permanent bad-request\)/), expect.stringMatching(/^Restarting the workflow automatically \(attempt 1 of 5\)/), expect.stringMatching(/^The workflow was restarted \(attempt 1\) after its previous run ended Failed/)]);
    expect(timeline.filter((e) => e.toStatus).map((e) => [e.entryId, e.toStatus])).toEqual([[expect.any(String), "received"], ["t01-in-diagnosis", "in-diagnosis"]]);
    await driver.resolve(c, deadline);
    await driver.closed(c, deadline);
    const mine = await driver.caughtEmailsTo("unacknowledged@chaos.example");
    expect(mine.map((m) => /^<?[^.]+\.([^@]+)@/.exec(m.messageId)?.[1]).sort()).toEqual(["closed", "received", "resolved"]);
    expect(duplicatesOf(mine.map((m) => m.messageId))).toBe(0);
  });

  it("the health endpoint counts the stopped workflows of open cases", async () => {
    const c = await driver.submit(PARTNER, "health@chaos.example");
    const deadline = Date.now() + 60_000;
    await driver.waitFor(c, "waiting", (v) => v.orchestration?.runtimeStatus === "Running", deadline);
    const body = (await (await fetch(`${stack.urls.app}/api/health`)).json()) as { status: string; workflows?: { failed: number; notStarted: number } };
    expect(body.status).toBe("healthy");
    expect(body.workflows?.failed).toBeGreaterThanOrEqual(0);
    // Pending instances of the last 15 minutes are starting, not stuck.
    expect(body.workflows?.notStarted).toBe(0);
    // Suspended by an operator: marked on the case by the sweeper, not restarted.
    expect((await durableApi(stack, systemKey, "POST", `instances/${c.caseId}/suspend?reason=chaos`)).status).toBe(202);
    const marked = await driver.waitFor(c, "marked suspended", (v) => v.case?.workflow?.state === "suspended", deadline);
    expect(marked.orchestration?.runtimeStatus).toBe("Suspended");
    await sleep(3000);
    expect((await driver.view(c)).orchestration?.runtimeStatus).toBe("Suspended");
  });
});
