/**
 * Pure domain rules: calendars and working time, SLA policies and the SLA event log, escalation
 * routing and chains, case lifecycle.
 */
export * from "./escalation";
export * from "./caseLifecycle";
export * from "./calendar";
export * from "./slaPolicy";
export * from "./slaLog";
export * from "./escalationChain";
export * from "./personalData";
export * from "./customerDirectory";
export { addCalendarDuration, durationToMs, formatInstant, parseDuration, parseInstant } from "./instant";
export * from "./reports";
