/**
 * Persistence of orchestration state in the Azure Storage provider's table layout
 * (docs/local-host.md "How Azure stores it"): `<hub>Instances` holds one row per instance
 * (PartitionKey = instance id, RowKey = ""), `<hub>History` one row per history event
 * (PartitionKey = instance id, RowKey = the event's position in its execution as 16 hex digits,
 * as the provider does, plus `ExecutionId`; `EventType` by name, e.g. "TaskScheduled", as the
 * provider's `TableEntityConverter` writes enums; rows written with the number are still read).
 *
 * Commit protocol: an episode first upserts its new history rows, then replaces the instance row
 * whose `HistoryLength` is the commit point; rows at or beyond `HistoryLength`, or of another
 * execution, are leftovers of an interrupted episode and are ignored (and later overwritten).
 */
import type { TableClient } from "@azure/data-tables";
import type { RuntimeStatus } from "./types";
import { EventType, type HistoryEvent } from "./historyTypes";
import type { ParentInfo } from "./queues";
import { assertEntitySize, createTableClient, ensureTable, escapeOData, getLargeString, listPartition, setLargeString, statusOf } from "./tableUtil";

/** One orchestration instance as stored in `<hub>Instances` (payloads as JSON strings, times ISO 8601 UTC). */
export interface InstanceRecord {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  createdTime: string;
  lastUpdatedTime: string;
  /** JSON string or null. */
  input: string | null;
  /** JSON string or null (failure message for Failed, reason for Terminated). */
  output: string | null;
  /** JSON string or null. */
  customStatus: string | null;
  executionId: string;
  /** Number of committed history events of the current execution. */
  historyLength: number;
  /** Parent orchestration when this is a sub-orchestration. */
  parent?: ParentInfo;
  /** Status before suspension, restored by resume. */
  suspendedFrom?: RuntimeStatus;
}

/** Filter for {@link HistoryStore.queryInstances}. */
export interface InstanceFilter {
  /** ISO 8601 UTC, inclusive. */
  createdTimeFrom?: string;
  /** ISO 8601 UTC, inclusive. */
  createdTimeTo?: string;
  runtimeStatus?: RuntimeStatus[];
  instanceIdPrefix?: string;
}

const JSON_FIELDS = new Set(["ParentInstance", "OrchestrationInstance"]);
const LARGE_FIELDS = ["Input", "Result", "Details", "Reason"];
const MAX_BATCH = 100;

/** Row key of a history event: its position, 16 upper-case hex digits (Azure Storage provider format). */
export function historyRowKey(sequence: number): string {
  return sequence.toString(16).toUpperCase().padStart(16, "0");
}

/** Access to the `<hub>History` and `<hub>Instances` tables. */
export class HistoryStore {
  private readonly history: TableClient;
  private readonly instances: TableClient;

  /** @param hub - task hub name (alphanumeric, 3–45 characters, starting with a letter). */
  constructor(connectionString: string, hub: string) {
    this.history = createTableClient(connectionString, `${hub}History`);
    this.instances = createTableClient(connectionString, `${hub}Instances`);
  }

  /** Creates both tables if missing. */
  async ensure(): Promise<void> {
    await Promise.all([ensureTable(this.history), ensureTable(this.instances)]);
  }

  /** Reads one instance row; undefined when unknown. */
  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    return (await this.readInstance(instanceId))?.record;
  }

  /** Reads one instance row and its ETag; undefined when unknown. */
  async readInstance(instanceId: string): Promise<{ record: InstanceRecord; etag: string } | undefined> {
    try {
      const e = await this.instances.getEntity<Record<string, unknown>>(instanceId, "");
      return { record: toRecord(e), etag: e.etag };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Writes (replaces) one instance row.
   * @param ifMatch - ETag the stored row must still have (optimistic concurrency); unconditional when absent.
   * @returns the row's new ETag.
   * @throws Error with `code: "PayloadTooLarge"` over 1 MiB; with `code: "InstanceChanged"` when
   *   `ifMatch` is given and the row changed or is gone (412/404).
   */
  async putInstance(record: InstanceRecord, ifMatch?: string): Promise<string> {
    const row = instanceEntity(record);
    if (ifMatch === undefined) return (await this.instances.upsertEntity(row, "Replace")).etag ?? "";
    try {
      return (await this.instances.updateEntity(row, "Replace", { etag: ifMatch })).etag ?? "";
    } catch (e) {
      const status = statusOf(e);
      if (status !== 412 && status !== 404) throw e;
      throw Object.assign(new Error(`The instance row of ${record.instanceId} changed since this engine read it (HTTP ${status}).`), { code: "InstanceChanged" });
    }
  }

  /**
   * Inserts the row of a new instance.
   * @returns the row's ETag, or undefined when a row with this instance id exists already (409).
   * @throws Error with `code: "PayloadTooLarge"` over 1 MiB.
   */
  async insertInstance(record: InstanceRecord): Promise<string | undefined> {
    try {
      return (await this.instances.createEntity(instanceEntity(record))).etag ?? "";
    } catch (e) {
      if (statusOf(e) === 409) return undefined;
      throw e;
    }
  }

  /** Deletes one instance row; false when it did not exist. */
  async deleteInstance(instanceId: string): Promise<boolean> {
    try {
      await this.instances.deleteEntity(instanceId, "");
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
  }

  /** The committed history of the instance's current execution, in order. */
  async loadHistory(record: InstanceRecord): Promise<HistoryEvent[]> {
    if (record.historyLength === 0) return [];
    const rows = await listPartition(this.history, record.instanceId);
    const events: { seq: number; event: HistoryEvent }[] = [];
    for (const row of rows) {
      const seq = parseInt(row.rowKey ?? "", 16);
      if (!Number.isFinite(seq) || seq >= record.historyLength || row.ExecutionId !== record.executionId) continue;
      events.push({ seq, event: rowToEvent(row) });
    }
    events.sort((a, b) => a.seq - b.seq);
    if (events.length !== record.historyLength) {
      throw new Error(`History of ${record.instanceId} has ${events.length} committed rows, expected ${record.historyLength}.`);
    }
    return events.map((e) => e.event);
  }

  /**
   * Upserts history rows `startSequence..` of an execution, in batches of 100 (one partition each).
   * @throws Error with `code: "PayloadTooLarge"` when one event exceeds 1 MiB.
   */
  async appendHistory(instanceId: string, executionId: string, startSequence: number, events: HistoryEvent[]): Promise<void> {
    const entities = events.map((ev, i) => eventToRow(instanceId, executionId, startSequence + i, ev));
    for (let i = 0; i < entities.length; i += MAX_BATCH) {
      const batch = entities.slice(i, i + MAX_BATCH);
      await this.history.submitTransaction(batch.map((e) => ["upsert", e, "Replace"] as ["upsert", { partitionKey: string; rowKey: string }, "Replace"]));
    }
  }

  /** Deletes history rows of the instance: all of them, or only those not belonging to `keep` (an execution id) or beyond `keepLength`. */
  async deleteHistory(instanceId: string, keep?: { executionId: string; length: number }): Promise<number> {
    const rows = await listPartition(this.history, instanceId);
    const doomed = rows.filter((r) => !keep || r.ExecutionId !== keep.executionId || parseInt(r.rowKey ?? "", 16) >= keep.length);
    for (let i = 0; i < doomed.length; i += MAX_BATCH) {
      const batch = doomed.slice(i, i + MAX_BATCH);
      await this.history.submitTransaction(batch.map((r) => ["delete", { partitionKey: instanceId, rowKey: r.rowKey ?? "" }] as ["delete", { partitionKey: string; rowKey: string }]));
    }
    return doomed.length;
  }

  /**
   * One page of instance rows matching the filter.
   * @param top - page size.
   * @param continuationToken - opaque token of the previous page.
   */
  async queryInstances(filter: InstanceFilter, top: number, continuationToken?: string): Promise<{ records: InstanceRecord[]; continuationToken?: string }> {
    const clauses: string[] = [];
    if (filter.createdTimeFrom) clauses.push(`CreatedTime ge '${escapeOData(new Date(filter.createdTimeFrom).toISOString())}'`);
    if (filter.createdTimeTo) clauses.push(`CreatedTime le '${escapeOData(new Date(filter.createdTimeTo).toISOString())}'`);
    if (filter.runtimeStatus && filter.runtimeStatus.length > 0) {
      clauses.push(`(${filter.runtimeStatus.map((s) => `RuntimeStatus eq '${escapeOData(s)}'`).join(" or ")})`);
    }
    if (filter.instanceIdPrefix) {
      const p = filter.instanceIdPrefix;
      clauses.push(`PartitionKey ge '${escapeOData(p)}' and PartitionKey lt '${escapeOData(p)}\uffff'`);
    }
    const pages = this.instances
      .listEntities<Record<string, unknown>>({ queryOptions: clauses.length ? { filter: clauses.join(" and ") } : {} })
      .byPage({ maxPageSize: top, continuationToken });
    const next = await pages.next();
    if (next.done || !next.value) return { records: [] };
    const page = next.value;
    const records = page.filter((e) => !filter.instanceIdPrefix || (e.partitionKey ?? "").startsWith(filter.instanceIdPrefix)).map(toRecord);
    return { records, continuationToken: page.continuationToken };
  }
}

/** The `<hub>Instances` row of a record (large values split across properties). @throws Error with `code: "PayloadTooLarge"` over 1 MiB. */
function instanceEntity(record: InstanceRecord): { partitionKey: string; rowKey: string } {
  const entity: Record<string, unknown> = {
    partitionKey: record.instanceId,
    rowKey: "",
    Name: record.name,
    RuntimeStatus: record.runtimeStatus,
    CreatedTime: record.createdTime,
    LastUpdatedTime: record.lastUpdatedTime,
    ExecutionId: record.executionId,
    HistoryLength: record.historyLength,
    Parent: record.parent ? JSON.stringify(record.parent) : null,
    SuspendedFrom: record.suspendedFrom ?? null,
  };
  setLargeString(entity, "Input", record.input);
  setLargeString(entity, "Output", record.output);
  setLargeString(entity, "CustomStatus", record.customStatus);
  assertEntitySize(entity, `Instance row of ${record.instanceId}`);
  return entity as { partitionKey: string; rowKey: string };
}

function toRecord(e: Record<string, unknown>): InstanceRecord {
  const parent = typeof e.Parent === "string" && e.Parent ? (JSON.parse(e.Parent) as ParentInfo) : undefined;
  return {
    instanceId: String(e.partitionKey),
    name: String(e.Name ?? ""),
    runtimeStatus: String(e.RuntimeStatus ?? "Pending") as RuntimeStatus,
    createdTime: String(e.CreatedTime ?? ""),
    lastUpdatedTime: String(e.LastUpdatedTime ?? ""),
    input: getLargeString(e, "Input") ?? null,
    output: getLargeString(e, "Output") ?? null,
    customStatus: getLargeString(e, "CustomStatus") ?? null,
    executionId: String(e.ExecutionId ?? ""),
    historyLength: typeof e.HistoryLength === "number" ? e.HistoryLength : 0,
    parent,
    suspendedFrom: typeof e.SuspendedFrom === "string" && e.SuspendedFrom ? (e.SuspendedFrom as RuntimeStatus) : undefined,
  };
}

function eventToRow(instanceId: string, executionId: string, seq: number, ev: HistoryEvent): { partitionKey: string; rowKey: string } {
  const row: Record<string, unknown> = { partitionKey: instanceId, rowKey: historyRowKey(seq), ExecutionId: executionId };
  for (const [k, v] of Object.entries(ev)) {
    if (v === undefined || k === "IsPlayed") continue;
    if (k === "Timestamp") row._Timestamp = v;
    else if (k === "EventType") row.EventType = EventType[v as EventType] ?? v;
    else if (JSON_FIELDS.has(k)) row[k] = v === null ? null : JSON.stringify(v);
    else if (LARGE_FIELDS.includes(k)) setLargeString(row, k, v as string | null);
    else row[k] = v;
  }
  assertEntitySize(row, `History event ${seq} of ${instanceId}`);
  return row as { partitionKey: string; rowKey: string };
}

function rowToEvent(row: Record<string, unknown>): HistoryEvent {
  const ev: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (["partitionKey", "rowKey", "etag", "timestamp", "ExecutionId", "odata.etag"].includes(k) || k.includes("__") || k.endsWith("@odata.type")) continue;
    if (k === "_Timestamp") ev.Timestamp = v;
    else if (k === "EventType") ev.EventType = typeof v === "string" ? EventType[v as keyof typeof EventType] : v;
    else if (JSON_FIELDS.has(k)) ev[k] = typeof v === "string" ? JSON.parse(v) : v;
    else if (LARGE_FIELDS.includes(k)) ev[k] = getLargeString(row, k);
    else ev[k] = v;
  }
  return ev as unknown as HistoryEvent;
}
