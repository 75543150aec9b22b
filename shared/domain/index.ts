/** Pure domain rules: business-hours calendar, SLA clock, escalation routing, case lifecycle. */
export * from "./businessHours";
export * from "./slaClock";
export * from "./escalation";
export * from "./caseLifecycle";
