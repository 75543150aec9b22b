/**
 * SLA handling: acting on warnings and breaches (partner notices, timeline, the customer's one
 * delay notice, escalation), catching up with everything due (thresholds, escalation-chain levels,
 * the Microsoft escalation deferred until after the chain), the auto-close, and a change of the
 * applied policy (clocks re-targeted, the timer re-armed by the next wait).
 */
import { SupportRequestActivities, type AppliedSlaPolicy, type SendStatusEmailInput, type SlaEvent } from "../../shared/contracts";
import { chainPlan, engageMicrosoft, escalate, startChain } from "./escalation";
import { causedEntryId, changeStatusAndEmail, emailCustomer, notificationKey, notifyPartner, record } from "./records";
import { deliver } from "./outbox";
import { isOpen, ms, now, type Orchestration, type Run } from "./run";
import { applySla, breachNoticeBase, clockTermsAt, describePolicy, metricLabel, nextSlaThreshold, slaSummary, warnNoticeBase } from "./slaClocks";
import { computeSlaClocks } from "../../shared/domain";

/**
 * Acts on the queued warnings and breaches: each warning notifies the partner's contacts (once per
 * metric, percent and cycle); each breach is recorded on the timeline and notified, and a breach of
 * first response or resolution of an open case tells the customer of the delay (once per case and
 * metric, {@link emailSlaDelay}), starts the escalation chain and escalates the case if not escalated yet.
 */
export function* handleSlaAlerts(run: Run): Orchestration<void> {
  // Each alert leaves the queue once acted on: until then it is not recorded (`recordableSlaEvents`).
  for (let e = run.alerts[0]; e; e = run.alerts[0]) {
    // The terms the clock was measured against when the alert happened (a re-targeting since is not what was reached).
    const { target, policyId, policyName } = clockTermsAt(run, e.metric, e.at);
    if (e.type === "warn" && e.percent !== undefined) {
      const dueAt = computeSlaClocks(run.log, run.policy, e.at)[e.metric].dueAt;
      yield* notifyPartner(run, warnNoticeBase(e.metric, e.percent), {
        kind: "sla-warning",
        metric: e.metric,
        percent: e.percent,
        reachedAt: e.at,
        ...(dueAt !== undefined ? { dueAt } : {}),
        ...(target !== undefined ? { target } : {}),
        policyName,
      });
    } else if (e.type === "breach") {
      yield* record(run, { ...causedEntryId(run, `sla-breached-${e.metric}-${e.at}`), kind: "sla-breached", summary: `The ${metricLabel[e.metric]} SLA target (${target ?? "?"}, policy ${policyName}) was breached at ${e.at}.`, details: { metric: e.metric, breachedAt: e.at, policyId } });
      yield* notifyPartner(run, breachNoticeBase(e.metric), {
        kind: "sla-breached",
        metric: e.metric,
        dueAt: e.at,
        ...(target !== undefined ? { target } : {}),
        ...(e.metric === "next-update" ? {} : { action: "the case is escalated where the CSP support rules allow" }),
        policyName,
      });
      if (e.metric !== "next-update" && isOpen(run)) {
        yield* emailSlaDelay(run, e);
        startChain(run);
        const trigger = e.metric === "first-response" ? "first-response-breach" : "resolution-breach";
        if (!run.state.escalation) yield* escalate(run, trigger, "partner", undefined, undefined, causedEntryId(run, `escalation-${trigger}-${e.at}`).entryId);
      }
    }
    run.alerts.splice(run.alerts.indexOf(e), 1);
  }
}

/**
 * "SLA-related where the customer should know": a breach of first response or resolution
 * sends the customer ONE `sla-delay` notice per case and metric (notification key
 * `sla-delay-first-response` / `sla-delay-resolution`, `dueAt` the missed deadline: the breach
 * instant). Warnings and next-update breaches are the partner's business only. A later breach of
 * the same metric (a new resolution cycle after a reopening) sends nothing more.
 */
function* emailSlaDelay(run: Run, breach: SlaEvent): Orchestration<void> {
  const key = `sla-delay-${breach.metric}`;
  if (run.state.notificationCounts[key] !== undefined) return;
  const input: SendStatusEmailInput = { caseId: run.input.caseId, partnerId: run.input.partnerId, notificationKey: notificationKey(run, key), status: run.state.status, kind: "sla-delay", dueAt: breach.at };
  yield* deliver(run, SupportRequestActivities.sendStatusEmail, input);
}

/**
 * Everything due at or before `at`: SLA warnings and breaches (logged at their own instants),
 * escalation-chain levels, and the Microsoft escalation deferred until after the chain.
 */
export function* catchUp(run: Run, at: string): Orchestration<void> {
  if (!isOpen(run)) return;
  const threshold = nextSlaThreshold(run);
  if (threshold && ms(threshold.at) <= ms(at)) applySla(run, { kind: "timer", at });
  yield* handleSlaAlerts(run);
  const plan = chainPlan(run);
  const progress = run.state.chain;
  if (!plan || !progress) return;
  for (let level = plan.levels[progress.notifiedLevels]; level && ms(level.at) <= ms(at) && isOpen(run); level = plan.levels[progress.notifiedLevels]) {
    progress.notifiedLevels += 1;
    const next = plan.levels[progress.notifiedLevels];
    yield* notifyPartner(
      run,
      `escalation-level-${level.level}`,
      {
        kind: "escalation-level",
        level: level.level,
        levelName: level.name,
        unresolvedSince: progress.triggeredAt,
        status: run.state.status,
        ...(next ? { nextLevel: { level: next.level, name: next.name, at: next.at } } : {}),
      },
      { to: level.contacts },
    );
  }
  const pending = run.state.pendingMicrosoft;
  if (pending && isOpen(run) && ms(plan.microsoftAt) <= ms(at)) {
    delete run.state.pendingMicrosoft;
    yield* engageMicrosoft(run, pending, "partner", `The escalation chain ended at ${plan.microsoftAt}; Microsoft is engaged now.`, undefined, undefined, causedEntryId(run, `escalation-microsoft-after-chain-${plan.microsoftAt}`).entryId);
  }
}

/** Closes a resolved case once its auto-close instant has passed. */
export function* closeIfDue(run: Run): Orchestration<void> {
  const dueAt = run.state.autoCloseAt;
  if (run.state.status !== "resolved" || dueAt === undefined || ms(dueAt) > ms(now(run))) return;
  if (!(yield* changeStatusAndEmail(run, "closed", { ...causedEntryId(run, `closed-automatically-${dueAt}`), kind: "status-changed", summary: `Closed automatically ${run.caseContext.partner.autoCloseAfter} after resolution.` }))) yield* emailCustomer(run, "closed");
}

/**
 * Another policy (or other targets) applies from `at` on: the open clocks are re-targeted with
 * their elapsed time kept (`policy-changed` happening; a clock the new policy does not time is
 * cancelled), their pause state follows the new policy's `pauseWhen`, and the change is recorded on
 * the timeline with the case's new SLA deadlines. The timer is re-armed by the next wait
 * (`nextWake` in inbox.ts reads the new log and policy).
 */
export function* changePolicy(run: Run, next: AppliedSlaPolicy, at: string, because: string, details: Record<string, unknown>): Orchestration<void> {
  const from = run.policy;
  const open = isOpen(run);
  if (open) applySla(run, { kind: "policy-changed", policy: next, at });
  run.policy = next;
  run.nextSla = undefined;
  const pausesDiffer = JSON.stringify([...from.pauseWhen].sort()) !== JSON.stringify([...next.pauseWhen].sort());
  if (open && pausesDiffer) applySla(run, { kind: "status", from: run.state.status, to: run.state.status, at });
  const effect = open ? "the open clocks were re-targeted with their elapsed time kept" : "the clocks are stopped (the request is resolved); the new targets apply if it is reopened";
  yield* record(run, {
    kind: "note",
    summary: `SLA policy changed from ${describePolicy(from)} to ${describePolicy(next)} because ${because}; ${effect}.`,
    details: { slaPolicyChanged: { from: from.policyId, to: next.policyId, fromTargets: from.targets, toTargets: next.targets, at }, ...details },
    patch: { sla: slaSummary(run) },
  });
}
