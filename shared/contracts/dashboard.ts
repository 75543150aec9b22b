/**
 * What the partner dashboard reads besides the partner API: `model.json` ({@link DashboardModel}:
 * the API's vocabularies with the English names the page shows, the role → permission matrix and
 * the statuses each action accepts) and `i18n.json` ({@link DashboardI18n}: the status names
 * customers see, per language). functions/dashboard.ts builds and serves both; the page imports
 * these types only (`import type`), so the server is the one source of every vocabulary.
 */
import type { Permission, Role } from "./access";
import type { CaseAction } from "./caseActions";
import type { InboundLogOutcome } from "./inboundEmail";
import type { EmailDeliveryState, SlaFilter } from "./partnerApi";
import type { SlaClockView, SlaMetricName } from "./sla";
import type { ReportGrouping } from "./reports";
import type { CaseStatus, Category, Channel, DiagnosisOutcome, EscalationRecord, ProductId, Severity, SlaHealth, SupportedLanguage, SupportVehicle, WorkflowState } from "./supportRequest";

/** Where a request was escalated to (an escalation record's `target`; the reports count by it). */
export type EscalationTarget = EscalationRecord["target"];

/** A partner API action by its path segment (`POST …/support-requests/{caseId}/<segment>`). */
export type DashboardActionPath = "diagnosis" | "updates" | "escalation" | "resolution" | "information-requests" | "closure" | "reopening";

/** Who records an action on a case: the owning partner, or the indirect provider of a reseller's case escalated to it. */
export type DashboardActionRole = "owner" | "indirect-provider";

/** English names of the API's values, as the dashboard shows them to partners (customers see the localized status names of {@link DashboardI18n}). */
export interface DashboardLabels {
  statuses: Readonly<Record<CaseStatus, string>>;
  severities: Readonly<Record<Severity, string>>;
  categories: Readonly<Record<Category, string>>;
  channels: Readonly<Record<Channel, string>>;
  slaHealths: Readonly<Record<SlaHealth, string>>;
  slaMetrics: Readonly<Record<SlaMetricName, string>>;
  slaClockStates: Readonly<Record<SlaClockView["state"], string>>;
  diagnosisOutcomes: Readonly<Record<DiagnosisOutcome, string>>;
  roles: Readonly<Record<Role, string>>;
  languages: Readonly<Record<SupportedLanguage, string>>;
  workflowStates: Readonly<Record<WorkflowState, string>>;
  inboundOutcomes: Readonly<Record<InboundLogOutcome, string>>;
  emailDeliveryStates: Readonly<Record<EmailDeliveryState, string>>;
  reportGroupings: Readonly<Record<ReportGrouping, string>>;
  escalationTargets: Readonly<Record<EscalationTarget, string>>;
  supportVehicles: Readonly<Record<SupportVehicle, string>>;
}

/** The English names the dashboard shows (one place; the page has no copy). */
export const DASHBOARD_LABELS: DashboardLabels = {
  statuses: {
    received: "Received",
    "in-diagnosis": "In diagnosis",
    "awaiting-customer": "Awaiting customer",
    "escalated-to-provider": "Escalated to provider",
    "escalated-to-microsoft": "Escalated to Microsoft",
    resolved: "Resolved",
    closed: "Closed",
  },
  severities: { A: "A — critical", B: "B — moderate", C: "C — minimal" },
  categories: { billing: "Billing", "subscription-management": "Subscription management", technical: "Technical" },
  channels: { webhook: "Webhook", email: "Email" },
  slaHealths: { none: "No SLA", "on-track": "On track", "at-risk": "At risk", breached: "Breached" },
  slaMetrics: { "first-response": "First response", "next-update": "Next update", resolution: "Resolution" },
  slaClockStates: { inactive: "Inactive", running: "Running", paused: "Paused", fulfilled: "Fulfilled", breached: "Breached" },
  diagnosisOutcomes: { resolved: "Resolved", "awaiting-customer": "Needs information from the customer", "needs-escalation": "Needs escalation" },
  roles: { "global-admin": "Global admin", "admin-agent": "Admin agent", "helpdesk-agent": "Helpdesk agent", "billing-admin": "Billing admin", "sales-agent": "Sales agent" },
  languages: { en: "English", hu: "Hungarian", cs: "Czech", pl: "Polish", ru: "Russian" },
  workflowStates: { running: "Workflow running", failed: "Workflow failed", restarting: "Workflow restarting", suspended: "Workflow suspended", terminated: "Workflow terminated", "gave-up": "Workflow stopped", "not-started": "Workflow not started" },
  inboundOutcomes: { new: "New request", reply: "Reply", "auto-reply": "Auto-reply", bounce: "Bounce", "own-notification": "Own notification", duplicate: "Duplicate", quarantine: "Quarantined" },
  emailDeliveryStates: { sent: "Sent", skipped: "Skipped", bounced: "Bounced", pending: "Pending", failed: "Failed" },
  reportGroupings: { month: "Month", week: "Week (ISO, Monday to Sunday)" },
  escalationTargets: { "indirect-provider": "Indirect provider", microsoft: "Microsoft", none: "Not escalated (decided)" },
  supportVehicles: {
    "commercial-issue-support": "Commercial issue support",
    "premier-support-for-partners": "Premier Support for Partners",
    "advanced-support-for-partners": "Advanced Support for Partners",
    "signature-cloud-support": "Signature Cloud Support",
    "product-support-incidents": "Product support incidents",
  },
};

/** A product as the dashboard lists it. */
export interface DashboardProduct {
  id: ProductId;
  name: string;
  kind: "cloud" | "on-premises";
}

/** `GET /api/dashboard/model.json`: what the page needs to build its filters and decide which actions a key's role may take. */
export interface DashboardModel {
  statuses: readonly CaseStatus[];
  severities: readonly Severity[];
  categories: readonly Category[];
  channels: readonly Channel[];
  products: readonly DashboardProduct[];
  diagnosisOutcomes: readonly DiagnosisOutcome[];
  slaMetrics: readonly SlaMetricName[];
  /** Values of the list's `sla` filter. */
  slaFilters: readonly SlaFilter[];
  /** Values of the inbound log's `outcome` filter. */
  inboundOutcomes: readonly InboundLogOutcome[];
  /** Values of the reports' `groupBy` (shared/contracts/reports.ts `ReportGroupings`). */
  reportGroupings: readonly ReportGrouping[];
  /** Escalation targets the volume report counts by. */
  escalationTargets: readonly EscalationTarget[];
  /** Support vehicles to Microsoft the volume report counts by. */
  supportVehicles: readonly SupportVehicle[];
  roles: readonly Role[];
  rolePermissions: Readonly<Record<Role, readonly Permission[]>>;
  /** The permission that acting on a request of each category needs (shared/contracts `actPermissionFor`). */
  actPermissions: Readonly<Record<Category, Permission>>;
  /** Per action type and role, the statuses it may be recorded in (shared/domain `ActionAllowedStatuses`). */
  actions: Readonly<Record<CaseAction["type"], Readonly<Partial<Record<DashboardActionRole, readonly CaseStatus[]>>>>>;
  /** The same by partner API path segment, for the owning partner. */
  actionStatuses: Readonly<Record<DashboardActionPath, readonly CaseStatus[]>>;
  /** What the indirect provider may do on a reseller's request escalated to it (nothing else). */
  providerActionStatuses: Readonly<Partial<Record<DashboardActionPath, readonly CaseStatus[]>>>;
  /** Statuses in which the request may be reclassified (`PATCH …/{caseId}`) or assigned (`POST …/assignment`). */
  caseEditStatuses: Readonly<{ reclassification: readonly CaseStatus[]; assignment: readonly CaseStatus[] }>;
  labels: DashboardLabels;
}

/** `GET /api/dashboard/i18n.json`: status names as customers see them, per language (English fills gaps, as in the emails). */
export interface DashboardI18n {
  languages: readonly SupportedLanguage[];
  statusLabels: Record<SupportedLanguage, Record<CaseStatus, string>>;
  /** BCP 47 locale of each language. */
  locales: Record<SupportedLanguage, string>;
}
