/**
 * The types the dashboard works with: the partner API's and the dashboard documents' types from
 * shared/contracts (types only; nothing of the server is bundled), and the page's own.
 */
import type { InboundLogEntry, Role } from "../../shared/contracts";

export type {
  ActionResult,
  ApiKeyListResponse,
  CaseEmail,
  CaseStatus,
  Category,
  Channel,
  CsatReport,
  DashboardActionPath,
  DashboardI18n,
  DashboardModel,
  EscalationRecord,
  EscalationTarget,
  InboundLogEntry,
  Permission,
  ProblemDetailsBody,
  ProductId,
  ReportGrouping,
  Role,
  SatisfactionRating,
  Severity,
  SlaClockView,
  SlaHealth,
  SlaMetricName,
  SlaMetricReport,
  SlaReport,
  StatusCounts,
  SupportedLanguage,
  SupportRequest,
  SupportRequestCustomStatus,
  SupportRequestDetailResponse,
  SupportRequestListResponse,
  SupportRequestSummaryBody,
  SupportVehicle,
  TimelineEntry,
  VolumeReport,
} from "../../shared/contracts";

/** 200 of `GET …/inbound-email/log`. */
export interface InboundLogResponse {
  items: InboundLogEntry[];
  continuationToken?: string;
}

/** Who is signed in: the partner and the API key (sessionStorage only), and the key's role once known. */
export interface Session {
  partnerId: string;
  apiKey: string;
  role?: Role;
}
