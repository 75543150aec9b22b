/**
 * Sent notifications in Table Storage: the log that makes sending once per case and notification
 * key. Table `<prefix>Notifications`, PartitionKey `<partnerId>_<caseId>`, RowKey = encoded
 * notification key; columns as {@link SentNotification} (`to` as a JSON array).
 *
 * Issue 4: an index by Message-ID, table `<prefix>NotificationMessageIds`, PartitionKey = partner
 * id, RowKey = SHA-256 of the Message-ID (ids may hold characters keys cannot), columns `messageId`,
 * `caseId`, `notificationKey`; written before the log row, so every logged notification is indexed.
 */
import { odata } from "@azure/data-tables";
import type { NotificationLog, NotificationMessageIndex, SentNotification } from "../ports";
import { encodeKey, sha256Hex, statusOf, TableNames, type TableStorage } from "./tableStorage";

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
export class TableNotificationLog implements NotificationLog, NotificationMessageIndex {
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
    const index = await this.storage.getTable(TableNames.notificationMessageIds);
    await index.upsertEntity({ partitionKey: encodeKey(partnerId), rowKey: sha256Hex(n.messageId), messageId: n.messageId, caseId: n.caseId, notificationKey: n.notificationKey }, "Replace");
    const table = await this.storage.getTable(TableNames.notifications);
    await table.upsertEntity(
      { partitionKey: partition(partnerId, n.caseId), rowKey: encodeKey(n.notificationKey), caseId: n.caseId, notificationKey: n.notificationKey, messageId: n.messageId, providerMessageId: n.providerMessageId, to: JSON.stringify(n.to), subject: n.subject, sentAt: n.sentAt },
      "Replace",
    );
  }

  /**
   * Issue 4: the notification of this partner with this Message-ID, or undefined.
   * @throws RestError when storage fails.
   */
  async findByMessageId(partnerId: string, messageId: string): Promise<{ caseId: string; notificationKey: string } | undefined> {
    const index = await this.storage.getTable(TableNames.notificationMessageIds);
    try {
      const e = await index.getEntity<Record<string, unknown>>(encodeKey(partnerId), sha256Hex(messageId));
      return e.messageId === messageId ? { caseId: String(e.caseId), notificationKey: String(e.notificationKey) } : undefined;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Every notification of the case, oldest first (by `sentAt`). @throws RestError when storage fails. */
  async listSent(partnerId: string, caseId: string): Promise<SentNotification[]> {
    const table = await this.storage.getTable(TableNames.notifications);
    const out: SentNotification[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${partition(partnerId, caseId)}` } })) out.push(fromRow(e));
    return out.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
  }
}
