/**
 * The notification log and its Message-ID index in memory. For unit tests of logic and local
 * experiments, not production: nothing survives the process.
 */
import { ERASED_EMAIL, ERASED_TEXT } from "../../domain/personalData";
import type { NotificationLog, NotificationMessageIndex, SentNotification, UndeliveredMark } from "../../ports";
import { copy, keyOf } from "./memoryStore";

/** A pending or failed notification as stored: no provider message id; a delivery only while pending. */
function undelivered(n: SentNotification & { state: "pending" | "failed" }): SentNotification {
  return {
    caseId: n.caseId,
    notificationKey: n.notificationKey,
    messageId: n.messageId,
    providerMessageId: "",
    to: n.to,
    subject: n.subject,
    sentAt: n.sentAt,
    state: n.state,
    ...(n.fault ? { fault: n.fault } : {}),
    ...(n.attempts !== undefined ? { attempts: n.attempts } : {}),
    ...(n.nextAttemptAt ? { nextAttemptAt: n.nextAttemptAt } : {}),
    ...(n.queuedAt ? { queuedAt: n.queuedAt } : {}),
    ...(n.state === "pending" && n.delivery ? { delivery: n.delivery } : {}),
  };
}

/**
 * {@link NotificationLog} and {@link NotificationMessageIndex} in memory, behaving as
 * TableNotificationLog: one notification per case and notification key; a sent one reads back
 * with `state: "sent"` and only its sending fields; a pending or failed one has no
 * `providerMessageId` (read as `""`) and keeps its delivery only while pending; a `sent` one is
 * never replaced by a failure report. Values are copied on write and on read.
 */
export class MemoryNotificationLog implements NotificationLog, NotificationMessageIndex {
  /** Per partner and case: notification key → notification. */
  readonly #cases = new Map<string, Map<string, SentNotification>>();
  /** Per partner and case: the undelivered mark ({@link NotificationLog.listUndeliveredMarks}); versions count up. */
  readonly #marks = new Map<string, UndeliveredMark>();
  #markVersion = 0;
  /** Per partner and Message-ID: the notification's case and key. */
  readonly #messageIds = new Map<string, { caseId: string; notificationKey: string }>();

  /** The notification when it was sent, or undefined. */
  async getSent(partnerId: string, caseId: string, notificationKey: string): Promise<SentNotification | undefined> {
    const n = await this.get(partnerId, caseId, notificationKey);
    return n?.state === "sent" ? n : undefined;
  }

  /** The notification in any state, or undefined. */
  async get(partnerId: string, caseId: string, notificationKey: string): Promise<SentNotification | undefined> {
    const n = this.#cases.get(keyOf(partnerId, caseId))?.get(notificationKey);
    return n ? copy(n) : undefined;
  }

  /** Records a sent notification (insert-or-replace) and indexes its Message-ID. */
  async recordSent(partnerId: string, n: SentNotification): Promise<void> {
    this.#messageIds.set(keyOf(partnerId, n.messageId), { caseId: n.caseId, notificationKey: n.notificationKey });
    this.#put(partnerId, { caseId: n.caseId, notificationKey: n.notificationKey, messageId: n.messageId, providerMessageId: n.providerMessageId, to: n.to, subject: n.subject, sentAt: n.sentAt, state: "sent" });
  }

  /** Records a pending or failed notification (insert-or-replace), unless it was sent; a pending one marks its case first. */
  async recordUndelivered(partnerId: string, n: SentNotification & { state: "pending" | "failed" }): Promise<void> {
    if ((await this.get(partnerId, n.caseId, n.notificationKey))?.state === "sent") return;
    if (n.state === "pending") this.#marks.set(keyOf(partnerId, n.caseId), { caseId: n.caseId, markedAt: n.sentAt, etag: String(++this.#markVersion) });
    this.#put(partnerId, undelivered(n));
  }

  /** The partner's undelivered marks, oldest first. */
  async listUndeliveredMarks(partnerId: string): Promise<UndeliveredMark[]> {
    const prefix = keyOf(partnerId, "");
    return [...this.#marks].filter(([k]) => k.startsWith(prefix)).map(([, m]) => ({ ...m })).sort((a, b) => (a.markedAt < b.markedAt ? -1 : a.markedAt > b.markedAt ? 1 : 0));
  }

  /** Removes the mark when it is still the version read. */
  async clearUndeliveredMark(partnerId: string, mark: UndeliveredMark): Promise<void> {
    const key = keyOf(partnerId, mark.caseId);
    if (this.#marks.get(key)?.etag === mark.etag) this.#marks.delete(key);
  }

  /** Records the notification as pending unless one with its key exists (then returns that one). */
  async claim(partnerId: string, n: SentNotification & { state: "pending" }): Promise<SentNotification | undefined> {
    const known = await this.get(partnerId, n.caseId, n.notificationKey);
    if (known) return known;
    this.#put(partnerId, undelivered(n));
    return undefined;
  }

  /** Deletes the notification while it is pending (with the fault code `options.onlyCode`, when given). */
  async dropPending(partnerId: string, caseId: string, notificationKey: string, options: { onlyCode?: string } = {}): Promise<void> {
    const notifications = this.#cases.get(keyOf(partnerId, caseId));
    const n = notifications?.get(notificationKey);
    if (n?.state === "pending" && (options.onlyCode === undefined || n.fault?.code === options.onlyCode)) notifications?.delete(notificationKey);
  }

  /** The notification of this partner with this Message-ID, or undefined. */
  async findByMessageId(partnerId: string, messageId: string): Promise<{ caseId: string; notificationKey: string } | undefined> {
    const found = this.#messageIds.get(keyOf(partnerId, messageId));
    return found ? copy(found) : undefined;
  }

  /** Every notification of the case in every state, oldest first (by `sentAt`). */
  async listSent(partnerId: string, caseId: string): Promise<SentNotification[]> {
    const all = [...(this.#cases.get(keyOf(partnerId, caseId))?.values() ?? [])];
    return copy(all.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0)));
  }

  /**
   * Erases the case's notifications (recorded before `options.sentBefore` when given): recipients,
   * subject and fault message erased, a pending delivery dropped, the Message-ID unindexed.
   * Notifications erased before are left alone. @returns how many were erased.
   */
  async eraseCase(partnerId: string, caseId: string, options: { sentBefore?: string } = {}): Promise<number> {
    let n = 0;
    for (const [key, stored] of this.#cases.get(keyOf(partnerId, caseId)) ?? []) {
      if (options.sentBefore !== undefined && !(stored.sentAt < options.sentBefore)) continue;
      if (stored.subject === ERASED_TEXT) continue;
      this.#messageIds.delete(keyOf(partnerId, stored.messageId));
      const { delivery: _delivery, ...kept } = stored;
      this.#cases.get(keyOf(partnerId, caseId))?.set(key, { ...kept, to: stored.to.map(() => ERASED_EMAIL), subject: ERASED_TEXT, ...(stored.fault ? { fault: { ...stored.fault, message: ERASED_TEXT } } : {}) });
      n++;
    }
    return n;
  }

  #put(partnerId: string, n: SentNotification): void {
    const key = keyOf(partnerId, n.caseId);
    const notifications = this.#cases.get(key) ?? new Map<string, SentNotification>();
    notifications.set(n.notificationKey, copy(n));
    this.#cases.set(key, notifications);
  }
}
