/**
 * Timer triggers, run as the Functions host's timer extension runs them
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer; azure-webjobs-sdk-extensions
 * `TimerListener` and `ScheduleMonitor`):
 *
 * - **Schedules** are NCRONTAB expressions with six fields, `{second} {minute} {hour} {day} {month}
 *   {day-of-week}`, in UTC, with the host's semantics (the NCrontab library): values, `*`, ranges
 *   `a-b`, lists `a,b`, steps `/n`; day of week 0–6 from Sunday; English month and day names, full
 *   or abbreviated, in any case; a day that must match both the day and the day-of-week fields when
 *   both are restricted (NCrontab ANDs them, unlike Vixie cron). `%SETTING%` is replaced by the app
 *   setting. The `TimeSpan` form (`hh:mm:ss`) exists only on App Service plans: refused, as on Flex
 *   Consumption. `WEBSITE_TIME_ZONE` is not honoured (nor is it on Linux Consumption and Flex).
 *   Expressions are evaluated with croner (`domAndDow`, UTC) after the checks above.
 * - **Schedule monitor** (`useMonitor`, default true when occurrences are at least a minute apart):
 *   the status blob `azure-webjobs-hosts/timers/<hostId>/Host.Functions.<name>/status` holds
 *   `{"Last","Next","LastUpdated"}` (ISO 8601). At start, a recorded `Next` already passed means an
 *   occurrence was missed (the host was down): the function runs at once with `isPastDue: true`.
 *   A changed schedule is detected (the recorded `Next` is not what the schedule gives after `Last`)
 *   and re-planned without counting as past due.
 * - **One instance runs it**: the listener holds a 60 s lease (renewed) on the blob
 *   `azure-webjobs-hosts/locks/<hostId>/Host.Functions.<name>.Listener` (the host's singleton lock);
 *   another host on the same storage and host id waits and takes over when the lease lapses.
 * - **Invocation**: the trigger input is `{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{…}|null,"IsPastDue":…}`
 *   (the library camel-cases it into a `Timer`); `runOnStartup` runs it once when the listener
 *   starts. A failure is logged and not retried: the next run is the next occurrence, as in Azure.
 *   Invocations of one function never overlap.
 */
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { Cron } from "croner";
import { HOSTS_CONTAINER } from "./blobListener";
import type { TimerFunction } from "./functionTable";
import { IdleWaits } from "./idleWaits";
import { resolveSettingExpression, resolveStorageConnection } from "./settings";
import type { RpcTypedData } from "./worker/coreTypes";
import { invokeFunction } from "./worker/invoke";

/** A parsed NCRONTAB schedule. */
export interface NcrontabSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** The first occurrence strictly after `after`. @throws RangeError when there is none. */
  next(after: Date): Date;
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const FIELD_NAMES = ["second", "minute", "hour", "day", "month", "day-of-week"];
const FIELD_RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

/** Replaces English names (full or abbreviated to at least three letters) by their numbers. */
function replaceNames(field: string, names: readonly string[], offset: number, fieldName: string): string {
  return field.replace(/[A-Za-z]+/g, (word) => {
    const w = word.toLowerCase();
    const i = w.length >= 3 ? names.findIndex((n) => n.startsWith(w)) : -1;
    if (i < 0) throw new RangeError(`NCRONTAB ${fieldName} field: unknown name "${word}"`);
    return String(i + offset);
  });
}

/**
 * Parses an NCRONTAB expression with seconds, as the Functions host does.
 * @param expression - six fields (`%SETTING%` already resolved).
 * @throws RangeError naming the field that is not valid NCRONTAB (or a TimeSpan schedule).
 */
export function parseNcrontab(expression: string): NcrontabSchedule {
  const trimmed = expression.trim();
  if (/^\d{1,2}:\d{2}(:\d{2})?$/.test(trimmed)) throw new RangeError(`Schedule "${expression}" is a TimeSpan: only App Service plans run those, not Consumption or Flex Consumption; write an NCRONTAB expression`);
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6) throw new RangeError(`Schedule "${expression}" has ${fields.length} field(s); NCRONTAB needs 6: {second} {minute} {hour} {day} {month} {day-of-week}`);
  const normalised = fields.map((raw, i) => {
    const name = FIELD_NAMES[i] as string;
    let f = raw;
    if (i === 4) f = replaceNames(f, MONTHS, 1, name);
    if (i === 5) f = replaceNames(f, DAYS, 0, name);
    const [min, max] = FIELD_RANGES[i] as [number, number];
    for (const part of f.split(",")) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      if (!m) throw new RangeError(`NCRONTAB ${name} field "${raw}": expected *, a value, a range a-b or a list, each optionally /step`);
      for (const v of [m[2], m[3]].filter((x): x is string => x !== undefined).map(Number)) {
        if (v < min || v > max) throw new RangeError(`NCRONTAB ${name} field "${raw}": ${v} is outside ${min}-${max}`);
      }
      if (m[2] !== undefined && m[3] !== undefined && Number(m[3]) < Number(m[2])) throw new RangeError(`NCRONTAB ${name} field "${raw}": range ${m[2]}-${m[3]} runs backwards`);
      if (m[4] !== undefined && Number(m[4]) === 0) throw new RangeError(`NCRONTAB ${name} field "${raw}": step 0`);
    }
    return f;
  });
  const cron = new Cron(normalised.join(" "), { timezone: "Etc/UTC", domAndDow: true, paused: true });
  return {
    expression,
    next(after: Date): Date {
      const n = cron.nextRun(after);
      if (!n) throw new RangeError(`Schedule "${expression}" has no occurrence after ${after.toISOString()}`);
      return n;
    },
  };
}

/** The schedule status the host keeps per timer (ISO 8601). */
export interface ScheduleStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

/** `Last`/`LastUpdated` of a timer that never ran (the host's `default(DateTime)`). */
export const NEVER = "0001-01-01T00:00:00.000Z";

/**
 * The start-up check of the host's schedule monitor (`ScheduleMonitor.CheckPastDueAsync`).
 * @param status - the recorded status, or undefined for a new timer.
 * @returns the status to record and whether an occurrence was missed.
 */
export function checkPastDue(schedule: NcrontabSchedule, status: ScheduleStatus | undefined, now: Date): { status: ScheduleStatus; pastDue: boolean; changed: boolean } {
  if (!status) {
    const next = schedule.next(now);
    return { status: { Last: NEVER, Next: next.toISOString(), LastUpdated: now.toISOString() }, pastDue: false, changed: true };
  }
  const base = status.Last !== NEVER ? new Date(status.Last) : status.LastUpdated !== NEVER ? new Date(status.LastUpdated) : now;
  let expected = schedule.next(base);
  let current = status;
  let changed = false;
  if (new Date(status.Next).getTime() !== expected.getTime()) {
    // The schedule changed since the status was written: re-plan; a passed occurrence of the new
    // schedule is not a missed one.
    let lastUpdated = base;
    if (now > expected) {
      expected = schedule.next(now);
      lastUpdated = now;
    }
    current = { Last: NEVER, Next: expected.toISOString(), LastUpdated: lastUpdated.toISOString() };
    changed = true;
  }
  return { status: current, pastDue: now.getTime() > new Date(current.Next).getTime(), changed };
}

/** Whether the host monitors a schedule by default: occurrences at least a minute apart. */
export function monitorsByDefault(schedule: NcrontabSchedule, now: Date): boolean {
  const a = schedule.next(now);
  const b = schedule.next(a);
  return b.getTime() - a.getTime() >= 60_000;
}

/** Options of {@link startTimerListeners}. */
export interface TimerListenerOptions {
  /** Host id in status and lock paths (`AzureFunctionsWebHost__hostid` in Azure); default `local-host`. */
  hostId?: string;
  /** How often a host without the listener lock tries to take it, in ms; default 15 000. */
  lockRetryIntervalInMs?: number;
  /** Further input bindings of a function (e.g. a durableClient payload), built per invocation. */
  extraInputs?: (fn: TimerFunction) => Record<string, RpcTypedData>;
  /** Clock (tests); default system time. */
  now?: () => Date;
  log?: (level: "debug" | "info" | "warn" | "error", message: string) => void;
}

/** Running timer listeners. */
export interface TimerListeners {
  /** Stops scheduling, releases the locks and waits for running invocations. */
  stop(): Promise<void>;
}

const LEASE_SECONDS = 60;
/** Longest single sleep; a long wait is taken in steps so the lease is renewed and a stop is prompt. */
const MAX_SLEEP_MS = 20_000;

/**
 * Starts one listener per timer-triggered function.
 * @throws RangeError for a schedule that is not NCRONTAB; Error when `AzureWebJobsStorage` or a
 *   `%SETTING%` of a schedule is missing.
 */
export async function startTimerListeners(fns: TimerFunction[], options: TimerListenerOptions = {}): Promise<TimerListeners> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const hostId = options.hostId ?? "local-host";
  const lockRetryMs = options.lockRetryIntervalInMs ?? 15_000;
  const cs = resolveStorageConnection("AzureWebJobsStorage");
  if (!cs) throw new Error("Timer triggers need AzureWebJobsStorage (schedule status and listener lock blobs).");
  const container: ContainerClient = BlobServiceClient.fromConnectionString(cs).getContainerClient(HOSTS_CONTAINER);
  await container.createIfNotExists();
  const idle = new IdleWaits();
  let stopped = false;

  const planned = fns.map((fn) => {
    const schedule = parseNcrontab(resolveSettingExpression(fn.schedule));
    const useMonitor = fn.useMonitor ?? monitorsByDefault(schedule, now());
    return { fn, schedule, useMonitor, timerName: `Host.Functions.${fn.name}` };
  });

  async function readStatus(timerName: string): Promise<ScheduleStatus | undefined> {
    try {
      return JSON.parse((await container.getBlobClient(`timers/${hostId}/${timerName}/status`).downloadToBuffer()).toString("utf8")) as ScheduleStatus;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async function writeStatus(timerName: string, status: ScheduleStatus): Promise<void> {
    const body = JSON.stringify(status);
    try {
      await container.getBlockBlobClient(`timers/${hostId}/${timerName}/status`).upload(body, Buffer.byteLength(body));
    } catch (e) {
      // Best effort, as the host's StorageScheduleMonitor.
      log("error", `Timer "${timerName}": schedule status not written: ${(e as Error).message}`);
    }
  }

  /** Takes (or renews) the listener lock; false while another host holds it. */
  async function holdLock(timerName: string, leaseId: string | undefined): Promise<string | undefined> {
    const blob = container.getBlockBlobClient(`locks/${hostId}/${timerName}.Listener`);
    try {
      if (leaseId) {
        await blob.getBlobLeaseClient(leaseId).renewLease();
        return leaseId;
      }
      await blob.upload("", 0, { conditions: { ifNoneMatch: "*" } }).catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 409 && e.statusCode !== 412) throw e;
      });
      return (await blob.getBlobLeaseClient().acquireLease(LEASE_SECONDS)).leaseId;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 409) return undefined;
      log("warn", `Timer "${timerName}": listener lock: ${(e as Error).message}`);
      return undefined;
    }
  }

  async function invoke(t: (typeof planned)[number], status: ScheduleStatus, isPastDue: boolean): Promise<void> {
    const input = { Schedule: { AdjustForDST: true }, ScheduleStatus: t.useMonitor ? status : null, IsPastDue: isPastDue };
    try {
      await invokeFunction(t.fn.name, { inputData: { [t.fn.triggerBinding]: { json: JSON.stringify(input) }, ...(options.extraInputs?.(t.fn) ?? {}) } });
    } catch (e) {
      log("error", `Timer function "${t.fn.name}" failed (not retried; next run at the next occurrence): ${(e as Error).message}`);
    }
  }

  async function run(t: (typeof planned)[number]): Promise<void> {
    let leaseId: string | undefined;
    while (!stopped && !(leaseId = await holdLock(t.timerName, undefined))) await idle.sleep(lockRetryMs);
    if (stopped) return;
    let status: ScheduleStatus;
    let startup: "past-due" | "run-on-startup" | undefined;
    if (t.useMonitor) {
      const checked = checkPastDue(t.schedule, await readStatus(t.timerName), now());
      status = checked.status;
      if (checked.changed) await writeStatus(t.timerName, status);
      if (checked.pastDue) startup = "past-due";
    } else {
      status = { Last: NEVER, Next: t.schedule.next(now()).toISOString(), LastUpdated: NEVER };
    }
    if (!startup && t.fn.runOnStartup) startup = "run-on-startup";
    log("info", `Timer "${t.fn.name}" (${t.schedule.expression}, UTC): next ${status.Next}${startup ? `; running now (${startup})` : ""}`);
    try {
      for (;;) {
        if (!startup) {
          // Sleep until the next occurrence, renewing the lease on the way.
          for (;;) {
            if (stopped) return;
            const wait = new Date(status.Next).getTime() - now().getTime();
            if (wait <= 0) break;
            await idle.sleep(Math.min(wait, MAX_SLEEP_MS));
            if (stopped) return;
            leaseId = await holdLock(t.timerName, leaseId);
            if (!leaseId) {
              log("warn", `Timer "${t.fn.name}": listener lock lost; another host runs it now.`);
              return run(t);
            }
          }
        }
        const at = now();
        await invoke(t, status, startup === "past-due");
        // As the host: a run that fired before `Next` (clock skew) counts as at `Next`.
        const adjusted = !startup && new Date(status.Next) > at ? new Date(status.Next) : at;
        status = { Last: adjusted.toISOString(), Next: t.schedule.next(adjusted).toISOString(), LastUpdated: adjusted.toISOString() };
        if (t.useMonitor) await writeStatus(t.timerName, status);
        startup = undefined;
        if (stopped) return;
      }
    } finally {
      if (leaseId) await container.getBlockBlobClient(`locks/${hostId}/${t.timerName}.Listener`).getBlobLeaseClient(leaseId).releaseLease().catch(() => undefined);
    }
  }

  const loops = planned.map((t) => run(t).catch((e: unknown) => log("error", `Timer "${t.fn.name}" stopped: ${(e as Error).message}`)));
  return {
    async stop(): Promise<void> {
      stopped = true;
      idle.wakeAll();
      await Promise.all(loops);
    },
  };
}
