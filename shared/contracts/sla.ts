/**
 * SLA policies, calendars and the append-only SLA event log (help-desk practice "SLA semantics":
 * Zendesk ordered policies and metric events, ServiceNow warnings at 50/75/100 %, Zammad pauses
 * rebuilt from history, Freshdesk per-status timers).
 */
import { z } from "zod";
import { CaseStatuses, Categories, Channels, ProductIds, Severities } from "./supportRequest";

/** Clock time "HH:mm" (24 h); "24:00" allowed as an end. */
const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, "HH:mm");

/**
 * One service period in local time. `end` ≤ `start` means the period runs past midnight into the
 * next day (e.g. 22:00–06:00); "24:00" ends at midnight.
 */
export const ServicePeriodSchema = z.object({ start: ClockTime, end: ClockTime });
/** A service period. */
export type ServicePeriod = z.infer<typeof ServicePeriodSchema>;

/** Weekday keys of a weekly calendar. */
export const CalendarWeekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/**
 * A business-hours calendar: IANA time zone, weekly periods (several a day: split shifts, lunch
 * breaks; midnight-spanning allowed), holiday dates (local YYYY-MM-DD), or around the clock.
 * Holidays may be imported from an iCalendar feed by the register command (VEVENT all-day dates).
 */
export const CalendarSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("weekly"),
    timeZone: z.string().min(1),
    weekly: z.partialRecord(z.enum(CalendarWeekdays), z.array(ServicePeriodSchema)),
    holidays: z.array(z.iso.date()).default([]),
  }),
  z.object({ kind: z.literal("24x7") }),
]);
/** A calendar. */
export type Calendar = z.infer<typeof CalendarSchema>;

/** SLA metrics (Zendesk: first reply, next reply/periodic update, resolution). */
export const SlaMetrics = ["first-response", "next-update", "resolution"] as const;
/** An SLA metric. */
export type SlaMetricName = (typeof SlaMetrics)[number];

/** Targets of one severity: ISO 8601 durations measured on the policy's calendar. */
export const SlaTargetsSchema = z.object({
  firstResponse: z.iso.duration(),
  /** Periodic update while open: the partner must update the customer this often. */
  nextUpdate: z.iso.duration().optional(),
  resolution: z.iso.duration(),
});
/** Targets of one severity. */
export type SlaTargets = z.infer<typeof SlaTargetsSchema>;

/**
 * Conditions of a policy: every listed condition must match; an absent one matches anything.
 * A per-customer policy lists `customerTenantIds`.
 */
export const SlaConditionsSchema = z.object({
  customerTenantIds: z.array(z.guid()).optional(),
  products: z.array(z.enum(ProductIds)).optional(),
  categories: z.array(z.enum(Categories)).optional(),
  severities: z.array(z.enum(Severities)).optional(),
  channels: z.array(z.enum(Channels)).optional(),
});
/** Policy conditions. */
export type SlaConditions = z.infer<typeof SlaConditionsSchema>;

/** An SLA policy; a partner's policies are ordered and the first whose conditions match applies (Zendesk). */
export const SlaPolicySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  name: z.string().min(1).max(200),
  conditions: SlaConditionsSchema.default({}),
  /** Calendar id from the partner's `calendars`, or "24x7" / "service-hours" (the support terms' hours). */
  calendar: z.string().min(1).default("service-hours"),
  /** Targets per severity; a severity without targets is not timed by this policy. */
  targets: z.partialRecord(z.enum(Severities), SlaTargetsSchema),
  /** Statuses in which the clocks stop (default: waiting on the customer). */
  pauseWhen: z.array(z.enum(CaseStatuses)).default(["awaiting-customer"]),
  /** Warning thresholds in percent of each target (default 50 and 75; 100 is the breach). */
  warnAtPercent: z.array(z.number().int().min(1).max(99)).default([50, 75]),
});
/** An SLA policy. */
export type SlaPolicy = z.infer<typeof SlaPolicySchema>;
/** An SLA policy before defaults. */
export type SlaPolicyInput = z.input<typeof SlaPolicySchema>;

/** Kinds of SLA events (Zendesk metric events plus ServiceNow warnings). */
export const SlaEventTypes = ["activate", "pause", "resume", "warn", "fulfill", "breach", "cancel"] as const;
/** An SLA event kind. */
export type SlaEventType = (typeof SlaEventTypes)[number];

/** One row of the append-only SLA event log of a case. */
export const SlaEventSchema = z.object({
  metric: z.enum(SlaMetrics),
  type: z.enum(SlaEventTypes),
  /** ISO 8601 UTC instant. */
  at: z.iso.datetime(),
  /** For warn: the threshold reached (percent). */
  percent: z.number().int().min(1).max(100).optional(),
  /** Policy in force when the event happened. */
  policyId: z.string(),
  /** For activate: the target (ISO 8601 duration). */
  target: z.iso.duration().optional(),
  /** Why (e.g. "status awaiting-customer", "partner update"). */
  reason: z.string().optional(),
});
/** An SLA event. */
export type SlaEvent = z.infer<typeof SlaEventSchema>;

/** The policy applied to a case, resolved for its severity (what the orchestration times). */
export const AppliedSlaPolicySchema = z.object({
  policyId: z.string(),
  name: z.string(),
  calendar: CalendarSchema,
  targets: SlaTargetsSchema,
  /** Statuses in which the clocks pause. */
  pauseWhen: z.array(z.enum(CaseStatuses)),
  /** Warning thresholds, percent of a target. */
  warnAtPercent: z.array(z.number()),
});
/** An applied SLA policy. */
export type AppliedSlaPolicy = z.infer<typeof AppliedSlaPolicySchema>;

/** The state of one metric's clock, recomputed from the log (never a running counter). */
export interface SlaClockView {
  metric: SlaMetricName;
  state: "inactive" | "running" | "paused" | "fulfilled" | "breached";
  /** Business (or calendar) time elapsed on the clock, ms. */
  elapsedInMs: number;
  /** Target in ms of clock time. */
  targetInMs: number;
  /** Remaining ms (negative once breached and still open). */
  remainingInMs: number;
  /** ISO 8601 UTC instant the target is reached if the clock keeps running; absent when not running. */
  dueAt?: string;
  /** Warning thresholds already reached (percent). */
  warned: number[];
}

/**
 * Id of an SLA event the orchestration records: `GGGG-NNNN`, its generation and its position
 * among the generation's SLA events (from 1), both zero-padded to 4 digits. Deterministic, so a
 * retried activity appends the same ids and the log stays idempotent.
 */
export function slaEventId(generation: number, position: number): string {
  return `${String(generation).padStart(4, "0")}-${String(position).padStart(4, "0")}`;
}

/** Id of the first SLA event of a case's first generation: an append holding it starts the case's log. */
export const FIRST_SLA_EVENT_ID = slaEventId(0, 1);
