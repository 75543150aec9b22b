/**
 * Cases whose workflow could not be started at intake, in Table Storage. Table
 * `<prefix>UnstartedWorkflows`, one partition (`unstarted`): rows are written only when a start
 * fails and removed once the recovery sweeper has started the workflow, so the table is empty in
 * normal operation and one query per sweep reads it. RowKey `<partner id>_<case id>` (encoded).
 */
import type { UnstartedWorkflow, UnstartedWorkflows } from "../ports";
import { encodeKey, statusOf, TableNames, type TableStorage } from "./tableStorage";

const PARTITION = "unstarted";

/** {@link UnstartedWorkflows} over Azure Table Storage. */
export class TableUnstartedWorkflows implements UnstartedWorkflows {
  /** @param storage - table access. */
  constructor(private readonly storage: TableStorage) {}

  /** Inserts the row; a row already there (an earlier failure) stays. @throws RestError when storage fails. */
  async record(entry: UnstartedWorkflow): Promise<void> {
    const table = await this.storage.getTable(TableNames.unstartedWorkflows);
    try {
      await table.createEntity({ partitionKey: PARTITION, rowKey: rowKeyOf(entry.partnerId, entry.caseId), partnerId: entry.partnerId, caseId: entry.caseId, failedAt: entry.failedAt, reason: entry.reason.slice(0, 1000) });
    } catch (e) {
      if (statusOf(e) !== 409) throw e;
    }
  }

  /** Reads the partition (rows sorted by key), oldest failure first. @throws RangeError for a bad limit; RestError when storage fails. */
  async list(limit: number): Promise<UnstartedWorkflow[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RangeError(`limit must be an integer from 1 to 1000, got ${limit}`);
    const table = await this.storage.getTable(TableNames.unstartedWorkflows);
    const rows: UnstartedWorkflow[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) {
      rows.push({ partnerId: String(e.partnerId), caseId: String(e.caseId), failedAt: String(e.failedAt), reason: String(e.reason ?? "") });
      if (rows.length >= 1000) break;
    }
    return rows.sort((a, b) => a.failedAt.localeCompare(b.failedAt) || a.partnerId.localeCompare(b.partnerId) || a.caseId.localeCompare(b.caseId)).slice(0, limit);
  }

  /** Deletes the row (404 counts as done). @throws RestError when storage fails. */
  async remove(partnerId: string, caseId: string): Promise<void> {
    const table = await this.storage.getTable(TableNames.unstartedWorkflows);
    try {
      await table.deleteEntity(PARTITION, rowKeyOf(partnerId, caseId));
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
  }
}

function rowKeyOf(partnerId: string, caseId: string): string {
  return `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
}
