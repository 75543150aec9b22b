/** Badges shared by the list and the detail view. */
import { h } from "../dom";
import { labelOf } from "../labels";
import type { DashboardModel, SlaHealth, SupportRequest } from "../types";

/** The SLA health badge: the server's value (`slaHealth` of the request), never re-derived here. */
export function slaBadge(model: DashboardModel, health: SlaHealth | undefined): HTMLSpanElement {
  const value = health ?? "none";
  return h("span", { class: `badge sla-${value}`, "data-sla": value }, labelOf(model.labels.slaHealths, value));
}

/**
 * Badges of what needs attention on a request: its workflow not running normally (the reason as
 * a tooltip) and customer addresses that cannot be mailed.
 */
export function problemBadges(model: DashboardModel, c: Pick<SupportRequest, "workflow" | "undeliverableEmails">): HTMLSpanElement[] {
  const out: HTMLSpanElement[] = [];
  const wf = c.workflow;
  if (wf && wf.state !== "running") out.push(h("span", { class: "badge sla-breached", "data-workflow": wf.state, title: wf.reason ?? "" }, labelOf(model.labels.workflowStates, wf.state)));
  const undeliverable = c.undeliverableEmails ?? [];
  if (undeliverable.length > 0) {
    out.push(h("span", { class: "badge sla-at-risk", "data-undeliverable": "true", title: undeliverable.map((u) => `${u.address}: ${u.reason ?? u.status ?? "undeliverable"}`).join("\n") }, "Email undeliverable"));
  }
  return out;
}
