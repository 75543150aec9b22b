/**
 * Sent notifications in Table Storage: the log that makes sending once per case and notification
 * key. Table `<prefix>Notifications`, PartitionKey `<partnerId>_<caseId>`, RowKey = encoded
 * notification key; columns as {@link SentNotification} (`to` as a JSON array).
 *
 * Rows in state `pending` or `failed` (a transient failure the workflow retries, a permanent one)
 * carry `state`, `attempts`, `nextAttemptAt`, `queuedAt`, the fault and, while pending, what to
 * deliver (`json0…`, see ./tableStorage.ts `packJson`: the input can exceed one property).
 *
 * Cases with a notification left pending by a failed delivery are marked in the same table, one
 * partition per partner: PartitionKey `~undelivered_<partnerId>` (a partner id starts with a letter
 * or digit, so no case partition can be named so), RowKey = encoded case id, columns `caseId`,
 * `markedAt`; written before the pending row, so every such row has its mark.
 *
 * An index by Message-ID, table `<prefix>NotificationMessageIds`, PartitionKey = partner
 * id, RowKey = SHA-256 of the Message-ID (ids may hold characters keys cannot), columns `messageId`,
 * `caseId`, `notificationKey`; written before the log row, so every logged notification is indexed.
 */
import { odata } from "@azure/data-tables";
import { ERASED_EMAIL, ERASED_TEXT } from "../domain/personalData";
import type { NotificationLog, NotificationMessageIndex, SentNotification, UndeliveredMark } from "../ports";
import { AFTER_SIDE_EFFECT_BUDGET_MS, persistAfterSideEffect } from "./faults";
import { encodeKey, packJson, sha256Hex, statusOf, TableNames, unpackJson, type TableStorage } from "./tableStorage";

function partition(partnerId: string, caseId: string): string {
  return `${encodeKey(partnerId)}_${encodeKey(caseId)}`;
}

/** Partition of the partner's undelivered marks (see the file header). */
function marksPartition(partnerId: string): string {
  return `~undelivered_${encodeKey(partnerId)}`;
}

function fromRow(e: Record<string, unknown>): SentNotification {
  const n: SentNotification = {
    caseId: String(e.caseId),
    notificationKey: String(e.notificationKey),
    messageId: String(e.messageId),
    providerMessageId: String(e.providerMessageId ?? ""),
    to: JSON.parse(String(e.to ?? "[]")) as string[],
    subject: String(e.subject ?? ""),
    sentAt: String(e.sentAt),
  };
  if (e.state === "pending" || e.state === "failed") {
    n.state = e.state;
    if (typeof e.fault === "string") n.fault = JSON.parse(e.fault) as NonNullable<SentNotification["fault"]>;
    if (typeof e.attempts === "number") n.attempts = e.attempts;
    if (typeof e.nextAttemptAt === "string") n.nextAttemptAt = e.nextAttemptAt;
    if (typeof e.queuedAt === "string") n.queuedAt = e.queuedAt;
    if (e.state === "pending" && typeof e.jsonParts === "number") n.delivery = unpackJson<NonNullable<SentNotification["delivery"]>>(e);
  } else {
    n.state = "sent";
  }
  return n;
}

/** The row of a pending or failed notification (a pending one keeps what to deliver). */
function undeliveredRow(partnerId: string, n: SentNotification & { state: "pending" | "failed" }): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  return {
    partitionKey: partition(partnerId, n.caseId),
    rowKey: encodeKey(n.notificationKey),
    caseId: n.caseId,
    notificationKey: n.notificationKey,
    messageId: n.messageId,
    to: JSON.stringify(n.to),
    subject: n.subject,
    sentAt: n.sentAt,
    state: n.state,
    ...(n.fault ? { fault: JSON.stringify(n.fault) } : {}),
    ...(n.attempts !== undefined ? { attempts: n.attempts } : {}),
    ...(n.nextAttemptAt ? { nextAttemptAt: n.nextAttemptAt } : {}),
    ...(n.queuedAt ? { queuedAt: n.queuedAt } : {}),
    ...(n.state === "pending" && n.delivery ? packJson(n.delivery) : {}),
  };
}

/** {@link NotificationLog} over Azure Table Storage. */
export class TableNotificationLog implements NotificationLog, NotificationMessageIndex {
  /**
   * @param storage - the Table Storage client.
   * @param afterSendBudgetInMs - how long {@link recordSent} waits out transient storage faults (ms).
   */
  constructor(
    private readonly storage: TableStorage,
    private readonly afterSendBudgetInMs: number = AFTER_SIDE_EFFECT_BUDGET_MS,
  ) {}

  /** The notification when it was sent, or undefined. @throws RestError when storage fails. */
  async getSent(partnerId: string, caseId: string, notificationKey: string): Promise<SentNotification | undefined> {
    const n = await this.get(partnerId, caseId, notificationKey);
    return n?.state === "sent" ? n : undefined;
  }

  /** The notification in any state, or undefined. @throws RestError when storage fails. */
  async get(partnerId: string, caseId: string, notificationKey: string): Promise<SentNotification | undefined> {
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
    // The email is out: a transient storage fault is waited out here rather than thrown, since the
    // activity's retry would find the row pending and send again.
    await persistAfterSideEffect(async () => {
      const index = await this.storage.getTable(TableNames.notificationMessageIds);
      await index.upsertEntity({ partitionKey: encodeKey(partnerId), rowKey: sha256Hex(n.messageId), messageId: n.messageId, caseId: n.caseId, notificationKey: n.notificationKey }, "Replace");
      const table = await this.storage.getTable(TableNames.notifications);
      await table.upsertEntity(
        { partitionKey: partition(partnerId, n.caseId), rowKey: encodeKey(n.notificationKey), caseId: n.caseId, notificationKey: n.notificationKey, messageId: n.messageId, providerMessageId: n.providerMessageId, to: JSON.stringify(n.to), subject: n.subject, sentAt: n.sentAt },
        "Replace",
      );
    }, this.afterSendBudgetInMs);
  }

  /**
   * Records a pending or failed notification (insert-or-replace), unless the row says it was sent.
   * @throws RestError when storage fails.
   */
  async recordUndelivered(partnerId: string, n: SentNotification & { state: "pending" | "failed" }): Promise<void> {
    const current = await this.get(partnerId, n.caseId, n.notificationKey);
    if (current?.state === "sent") return;
    const table = await this.storage.getTable(TableNames.notifications);
    if (n.state === "pending") await table.upsertEntity({ partitionKey: marksPartition(partnerId), rowKey: encodeKey(n.caseId), caseId: n.caseId, markedAt: n.sentAt }, "Replace");
    await table.upsertEntity(undeliveredRow(partnerId, n), "Replace");
  }

  /** The partner's undelivered marks, oldest first. @throws RestError when storage fails. */
  async listUndeliveredMarks(partnerId: string): Promise<UndeliveredMark[]> {
    const table = await this.storage.getTable(TableNames.notifications);
    const out: UndeliveredMark[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${marksPartition(partnerId)}` } })) {
      out.push({ caseId: String(e.caseId), markedAt: String(e.markedAt), etag: String(e.etag) });
    }
    return out.sort((a, b) => (a.markedAt < b.markedAt ? -1 : a.markedAt > b.markedAt ? 1 : 0));
  }

  /** Deletes the mark If-Match its ETag as read (a mark written since stays; one gone is fine). @throws RestError when storage fails. */
  async clearUndeliveredMark(partnerId: string, mark: UndeliveredMark): Promise<void> {
    const table = await this.storage.getTable(TableNames.notifications);
    try {
      await table.deleteEntity(marksPartition(partnerId), encodeKey(mark.caseId), { etag: mark.etag });
    } catch (e) {
      if (statusOf(e) !== 404 && statusOf(e) !== 412) throw e;
    }
  }

  /**
   * Inserts the notification as pending unless its row exists (409: the row is read and returned).
   * A row deleted between the refused insert and the read is claimed again.
   * @throws RestError when storage fails.
   */
  async claim(partnerId: string, n: SentNotification & { state: "pending" }): Promise<SentNotification | undefined> {
    const table = await this.storage.getTable(TableNames.notifications);
    for (;;) {
      try {
        await table.createEntity(undeliveredRow(partnerId, n));
        return undefined;
      } catch (e) {
        if (statusOf(e) !== 409) throw e;
      }
      const known = await this.get(partnerId, n.caseId, n.notificationKey);
      if (known) return known;
    }
  }

  /**
   * Deletes the row while it is pending (with the fault code `options.onlyCode`, when given),
   * If-Match its ETag: a row rewritten meanwhile stays. @throws RestError when storage fails.
   */
  async dropPending(partnerId: string, caseId: string, notificationKey: string, options: { onlyCode?: string } = {}): Promise<void> {
    const table = await this.storage.getTable(TableNames.notifications);
    let row: Record<string, unknown> & { etag?: string };
    try {
      row = await table.getEntity<Record<string, unknown>>(partition(partnerId, caseId), encodeKey(notificationKey));
    } catch (e) {
      if (statusOf(e) === 404) return;
      throw e;
    }
    const n = fromRow(row);
    if (n.state !== "pending" || (options.onlyCode !== undefined && n.fault?.code !== options.onlyCode)) return;
    try {
      await table.deleteEntity(partition(partnerId, caseId), encodeKey(notificationKey), { etag: row.etag });
    } catch (e) {
      if (statusOf(e) !== 404 && statusOf(e) !== 412) throw e;
    }
  }

  /**
   * The notification of this partner with this Message-ID, or undefined.
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

  /** Every notification of the case in every state, oldest first (by `sentAt`). @throws RestError when storage fails. */
  async listSent(partnerId: string, caseId: string): Promise<SentNotification[]> {
    const table = await this.storage.getTable(TableNames.notifications);
    const out: SentNotification[] = [];
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${partition(partnerId, caseId)}` } })) out.push(fromRow(e));
    return out.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
  }

  /**
   * Erases the case's notifications (recorded before `options.sentBefore` when given): each row
   * replaced with its recipients, subject and fault message erased and without a pending delivery's
   * input; the Message-ID index row deleted first. Rows already erased are left alone.
   * @throws RestError when storage fails.
   */
  async eraseCase(partnerId: string, caseId: string, options: { sentBefore?: string } = {}): Promise<number> {
    const table = await this.storage.getTable(TableNames.notifications);
    const index = await this.storage.getTable(TableNames.notificationMessageIds);
    let filter = odata`PartitionKey eq ${partition(partnerId, caseId)}`;
    if (options.sentBefore !== undefined) filter += ` and ${odata`sentAt lt ${options.sentBefore}`}`;
    let n = 0;
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      if (e.subject === ERASED_TEXT) continue;
      try {
        await index.deleteEntity(encodeKey(partnerId), sha256Hex(String(e.messageId)));
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
      const fault = typeof e.fault === "string" ? { ...(JSON.parse(e.fault) as Record<string, unknown>), message: ERASED_TEXT } : undefined;
      const kept = Object.fromEntries(["caseId", "notificationKey", "messageId", "providerMessageId", "sentAt", "state", "attempts", "nextAttemptAt", "queuedAt"].filter((k) => e[k] !== undefined).map((k) => [k, e[k]]));
      const to = (JSON.parse(String(e.to ?? "[]")) as string[]).map(() => ERASED_EMAIL);
      await table.upsertEntity({ partitionKey: String(e.partitionKey), rowKey: String(e.rowKey), ...kept, to: JSON.stringify(to), subject: ERASED_TEXT, ...(fault ? { fault: JSON.stringify(fault) } : {}) }, "Replace");
      n++;
    }
    return n;
  }
}
