/** Contracts: function names and zod schemas of every activity, orchestration, event and HTTP payload. */
export * from "./names";
export * from "./supportRequest";
export * from "./partner";
export * from "./orchestration";
export * from "./activities";
export * from "./problem";
export * from "./sla";
export * from "./caseActions";
export * from "./inboundEmail";
export * from "./access";
export * from "./partnerApi";
export * from "./audit";
export * from "./faults";
export * from "./text";
export * from "./customerData";
export * from "./dashboard";
export * from "./reports";
