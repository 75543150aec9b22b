/** The mailbox's inbound email log (`GET …/inbound-email/log`): the newest 100 entries with the chosen filters. */
import { problemText } from "../api";
import type { DashboardContext } from "../context";
import { byId, fillSelect, h, timeEl } from "../dom";
import { labelOf } from "../labels";
import type { InboundLogEntry, InboundLogResponse } from "../types";

/** Fills the outcome filter from the server's model. */
export function initInboundFilters(ctx: DashboardContext): void {
  fillSelect(byId("i-outcome", HTMLSelectElement), ctx.model.inboundOutcomes.map((o) => [o, labelOf(ctx.model.labels.inboundOutcomes, o)]));
}

function row(ctx: DashboardContext, e: InboundLogEntry): HTMLTableRowElement {
  return h("tr", {}, [
    h("td", {}, [timeEl(e.receivedAt)]),
    h("td", {}, [h("span", { title: labelOf(ctx.model.labels.inboundOutcomes, e.outcome) }, e.reason ? `${e.outcome} (${e.reason})` : e.outcome)]),
    h("td", {}, [e.from || "—"]),
    h("td", {}, [e.subject || "—"]),
    h("td", {}, [e.caseId ? h("a", { href: `#/requests/${encodeURIComponent(e.caseId)}` }, [e.caseId]) : "—"]),
    h("td", {}, [e.flags.join(", ")]),
  ]);
}

/** Loads and renders the log. */
export async function refreshInbound(ctx: DashboardContext): Promise<void> {
  const gen = ctx.state.generation;
  const q = new URLSearchParams({ limit: "100" });
  const outcome = byId("i-outcome", HTMLSelectElement).value;
  const from = byId("i-from", HTMLInputElement).value.trim();
  if (outcome) q.set("outcome", outcome);
  if (from) q.set("from", from);
  const r = await ctx.callPartner<InboundLogResponse>(`inbound-email/log?${q}`);
  if (gen !== ctx.state.generation || ctx.settle(r)) return;
  if (!r.ok) {
    byId("inbound-notice").textContent = `Could not load the inbound log: ${problemText(r)}`;
    ctx.setLive(false, "Error — retrying");
    return;
  }
  const items = r.body.items;
  byId("inbound-notice").textContent = items.length === 0 ? "No messages match." : "";
  byId("inbound-body").replaceChildren(...items.map((e) => row(ctx, e)));
  ctx.setLive(true);
}
