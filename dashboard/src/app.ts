/**
 * The dashboard's controller: sign-in and sign-out, the hash routes (`#/` list, `#/requests/{id}`
 * detail, `#/reports` reports, `#/inbound` inbound email), polling (the list every 4 s, an open
 * request every 3 s, paused while the tab is hidden, backing off on 429; the reports load on
 * opening and on every change of their form) and learning the key's role.
 */
import { loadServerDocuments, PartnerApi, problemText, type ApiResult, type RequestOptions } from "./api";
import { createState, type DashboardContext } from "./context";
import { byId, tickCountdowns } from "./dom";
import { labelOf } from "./labels";
import { loadSession, saveSession } from "./session";
import type { ApiKeyListResponse, DashboardI18n, DashboardModel, Role, Session, SupportRequestListResponse } from "./types";
import { closeActionForm } from "./views/actions";
import { refreshDetail } from "./views/detail";
import { initInboundFilters, refreshInbound } from "./views/inbound";
import { initListFilters, loadMore, readFilters, refreshList } from "./views/list";

const LIST_POLL_MS = 4000;
const DETAIL_POLL_MS = 3000;

/** Where the page is: the list, one request, the reports or the inbound log. */
interface Route {
  caseId: string | null;
  inbound: boolean;
  reports: boolean;
}

function parseRoute(): Route {
  const none = { caseId: null, inbound: false, reports: false };
  if (window.location.hash === "#/inbound") return { ...none, inbound: true };
  if (window.location.hash === "#/reports") return { ...none, reports: true };
  const m = /^#\/requests\/([^/?#]+)$/.exec(window.location.hash);
  if (!m?.[1]) return none;
  try {
    return { ...none, caseId: decodeURIComponent(m[1]) };
  } catch {
    return none;
  }
}

/** The running dashboard: the context views receive, and the navigation around them. */
class Dashboard implements DashboardContext {
  readonly state = createState();

  constructor(
    readonly api: PartnerApi,
    readonly model: DashboardModel,
    readonly i18n: DashboardI18n,
  ) {}

  callPartner<T>(rest: string, options?: RequestOptions): Promise<ApiResult<T>> {
    const session = this.state.session;
    return this.api.request<T>(`partners/${encodeURIComponent(session?.partnerId ?? "")}/${rest}`, session?.apiKey, options);
  }

  settle(r: ApiResult<unknown>): boolean {
    if (r.status === 401) {
      this.signOut("The API key was rejected (wrong, revoked or expired). Sign in again.");
      return true;
    }
    if (!r.ok && r.status === 403) {
      if (r.problem.permission) this.state.denied.add(r.problem.permission);
      if (r.problem.role) this.setRole(r.problem.role);
    }
    return false;
  }

  setLive(ok: boolean, text?: string): void {
    const el = byId("live");
    el.classList.toggle("stale", !ok);
    el.textContent = text ?? `Live · updated ${new Date().toLocaleTimeString("en-GB")}`;
  }

  /** Wires the page's forms and events, fills the filters and resumes a saved session. */
  async start(): Promise<void> {
    initListFilters(this);
    initInboundFilters(this);
    byId("signin-form").addEventListener("submit", (ev) => void this.signIn(ev));
    byId("sign-out").addEventListener("click", () => this.signOut());
    const filters = byId("filters", HTMLFormElement);
    const applyFilters = (): void => {
      readFilters(this);
      this.state.list.signature = "";
      void refreshList(this, true);
    };
    filters.addEventListener("submit", (ev) => {
      ev.preventDefault();
      applyFilters();
    });
    filters.addEventListener("change", applyFilters);
    // A reset event fires before the form's fields are cleared: read them on the next turn.
    filters.addEventListener("reset", () => {
      window.setTimeout(() => {
        this.state.list.status = "";
        applyFilters();
      }, 0);
    });
    byId("load-more").addEventListener("click", () => void loadMore(this));
    const inbound = byId("inbound-filters", HTMLFormElement);
    inbound.addEventListener("change", () => void refreshInbound(this));
    inbound.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void refreshInbound(this);
    });
    window.addEventListener("hashchange", () => void this.navigate());
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && this.state.session) void this.navigate();
    });
    window.setInterval(tickCountdowns, 1000);

    this.state.session = loadSession();
    this.render();
    if (this.state.session) {
      await this.discoverRole();
      await this.navigate();
    } else {
      const partner = new URLSearchParams(window.location.search).get("partner");
      if (partner) byId("signin-partner", HTMLInputElement).value = partner;
    }
  }

  private setRole(role: Role | undefined): void {
    if (!this.state.session || !role) return;
    this.state.session.role = role;
    const el = byId("session-role");
    el.textContent = labelOf(this.model.labels.roles, role);
    el.hidden = false;
  }

  /**
   * Finds the key's role: the key-management list (global admins) has its row (matched by prefix);
   * other roles get a 403 problem naming their role. Unknown when neither says (then every action
   * is offered and a 403 tells).
   */
  private async discoverRole(): Promise<void> {
    const session = this.state.session;
    if (!session) return;
    try {
      const r = await this.callPartner<ApiKeyListResponse>("api-keys");
      if (r.ok) this.setRole(r.body.items.find((k) => !k.revokedAt && session.apiKey.startsWith(k.prefix))?.role);
      else if (r.status === 403) this.setRole(r.problem.role);
    } catch {
      // the role stays unknown
    }
  }

  private signOut(message?: string): void {
    const s = this.state;
    s.session = null;
    s.list.items = [];
    s.list.signature = "";
    s.detail.detail = null;
    s.detail.signature = "";
    s.denied.clear();
    s.reports.query = {};
    this.closeReports();
    saveSession(null);
    this.stopPolling();
    byId("signin-error").textContent = message ?? "";
    if (window.location.hash && window.location.hash !== "#/") window.history.replaceState(null, "", "#/");
    this.render();
  }

  private async signIn(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    const partnerId = byId("signin-partner", HTMLInputElement).value.trim();
    const apiKeyInput = byId("signin-key", HTMLInputElement);
    const apiKey = apiKeyInput.value.trim();
    const error = byId("signin-error");
    if (!partnerId || !apiKey) {
      error.textContent = "Enter the partner id and the API key.";
      return;
    }
    const submit = byId("signin-submit", HTMLButtonElement);
    submit.disabled = true;
    error.textContent = "Signing in…";
    try {
      const r = await this.api.request<SupportRequestListResponse>(`partners/${encodeURIComponent(partnerId)}/support-requests?limit=1`, apiKey);
      if (r.status === 401) error.textContent = "That API key is not valid.";
      else if (r.status === 404) error.textContent = "Unknown partner, or the key belongs to another partner.";
      else if (r.status === 403) error.textContent = "This key may not read support requests.";
      else if (!r.ok) error.textContent = `Sign-in failed: ${problemText(r)}`;
      else {
        apiKeyInput.value = "";
        error.textContent = "";
        const session: Session = { partnerId, apiKey };
        this.state.session = session;
        saveSession(session);
        await this.discoverRole();
        await this.navigate();
        byId("main").focus();
      }
    } catch {
      error.textContent = "Could not reach the server.";
    } finally {
      submit.disabled = false;
    }
  }

  /** Shows the view of the route (and the sign-in form when signed out). */
  private render(): void {
    const session = this.state.session;
    byId("session").hidden = !session;
    byId("signin-view").hidden = session !== null;
    const route = parseRoute();
    byId("list-view").hidden = !session || route.caseId !== null || route.inbound || route.reports;
    byId("detail-view").hidden = !session || route.caseId === null;
    byId("inbound-view").hidden = !session || !route.inbound;
    byId("reports-view").hidden = !session || !route.reports;
    for (const [id, current] of [
      ["requests-link", !route.inbound && !route.reports],
      ["reports-link", route.reports],
      ["inbound-link", route.inbound],
    ] as const) {
      if (current) byId(id).setAttribute("aria-current", "page");
      else byId(id).removeAttribute("aria-current");
    }
    if (!session) {
      document.title = "Sign in — partner dashboard";
      return;
    }
    byId("session-partner").textContent = session.partnerId;
    if (!session.role) byId("session-role").hidden = true;
  }

  private async navigate(): Promise<void> {
    const s = this.state;
    s.generation++;
    this.render();
    if (!s.session) return;
    const { caseId, inbound, reports } = parseRoute();
    closeActionForm(this);
    if (!reports) this.closeReports();
    if (reports) {
      document.title = "Reports — partner dashboard";
      // The reports view and its chart library are a chunk of their own, loaded when first opened.
      const { showReports } = await import("./views/reports");
      await showReports(this);
      this.stopPolling();
      return;
    }
    if (inbound) {
      document.title = "Inbound email — partner dashboard";
      await refreshInbound(this);
    } else if (caseId === null) {
      s.detail.caseId = null;
      s.detail.detail = null;
      s.detail.signature = "";
      document.title = "Requests — partner dashboard";
      await refreshList(this, true);
    } else {
      if (s.detail.caseId !== caseId) {
        s.detail.detail = null;
        s.detail.signature = "";
        byId("detail-body").hidden = true;
        byId("detail-heading").textContent = `Request ${caseId}`;
        byId("detail-error").textContent = "";
        byId("action-result").replaceChildren();
      }
      s.detail.caseId = caseId;
      document.title = `${caseId} — partner dashboard`;
      await refreshDetail(this);
    }
    this.schedulePoll();
  }

  /** Leaves the reports view: releases its charts and removes its form and sections (views/reports.ts builds them on opening). */
  private closeReports(): void {
    for (const c of this.state.reports.charts.splice(0)) c.destroy();
    document.getElementById("reports-host")?.replaceChildren();
  }

  private stopPolling(): void {
    if (this.state.pollTimer !== undefined) window.clearTimeout(this.state.pollTimer);
    this.state.pollTimer = undefined;
  }

  private schedulePoll(): void {
    this.stopPolling();
    if (!this.state.session) return;
    const every = parseRoute().caseId === null ? LIST_POLL_MS : DETAIL_POLL_MS;
    const wait = Math.max(every, this.api.backoffUntil - Date.now());
    this.state.pollTimer = window.setTimeout(async () => {
      if (!document.hidden && this.state.session) {
        try {
          const route = parseRoute();
          if (route.inbound) await refreshInbound(this);
          else if (route.caseId === null) await refreshList(this, false);
          else await refreshDetail(this);
        } catch {
          this.setLive(false, "Connection lost — retrying");
        }
      }
      this.schedulePoll();
    }, wait);
  }
}

/**
 * Starts the dashboard: loads model.json and i18n.json (the vocabularies and permissions the page
 * shows), then wires the page. Without them the page says so on the sign-in form.
 */
export async function startDashboard(): Promise<void> {
  let docs: { model: DashboardModel; i18n: DashboardI18n };
  try {
    docs = await loadServerDocuments();
  } catch {
    byId("signin-view").hidden = false;
    byId("signin-error").textContent = "Could not load the dashboard's model from the server; reload the page.";
    return;
  }
  await new Dashboard(new PartnerApi(new URL("../", window.location.href)), docs.model, docs.i18n).start();
}
