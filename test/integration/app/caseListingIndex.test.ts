/**
 * The partner's request list read from its secondary listings (shared/adapters/tableCaseRepository.ts)
 * on the Jest Azurite: a filtered page is one RowKey range read per listing, every page after any
 * sequence of changes holds what the in-memory repository holds, a store written in the earlier
 * layout is migrated (and listed the same before and after), a change replaces the listing rows
 * it knows exist and inserts the new ones, and a listing row lost or added outside the repository
 * never blocks a change of its case.
 */
import fc from "fast-check";
import { TableClient } from "@azure/data-tables";
import { caseRowKey, encodeKey, indexRowKey, listingColumns, packJson, secondaryListingKeys, TableCaseRepository, TableNames, TableStorage } from "../../../shared/adapters";
import { MemoryCaseRepository } from "../../../shared/adapters/memory";
import { CaseStatuses, WorkflowStates, type SupportRequest, type TimelineEntry } from "../../../shared/contracts";
import type { CaseFilter, CaseListItem, CaseRepository } from "../../../shared/ports";
import { generateCaseId } from "../../../shared/services/caseId";
import { supportRequestBody } from "../../support/builders";
import { allPages } from "../../contracts/support";
import { testConfig } from "./helpers";

const TENANTS = ["b73b3144-acc1-422a-a4c7-bc9d4aed30f9", "5f0c7a52-9d1e-4a39-8a8e-2f6d1c3b9e11", "0d6a1c7e-3b2f-4e59-9c11-7a8b6c5d4e3f"];
const EMAILS = ["it@tisza.example", "IT@Tisza.example", "ops@duna.example", "cfo@balaton.example"];
const RESELLER = "reseller-partner";
const PROVIDER = "provider-partner";

function freshStorage(): TableStorage {
  const config = testConfig("listing");
  return new TableStorage({ connectionString: config.AzureWebJobsStorage, tablePrefix: config.TABLE_PREFIX });
}

function newCase(partnerId: string, createdAtMs: number, n: number, overrides: Partial<SupportRequest> = {}): SupportRequest {
  const iso = new Date(createdAtMs).toISOString();
  return {
    caseId: generateCaseId(new Date(createdAtMs)),
    partnerId,
    channel: n % 3 === 0 ? "email" : "webhook",
    ...(supportRequestBody() as Omit<SupportRequest, "caseId" | "partnerId" | "channel" | "status" | "createdAt" | "updatedAt">),
    customer: { tenantId: TENANTS[n % TENANTS.length] as string, name: "Tisza", email: EMAILS[n % EMAILS.length] as string, preferredLanguage: "hu" },
    severity: (["A", "B", "C"] as const)[n % 3],
    status: "received",
    createdAt: iso,
    updatedAt: iso,
    ...overrides,
  } as SupportRequest;
}

function entry(at: string): TimelineEntry {
  return { entryId: "received", kind: "status-changed", at, toStatus: "received", summary: "received" };
}

/** Every item of a search, following tokens; no page longer than `limit`. */
async function searchAll(cases: CaseRepository, partnerId: string, filter: CaseFilter, limit: number): Promise<CaseListItem[]> {
  const { pages } = await allPages((token) => cases.searchCases(partnerId, filter, { limit, ...(token ? { continuationToken: token } : {}) }));
  expect(pages.every((p) => p.length <= limit)).toBe(true);
  return pages.flat();
}

/** The filters a partner's list offers that the secondary listings serve, alone and combined. */
const FILTERS: CaseFilter[] = [
  ...CaseStatuses.map((status) => ({ status })),
  { customer: TENANTS[0] as string },
  { customer: (TENANTS[1] as string).toUpperCase() },
  { customer: "it@TISZA.example" },
  { customer: "ops@duna.example", status: "in-diagnosis" },
  { workflow: "attention" },
  { workflow: "failed" },
  { workflow: "attention", status: "resolved" },
  { status: "in-diagnosis", severity: "A" },
  { status: "closed", createdFrom: "2026-03-10T00:00:00.000Z", createdTo: "2026-03-20T00:00:00.000Z" },
  { customer: TENANTS[2] as string, channel: "email" },
  { sla: "breached" },
  { sla: "at-risk", status: "in-diagnosis" },
  { sla: "breached", severity: "B" },
  {},
];

/** One change a partner's cases may go through, applied the same way to both repositories. */
type Change =
  | { kind: "create"; partner: 0 | 1; day: number; n: number }
  | { kind: "status"; pick: number; status: (typeof CaseStatuses)[number] }
  | { kind: "workflow"; pick: number; state: (typeof WorkflowStates)[number] }
  | { kind: "sla"; pick: number; health: "on-track" | "at-risk" | "breached" | "none" }
  | { kind: "erase"; pick: number }
  | { kind: "share"; pick: number };

const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("create" as const), partner: fc.constantFrom(0 as const, 1 as const), day: fc.integer({ min: 0, max: 30 }), n: fc.nat(11) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("status" as const), pick: fc.nat(), status: fc.constantFrom(...CaseStatuses) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("workflow" as const), pick: fc.nat(), state: fc.constantFrom(...WorkflowStates) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("sla" as const), pick: fc.nat(), health: fc.constantFrom("on-track" as const, "at-risk" as const, "breached" as const, "none" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("erase" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("share" as const), pick: fc.nat() }) },
);

async function apply(repos: CaseRepository[], created: SupportRequest[], c: Change, step: number): Promise<void> {
  if (c.kind === "create") {
    const sr = newCase(c.partner === 0 ? RESELLER : PROVIDER, Date.parse("2026-03-01T08:00:00.000Z") + c.day * 86_400_000 + step * 1000, c.n);
    for (const r of repos) await r.createCase(sr, entry(sr.createdAt));
    created.push(sr);
    return;
  }
  // A share is of a reseller's case; every other change of any case.
  const candidates = c.kind === "share" ? created.filter((x) => x.partnerId === RESELLER) : created;
  const sr = candidates[c.pick % Math.max(1, candidates.length)];
  if (!sr) return;
  const at = new Date(Date.parse("2026-05-01T00:00:00.000Z") + step * 1000).toISOString();
  for (const r of repos) {
    switch (c.kind) {
      case "status":
        await r.applyTransition({ caseId: sr.caseId, partnerId: sr.partnerId, entryId: `s${step}`, kind: "status-changed", toStatus: c.status, summary: c.status, at });
        break;
      case "workflow":
        await r.applyTransition({ caseId: sr.caseId, partnerId: sr.partnerId, entryId: `w${step}`, kind: "status-changed", summary: "workflow", at, patch: { workflow: { state: c.state, since: at } } });
        break;
      case "sla":
        await r.patchCase(sr.partnerId, sr.caseId, (x) => ({ ...x, slaHealth: c.health }));
        break;
      case "erase":
        await r.erasePersonalData(sr.partnerId, sr.caseId, at);
        break;
      case "share": {
        const live = await r.getCase(sr.partnerId, sr.caseId);
        if (live) await r.shareWithProvider(PROVIDER, live, { partnerId: RESELLER, name: "Reseller Kft." }, at);
        break;
      }
    }
  }
}

describe("the request list from its secondary listings (Azurite)", () => {
  afterEach(() => jest.restoreAllMocks());

  it("a new store is marked at its first case; a filter by status, customer, workflow or SLA health is one RowKey range read of its listing, without column conditions", async () => {
    const cases = new TableCaseRepository(freshStorage());
    const a = newCase(RESELLER, Date.parse("2026-04-01T08:00:00.000Z"), 0);
    const b = newCase(RESELLER, Date.parse("2026-04-02T08:00:00.000Z"), 1);
    await cases.createCase(a, entry(a.createdAt));
    await cases.createCase(b, entry(b.createdAt));
    await cases.applyTransition({ caseId: a.caseId, partnerId: RESELLER, entryId: "t1", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at: "2026-04-03T08:00:00.000Z" });

    const queries: string[] = [];
    const listEntities = TableClient.prototype.listEntities;
    jest.spyOn(TableClient.prototype, "listEntities").mockImplementation(function (this: TableClient, options) {
      queries.push(String(options?.queryOptions?.filter ?? ""));
      return listEntities.call(this, options);
    });
    const page = await cases.searchCases(RESELLER, { status: "in-diagnosis" });
    expect(page.items.map((x) => x.caseId)).toEqual([a.caseId]);
    expect(page.items[0]?.status).toBe("in-diagnosis");
    expect(page.continuationToken).toBeUndefined();
    const own = queries.find((q) => q.includes("ixs_in-diagnosis_"));
    expect(own).toBeDefined();
    // Only keys: the partition and the RowKey range of the status listing.
    expect(own).toMatch(/^PartitionKey eq '[^']+' and RowKey ge 'ixs_in-diagnosis_' and RowKey lt 'ixs_in-diagnosis`'$/);
    expect(queries.some((q) => q.includes("RowKey ge 'shr_'"))).toBe(true);
    expect(queries.every((q) => !q.includes("status eq"))).toBe(true);

    queries.length = 0;
    expect((await cases.searchCases(RESELLER, { customer: TENANTS[1] as string })).items.map((x) => x.caseId)).toEqual([b.caseId]);
    expect(queries.some((q) => q.includes(`RowKey ge 'ixt_${TENANTS[1]}_'`))).toBe(true);
    const breached = await cases.patchCase(RESELLER, b.caseId, (x) => ({ ...x, slaHealth: "breached" }));
    queries.length = 0;
    expect((await cases.searchCases(RESELLER, { sla: "breached" })).items).toEqual([breached]);
    expect(queries.some((q) => q.includes("RowKey ge 'ixh_breached_'") && !q.includes("slaHealth eq"))).toBe(true);
    // None of those conditions: the `idx_` listing's query, as before.
    queries.length = 0;
    expect((await cases.searchCases(RESELLER, { severity: "B" })).items.map((x) => x.caseId)).toEqual([b.caseId]);
    expect(queries.some((q) => q.includes("severity eq 'B'") && q.includes("RowKey ge 'idx_'"))).toBe(true);
  });

  it("after any sequence of creations, status and workflow changes, SLA patches, erasures and shares, every filtered list holds what the in-memory repository holds, page by page", async () => {
    let sharedListed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 4, maxLength: 28 }), fc.constantFrom(1, 2, 25), async (changes, limit) => {
        const table = new TableCaseRepository(freshStorage());
        const memory = new MemoryCaseRepository();
        const created: SupportRequest[] = [];
        for (const [step, c] of changes.entries()) await apply([memory, table], created, c, step);
        for (const partner of [RESELLER, PROVIDER]) {
          for (const filter of FILTERS) {
            const expected = await searchAll(memory, partner, filter, 100);
            const actual = await searchAll(table, partner, filter, limit);
            expect({ partner, filter, items: actual }).toEqual({ partner, filter, items: expected });
            sharedListed += actual.filter((x) => x.resellerPartnerId !== undefined).length;
          }
        }
      }),
      { numRuns: 12, seed: 20261206 },
    );
    // The runs listed reseller cases in the provider's filtered lists.
    expect(sharedListed).toBeGreaterThan(0);
  }, 240_000);

  it("a provider with more shares than one page checks lists each matching case once, newest first, across pages", async () => {
    const table = new TableCaseRepository(freshStorage());
    const memory = new MemoryCaseRepository();
    const start = Date.parse("2026-01-10T08:00:00.000Z");
    // 130 shared cases still received, the newest; then the provider's own cases, some in diagnosis, older.
    for (let n = 0; n < 130; n++) {
      const sr = newCase(RESELLER, start - n * 60_000, n);
      for (const r of [table, memory]) {
        await r.createCase(sr, entry(sr.createdAt));
        await r.shareWithProvider(PROVIDER, sr, { partnerId: RESELLER, name: "Reseller Kft." }, sr.createdAt);
      }
    }
    for (let n = 0; n < 6; n++) {
      const sr = newCase(PROVIDER, start - 200 * 60_000 - n * 60_000, n);
      for (const r of [table, memory]) {
        await r.createCase(sr, entry(sr.createdAt));
        if (n % 2 === 0) await r.applyTransition({ caseId: sr.caseId, partnerId: PROVIDER, entryId: "t1", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at: sr.createdAt });
      }
    }
    // (At most 50 pages are followed: 133 received cases in pages of 3.)
    for (const [limit, filters] of [
      [1, [{ status: "in-diagnosis" }, { customer: TENANTS[0] as string }]],
      [3, [{ status: "received" }, { customer: TENANTS[1] as string }]],
      [25, [{ status: "in-diagnosis" }, { status: "received" }, { customer: TENANTS[2] as string }]],
    ] as Array<[number, CaseFilter[]]>) {
      for (const filter of filters) {
        const actual = await searchAll(table, PROVIDER, filter, limit);
        expect(actual).toEqual(await searchAll(memory, PROVIDER, filter, 100));
      }
    }
    expect((await searchAll(table, PROVIDER, { status: "in-diagnosis" }, 25)).map((x) => x.partnerId)).toEqual([PROVIDER, PROVIDER, PROVIDER]);
  }, 60_000);

  it("a store of the earlier layout lists the same before and after the migration, which gives every case and share its listing rows once", async () => {
    const storage = freshStorage();
    const table = await storage.getTable(TableNames.cases);
    const memory = new MemoryCaseRepository();
    // The earlier layout: the case row and its `idx_` row only; a share's `share_` and `idx_` rows.
    const stored: SupportRequest[] = [];
    for (let n = 0; n < 12; n++) {
      const sr = { ...newCase(n % 4 === 0 ? PROVIDER : RESELLER, Date.parse("2026-02-01T08:00:00.000Z") + n * 3_600_000, n), status: CaseStatuses[n % CaseStatuses.length] } as SupportRequest;
      const pk = encodeKey(sr.partnerId);
      const data = packJson(sr);
      await table.submitTransaction([
        ["create", { partitionKey: pk, rowKey: caseRowKey(sr.caseId), caseId: sr.caseId, status: sr.status, createdAt: sr.createdAt, updatedAt: sr.updatedAt, applied: "{}", ...data }],
        ["create", { partitionKey: pk, rowKey: indexRowKey(sr.createdAt, sr.caseId), caseId: sr.caseId, status: sr.status, createdAt: sr.createdAt, ...listingColumns(sr), ...data }],
      ]);
      await memory.createCase(sr, entry(sr.createdAt));
      stored.push(sr);
    }
    const shared = stored.find((sr) => sr.partnerId === RESELLER) as SupportRequest;
    const common = { caseId: shared.caseId, resellerPartnerId: RESELLER, resellerName: "Reseller Kft.", sharedAt: "2026-02-03T00:00:00.000Z" };
    await table.submitTransaction([
      ["create", { partitionKey: encodeKey(PROVIDER), rowKey: `share_${encodeKey(shared.caseId)}`, ...common }],
      ["create", { partitionKey: encodeKey(PROVIDER), rowKey: indexRowKey(shared.createdAt, shared.caseId), ...common, status: shared.status, createdAt: shared.createdAt, ...listingColumns(shared), ...packJson(shared) }],
    ]);
    await memory.shareWithProvider(PROVIDER, shared, { partnerId: RESELLER, name: "Reseller Kft." }, common.sharedAt);

    const cases = new TableCaseRepository(storage);
    const listings = async (repo: CaseRepository): Promise<CaseListItem[][]> => {
      const out: CaseListItem[][] = [];
      for (const partner of [RESELLER, PROVIDER]) for (const filter of FILTERS) out.push(await searchAll(repo, partner, filter, 2));
      return out;
    };
    const expected = await listings(memory);
    expect(await listings(cases)).toEqual(expected);
    // A change before the migration: the case gets its listing rows at once.
    const moved = stored[1] as SupportRequest;
    for (const r of [cases, memory]) await r.applyTransition({ caseId: moved.caseId, partnerId: moved.partnerId, entryId: "m1", kind: "status-changed", toStatus: "awaiting-customer", summary: "asked", at: "2026-02-05T00:00:00.000Z" });

    const first = await cases.migrateListingIndex({ quietPeriodMs: 0 });
    expect(first).toMatchObject({ done: true, casesIndexed: 11, sharesIndexed: 1, unreadable: [] });
    const again = await cases.migrateListingIndex({ quietPeriodMs: 0 });
    expect(again).toEqual({ done: true, rowsScanned: 0, casesIndexed: 0, sharesIndexed: 0, unreadable: [] });
    // A fresh process reads the marker and serves filters from the listings.
    expect(await listings(new TableCaseRepository(storage))).toEqual(await listings(memory));
    const keys = secondaryListingKeys({ ...moved, status: "awaiting-customer" });
    for (const rowKey of keys) expect((await table.getEntity(encodeKey(moved.partnerId), rowKey)).caseId).toBe(moved.caseId);
  });

  it("waits for a pass begun after the quiet period before it calls the migration complete, and fixes the rows earlier code changed meanwhile", async () => {
    const storage = freshStorage();
    const table = await storage.getTable(TableNames.cases);
    // A row of the earlier code makes the store one to migrate.
    await table.createEntity({ partitionKey: "earlier-partner", rowKey: "delivery_earlier", caseId: "earlier" });
    let now = Date.parse("2026-06-01T00:00:00.000Z");
    const cases = new TableCaseRepository(storage, () => new Date(now));
    const sr = newCase(RESELLER, Date.parse("2026-05-30T08:00:00.000Z"), 0);
    await cases.createCase(sr, entry(sr.createdAt));
    await cases.applyTransition({ caseId: sr.caseId, partnerId: RESELLER, entryId: "t1", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at: "2026-05-30T09:00:00.000Z" });
    expect(await cases.migrateListingIndex({ quietPeriodMs: 60_000 })).toMatchObject({ done: false, casesIndexed: 0 });
    // Earlier code, still running during the deployment, resolves the case: its own two rows only.
    const pk = encodeKey(RESELLER);
    const resolved: SupportRequest = { ...sr, status: "resolved", updatedAt: "2026-05-30T10:00:00.000Z" };
    const data = packJson(resolved);
    await table.submitTransaction([
      ["upsert", { partitionKey: pk, rowKey: caseRowKey(sr.caseId), caseId: sr.caseId, status: "resolved", createdAt: sr.createdAt, updatedAt: resolved.updatedAt, applied: "{}", ...data }, "Replace"],
      ["upsert", { partitionKey: pk, rowKey: indexRowKey(sr.createdAt, sr.caseId), caseId: sr.caseId, status: "resolved", createdAt: sr.createdAt, ...listingColumns(resolved), ...data }, "Replace"],
    ]);
    // Not yet a pass after the quiet period.
    expect(await cases.migrateListingIndex({ quietPeriodMs: 60_000 })).toMatchObject({ done: false });
    now += 61_000;
    expect(await cases.migrateListingIndex({ quietPeriodMs: 60_000 })).toMatchObject({ done: true, casesIndexed: 1 });
    const fresh = new TableCaseRepository(storage);
    expect((await fresh.searchCases(RESELLER, { status: "in-diagnosis" })).items).toEqual([]);
    expect((await fresh.searchCases(RESELLER, { status: "resolved" })).items).toEqual([resolved]);
    await expect(table.getEntity(pk, secondaryListingKeys({ ...sr, status: "in-diagnosis" })[0] as string)).rejects.toMatchObject({ statusCode: 404 });
  });

  it("a listing row deleted outside the repository does not block the next change; the case's listings are right after it", async () => {
    const storage = freshStorage();
    const cases = new TableCaseRepository(storage);
    const sr = newCase(RESELLER, Date.parse("2026-04-01T08:00:00.000Z"), 0);
    await cases.createCase(sr, entry(sr.createdAt));
    const table = await storage.getTable(TableNames.cases);
    const [statusKey] = secondaryListingKeys(sr);
    await table.deleteEntity(encodeKey(RESELLER), statusKey as string);
    const after = await cases.applyTransition({ caseId: sr.caseId, partnerId: RESELLER, entryId: "t1", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at: "2026-04-01T09:00:00.000Z" });
    expect(after.status).toBe("in-diagnosis");
    const again = await cases.applyTransition({ caseId: sr.caseId, partnerId: RESELLER, entryId: "t2", kind: "status-changed", toStatus: "resolved", summary: "resolved", at: "2026-04-01T10:00:00.000Z" });
    const fresh = new TableCaseRepository(storage);
    expect((await fresh.searchCases(RESELLER, { status: "received" })).items).toEqual([]);
    expect((await fresh.searchCases(RESELLER, { status: "in-diagnosis" })).items).toEqual([]);
    expect((await fresh.searchCases(RESELLER, { status: "resolved" })).items).toEqual([again]);
    expect((await table.getEntity(encodeKey(RESELLER), caseRowKey(sr.caseId))).ixv).toBe(1);
  });

  it("a change replaces the listing rows the case row records and inserts its new ones, with no upsert; a row missing or present against that record makes it upsert instead", async () => {
    const storage = freshStorage();
    const cases = new TableCaseRepository(storage);
    const sr = newCase(RESELLER, Date.parse("2026-04-01T08:00:00.000Z"), 0);
    await cases.createCase(sr, entry(sr.createdAt));
    const table = await storage.getTable(TableNames.cases);
    const pk = encodeKey(RESELLER);
    const kinds: string[][] = [];
    const submitTransaction = TableClient.prototype.submitTransaction;
    jest.spyOn(TableClient.prototype, "submitTransaction").mockImplementation(function (this: TableClient, actions) {
      kinds.push(actions.map((a) => `${a[0]} ${a[1].rowKey?.slice(0, 4)}`));
      return submitTransaction.call(this, actions);
    });

    // A status change: the case row under If-Match, the listing rows it keeps replaced, the new
    // status row and the `ixk_` row naming it written, the old status row deleted.
    const diagnosing = await cases.applyTransition({ caseId: sr.caseId, partnerId: RESELLER, entryId: "t1", kind: "status-changed", toStatus: "in-diagnosis", summary: "diagnosing", at: "2026-04-01T09:00:00.000Z" });
    expect(kinds).toEqual([["update case", "update idx_", "create ixs_", "update ixt_", "update ixe_", "update ixk_", "delete ixs_"]]);

    // A row that should be there was deleted by hand, and one that should not be there yet was
    // written by hand: the change is refused for each, then made with upserts.
    const [, customerKey] = secondaryListingKeys(diagnosing);
    await table.deleteEntity(pk, customerKey as string);
    const breachedKey = secondaryListingKeys({ ...diagnosing, slaHealth: "breached" }).find((k) => k.startsWith("ixh_")) as string;
    await table.createEntity({ partitionKey: pk, rowKey: breachedKey, caseId: "stray" });
    kinds.length = 0;
    const breached = await cases.patchCase(RESELLER, sr.caseId, (x) => ({ ...x, slaHealth: "breached" }));
    expect(breached?.slaHealth).toBe("breached");
    expect(kinds.length).toBeGreaterThanOrEqual(2);
    expect(kinds[kinds.length - 1]).toEqual(["update case", "upsert idx_", "upsert ixs_", "upsert ixt_", "upsert ixe_", "upsert ixh_", "upsert ixk_"]);
    const fresh = new TableCaseRepository(storage);
    expect((await fresh.searchCases(RESELLER, { customer: TENANTS[0] as string })).items).toEqual([breached]);
    expect((await fresh.searchCases(RESELLER, { sla: "breached" })).items).toEqual([breached]);
    expect((await fresh.searchCases(RESELLER, { status: "in-diagnosis" })).items).toEqual([breached]);
  });
});
