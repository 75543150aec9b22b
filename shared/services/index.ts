/** Use cases over ports: what triggers and activities call. */
export * from "./errors";
export * from "./caseId";
export * from "./credentials";
export * from "./partnerRegistration";
export * from "./partnerAuth";
export * from "./webhookVerification";
export * from "./idempotency";
export * from "./supportRequests";
export * from "./activities";
export * from "./health";
export * from "./supportTerms";
export * from "./apiKeys";
export * from "./rateLimiter";
export * from "./partnerActions";
export * from "./caseSearch";
export * from "./workflowRecovery";
export * from "./activityBoundary";
