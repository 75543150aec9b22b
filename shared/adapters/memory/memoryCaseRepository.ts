/**
 * Support requests and their timelines in memory. For unit tests of logic and local experiments,
 * not production: nothing survives the process.
 */
import { CaseStatuses, type CaseStatus, type RecordTransitionInput, type SupportRequest, type TimelineEntry } from "../../contracts";
import { eraseSupportRequest, eraseTimelineEntry } from "../../domain/personalData";
import type { CaseFilter, CaseListItem, CaseRepository, ErasableCase, ListCasesOptions, Page, ProviderCaseShare } from "../../ports";
import { CaseAlreadyExistsError, CaseNotFoundError, DeliveryAlreadyRecordedError } from "../errors";
import { erasableCases, indexRowKey, InvalidContinuationTokenError, matchesCaseFilter, transitionEntry, transitionedCase } from "../tableCaseRepository";
import { copy, keyOf, keysetPage } from "./memoryStore";

/** A stored case: the case and the entries already applied to it (entry id → status before). */
interface StoredCase {
  value: SupportRequest;
  applied: Record<string, CaseStatus>;
}

/** A share of a reseller's case in the provider's scope, with the copy of the case taken when shared. */
interface StoredShare {
  share: ProviderCaseShare;
  copy: SupportRequest;
}

/** A row of a partner's listing: its sort key (newest first), and the case or the share it shows. */
interface ListingRow {
  sortKey: string;
  own?: SupportRequest;
  share?: StoredShare;
}

/**
 * {@link CaseRepository} in memory, behaving as TableCaseRepository: cases scoped by partner (an
 * id of 1–200 characters; any other names no case); listings newest first by `createdAt` (then
 * case id) with opaque continuation tokens (keyset: a case created meanwhile does not shift later
 * pages), filters applied as {@link matchesCaseFilter}; a reseller's case shared with its indirect
 * provider is listed in the provider's scope with the live case; transitions and updates once per
 * entry id; the timeline ordered by `at`, then write order, idempotent by entry id. Values are
 * copied on write and on read; `mutate` callbacks get a copy.
 */
export class MemoryCaseRepository implements CaseRepository {
  readonly #cases = new Map<string, StoredCase>();
  /** Per partner and delivery id: the case it created and the payload fingerprint. */
  readonly #deliveries = new Map<string, { caseId: string; fingerprint?: string }>();
  /** Per provider and case id. */
  readonly #shares = new Map<string, StoredShare>();
  /** Per partner and case id: the entries in write order. */
  readonly #timelines = new Map<string, TimelineEntry[]>();

  /**
   * Stores a new case and its first timeline entry, and the delivery when given.
   * @throws DeliveryAlreadyRecordedError when the delivery already created a case.
   * @throws CaseAlreadyExistsError when the case id is taken.
   */
  async createCase(supportRequest: SupportRequest, firstEntry: TimelineEntry, options: { deliveryId?: string; deliveryFingerprint?: string } = {}): Promise<void> {
    const { partnerId, caseId } = supportRequest;
    if (options.deliveryId !== undefined) {
      const delivered = this.#deliveries.get(keyOf(partnerId, options.deliveryId));
      if (delivered) throw new DeliveryAlreadyRecordedError(options.deliveryId, delivered.caseId, delivered.fingerprint);
    }
    if (this.#cases.has(keyOf(partnerId, caseId))) throw new CaseAlreadyExistsError(caseId);
    // As the Table adapter: a createdAt that is not an instant is refused (RangeError).
    indexRowKey(supportRequest.createdAt, caseId);
    this.#insertTimeline(partnerId, caseId, firstEntry);
    this.#cases.set(keyOf(partnerId, caseId), { value: copy(supportRequest), applied: {} });
    if (options.deliveryId !== undefined) this.#deliveries.set(keyOf(partnerId, options.deliveryId), { caseId, ...(options.deliveryFingerprint ? { fingerprint: options.deliveryFingerprint } : {}) });
  }

  /** The case when it belongs to the partner, else undefined. */
  async getCase(partnerId: string, caseId: string): Promise<SupportRequest | undefined> {
    const stored = this.#get(partnerId, caseId);
    return stored ? copy(stored.value) : undefined;
  }

  /**
   * Cases of a partner and the cases shared with it, newest first, `limit` (1–100, default 25) per page.
   * @throws InvalidContinuationTokenError for a token not issued here.
   * @throws RangeError when `limit` is out of range.
   */
  async listCases(partnerId: string, options: ListCasesOptions = {}): Promise<Page<CaseListItem>> {
    return this.searchCases(partnerId, {}, options);
  }

  /**
   * The partner's cases matching `filter`, newest first (see {@link listCases}); full pages, a
   * continuation token while more follow.
   * @throws InvalidContinuationTokenError for a token not issued here.
   * @throws RangeError when `limit` is out of range.
   */
  async searchCases(partnerId: string, filter: CaseFilter, options: ListCasesOptions = {}): Promise<Page<CaseListItem>> {
    const limit = options.limit ?? 25;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new RangeError("limit must be an integer from 1 to 100");
    const matching = this.#listing(partnerId, options.withShares !== false)
      .map((row) => ({ sortKey: row.sortKey, item: this.#listItem(row) }))
      .filter((r) => matchesCaseFilter(r.item, filter));
    return keysetPage(matching, limit, options.continuationToken, () => new InvalidContinuationTokenError());
  }

  /**
   * Counts per status of the cases matching `filter` (its status ignored): exact, each status
   * counted up to `capPerStatus` (default 1,000, as the Table adapter) and named in `capped` when
   * it has more.
   */
  async countCasesByStatus(partnerId: string, filter: CaseFilter, capPerStatus = 1_000, options: Pick<ListCasesOptions, "withShares"> = {}): Promise<{ byStatus: Record<CaseStatus, number>; capped: CaseStatus[] }> {
    const byStatus = Object.fromEntries(CaseStatuses.map((st) => [st, 0])) as Record<CaseStatus, number>;
    for (const row of this.#listing(partnerId, options.withShares !== false)) {
      const item = this.#listItem(row);
      if (matchesCaseFilter(item, filter, { ignoreStatus: true })) byStatus[item.status] += 1;
    }
    const capped = CaseStatuses.filter((st) => byStatus[st] > capPerStatus);
    for (const st of capped) byStatus[st] = capPerStatus;
    return { byStatus, capped };
  }

  /** Shares a reseller's case with its indirect provider (idempotent; a re-share keeps the first `sharedAt`). */
  async shareWithProvider(providerId: string, supportRequest: SupportRequest, reseller: { partnerId: string; name: string }, sharedAtIso: string): Promise<void> {
    const key = keyOf(providerId, supportRequest.caseId);
    const sharedAt = this.#shares.get(key)?.share.sharedAt ?? sharedAtIso;
    this.#shares.set(key, { share: { caseId: supportRequest.caseId, resellerPartnerId: reseller.partnerId, resellerName: reseller.name, sharedAt }, copy: copy(supportRequest) });
  }

  /** The share of a case with this provider, or undefined. */
  async getProviderShare(providerId: string, caseId: string): Promise<ProviderCaseShare | undefined> {
    if (caseId.length === 0 || caseId.length > 200) return undefined;
    const found = this.#shares.get(keyOf(providerId, caseId));
    return found ? copy(found.share) : undefined;
  }

  /**
   * Timeline by `at`, then write order. As the Table adapter, `at` is compared as text: chronological
   * for ISO 8601 UTC instants written alike (`…T09:05:00.000Z`); `…T09:05:00Z` sorts after `…T09:05:00.500Z`.
   */
  async listTimeline(partnerId: string, caseId: string): Promise<TimelineEntry[]> {
    const entries = [...(this.#timelines.get(keyOf(partnerId, caseId)) ?? [])];
    // Array.prototype.sort is stable: entries at the same `at` stay in write order.
    return copy(entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)));
  }

  /**
   * Applies a transition once per `entryId` (see the port); `closedAt` is set on a move to
   * `closed` and removed when the case leaves it.
   * @throws CaseNotFoundError when the case does not exist.
   */
  async applyTransition(input: RecordTransitionInput): Promise<SupportRequest> {
    const stored = this.#get(input.partnerId, input.caseId);
    if (!stored) throw new CaseNotFoundError(input.partnerId, input.caseId);
    const current = stored.value;
    const before = stored.applied[input.entryId];
    if (before !== undefined) {
      this.#insertTimeline(input.partnerId, input.caseId, transitionEntry(input, before));
      return copy(current);
    }
    const next = copy(transitionedCase(current, input));
    stored.value = next;
    stored.applied[input.entryId] = current.status;
    this.#insertTimeline(input.partnerId, input.caseId, transitionEntry(input, current.status));
    return copy(next);
  }

  /** Appends an entry without changing the case; idempotent by `entryId` (the first one stays). */
  async appendTimeline(partnerId: string, caseId: string, entry: TimelineEntry): Promise<void> {
    this.#insertTimeline(partnerId, caseId, entry);
  }

  /**
   * Changes case fields once per `entry.entryId`; status, ids and `createdAt` are kept, `updatedAt`
   * becomes `entry.at`, and the entry is appended (not when `mutate` returned undefined).
   * @throws CaseNotFoundError when the case does not exist.
   */
  async updateCase(partnerId: string, caseId: string, entry: TimelineEntry, mutate: (current: SupportRequest) => SupportRequest | undefined): Promise<SupportRequest> {
    const stored = this.#get(partnerId, caseId);
    if (!stored) throw new CaseNotFoundError(partnerId, caseId);
    const current = stored.value;
    if (!(entry.entryId in stored.applied)) {
      const changed = mutate(copy(current));
      if (!changed) return copy(current);
      stored.value = { ...copy(changed), caseId: current.caseId, partnerId: current.partnerId, status: current.status, createdAt: current.createdAt, updatedAt: entry.at };
      stored.applied[entry.entryId] = current.status;
    }
    this.#insertTimeline(partnerId, caseId, entry);
    return copy(stored.value);
  }

  /** Changes derived fields without a timeline entry; status, ids and times are kept. @returns the case after, or undefined when unknown. */
  async patchCase(partnerId: string, caseId: string, mutate: (current: SupportRequest) => SupportRequest | undefined): Promise<SupportRequest | undefined> {
    const stored = this.#get(partnerId, caseId);
    if (!stored) return undefined;
    const current = stored.value;
    const changed = mutate(copy(current));
    if (changed) stored.value = { ...copy(changed), caseId: current.caseId, partnerId: current.partnerId, status: current.status, createdAt: current.createdAt, updatedAt: current.updatedAt };
    return copy(stored.value);
  }

  /**
   * The partner's own closed, not erased requests closed before `closedBefore`, oldest created first,
   * at most `limit` (as the Table adapter, one even when `limit` is 0 or less).
   * @throws RangeError when `closedBefore` is not an ISO 8601 instant.
   */
  async listErasableCases(partnerId: string, closedBefore: string, limit: number): Promise<ErasableCase[]> {
    if (Number.isNaN(Date.parse(closedBefore))) throw new RangeError(`closedBefore is not an ISO 8601 instant: ${closedBefore}`);
    const closed = this.#listing(partnerId)
      .reverse()
      .flatMap((row) => (row.own?.status === "closed" ? [row.own] : []));
    return erasableCases(closed, closedBefore, limit);
  }

  /** Erases a closed request's personal data (timeline, the provider's copy, the case); an open one is returned unchanged. Idempotent. */
  async erasePersonalData(partnerId: string, caseId: string, at: string): Promise<SupportRequest | undefined> {
    const stored = this.#get(partnerId, caseId);
    if (!stored) return undefined;
    if (stored.value.status !== "closed") return copy(stored.value);
    const timeline = this.#timelines.get(keyOf(partnerId, caseId)) ?? [];
    timeline.splice(0, timeline.length, ...timeline.map((e) => eraseTimelineEntry(e)));
    const escalation = stored.value.escalation;
    const providerId = escalation?.target === "indirect-provider" ? escalation.providerId : undefined;
    const share = providerId ? this.#shares.get(keyOf(providerId, caseId)) : undefined;
    if (share) share.copy = eraseSupportRequest(share.copy, at);
    stored.value = eraseSupportRequest(stored.value, at);
    return copy(stored.value);
  }

  #get(partnerId: string, caseId: string): StoredCase | undefined {
    if (caseId.length === 0 || caseId.length > 200) return undefined;
    const stored = this.#cases.get(keyOf(partnerId, caseId));
    return stored?.value.partnerId === partnerId ? stored : undefined;
  }

  /** The partner's listing, newest first: its own cases and the cases shared with it. */
  #listing(partnerId: string, withShares = true): ListingRow[] {
    const rows: ListingRow[] = [];
    const prefix = keyOf(partnerId, "");
    for (const [key, stored] of this.#cases) if (key.startsWith(prefix)) rows.push({ sortKey: indexRowKey(stored.value.createdAt, stored.value.caseId), own: stored.value });
    if (withShares) for (const [key, share] of this.#shares) if (key.startsWith(prefix)) rows.push({ sortKey: indexRowKey(share.copy.createdAt, share.copy.caseId), share });
    return rows.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  }

  /** What a listing row shows: the own case, or the live shared case (its copy when gone) with the reseller. */
  #listItem(row: ListingRow): CaseListItem {
    if (row.own) return row.own;
    const { share, copy: shared } = row.share!;
    const live = this.#get(share.resellerPartnerId, share.caseId)?.value ?? shared;
    return { ...live, resellerPartnerId: share.resellerPartnerId, resellerName: share.resellerName };
  }

  #insertTimeline(partnerId: string, caseId: string, entry: TimelineEntry): void {
    const key = keyOf(partnerId, caseId);
    const entries = this.#timelines.get(key) ?? [];
    if (entries.some((e) => e.entryId === entry.entryId)) return;
    entries.push(copy(entry));
    this.#timelines.set(key, entries);
  }
}
