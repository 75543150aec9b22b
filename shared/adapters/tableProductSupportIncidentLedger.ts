/**
 * Product support incidents counted on the partner row (CSP support rules: "product support incidents
 * are counted"; decremented atomically with ETag when used).
 *
 * Table `<prefix>Partners`, PartitionKey `partner` (the partner rows of TablePartnerRepository):
 * - the partner row (RowKey = partner id) holds the definition, whose `product-support-incidents`
 *   entitlement carries `remainingIncidents`;
 * - a consumption row per case, RowKey `<partnerId>~psi~<caseId>` (`~` never occurs in a partner
 *   id), records that the case consumed one and what was left.
 * A consumption merges the decremented definition onto the partner row with `If-Match` (its ETag)
 * and creates the consumption row in ONE entity-group transaction (same partition): so the count
 * never goes below zero under concurrency (a stale ETag → 412 → re-read and retry), and a case
 * never consumes twice (its row exists → 409 → the recorded result is returned).
 * Optimistic concurrency: https://learn.microsoft.com/azure/storage/blobs/concurrency-manage#managing-concurrency-in-table-storage
 */
import type { ConsumeProductSupportIncidentResult, Partner } from "../contracts";
import type { ProductSupportIncidentLedger } from "../ports";
import { encodeKey, packJson, statusOf, TableNames, unpackJson, type TableStorage } from "./tableStorage";

const PARTNER_PK = "partner";
const MAX_ATTEMPTS = 30;

/** RowKey of the row recording that a case consumed an incident of the partner. */
export function psiConsumptionRowKey(partnerId: string, caseId: string): string {
  return `${partnerId}~psi~${encodeKey(caseId)}`;
}

/** {@link ProductSupportIncidentLedger} over the Partners table. */
export class TableProductSupportIncidentLedger implements ProductSupportIncidentLedger {
  /**
   * @param storage - table access.
   * @param now - clock for `consumedAt` (default: system time).
   */
  constructor(
    private readonly storage: TableStorage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** What the case consumed (`{consumed: true, remainingIncidents}` after it), or undefined. @throws RestError when storage fails. */
  async getConsumption(partnerId: string, caseId: string): Promise<ConsumeProductSupportIncidentResult | undefined> {
    const table = await this.storage.getTable(TableNames.partners);
    try {
      const row = await table.getEntity<{ remainingIncidents: number }>(PARTNER_PK, psiConsumptionRowKey(partnerId, caseId));
      return { consumed: true, remainingIncidents: Number(row.remainingIncidents) };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /**
   * Consumes one incident for the case (see the file comment). Returns `{consumed: false,
   * remainingIncidents: 0}` when the partner has no product-support-incidents entitlement or none
   * left (nothing is recorded then, so a later top-up can still serve the case).
   * @throws Error when the partner does not exist, or after 30 consecutive ETag conflicts.
   */
  async consume(partnerId: string, caseId: string): Promise<ConsumeProductSupportIncidentResult> {
    const table = await this.storage.getTable(TableNames.partners);
    const markerKey = psiConsumptionRowKey(partnerId, caseId);
    const recorded = (): Promise<ConsumeProductSupportIncidentResult | undefined> => this.getConsumption(partnerId, caseId);
    const before = await recorded();
    if (before) return before;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let row;
      try {
        row = await table.getEntity<Record<string, unknown>>(PARTNER_PK, partnerId);
      } catch (e) {
        if (statusOf(e) === 404) throw new Error(`Partner ${partnerId} not found`);
        throw e;
      }
      const partner = unpackJson<Partner>(row);
      const index = partner.entitlements.findIndex((e) => e.vehicle === "product-support-incidents");
      const left = index < 0 ? 0 : (partner.entitlements[index]?.remainingIncidents ?? 0);
      if (left <= 0) return { consumed: false, remainingIncidents: 0 };
      const remainingIncidents = left - 1;
      const next: Partner = { ...partner, entitlements: partner.entitlements.map((e, i) => (i === index ? { ...e, remainingIncidents } : e)) };
      try {
        await table.submitTransaction([
          ["update", { partitionKey: PARTNER_PK, rowKey: partnerId, ...packJson(next) }, "Merge", { etag: row.etag }],
          ["create", { partitionKey: PARTNER_PK, rowKey: markerKey, psiPartnerId: partnerId, psiCaseId: caseId, remainingIncidents, consumedAt: this.now().toISOString() }],
        ]);
        return { consumed: true, remainingIncidents };
      } catch (e) {
        const status = statusOf(e);
        if (status === 409) {
          // The same case consumed concurrently: its row exists now.
          const mine = await recorded();
          if (mine) return mine;
        }
        if (status !== 412 && status !== 409) throw e;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 10 * (attempt + 1))));
      }
    }
    throw new Error(`Partner ${partnerId}: gave up consuming a product support incident after ${MAX_ATTEMPTS} concurrent-update conflicts (HTTP 412)`);
  }
}
