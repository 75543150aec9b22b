/**
 * The dashboard's state and the context every view receives: the API client, the server's model
 * and i18n documents, and the few operations views share. One instance, made by app.ts at start;
 * views get it as a parameter (no module-level mutable state).
 */
import type { ApiResult, PartnerApi, RequestOptions } from "./api";
import type { DrawnChart } from "./charts";
import type { ActionSpec } from "./views/actions";
import type { CaseStatus, DashboardI18n, DashboardModel, Permission, Session, StatusCounts, SupportRequestDetailResponse, SupportRequestSummaryBody } from "./types";

/** The list view: filters, status tab, loaded pages. */
export interface ListState {
  /** Filters of the list (query parameter → value). */
  filters: Record<string, string>;
  status: CaseStatus | "";
  items: SupportRequestSummaryBody[];
  /** Continuation token of the next page. */
  token: string | undefined;
  counts: StatusCounts | null;
  /** Statuses whose count is a lower bound (the API counts each status up to 1,000). */
  capped: CaseStatus[];
  /** What was rendered last (unchanged answers are not re-rendered). */
  signature: string;
  /** Incremented on every list request; an older answer never overwrites a newer one. */
  seq: number;
}

/** The detail view: the open request. */
export interface DetailState {
  caseId: string | null;
  detail: SupportRequestDetailResponse | null;
  signature: string;
}

/** The reports view: the form's query, the charts drawn (released on every redraw). */
export interface ReportsState {
  /** Query of both reports (parameter → value; empty ones left out). */
  query: Record<string, string>;
  charts: DrawnChart[];
  /** Incremented on every load; an older answer never overwrites a newer one. */
  seq: number;
}

/** The open action form; the Idempotency-Key stays while the body does (a retry is safe). */
export interface OpenAction {
  spec: ActionSpec;
  key: string;
  lastBody: string;
}

/** Everything the page keeps. */
export interface DashboardState {
  session: Session | null;
  list: ListState;
  detail: DetailState;
  reports: ReportsState;
  /** Permissions a 403 said the key lacks (while its role is unknown). */
  denied: Set<Permission>;
  openAction: OpenAction | null;
  /** Incremented on every navigation; answers of an earlier one are dropped. */
  generation: number;
  pollTimer: number | undefined;
}

/** A fresh state: signed out, nothing loaded. */
export function createState(): DashboardState {
  return {
    session: null,
    list: { filters: {}, status: "", items: [], token: undefined, counts: null, capped: [], signature: "", seq: 0 },
    detail: { caseId: null, detail: null, signature: "" },
    reports: { query: {}, charts: [], seq: 0 },
    denied: new Set(),
    openAction: null,
    generation: 0,
    pollTimer: undefined,
  };
}

/** What views receive. */
export interface DashboardContext {
  readonly api: PartnerApi;
  readonly model: DashboardModel;
  readonly i18n: DashboardI18n;
  readonly state: DashboardState;
  /** Calls the partner API with the signed-in key; `rest` is below `partners/{partnerId}/`. */
  callPartner<T>(rest: string, options?: RequestOptions): Promise<ApiResult<T>>;
  /**
   * What every answer shares: 401 ends the session (returns true: the caller stops); 403 records
   * the permission the key lacks and its role.
   */
  settle(r: ApiResult<unknown>): boolean;
  /** The "Live" indicator: updated now, or stale with a reason. */
  setLive(ok: boolean, text?: string): void;
}
