/**
 * The actions on the open request: one button per action, enabled when the key's role holds the
 * permission (model.json's role → permission matrix, else what 403 answers said) and the request's
 * status allows it (model.json's statuses per action; the server checks both again). A button opens
 * a small form; a submit carries an Idempotency-Key that stays the same while the body does.
 */
import { problemText } from "../api";
import type { DashboardContext } from "../context";
import { byId, fillSelect, h } from "../dom";
import { labelOf, statusLabel } from "../labels";
import type { ActionResult, CaseStatus, DashboardActionPath, Permission, SupportRequest } from "../types";

/** A field of an action form. */
export interface ActionField {
  name: string;
  label: string;
  kind: "text" | "textarea" | "select";
  required?: boolean;
  options?: ReadonlyArray<readonly [string, string]>;
  value?: string;
}

/** An action the page offers. */
export interface ActionSpec {
  id: string;
  label: string;
  method: "POST" | "PATCH";
  /** Below `…/support-requests/{caseId}` ("" for the request itself). */
  path: DashboardActionPath | "notes" | "workflow-restart" | "assignment" | "";
  /** `act` stands for the category's act permission (model.json `actPermissions`). */
  permission: "act" | Extract<Permission, "notes:write" | "workflow:restart">;
  /** Statuses the action is allowed in (absent: any). */
  statuses?: readonly CaseStatus[];
  /** Why the action is not possible now, if it is not (besides role and status). */
  when?: () => string | undefined;
  help: string;
  fields: (c: SupportRequest) => ActionField[];
  body: (v: Record<string, string>, c: SupportRequest) => Record<string, string>;
  done: string;
}

const textarea = (name: string, label: string, required = true): ActionField => ({ name, label, kind: "textarea", required });

function isActionPath(ctx: DashboardContext, path: ActionSpec["path"]): path is DashboardActionPath {
  return Object.prototype.hasOwnProperty.call(ctx.model.actionStatuses, path);
}

/** Whether the open request's workflow stopped (failed, terminated, or its automatic restarts gave up). */
function workflowStopped(ctx: DashboardContext): boolean {
  const d = ctx.state.detail.detail;
  const runtime = d?.orchestration?.runtimeStatus;
  return runtime === "Failed" || runtime === "Terminated" || d?.case.workflow?.state === "gave-up";
}

/** The actions, with the statuses model.json allows each in. */
export function actionSpecs(ctx: DashboardContext): ActionSpec[] {
  const m = ctx.model;
  const reasonOnly = (v: Record<string, string>): Record<string, string> => (v.reason ? { reason: v.reason } : {});
  return [
    {
      id: "diagnosis", label: "Record diagnosis", method: "POST", path: "diagnosis", permission: "act", statuses: m.actionStatuses.diagnosis,
      help: "The outcome moves the request on; the notes go to the customer in the status email.",
      fields: () => [
        { name: "outcome", label: "Outcome", kind: "select", required: true, options: m.diagnosisOutcomes.map((o) => [o, labelOf(m.labels.diagnosisOutcomes, o)] as const) },
        textarea("notes", "Notes (the customer sees them)"),
      ],
      body: (v) => ({ outcome: v.outcome ?? "", notes: v.notes ?? "" }), done: "Diagnosis recorded.",
    },
    {
      id: "information-request", label: "Ask for information", method: "POST", path: "information-requests", permission: "act", statuses: m.actionStatuses["information-requests"],
      help: "Emails the question to the customer and pauses the SLA clock until they answer.",
      fields: () => [textarea("message", "Question for the customer")], body: (v) => ({ message: v.message ?? "" }), done: "Question sent to the customer.",
    },
    {
      id: "note", label: "Add internal note", method: "POST", path: "notes", permission: "notes:write",
      help: "Internal: recorded on the timeline, never emailed.",
      fields: () => [textarea("text", "Note")], body: (v) => ({ text: v.text ?? "" }), done: "Note added.",
    },
    {
      id: "update", label: "Send update", method: "POST", path: "updates", permission: "act", statuses: m.actionStatuses.updates,
      help: "A progress update emailed to the customer.",
      fields: () => [textarea("message", "Update for the customer")], body: (v) => ({ message: v.message ?? "" }), done: "Update sent.",
    },
    {
      id: "escalation", label: "Escalate now", method: "POST", path: "escalation", permission: "act", statuses: m.actionStatuses.escalation,
      help: "Escalates to the indirect provider or Microsoft under the partner's rules.",
      fields: () => [textarea("reason", "Reason")], body: (v) => ({ reason: v.reason ?? "" }), done: "Escalation requested.",
    },
    {
      id: "resolution", label: "Resolve", method: "POST", path: "resolution", permission: "act", statuses: m.actionStatuses.resolution,
      help: "The summary is emailed to the customer; the request closes automatically later.",
      fields: () => [textarea("summary", "Resolution summary")], body: (v) => ({ summary: v.summary ?? "" }), done: "Resolution recorded.",
    },
    {
      id: "closure", label: "Close", method: "POST", path: "closure", permission: "act", statuses: m.actionStatuses.closure,
      help: "Closes the request now.",
      fields: () => [textarea("reason", "Reason (optional)", false)], body: reasonOnly, done: "Closure requested.",
    },
    {
      id: "reopening", label: "Reopen", method: "POST", path: "reopening", permission: "act", statuses: m.actionStatuses.reopening,
      help: "Reopens a resolved or closed request.",
      fields: () => [textarea("reason", "Reason")], body: (v) => ({ reason: v.reason ?? "" }), done: "Reopening requested.",
    },
    {
      id: "workflow-restart", label: "Restart workflow", method: "POST", path: "workflow-restart", permission: "workflow:restart",
      help: "Restarts a stopped workflow from its last checkpoint; nothing already sent is sent again.",
      when: () => (workflowStopped(ctx) ? undefined : "The workflow is running."),
      fields: () => [textarea("reason", "Reason (optional)", false)], body: reasonOnly, done: "Workflow restart requested.",
    },
    {
      id: "reclassify", label: "Reclassify", method: "PATCH", path: "", permission: "act", statuses: m.caseEditStatuses.reclassification,
      help: "Corrects product, category or severity.",
      fields: (c) => [
        { name: "product", label: "Product", kind: "select", value: c.product, options: m.products.map((p) => [p.id, p.name] as const) },
        { name: "category", label: "Category", kind: "select", value: c.category, options: m.categories.map((x) => [x, labelOf(m.labels.categories, x)] as const) },
        { name: "severity", label: "Severity", kind: "select", value: c.severity, options: m.severities.map((x) => [x, labelOf(m.labels.severities, x)] as const) },
      ],
      body: (v, c) => {
        const changed: Record<string, string> = {};
        for (const k of ["product", "category", "severity"] as const) {
          const value = v[k];
          if (value && value !== c[k]) changed[k] = value;
        }
        return changed;
      },
      done: "Reclassified.",
    },
    {
      id: "assignment", label: "Assign", method: "POST", path: "assignment", permission: "act", statuses: m.caseEditStatuses.assignment,
      help: "Who works the request (an email address or a name).",
      fields: (c) => [{ name: "assignee", label: "Assignee", kind: "text", required: true, value: ctx.state.detail.detail?.assignee ?? c.assignee ?? "" }],
      body: (v) => ({ assignee: v.assignee ?? "" }), done: "Assigned.",
    },
  ];
}

/** Whether the key may take an action on the open request, and why not. */
function availability(ctx: DashboardContext, spec: ActionSpec, c: SupportRequest): { allowed: boolean; reason?: string; byRole?: boolean } {
  const { model, state } = ctx;
  const permission: Permission = spec.permission === "act" ? model.actPermissions[c.category] : spec.permission;
  const role = state.session?.role;
  // A role this page's model does not know (newer than it) counts as unknown: a 403 tells.
  const held: readonly Permission[] | undefined = role ? model.rolePermissions[role] : undefined;
  const granted = held ? held.includes(permission) : !state.denied.has(permission);
  if (!granted) return { allowed: false, byRole: true, reason: `Your key's role${role ? ` (${labelOf(model.labels.roles, role)})` : ""} lacks ${permission}.` };
  const notNow = `Not possible while the request is ${statusLabel(model, c.status).toLowerCase()}.`;
  const detail = state.detail.detail;
  if (detail?.resellerPartnerId) {
    // The indirect provider's view of a reseller's request: it may resolve or escalate, nothing else.
    const providerStatuses = isActionPath(ctx, spec.path) ? model.providerActionStatuses[spec.path] : undefined;
    if (!providerStatuses) return { allowed: false, reason: `The reseller (${detail.resellerName ?? detail.resellerPartnerId}) records this, not its provider.` };
    return providerStatuses.includes(c.status) ? { allowed: true } : { allowed: false, reason: notNow };
  }
  if (spec.statuses && !spec.statuses.includes(c.status)) return { allowed: false, reason: notNow };
  const blocked = spec.when?.();
  return blocked ? { allowed: false, reason: blocked } : { allowed: true };
}

/**
 * Renders the action buttons of the open request and the note on what the key's role may do.
 * @param onRecorded - reloads the request after an action was accepted.
 */
export function renderActionButtons(ctx: DashboardContext, onRecorded: () => Promise<void>): void {
  const c = ctx.state.detail.detail?.case;
  if (!c) return;
  const specs = actionSpecs(ctx);
  let roleBlocked = 0;
  const buttons = specs.map((spec) => {
    const a = availability(ctx, spec, c);
    if (a.byRole) roleBlocked++;
    const btn = h("button", { type: "button", class: "secondary", "data-action": spec.id, title: a.reason ?? spec.help, "aria-expanded": String(ctx.state.openAction?.spec.id === spec.id) }, spec.label);
    btn.disabled = !a.allowed;
    btn.addEventListener("click", () => openActionForm(ctx, spec, onRecorded));
    return btn;
  });
  byId("action-buttons").replaceChildren(...buttons);
  const role = ctx.state.session?.role;
  const roleName = role ? labelOf(ctx.model.labels.roles, role) : "unknown";
  byId("actions-role-note").textContent =
    roleBlocked === specs.length ? `Your key's role (${roleName}) may only read this request.` : roleBlocked > 0 ? `Some actions need a role your key (${roleName}) does not have.` : role ? `Acting as ${roleName}.` : "";
}

/** Closes the open action form, if any. */
export function closeActionForm(ctx: DashboardContext): void {
  ctx.state.openAction = null;
  byId("action-form-host").replaceChildren();
  for (const b of document.querySelectorAll("#action-buttons button")) b.setAttribute("aria-expanded", "false");
}

function fieldInput(spec: ActionSpec, f: ActionField): HTMLElement {
  const id = `action-${spec.id}-${f.name}`;
  if (f.kind === "select") {
    const select = h("select", { id, name: f.name });
    fillSelect(select, f.options ?? []);
    if (f.value) select.value = f.value;
    return select;
  }
  if (f.kind === "textarea") return h("textarea", { id, name: f.name, required: f.required, maxlength: "8000" });
  return h("input", { id, name: f.name, required: f.required, value: f.value, maxlength: "254", autocomplete: "off" });
}

function openActionForm(ctx: DashboardContext, spec: ActionSpec, onRecorded: () => Promise<void>): void {
  const c = ctx.state.detail.detail?.case;
  if (!c) return;
  if (ctx.state.openAction?.spec.id === spec.id) {
    closeActionForm(ctx);
    return;
  }
  ctx.state.openAction = { spec, key: crypto.randomUUID(), lastBody: "" };
  byId("action-result").textContent = "";
  const form = h("form", { class: "action-form", "data-form": spec.id, "aria-label": spec.label, novalidate: true });
  form.append(h("p", { class: "muted" }, spec.help));
  for (const f of spec.fields(c)) form.append(h("div", { class: "field" }, [h("label", { for: `action-${spec.id}-${f.name}` }, f.label), fieldInput(spec, f)]));
  const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
  cancel.addEventListener("click", () => closeActionForm(ctx));
  form.append(h("div", { class: "row" }, [h("button", { type: "submit" }, spec.label), cancel]));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void submitAction(ctx, form, spec, onRecorded);
  });
  byId("action-form-host").replaceChildren(form);
  for (const b of document.querySelectorAll("#action-buttons button")) b.setAttribute("aria-expanded", String(b.getAttribute("data-action") === spec.id));
  const first = form.querySelector("textarea, select, input");
  if (first instanceof HTMLElement) first.focus();
}

async function submitAction(ctx: DashboardContext, form: HTMLFormElement, spec: ActionSpec, onRecorded: () => Promise<void>): Promise<void> {
  const c = ctx.state.detail.detail?.case;
  const open = ctx.state.openAction;
  if (!c || !open) return;
  const result = byId("action-result");
  const fail = (text: string): void => {
    result.className = "result fail";
    result.textContent = text;
  };
  const values: Record<string, string> = {};
  for (const [k, v] of new FormData(form).entries()) values[k] = typeof v === "string" ? v.trim() : "";
  const missing = spec.fields(c).filter((f) => f.required && !values[f.name]);
  if (missing.length > 0) return fail(`Fill in: ${missing.map((f) => f.label).join(", ")}.`);
  const body = spec.body(values, c);
  if (spec.id === "reclassify" && Object.keys(body).length === 0) return fail("Change at least one of product, category or severity.");
  // Same body → same Idempotency-Key (a retry is safe); a changed body is a new request.
  const serialized = JSON.stringify(body);
  if (open.lastBody && open.lastBody !== serialized) open.key = crypto.randomUUID();
  open.lastBody = serialized;
  const buttons = form.querySelectorAll("button");
  for (const b of buttons) b.disabled = true;
  result.className = "result";
  result.textContent = "Sending…";
  try {
    const r = await ctx.callPartner<ActionResult>(`support-requests/${encodeURIComponent(c.caseId)}${spec.path ? `/${spec.path}` : ""}`, { method: spec.method, body, idempotencyKey: open.key });
    if (ctx.settle(r)) return;
    if (r.ok) {
      result.className = "result ok";
      result.textContent = `${spec.done} The request updates here live.`;
      closeActionForm(ctx);
      ctx.state.detail.signature = "";
      await onRecorded();
      return;
    }
    const p = r.problem;
    if (r.status === 403) fail(`Not allowed: ${p.permission ? `your key's role lacks ${p.permission}` : problemText(r)}.`);
    else if (r.status === 409) fail(`Not possible now${p.currentStatus ? ` (the request is ${statusLabel(ctx.model, p.currentStatus).toLowerCase()})` : ""}: ${problemText(r)}`);
    else if (r.status === 404 && !p.type.includes("not-found")) fail("This action is not available on this server yet.");
    else fail(problemText(r));
    renderActionButtons(ctx, onRecorded);
  } catch {
    fail("Could not reach the server; try again (the retry is safe).");
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}
