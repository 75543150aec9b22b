/**
 * Timer triggers on the local host, against Azurite: NCRONTAB schedules with the host's semantics,
 * the schedule monitor (status blob, a missed occurrence run at start with isPastDue), and the
 * Timer object the function receives.
 */
import { randomBytes } from "node:crypto";
import { BlobServiceClient } from "@azure/storage-blob";
import { createLocalHost, type LocalHost } from "../../../host";
import { checkPastDue, NEVER, parseNcrontab } from "../../../timerListener";
import { FakeEngine, FIXTURE_APP_DIR, TEST_KEYS } from "./fakeEngine";

const at = (iso: string): Date => new Date(iso);

describe("NCRONTAB schedules (UTC)", () => {
  it.each([
    // The examples of Microsoft's timer trigger reference.
    ["0 */5 * * * *", "2025-03-10T18:57:12Z", "2025-03-10T19:00:00.000Z"],
    ["0 0 * * * *", "2025-03-10T18:57:12Z", "2025-03-10T19:00:00.000Z"],
    ["0 0 */2 * * *", "2025-03-10T19:00:00Z", "2025-03-10T20:00:00.000Z"],
    ["0 0 9-17 * * *", "2025-03-10T17:30:00Z", "2025-03-11T09:00:00.000Z"],
    ["0 30 9 * * *", "2025-03-10T09:30:00Z", "2025-03-11T09:30:00.000Z"],
    ["0 30 9 * * 1-5", "2025-03-14T10:00:00Z", "2025-03-17T09:30:00.000Z"],
    ["0 30 9 * Jan Mon", "2025-01-28T10:00:00Z", "2026-01-05T09:30:00.000Z"],
    ["5-7 * * * * *", "2025-03-10T18:57:07Z", "2025-03-10T18:58:05.000Z"],
    ["5,8,10 * * * * *", "2025-03-10T18:57:08Z", "2025-03-10T18:57:10.000Z"],
    // Full names and any case; Sunday is 0.
    ["0 0 12 * JANUARY sunday", "2025-01-01T00:00:00Z", "2025-01-05T12:00:00.000Z"],
    // Day and day of week both restricted: both must match (NCrontab), the 13th that is a Friday.
    ["0 0 0 13 * Fri", "2025-01-01T00:00:00Z", "2025-06-13T00:00:00.000Z"],
  ])("%s after %s → %s", (expr, after, next) => {
    expect(parseNcrontab(expr).next(at(after)).toISOString()).toBe(next);
  });

  it.each([
    ["0 */5 * * *", /has 5 field/],
    ["01:00:00", /TimeSpan/],
    ["0 0 0 L * *", /day field/],
    ["0 0 0 * * 7", /7 is outside 0-6/],
    ["0 0 0 * * Mo", /unknown name "Mo"/],
    ["0 0 25 * * *", /hour field "25": 25 is outside 0-23/],
    ["0 */0 * * * *", /step 0/],
  ])("refuses %s", (expr, message) => {
    expect(() => parseNcrontab(expr)).toThrow(message);
  });
});

describe("schedule monitor start-up check", () => {
  const daily = parseNcrontab("0 0 3 * * *");
  it("records the next occurrence of a new timer; past due once that has passed; re-plans a changed schedule", () => {
    const fresh = checkPastDue(daily, undefined, at("2025-03-10T10:00:00Z"));
    expect(fresh).toEqual({ status: { Last: NEVER, Next: "2025-03-11T03:00:00.000Z", LastUpdated: "2025-03-10T10:00:00.000Z" }, pastDue: false, changed: true });
    const later = checkPastDue(daily, fresh.status, at("2025-03-12T08:00:00Z"));
    expect(later.pastDue).toBe(true);
    const ran = { Last: "2025-03-11T03:00:00.000Z", Next: "2025-03-12T03:00:00.000Z", LastUpdated: "2025-03-11T03:00:00.000Z" };
    expect(checkPastDue(daily, ran, at("2025-03-11T12:00:00Z"))).toEqual({ status: ran, pastDue: false, changed: false });
    // The schedule became hourly while the host was down: not a missed occurrence, re-planned from now.
    const hourly = checkPastDue(parseNcrontab("0 0 * * * *"), ran, at("2025-03-11T12:30:00Z"));
    expect(hourly).toEqual({ status: { Last: NEVER, Next: "2025-03-11T13:00:00.000Z", LastUpdated: "2025-03-11T12:30:00.000Z" }, pastDue: false, changed: true });
  });
});

describe("timer triggers on the local host", () => {
  let host: LocalHost;
  const hostId = `timer-test-${randomBytes(4).toString("hex")}`;
  const invocations = (): Array<{ name: string; timer: { isPastDue: boolean; scheduleStatus: unknown; schedule: unknown } }> => ((globalThis as Record<string, unknown>).__timerInvocations ?? []) as never;
  const statusBlob = (name: string) => BlobServiceClient.fromConnectionString(process.env.AZURE_STORAGE_CONNECTION_STRING as string).getContainerClient("azure-webjobs-hosts").getBlockBlobClient(`timers/${hostId}/Host.Functions.${name}/status`);

  beforeAll(async () => {
    process.env.AzureWebJobsStorage = process.env.AZURE_STORAGE_CONNECTION_STRING;
    process.env.AzureFunctionsWebHost__hostid = hostId;
    process.env.HOST_APP_TICK_SCHEDULE = "*/1 * * * * *";
    process.env.HOST_APP_QUEUE = "host-timer-test-queue";
    // The host was down when the yearly timer was due: its status says the next run was last year.
    const missed = JSON.stringify({ Last: "2024-01-01T00:00:00.000Z", Next: "2025-01-01T00:00:00.000Z", LastUpdated: "2024-01-01T00:00:00.000Z" });
    await statusBlob("yearly").upload(missed, missed.length).catch(async () => {
      await BlobServiceClient.fromConnectionString(process.env.AZURE_STORAGE_CONNECTION_STRING as string).getContainerClient("azure-webjobs-hosts").createIfNotExists();
      await statusBlob("yearly").upload(missed, missed.length);
    });
    host = createLocalHost({ appDir: FIXTURE_APP_DIR, port: 0, durableRpcPort: false, keys: TEST_KEYS, engineFactory: (o) => new FakeEngine(o.taskHubName, new Set()), log: () => undefined });
    await host.start();
  });

  afterAll(async () => {
    await host?.stop();
    delete process.env.AzureFunctionsWebHost__hostid;
    delete process.env.HOST_APP_TICK_SCHEDULE;
  });

  it("lists timer functions as func start does", () => {
    expect(host.listFunctions().filter((f) => f.triggerType === "timerTrigger").map((f) => f.name)).toEqual(["tick", "yearly"]);
  });

  it("runs a missed occurrence at start with isPastDue and records the next one", async () => {
    for (let i = 0; i < 100 && !invocations().some((x) => x.name === "yearly"); i++) await new Promise((r) => setTimeout(r, 50));
    const yearly = invocations().find((x) => x.name === "yearly");
    expect(yearly?.timer).toMatchObject({ isPastDue: true, schedule: { adjustForDST: true }, scheduleStatus: { last: "2024-01-01T00:00:00.000Z", next: "2025-01-01T00:00:00.000Z" } });
    let status: { Next?: string } = {};
    for (let i = 0; i < 100 && !status.Next?.startsWith(String(new Date().getUTCFullYear() + 1)); i++) {
      status = JSON.parse((await statusBlob("yearly").downloadToBuffer()).toString()) as { Next: string };
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status.Next).toBe(`${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`);
  });

  it("runs a per-second schedule on each second, never overlapping, without a status (useMonitor off below a minute)", async () => {
    for (let i = 0; i < 100 && invocations().filter((x) => x.name === "tick").length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    const ticks = invocations().filter((x) => x.name === "tick");
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.every((t) => t.timer.isPastDue === false && t.timer.scheduleStatus === null)).toBe(true);
    const statuses: string[] = [];
    for await (const b of BlobServiceClient.fromConnectionString(process.env.AZURE_STORAGE_CONNECTION_STRING as string).getContainerClient("azure-webjobs-hosts").listBlobsFlat({ prefix: `timers/${hostId}/` })) statuses.push(b.name);
    expect(statuses).toEqual([`timers/${hostId}/Host.Functions.yearly/status`]);
  });
});
