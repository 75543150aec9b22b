/**
 * Pure domain rules: calendars and working time, SLA policies and the SLA event log, escalation
 * routing and chains, case lifecycle (plus the earlier business-hours and SLA-clock helpers).
 */
export * from "./businessHours";
export * from "./slaClock";
export * from "./escalation";
export * from "./caseLifecycle";
export * from "./calendar";
export * from "./slaPolicy";
export * from "./slaLog";
export * from "./escalationChain";
export * from "./personalData";
export { durationToMs } from "./instant";
