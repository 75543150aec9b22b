/**
 * In-memory adapters of the storage ports, for unit tests of logic and local experiments (not
 * production: nothing survives the process, nothing is encrypted). Each behaves as its Table
 * Storage adapter does (test/contracts holds the suites both pass).
 */
export * from "./memoryAuditLog";
export * from "./memoryCaseActionInbox";
export * from "./memoryCaseRepository";
export * from "./memoryCustomerDirectory";
export * from "./memoryIdempotencyStore";
export * from "./memoryInboundEmailLog";
export * from "./memoryNotificationLog";
export * from "./memoryPartnerRepository";
export * from "./memoryProductSupportIncidentLedger";
export * from "./memorySlaEventLog";
export { copy } from "./memoryStore";
export * from "./memoryReportReadModel";
export * from "./memoryUnstartedWorkflows";
