/** Adapters: Azure Table Storage, ACS Email, SMTP and the Durable client behind the ports. */
export * from "./errors";
export * from "./tableStorage";
export * from "./tablePartnerRepository";
export * from "./tableCaseRepository";
export * from "./tableIdempotencyStore";
export * from "./tableNotificationLog";
export * from "./smtpEmailSender";
export * from "./acsEmailSender";
export * from "./durableSupportRequestWorkflow";
export * from "./tableCaseActionInbox";
export * from "./tableSlaEventLog";
export * from "./tableProductSupportIncidentLedger";
export * from "./partnerCenterClient";
export * from "./blobInboundEmailStore";
export * from "./tableInboundEmailLog";
export * from "./tableCustomerDirectory";
