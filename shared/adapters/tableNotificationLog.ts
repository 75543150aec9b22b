/**
 * Sent notifications in Table Storage: the log that makes sending once per case and notification
 * key. Table `<prefix>Notifications`, PartitionKey `<partnerId>_<caseId>`, RowKey = encoded
 * notification key; columns as {@link SentNotification} (`to` as a JSON array).
 */
import { odata } from "@azure/data-tables";
import type { NotificationLog, SentNotification } from "../ports";
import { encodeKey, statusOf, TableNames, type TableStorage } from "./tableStorage";

function partition(partnerId: string, caseId: string): string {
  return `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
}

function fromRow(e: Record<string, unknown>): SentNotification {
  return {
    caseId: String(e.caseId),
    notificationKey: String(e.notificationKey),
    messageId: String(e.messageId),
    providerMessageId: String(e.providerMessageId),
    to: JSON.parse(String(e.to ?? "[]")) as string[],
    subject: String(e.subject),
    sentAt: String(e.sentAt),
  };
}

/** {@link NotificationLog} over Azure Table Storage. */
export class TableNotificationLog implements NotificationLog {
  /** @param storage - table access. */
  constructor(private readonly storage: TableStorage) {}

  /** The recorded notification, or undefined. @throws RestError when storage fails. */
  async getSent(partnerId: string, caseId: string, notificationKey: string): Promise<SentNotification | undefined> {
    const table = await this.storage.getTable(TableNames.notifications);
    try {
      return fromRow(await table.getEntity<Record<string, unknown>>(partition(partnerId, caseId), encodeKey(notificationKey)));
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** Records a sent notification (insert-or-replace). @throws RestError when storage fails. */
  async recordSent(partnerId: string, n: SentNotification): Promise<void> {
    const table = await this.storage.getTable(TableNames.notifications);
    await table.upsertEntity(
      { partitionKey: partition(partnerId, n.caseId), rowKey: encodeKey(n.notificationKey), caseId: n.caseId, notificationKey: n.notificationKey, messageId: n.messageId, providerMessageId: n.providerMessageId, to: JSON.stringify(n.to), subject: n.subject, sentAt: n.sentAt },
      "Replace",
    );
  }

  /** Every notification of the case, oldest first (by `sentAt`). @throws RestError when storage fails. */
  async listSent(partnerId: string, caseId: string): Promise<SentNotification[]> {
    const table = await this.storage.getTable(TableNames.notifications);
    const out: SentNotification[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${partition(partnerId, caseId)}` } })) out.push(fromRow(e));
    return out.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
  }
}
