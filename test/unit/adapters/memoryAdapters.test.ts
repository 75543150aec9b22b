/**
 * The in-memory adapters (shared/adapters/memory) against the port contracts (test/contracts).
 * No storage and no network: each test gets fresh adapters.
 */
import { MemoryAuditLog, MemoryCaseActionInbox, MemoryCaseRepository, MemoryCustomerDirectory, MemoryIdempotencyStore, MemoryInboundEmailLog, MemoryNotificationLog, MemoryPartnerRepository, MemoryProductSupportIncidentLedger, MemoryReportReadModel, MemorySlaEventLog, MemoryUnstartedWorkflows } from "../../../shared/adapters/memory";
import { describeAuditLogContract } from "../../contracts/auditLog.contract";
import { describeCaseActionInboxContract } from "../../contracts/caseActionInbox.contract";
import { describeCaseRepositoryContract } from "../../contracts/caseRepository.contract";
import { describeCustomerDirectoryContract } from "../../contracts/customerDirectory.contract";
import { describeIdempotencyStoreContract } from "../../contracts/idempotencyStore.contract";
import { describeInboundEmailLogContract } from "../../contracts/inboundEmailLog.contract";
import { describeNotificationLogContract } from "../../contracts/notificationLog.contract";
import { CachedPartnerRepository } from "../../../shared/adapters/cachedPartnerRepository";
import { describePartnerRepositoryContract } from "../../contracts/partnerRepository.contract";
import { describeProductSupportIncidentLedgerContract } from "../../contracts/productSupportIncidentLedger.contract";
import { describeReportReadModelContract } from "../../contracts/reportReadModel.contract";
import { describeSlaEventLogContract } from "../../contracts/slaEventLog.contract";
import { describeUnstartedWorkflowsContract } from "../../contracts/unstartedWorkflows.contract";

describeCaseActionInboxContract("memory", (now) => new MemoryCaseActionInbox(now));
describeCaseRepositoryContract("memory", () => new MemoryCaseRepository());
describeSlaEventLogContract("memory", () => new MemorySlaEventLog());
describeProductSupportIncidentLedgerContract("memory", (now) => {
  const partners = new MemoryPartnerRepository(now);
  return { ledger: new MemoryProductSupportIncidentLedger(partners), partners };
});
describeIdempotencyStoreContract("memory", (now) => new MemoryIdempotencyStore({ now }));
describeInboundEmailLogContract("memory", () => new MemoryInboundEmailLog());
describeNotificationLogContract("memory", () => new MemoryNotificationLog());
describeAuditLogContract("memory", () => new MemoryAuditLog());
describeCustomerDirectoryContract("memory", () => new MemoryCustomerDirectory());
describePartnerRepositoryContract("memory", (now) => new MemoryPartnerRepository(now));
describePartnerRepositoryContract("memory behind the partner cache", (now) => new CachedPartnerRepository(new MemoryPartnerRepository(now)));
describeReportReadModelContract("memory", () => new MemoryReportReadModel());

describe("memory adapters", () => {
  it("refuse idempotency retention below 24 h and a lock that is not positive, as the Table adapter", () => {
    expect(() => new MemoryIdempotencyStore({ retentionInMs: 60_000 })).toThrow(RangeError);
    expect(() => new MemoryIdempotencyStore({ lockInMs: 0 })).toThrow(RangeError);
  });
});
describeUnstartedWorkflowsContract("memory", () => new MemoryUnstartedWorkflows());
