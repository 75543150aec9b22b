/**
 * The Azure Table Storage adapters against the port contracts (test/contracts), on the Jest
 * Azurite: every adapter gets tables of its own (a fresh table prefix), so each test starts empty.
 */
import { CachedPartnerRepository, TableAuditLog, TableCaseActionInbox, TableCaseRepository, TableCustomerDirectory, TableIdempotencyStore, TableInboundEmailLog, TableNotificationLog, TablePartnerRepository, TableProductSupportIncidentLedger, TableReportReadModel, TableSlaEventLog, TableNames, TableStorage, TableUnstartedWorkflows } from "../../../shared/adapters";
import { createSecretSealer } from "../../../shared/container";
import { describeAuditLogContract } from "../../contracts/auditLog.contract";
import { describeCaseActionInboxContract } from "../../contracts/caseActionInbox.contract";
import { describeCaseRepositoryContract } from "../../contracts/caseRepository.contract";
import { describeCustomerDirectoryContract } from "../../contracts/customerDirectory.contract";
import { describeIdempotencyStoreContract } from "../../contracts/idempotencyStore.contract";
import { describeInboundEmailLogContract } from "../../contracts/inboundEmailLog.contract";
import { describeNotificationLogContract } from "../../contracts/notificationLog.contract";
import { describePartnerRepositoryContract } from "../../contracts/partnerRepository.contract";
import { describeProductSupportIncidentLedgerContract } from "../../contracts/productSupportIncidentLedger.contract";
import { describeReportReadModelContract } from "../../contracts/reportReadModel.contract";
import { describeSlaEventLogContract } from "../../contracts/slaEventLog.contract";
import { describeUnstartedWorkflowsContract } from "../../contracts/unstartedWorkflows.contract";
import { testConfig } from "./helpers";

/** Table access with a fresh prefix (empty tables) on the test Azurite. */
function freshStorage(): TableStorage {
  const config = testConfig("contract");
  return new TableStorage({ connectionString: config.AzureWebJobsStorage, tablePrefix: config.TABLE_PREFIX });
}

function partnerRepository(storage: TableStorage, now: () => Date): TablePartnerRepository {
  return new TablePartnerRepository(storage, now, createSecretSealer(testConfig("contract")));
}

/** Two app instances over one storage account, each call going to the other one. */
function takingTurns<T extends object>(instances: [T, T]): T {
  let turn = 0;
  return new Proxy(instances[0], {
    get(_target, property) {
      const instance = instances[turn++ % 2]!;
      const value: unknown = Reflect.get(instance, property);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(instance) : value;
    },
  });
}

describeCaseActionInboxContract("Table Storage", (now) => new TableCaseActionInbox(freshStorage(), now));
describeCaseActionInboxContract("Table Storage, two app instances taking turns", (now) => {
  // Each append goes to the other instance: the counter it remembers was always moved since.
  const storage = freshStorage();
  return takingTurns([new TableCaseActionInbox(storage, now), new TableCaseActionInbox(storage, now)]);
});
describeCaseRepositoryContract("Table Storage", (now) => new TableCaseRepository(freshStorage(), now));
describeCaseRepositoryContract("Table Storage, two app instances taking turns", (now) => {
  // Each call goes to the other instance: every change starts from a row the other one made stale.
  const storage = freshStorage();
  return takingTurns([new TableCaseRepository(storage, now), new TableCaseRepository(storage, now)]);
});
describeCaseRepositoryContract("Table Storage, before the listing migration completes (filtered lists in the listing query)", async (now) => {
  // A store that held a row before this code's first use is not marked as having every listing row.
  const storage = freshStorage();
  await (await storage.getTable(TableNames.cases)).createEntity({ partitionKey: "earlier-partner", rowKey: "delivery_earlier", caseId: "earlier" });
  return new TableCaseRepository(storage, now);
});
describeSlaEventLogContract("Table Storage", (now) => new TableSlaEventLog(freshStorage(), now));
describeProductSupportIncidentLedgerContract("Table Storage", (now) => {
  const storage = freshStorage();
  return { ledger: new TableProductSupportIncidentLedger(storage, now), partners: partnerRepository(storage, now) };
});
describeIdempotencyStoreContract("Table Storage", (now) => new TableIdempotencyStore(freshStorage(), { now }));
describeInboundEmailLogContract("Table Storage", () => new TableInboundEmailLog(freshStorage()));
describeNotificationLogContract("Table Storage", () => new TableNotificationLog(freshStorage()));
describeAuditLogContract("Table Storage", () => new TableAuditLog(freshStorage()));
describeCustomerDirectoryContract("Table Storage", () => new TableCustomerDirectory(freshStorage()));
describePartnerRepositoryContract("Table Storage", (now) => partnerRepository(freshStorage(), now));
describePartnerRepositoryContract("Table Storage behind the partner cache", (now) => new CachedPartnerRepository(partnerRepository(freshStorage(), now)));
describeReportReadModelContract("Table Storage", () => new TableReportReadModel(freshStorage()));
describeUnstartedWorkflowsContract("Table Storage", () => new TableUnstartedWorkflows(freshStorage()));
