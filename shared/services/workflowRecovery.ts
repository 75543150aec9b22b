/**
 * Restarting a case's workflow — one mechanism for the two reasons a stopped orchestration starts
 * again for the same instance id:
 * - **reopen**: a closed case is reopened by the partner (its execution completed);
 * - **recover**: the execution of a case that is not done (open, closed with a reopening its
 *   execution had not applied yet, or closed with emails still to send) failed or was terminated.
 *   A partner admin restarts it (`POST …/workflow-restart`), a partner action on it does, and the
 *   timer-triggered sweeper ({@link sweepWorkflows}) does it automatically with backoff and a cap,
 *   telling the partner when it gives up.
 *
 * Where a restart continues from is what the orchestration emitted, never a parse of its private
 * ids: the completed execution's output checkpoint (reopen), or the checkpoint it published in its
 * custom status at its last wait (recover), or the carry it started its generation with. The
 * escalation comes from the case, the emails still to send from the notification log (pending
 * rows keep their input). The restarted execution re-reads the case, continues its SLA clocks from
 * the SLA event log, and reprocesses the inbox after the checkpoint's cursor with the same
 * deterministic ids, so nothing already recorded or sent is recorded or sent twice.
 */
import {
  CaseStatuses,
  CURRENT_WORKFLOW_REVISION,
  EmailFailurePolicy,
  errorText,
  isLastEmailAttempt,
  SupportRequestCheckpointSchema,
  SupportRequestOrchestrationInputSchema,
  type Actor,
  type CaseStatus,
  type NotifyPartnerInput,
  type OutboxItem,
  type SupportRequest,
  type SupportRequestCarry,
  type SupportRequestCheckpoint,
  type SupportRequestOrchestrationInput,
  type TimelineEntry,
  type WorkflowHealth,
  type WorkflowRevision,
} from "../contracts";
import type { CaseRepository, Clock, NotificationLog, PartnerRepository, SentNotification, SlaEventLog, SupportRequestWorkflow, UndeliveredMark, UnstartedWorkflows, WorkflowInstanceSummary, WorkflowStatus } from "../ports";
import { addCalendarDuration, escalationAtPoint, escalationDecision } from "../domain";
import { createNotifyPartner, notifyPartnerWithoutCase, type NotifyPartnerDeps } from "./activities";

/** Runtime statuses of an execution that stopped without finishing its case. */
export const StoppedRuntimeStatuses: readonly string[] = ["Failed", "Terminated"];

/** Automatic restarts (by the sweeper) before it gives up and tells the partner. */
export const MAX_AUTOMATIC_RESTARTS = 5;

/** Waits between automatic restarts: after the 1st, 2nd, … restart (ms): 1 min, 5 min, 15 min, 1 h, 4 h. */
export const RESTART_BACKOFF_IN_MS: readonly number[] = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 4 * 60 * 60_000];

/** A workflow that ran this long after its last restart starts a fresh count of automatic restarts (ms): 24 h. */
export const RESTART_COUNT_RESET_AFTER_IN_MS = 24 * 60 * 60_000;

/**
 * How long after a failed start the sweeper leaves the case to its sender (ms): 1 min. A webhook
 * sender answered 503 sends the request again, which starts the workflow itself; the email intake
 * retries the message.
 */
export const UNSTARTED_GRACE_IN_MS = 60_000;

/**
 * How long an orchestration may stay `Pending` (created, its start not yet run by the Durable
 * host) before the sweeper marks its case `not-started` and tells the partner (ms): 15 min. A start
 * runs within seconds, a backlog in the task hub's control queues delays it by minutes; on the
 * Azure Storage provider an instance can stay Pending for hours or for good (reported on the
 * Durable Functions extension's GitHub issues: a start message not processed), and neither a
 * terminate nor a new start with the same instance id reaches it (a start is refused while the
 * instance is Pending, as `overridableExistingInstanceStates: NonRunningStates` does). The request
 * must then not look as if it were being worked on.
 */
export const STUCK_PENDING_AFTER_IN_MS = 15 * 60_000;

/**
 * Starts the workflow of a case just stored. When the start fails (the Durable host unreachable),
 * the case is first recorded as unstarted — best effort: when storage fails too, the error
 * reaches the sender all the same (503: the request is sent again) — so the recovery sweeper
 * starts it should the sender never send it again; then the error is thrown.
 * @param deps - the workflow of the invocation, the record of unstarted workflows, the clock.
 * @param options - as `SupportRequestWorkflow.start`.
 * @throws the start's error.
 */
export async function startCaseWorkflow(deps: { workflow: SupportRequestWorkflow; unstartedWorkflows: UnstartedWorkflows; clock: Clock }, caseId: string, partnerId: string, options: Parameters<SupportRequestWorkflow["start"]>[2] = {}): Promise<void> {
  try {
    await deps.workflow.start(caseId, partnerId, options);
  } catch (e) {
    await deps.unstartedWorkflows.record({ partnerId, caseId, failedAt: deps.clock.now().toISOString(), reason: errorText(e) }).catch(() => undefined);
    throw e;
  }
}

/** Dependencies of the restart use cases. */
export interface WorkflowRecoveryDeps extends NotifyPartnerDeps {
  cases: CaseRepository;
  /** The cases' SLA event logs (a restart point rebuilt from the stores: {@link restartPointFromStores}). */
  slaEvents: SlaEventLog;
  partners: PartnerRepository;
  notifications: NotificationLog;
  workflow: SupportRequestWorkflow;
  clock: Clock;
  /** Cases whose workflow could not be started at intake (the sweeper starts them). */
  unstartedWorkflows: UnstartedWorkflows;
}

/** Why a restart is requested. */
export type RestartRequest =
  | { kind: "reopen"; reason: string; seq: string; requestedAt: string; actor: Actor }
  | { kind: "recover"; reason: string; requestedAt: string; actor: Actor; attempt: number };

/** What {@link restartWorkflow} did. */
export type RestartOutcome =
  | { restarted: true; previousRuntimeStatus: string }
  | { restarted: false; runtimeStatus: string; why: "running" | "suspended" | "done" };

/**
 * The restart point of a stopped execution, from what it emitted: the output checkpoint of a
 * completed one, else the checkpoint of its custom status, else its input carry (without the
 * outbox); undefined when it stopped before it published any. A first generation that failed
 * before its first wait publishes the state it started with (status `received`); a restart from it
 * acknowledges the case (workflow revision 7).
 */
export function restartPointOf(status: Pick<WorkflowStatus, "output" | "customStatus" | "input">): SupportRequestCheckpoint | undefined {
  const candidates = [(status.output as { checkpoint?: unknown } | null | undefined)?.checkpoint, (status.customStatus as { checkpoint?: unknown } | null | undefined)?.checkpoint];
  for (const c of candidates) {
    const parsed = SupportRequestCheckpointSchema.safeParse(c);
    if (parsed.success) return parsed.data;
  }
  const input = SupportRequestOrchestrationInputSchema.safeParse(status.input);
  if (input.success && input.data.carry) {
    const { outbox: _o, escalation, ...rest } = input.data.carry;
    return { ...rest, escalation: escalation ? escalationDecision(escalation) : null };
  }
  return undefined;
}

/**
 * Whether a restart would send this notification again: it is pending and still says what to
 * deliver (retention erases a pending delivery's input, and then nothing can be sent).
 */
function isDeliverablePending(n: SentNotification): boolean {
  return n.state === "pending" && n.delivery !== undefined;
}

/**
 * The emails a stopped execution still had to send: the case's pending notifications, in the
 * order they were queued, as outbox items due now.
 * @throws Error when storage fails.
 */
export async function pendingOutbox(notifications: NotificationLog, partnerId: string, caseId: string, nowIso: string): Promise<OutboxItem[]> {
  const pending = (await notifications.listSent(partnerId, caseId)).filter(isDeliverablePending);
  pending.sort((a, b) => ((a.queuedAt ?? a.sentAt) < (b.queuedAt ?? b.sentAt) ? -1 : (a.queuedAt ?? a.sentAt) > (b.queuedAt ?? b.sentAt) ? 1 : 0));
  return pending.map((n) => ({
    activity: n.delivery?.activity ?? "SendStatusEmail",
    input: n.delivery?.input ?? {},
    attempts: 0,
    firstFailedAt: n.queuedAt ?? n.sentAt,
    nextAttemptAt: nowIso,
    ...(n.fault ? { fault: n.fault } : {}),
  }));
}

/**
 * The state a new case's first generation starts with: what a restart of an execution that ran
 * but emitted no restart point continues from (a first generation stopped before it published its
 * custom status, e.g. terminated at once). The restart replays the case from its start in a new
 * generation (new SLA event ids) under the same entry ids and notification keys, so what the
 * stopped execution recorded or sent is recorded or sent once.
 */
const STARTING_POINT: SupportRequestCheckpoint = { generation: 0, status: "received", entryCount: 0, notificationCounts: {}, escalation: null };

/**
 * A restart point rebuilt from what the app itself stores, for a case whose orchestration instance
 * does not exist: its history purged, or the task hub renamed or switched to another storage
 * backend (the case, its timeline, SLA event log and notification log are the app's tables, not the
 * task hub's). Read from those stores:
 * - `generation`: the last generation the stored SLA event ids (`GGGG-NNNN`) and generation entry
 *   ids (`…-g<n>`) name; the restart runs the next, so its SLA events get new ids;
 * - `status` and the escalation in force: the case's;
 * - `entryCount`: the highest `t<n>-…` entry id; `cursor`: the highest inbox `seq` an entry
 *   records (actions are processed in `seq` order, each recorded on the timeline);
 * - `notificationCounts`: from the notification log's keys (`base`, `base-<n>`; every state), so
 *   every later email takes a key not used yet;
 * - a resolved case's `autoCloseAt`: its last resolution entry plus the partner's auto-close period;
 * - the escalation chain's progress (the first first-response or resolution breach, or escalation
 *   decision not taken by an indirect provider; the levels notified) and a Microsoft escalation
 *   deferred until after the chain (decided, not filed, the case not at Microsoft), when the
 *   partner has a chain.
 *
 * Rebuilt at a wait (the instance idle, as a task hub switch finds it), the restart goes on as the
 * lost execution would have. An action whose email went out but whose entry was not written when
 * the instance was lost is processed again, and its email sent again under the next key: a
 * duplicate, never a loss.
 * @returns the point, or undefined when nothing has happened to the case yet (no SLA event, no
 *   entry of the workflow, status `received`: a start from scratch is right).
 * @throws Error when storage fails, or the partner is unknown.
 */
export async function restartPointFromStores(deps: Pick<WorkflowRecoveryDeps, "cases" | "slaEvents" | "notifications" | "partners">, sr: SupportRequest): Promise<SupportRequestCheckpoint | undefined> {
  const [timeline, slaLog, sent, partner] = await Promise.all([
    deps.cases.listTimeline(sr.partnerId, sr.caseId),
    deps.slaEvents.list(sr.partnerId, sr.caseId),
    deps.notifications.listSent(sr.partnerId, sr.caseId),
    deps.partners.getPartner(sr.partnerId),
  ]);
  if (!partner) throw new Error(`Partner ${sr.partnerId} not found`);
  let lastGeneration = -1;
  for (const e of slaLog) lastGeneration = Math.max(lastGeneration, Number.parseInt(e.eventId.slice(0, 4), 10) || 0);
  let entryCount = 0;
  let cursor: string | undefined;
  for (const t of timeline) {
    const counted = /^t(\d+)-/.exec(t.entryId);
    if (counted) entryCount = Math.max(entryCount, Number(counted[1]));
    const generation = /-g(\d+)(?:-|$)/.exec(t.entryId);
    if (generation) lastGeneration = Math.max(lastGeneration, Number(generation[1]));
    const seq = t.details?.seq;
    if (typeof seq === "string" && (cursor === undefined || seq > cursor)) cursor = seq;
  }
  if (slaLog.length === 0 && entryCount === 0 && sr.status === "received") return undefined;
  const notificationCounts: Record<string, number> = {};
  const count = (base: string, n: number): void => {
    if (n > (notificationCounts[base] ?? 0)) notificationCounts[base] = n;
  };
  for (const n of sent) {
    const key = n.notificationKey.startsWith("partner:") ? n.notificationKey.slice("partner:".length) : n.notificationKey;
    count(key, 1);
    const numbered = /^(.+)-(\d+)$/.exec(key);
    if (numbered?.[1] !== undefined) count(numbered[1], Number(numbered[2]));
  }
  // The point names the last generation used; the restart runs the next one.
  const point: SupportRequestCheckpoint = { generation: Math.max(0, lastGeneration), status: sr.status, entryCount, notificationCounts, escalation: sr.escalation ? escalationDecision(sr.escalation) : null, ...(cursor !== undefined ? { cursor } : {}) };
  if (sr.status === "resolved") {
    const resolvedAt = timeline.filter((t) => t.toStatus === "resolved").at(-1)?.at;
    if (resolvedAt) point.autoCloseAt = addCalendarDuration(resolvedAt, partner.supportTerms.autoCloseAfter);
  }
  const chain = partner.escalationChain;
  if (chain && sr.status !== "closed") {
    // What starts the chain (the orchestration's startChain): a first-response or resolution breach, or the owner's escalation decision (an indirect provider's starts none).
    const triggers = timeline.filter((t) => (t.kind === "escalation-decided" && t.details?.by !== "indirect-provider") || (t.kind === "sla-breached" && t.details?.metric !== "next-update")).map((t) => t.at);
    const triggeredAt = triggers.sort()[0];
    if (triggeredAt !== undefined) {
      const notified = sent.map((n) => /^partner:escalation-level-(\d+)$/.exec(n.notificationKey)?.[1]).filter((l): l is string => l !== undefined);
      point.chain = { triggeredAt, notifiedLevels: Math.max(0, ...notified.map(Number)) };
    }
    const e = sr.escalation;
    if (chain.microsoft === "after-chain" && e?.target === "microsoft" && !e.microsoftServiceRequest && sr.status !== "escalated-to-microsoft") point.pendingMicrosoft = escalationDecision(e);
  }
  return point;
}

/**
 * Starts the case's workflow again for the same instance id, continuing from its restart point
 * ({@link restartPointOf}; {@link STARTING_POINT} when the stopped execution emitted none) with the
 * case's escalation and pending emails. A case whose instance does not exist at all continues from
 * the point its stores give ({@link restartPointFromStores}: its history was purged, or the task
 * hub renamed or switched), or is started afresh when nothing has happened to it yet (the start
 * after intake never happened).
 * @param sr - the case (its owner partner's row).
 * @returns `restarted`, or why not: the instance is running (or pending), suspended (an
 *   operator's decision), or — for a recovery — done (completed).
 * @throws Error when storage or the Durable client fails.
 */
export async function restartWorkflow(deps: Pick<WorkflowRecoveryDeps, "notifications" | "workflow" | "clock" | "cases" | "slaEvents" | "partners">, sr: SupportRequest, request: RestartRequest): Promise<RestartOutcome> {
  const status = await deps.workflow.getStatus(sr.caseId, { includeInputAndOutput: true });
  const runtimeStatus = status?.runtimeStatus ?? "NotFound";
  if (status && (runtimeStatus === "Running" || runtimeStatus === "Pending")) return { restarted: false, runtimeStatus, why: "running" };
  if (runtimeStatus === "Suspended") return { restarted: false, runtimeStatus, why: "suspended" };
  if (request.kind === "recover" && runtimeStatus === "Completed") return { restarted: false, runtimeStatus, why: "done" };
  const point = status ? (restartPointOf(status) ?? STARTING_POINT) : await restartPointFromStores(deps, sr);
  const nowIso = deps.clock.now().toISOString();
  const input: SupportRequestOrchestrationInput = { caseId: sr.caseId, partnerId: sr.partnerId };
  if (point) {
    const outbox = await pendingOutbox(deps.notifications, sr.partnerId, sr.caseId, nowIso);
    // A recovery keeps the reopening a checkpoint still holds: the reopening's execution stopped
    // before its first wait, and the restart applies it (once: the orchestration's reopenClosed).
    const { escalation: escalationAt, ...state } = point;
    // The escalation in force at the point: one the case got after it is decided again by the restart.
    const escalation = escalationAtPoint(escalationAt, sr.escalation);
    const carry: SupportRequestCarry = { ...state, generation: point.generation + 1, ...(escalation ? { escalation } : {}), ...(outbox.length > 0 ? { outbox } : {}) };
    // The reopening is applied first; its inbox action is behind the cursor (not processed again).
    if (request.kind === "reopen") Object.assign(carry, { cursor: request.seq, reopen: { reason: request.reason, seq: request.seq, requestedAt: request.requestedAt, actor: request.actor } });
    input.carry = carry;
  }
  if (request.kind === "recover") input.recovery = { reason: request.reason, requestedAt: request.requestedAt, actor: request.actor, previousRuntimeStatus: runtimeStatus, attempt: request.attempt };
  // A recovery continues from where the stopped execution was: in the entry ids of its revision.
  const revision = request.kind === "recover" && status ? restartRevisionOf(status.input) : undefined;
  if (revision !== undefined) input.revision = revision;
  const started = await deps.workflow.restart(sr.caseId, input);
  if (!started) return { restarted: false, runtimeStatus: "Running", why: "running" };
  return { restarted: true, previousRuntimeStatus: runtimeStatus };
}

/**
 * The workflow revision a recovery runs when the stopped execution ran one whose timeline entry ids
 * differ from the current revision's: revision 7 for an execution of revision 7 or earlier (its
 * input's `revision`; absent: 1), undefined (the current one) otherwise. A stopped execution may have
 * written entries after its checkpoint, which the restart writes again under the same ids; revision
 * 8 gives the entries the SLA clocks and timers cause ids of their own, so a restart at revision 8
 * of an execution that numbered them would write them a second time under the new ids and shift
 * the numbers of the entries after them. Revision 7 numbers them as they were numbered (and keeps
 * every restart fix of revision 7); the restarted execution moves to the current revision at its
 * next continueAsNew, a wait with nothing written after it. ADR 0005.
 */
export function restartRevisionOf(stoppedInput: unknown): WorkflowRevision | undefined {
  const parsed = SupportRequestOrchestrationInputSchema.safeParse(stoppedInput);
  const revision = parsed.success ? (parsed.data.revision ?? 1) : CURRENT_WORKFLOW_REVISION;
  return revision < 8 ? 7 : undefined;
}

/**
 * Records the workflow's health on the case (the list's `workflow` filter and badge) with a
 * timeline entry, once per `entry.entryId`.
 * @throws Error when storage fails.
 */
export async function recordWorkflowHealth(cases: CaseRepository, sr: SupportRequest, health: WorkflowHealth, entry: TimelineEntry): Promise<void> {
  await cases.updateCase(sr.partnerId, sr.caseId, entry, (current) => ({ ...current, workflow: health }));
}

/**
 * Whether the listed execution of a case still has work: the case is open, or it is closed and the
 * execution was started to reopen it (its input's `carry.reopen`: a reopening's execution that is
 * Pending, or failed or was terminated before it applied the reopening, leaves the case closed; one
 * that stopped after closing the case again is restarted harmlessly and completes), or closed with
 * emails still to send.
 * @throws Error when storage fails.
 */
async function hasWork(deps: Pick<WorkflowRecoveryDeps, "notifications">, sr: SupportRequest, instance: WorkflowInstanceSummary): Promise<boolean> {
  if (sr.status !== "closed" || instance.reopening === true) return true;
  return (await deps.notifications.listSent(sr.partnerId, sr.caseId)).some((n) => n.state === "pending");
}

/** How many stopped workflows belong to requests that are not done (the health endpoint's `workflows`). */
export interface StoppedWorkflowCount {
  /** Failed or terminated instances of requests that are open, closed with a reopening still to apply, or closed with emails still to send. */
  failed: number;
  /** Instances of such requests still Pending {@link STUCK_PENDING_AFTER_IN_MS} after they were created. */
  notStarted: number;
  /** Instances examined (at most `limit`). */
  examined: number;
  /** True when more such instances exist than were examined. */
  truncated: boolean;
}

/** Whether a listed instance is stopped, or Pending since at least {@link STUCK_PENDING_AFTER_IN_MS} before `nowMs`. */
function stoppedOrStuckAt(nowMs: number): (instance: WorkflowInstanceSummary) => boolean {
  return (i) => i.runtimeStatus !== "Pending" || (i.createdTime !== undefined && Date.parse(i.createdTime) <= nowMs - STUCK_PENDING_AFTER_IN_MS);
}

/**
 * Counts the failed or terminated workflows, and those Pending past {@link STUCK_PENDING_AFTER_IN_MS},
 * of requests that still have work (one Durable query, then one case read per instance, at most
 * `limit`, default 500).
 * @throws Error when storage or the Durable client fails.
 */
export async function countStoppedWorkflows(deps: Pick<WorkflowRecoveryDeps, "cases" | "notifications" | "workflow" | "clock">, limit = 500): Promise<StoppedWorkflowCount> {
  const instances = await deps.workflow.listInstances([...StoppedRuntimeStatuses, "Pending"], { limit: limit + 1, keep: stoppedOrStuckAt(deps.clock.now().getTime()) });
  let failed = 0;
  let notStarted = 0;
  for (const instance of instances.slice(0, limit)) {
    const sr = instance.partnerId ? await deps.cases.getCase(instance.partnerId, instance.caseId) : undefined;
    if (!sr || !(await hasWork(deps, sr, instance))) continue;
    if (instance.runtimeStatus === "Pending") notStarted += 1;
    else failed += 1;
  }
  return { failed, notStarted, examined: Math.min(instances.length, limit), truncated: instances.length > limit };
}

/** What one sweep did, per case. */
export interface SweepReport {
  /** Instances looked at (stopped or suspended). */
  examined: number;
  restarted: string[];
  /** Not yet due (backoff), or an operator's suspension. */
  waiting: string[];
  /** Marked gave-up now (the partner told). */
  gaveUp: string[];
  /** Marked not-started now: Pending past {@link STUCK_PENDING_AFTER_IN_MS} (the partner told, at most once an hour). */
  notStarted: string[];
  /** Done cases (nothing to do) and instances without a case. */
  skipped: string[];
  /**
   * Partner notices whose earlier send failed and that were sent again in this pass: a gave-up
   * notice (its case id) or a notice about workflows not started (`<partnerId> (workflows not started)`).
   */
  noticesResent: string[];
}

/**
 * One pass of the recovery sweeper (timer-triggered): every failed or terminated instance whose
 * case still has work is restarted when its backoff is due ({@link RESTART_BACKOFF_IN_MS}), at most
 * {@link MAX_AUTOMATIC_RESTARTS} times per {@link RESTART_COUNT_RESET_AFTER_IN_MS}; past the cap the
 * case is marked `gave-up` and the partner's contacts are emailed (a global admin or admin agent
 * restarts it by hand once the cause is fixed). Suspended instances are marked on their case. An
 * instance still `Pending` {@link STUCK_PENDING_AFTER_IN_MS} after it was created is marked
 * `not-started` on its case, and a partner with requests newly marked is emailed, at most once an
 * hour, the list of its requests so marked; nothing can restart it (the host refuses a start over
 * a Pending instance), and the mark clears with the first step its workflow records. A partner
 * notice of the sweeper (gave-up, not started) whose send failed transiently is sent again by a
 * later pass when its retry is due (`noticesResent`), with the email activities' backoff. One Durable
 * query lists the stopped, suspended and Pending instances. First, every case whose workflow could
 * not be started at intake ({@link startCaseWorkflow}) and was not started since (the sender did
 * not send it again within {@link UNSTARTED_GRACE_IN_MS}) is started, with a timeline entry saying
 * why; one that fails to start again stays for the next pass.
 * @param options - `limit`: instances per pass, and unstarted cases per pass (default 200 each);
 *   `onError`: told of each error with what it was about (a case id, or a partner's notice).
 * @returns what it did; errors of one case or notice are reported to `onError` and do not stop the pass.
 */
export async function sweepWorkflows(deps: WorkflowRecoveryDeps, options: { limit?: number; onError?: (what: string, error: unknown) => void } = {}): Promise<SweepReport> {
  const report: SweepReport = { examined: 0, restarted: [], waiting: [], gaveUp: [], notStarted: [], skipped: [], noticesResent: [] };
  await startUnstartedWorkflows(deps, report, options);
  // Pending instances created since the cutoff are starting normally: left out before the limit.
  const nowMs = deps.clock.now().getTime();
  const instances = await deps.workflow.listInstances([...StoppedRuntimeStatuses, "Suspended", "Pending"], { limit: options.limit ?? 200, keep: stoppedOrStuckAt(nowMs) });
  const newlyNotStarted = new Set<string>();
  const stillNotStarted = new Set<string>();
  for (const instance of instances) {
    report.examined += 1;
    try {
      const sr = instance.partnerId ? await deps.cases.getCase(instance.partnerId, instance.caseId) : undefined;
      if (!sr || !(await hasWork(deps, sr, instance))) {
        report.skipped.push(instance.caseId);
        continue;
      }
      if (instance.runtimeStatus === "Pending") {
        const outcome = await markNotStarted(deps, sr, instance.createdTime ?? new Date(nowMs - STUCK_PENDING_AFTER_IN_MS).toISOString());
        report[outcome].push(instance.caseId);
        (outcome === "notStarted" ? newlyNotStarted : stillNotStarted).add(sr.partnerId);
        continue;
      }
      const outcome = await sweepOne(deps, sr, instance.runtimeStatus);
      report[outcome === "noticeResent" ? "skipped" : outcome].push(instance.caseId);
      if (outcome === "noticeResent") report.noticesResent.push(instance.caseId);
    } catch (e) {
      options.onError?.(instance.caseId, e);
    }
  }
  for (const partnerId of newlyNotStarted) {
    try {
      await notifyNotStarted(deps, partnerId);
    } catch (e) {
      options.onError?.(`${partnerId} (notice of workflows not started)`, e);
    }
  }
  // A partner whose requests are still marked, with none newly marked: its last notice is sent
  // again if it failed, when its retry is due (one read of the partner's notices).
  for (const partnerId of stillNotStarted) {
    if (newlyNotStarted.has(partnerId)) continue;
    try {
      if (await resendNotStartedNotice(deps, partnerId)) report.noticesResent.push(`${partnerId} (workflows not started)`);
    } catch (e) {
      options.onError?.(`${partnerId} (notice of workflows not started, sent again)`, e);
    }
  }
  return report;
}

/**
 * How long after its creation an open case without an orchestration instance is left to its intake
 * (ms): 15 min. The intake starts the workflow a moment after it stores the case, and a start that
 * failed is the sweeper's after {@link UNSTARTED_GRACE_IN_MS}.
 */
export const ORPHAN_GRACE_IN_MS = 15 * 60_000;

/** Cases looked at by one pass of {@link restartOrphanedWorkflows} at most (default of its `maxCases`). */
export const ORPHAN_SCAN_MAX_CASES = 5_000;

/**
 * How long one pass of {@link restartOrphanedWorkflows} runs at most (ms; default of its
 * `maxDurationInMs`): 4 min, within the 5-minute `functionTimeout` of host.json. Each lookup is a
 * call to the Durable API; a pass that ran into the timeout would be cut off and logged as failed.
 */
export const ORPHAN_SCAN_MAX_DURATION_IN_MS = 4 * 60_000;

/** What one pass of {@link restartOrphanedWorkflows} did. */
export interface OrphanedWorkflowsReport {
  /** Cases looked at: marked cases and open cases (a case both marked and open counts twice). */
  examined: number;
  /** Cases whose instance did not exist, restarted from their stores. */
  restarted: string[];
  /** Cases whose lookup or restart failed (`onError` says why; the next pass tries again). */
  failed: string[];
  /** True when the pass stopped at `maxCases` or `maxDurationInMs` before it had looked at every case. */
  truncated: boolean;
}

/** Statuses of a case whose workflow has work: every one but `closed`. */
const OPEN_STATUSES: readonly CaseStatus[] = CaseStatuses.filter((s) => s !== "closed");

/**
 * Finds the cases with work whose orchestration instance does not exist in the task hub and
 * restarts their workflows from what the app stores ({@link restartPointFromStores}): every open
 * case, and every case, closed ones included, whose emails still wait for a retry after a failed
 * delivery. The recovery sweeper lists the task hub's instances, so it never sees such a case: an
 * instance purged by an operator, or every such case at once when the task hub is renamed
 * (`TASK_HUB_NAME`) or the app switched to another Durable storage backend. Left alone, their
 * customers would wait with no SLA clock, no escalation and no auto-close, or never get the emails
 * still owed to them (a throttled provider's retries last up to 72 hours), and nothing would show it.
 *
 * The cases whose emails wait are found by their marks ({@link NotificationLog.listUndeliveredMarks});
 * a mark whose case has nothing pending to deliver any more, or does not exist, is cleared. The partners' own
 * cases of each open status are read from the list index (a case created within the grace period,
 * {@link ORPHAN_GRACE_IN_MS}, is left to its intake). The marked cases, then the open ones, are
 * looked up one by one in the task hub, at most `maxCases` and `maxDurationInMs` a pass; each hour's
 * pass starts `maxCases` further along the list, so passes cut short cover every case in turn. Each
 * restart is recorded on the case's timeline by the restarted execution (`workflow-restart-…`, its
 * reason naming the lost instance).
 * @param options - `maxCases` (default {@link ORPHAN_SCAN_MAX_CASES}); `maxDurationInMs` (default
 *   {@link ORPHAN_SCAN_MAX_DURATION_IN_MS}, measured on `deps.clock`); `graceInMs` (default
 *   {@link ORPHAN_GRACE_IN_MS}; setting `ORPHANED_WORKFLOW_GRACE_SECONDS`); `onError` for a case
 *   whose lookup or restart failed (the pass goes on).
 * @throws Error when the partner list or a case list cannot be read.
 */
export async function restartOrphanedWorkflows(deps: WorkflowRecoveryDeps, options: { maxCases?: number; maxDurationInMs?: number; graceInMs?: number; onError?: (caseId: string, error: unknown) => void } = {}): Promise<OrphanedWorkflowsReport> {
  const report: OrphanedWorkflowsReport = { examined: 0, restarted: [], failed: [], truncated: false };
  const maxCases = options.maxCases ?? ORPHAN_SCAN_MAX_CASES;
  const graceInMs = options.graceInMs ?? ORPHAN_GRACE_IN_MS;
  const now = deps.clock.now();
  const stopAt = now.getTime() + (options.maxDurationInMs ?? ORPHAN_SCAN_MAX_DURATION_IN_MS);
  // Every case marked with an email left pending by a failed delivery (open or closed), then every
  // open case past the grace period, from the list index (one query per 100 cases).
  const cases: Array<{ partnerId: string; caseId: string; mark?: UndeliveredMark }> = [];
  for (const partner of await deps.partners.listPartners()) {
    for (const mark of await deps.notifications.listUndeliveredMarks(partner.id)) cases.push({ partnerId: partner.id, caseId: mark.caseId, mark });
    for (const status of OPEN_STATUSES) {
      let continuationToken: string | undefined;
      do {
        const page = await deps.cases.searchCases(partner.id, { status }, { limit: 100, withShares: false, ...(continuationToken ? { continuationToken } : {}) });
        for (const item of page.items) if (item.partnerId === partner.id && now.getTime() - Date.parse(item.createdAt) >= graceInMs) cases.push({ partnerId: partner.id, caseId: item.caseId });
        continuationToken = page.continuationToken;
      } while (continuationToken);
    }
  }
  const reason = "its orchestration instance was not found in the task hub (its history purged, or the task hub renamed or switched to another storage backend); it continues from the case's stored timeline, SLA log and notifications";
  // Each hour's pass starts `maxCases` further on, so passes cut short by the cap cover every case in turn.
  const offset = cases.length === 0 ? 0 : (Math.floor(now.getTime() / 3_600_000) * maxCases) % cases.length;
  for (const { partnerId, caseId, mark } of [...cases.slice(offset), ...cases.slice(0, offset)]) {
    if (report.examined >= maxCases || deps.clock.now().getTime() >= stopAt) {
      report.truncated = true;
      return report;
    }
    report.examined += 1;
    try {
      // A mark whose emails were delivered or given up since has done its work; so has one whose
      // pending emails no longer say what to deliver (erased by retention): a restart sends only
      // what they say (pendingOutbox, the same rule), and would run again every hour for nothing.
      if (mark && !(await deps.notifications.listSent(partnerId, caseId)).some(isDeliverablePending)) {
        await deps.notifications.clearUndeliveredMark(partnerId, mark);
        continue;
      }
      // Its instance goes on (a stopped one is the sweeper's); a mark stays while its emails wait.
      if (await deps.workflow.getStatus(caseId)) continue;
      const sr = await deps.cases.getCase(partnerId, caseId);
      if (!sr) {
        // No such case: a mark of a partner notice of the sweeper, which sends it again itself.
        if (mark) await deps.notifications.clearUndeliveredMark(partnerId, mark);
        continue;
      }
      // A closed case has work only while its emails wait (its mark).
      if (sr.status === "closed" && !mark) continue;
      const outcome = await restartWorkflow(deps, sr, { kind: "recover", reason, requestedAt: deps.clock.now().toISOString(), actor: { kind: "system" }, attempt: 1 });
      if (outcome.restarted) report.restarted.push(caseId);
    } catch (e) {
      report.failed.push(caseId);
      options.onError?.(caseId, e);
    }
  }
  return report;
}

/** The sweeper's first step ({@link sweepWorkflows}): starts the cases whose workflow never started. */
async function startUnstartedWorkflows(deps: WorkflowRecoveryDeps, report: SweepReport, options: { limit?: number; onError?: (what: string, error: unknown) => void }): Promise<void> {
  const now = deps.clock.now();
  for (const u of await deps.unstartedWorkflows.list(options.limit ?? 200)) {
    if (now.getTime() - Date.parse(u.failedAt) < UNSTARTED_GRACE_IN_MS) continue;
    report.examined += 1;
    try {
      const sr = await deps.cases.getCase(u.partnerId, u.caseId);
      if (!sr) {
        await deps.unstartedWorkflows.remove(u.partnerId, u.caseId);
        report.skipped.push(u.caseId);
        continue;
      }
      const nowIso = now.toISOString();
      const reason = `the workflow could not be started when the request was stored (${u.failedAt}: ${u.reason})`;
      const outcome = await restartWorkflow(deps, sr, { kind: "recover", reason, requestedAt: nowIso, actor: { kind: "system" }, attempt: 1 });
      if (outcome.restarted) {
        await deps.cases.appendTimeline(sr.partnerId, sr.caseId, { entryId: `workflow-started-late-${u.failedAt}`, kind: "workflow", at: nowIso, summary: `Workflow started by the recovery sweeper: ${reason}.` });
        report.restarted.push(u.caseId);
      } else report.skipped.push(u.caseId);
      // Started now, or already running (the sender sent it again), or done: nothing left to start.
      await deps.unstartedWorkflows.remove(u.partnerId, u.caseId);
    } catch (e) {
      options.onError?.(u.caseId, e);
    }
  }
}

/**
 * One stopped or suspended instance of a case with work: marked suspended, restarted when its
 * backoff is due, or given up past the cap; a case given up earlier is left to a deliberate
 * restart, and its gave-up notice is sent again when that failed ({@link resendGaveUpNotice}).
 */
async function sweepOne(deps: WorkflowRecoveryDeps, sr: SupportRequest, runtimeStatus: string): Promise<"restarted" | "waiting" | "gaveUp" | "skipped" | "noticeResent"> {
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const health = sr.workflow;
  if (runtimeStatus === "Suspended") {
    if (health?.state !== "suspended") {
      await recordWorkflowHealth(deps.cases, sr, { state: "suspended", since: nowIso, reason: "The orchestration was suspended by an operator; it resumes when they resume it." }, { entryId: `workflow-suspended-${nowIso}`, kind: "workflow", at: nowIso, summary: "The workflow is suspended by an operator." });
    }
    return "waiting";
  }
  if (health?.state === "gave-up") return (await resendGaveUpNotice(deps, sr, health)) ? "noticeResent" : "skipped";
  // A workflow that ran a day since its last restart starts a fresh count.
  const fresh = health?.state === "running" && now.getTime() - Date.parse(health.since) >= RESTART_COUNT_RESET_AFTER_IN_MS;
  const attempts = fresh ? 0 : (health?.attempts ?? 0);
  if (health?.nextAttemptAt && Date.parse(health.nextAttemptAt) > now.getTime() && !fresh) return "waiting";
  const reason = health?.reason ?? `the orchestration ended ${runtimeStatus}`;
  if (attempts >= MAX_AUTOMATIC_RESTARTS) {
    await giveUp(deps, sr, attempts, reason, nowIso);
    return "gaveUp";
  }
  const attempt = attempts + 1;
  const nextAttemptAt = new Date(now.getTime() + (RESTART_BACKOFF_IN_MS[attempt - 1] ?? RESTART_BACKOFF_IN_MS.at(-1) ?? 0)).toISOString();
  await recordWorkflowHealth(deps.cases, sr, { state: "restarting", since: nowIso, reason, attempts: attempt, nextAttemptAt }, { entryId: `workflow-restarting-${attempt}-${nowIso}`, kind: "workflow", at: nowIso, summary: `Restarting the workflow automatically (attempt ${attempt} of ${MAX_AUTOMATIC_RESTARTS}): ${reason}` });
  const outcome = await restartWorkflow(deps, sr, { kind: "recover", reason, requestedAt: nowIso, actor: { kind: "system" }, attempt });
  return outcome.restarted ? "restarted" : "waiting";
}

/**
 * Marks the case of an instance Pending since `createdTime` (past {@link STUCK_PENDING_AFTER_IN_MS})
 * `not-started`, with a timeline entry, once per execution.
 * @returns `notStarted` when marked now, `waiting` when an earlier pass marked it.
 */
async function markNotStarted(deps: WorkflowRecoveryDeps, sr: SupportRequest, createdTime: string): Promise<"notStarted" | "waiting"> {
  if (sr.workflow?.state === "not-started" && sr.workflow.since === createdTime) return "waiting";
  const now = deps.clock.now();
  const minutes = Math.floor((now.getTime() - Date.parse(createdTime)) / 60_000);
  const reason = `The orchestration was created at ${createdTime} and was still Pending ${minutes} minutes later: the Durable host has not run its start.`;
  await recordWorkflowHealth(deps.cases, sr, { state: "not-started", since: createdTime, reason }, { entryId: `workflow-not-started-${createdTime}`, kind: "workflow", at: now.toISOString(), summary: `The workflow has not started. ${reason}` });
  return "notStarted";
}

/** Pseudo case id under which the partner notices about workflows not started are logged in the NotificationLog. */
export const WORKFLOW_NOTICE_SCOPE = "_workflows";

/** Key of the hourly notice about workflows not started, before its UTC hour (`YYYY-MM-DDTHH`). */
const NOT_STARTED_NOTICE_KEY = "workflows-not-started-";

/**
 * Sends a partner's latest notice about workflows not started again when its send failed
 * (recorded pending by `notifyPartnerWithoutCase`) and its next attempt is due; a notice of a later
 * hour that went out supersedes it. The partner still has requests marked so (the caller's
 * condition); the notice lists them as they are now.
 * @returns whether it was sent now.
 * @throws Error when storage or the email fails (the failure is recorded for the next pass).
 */
async function resendNotStartedNotice(deps: WorkflowRecoveryDeps, partnerId: string): Promise<boolean> {
  const prefix = `partner:${NOT_STARTED_NOTICE_KEY}`;
  const notices = (await deps.notifications.listSent(partnerId, WORKFLOW_NOTICE_SCOPE)).filter((n) => n.notificationKey.startsWith(prefix));
  const latest = notices.sort((a, b) => (a.notificationKey < b.notificationKey ? -1 : a.notificationKey > b.notificationKey ? 1 : 0)).at(-1);
  if (latest?.state !== "pending" || !isDue(latest, deps.clock.now())) return false;
  await notifyNotStarted(deps, partnerId, latest.notificationKey.slice("partner:".length));
  return true;
}

/** Whether a pending notification's next attempt is due at `now`. */
function isDue(n: SentNotification, now: Date): boolean {
  return Date.parse(n.nextAttemptAt ?? n.sentAt) <= now.getTime();
}

/** Requests a notice about workflows not started names at most (the list's `workflow=not-started` filter shows them all). */
const NOT_STARTED_NOTICE_CASES = 25;

/**
 * Tells a partner that requests of theirs were marked `not-started`, at most once an hour (key
 * `workflows-not-started-<UTC hour>`: a Durable host backlog strands many starts at once, and
 * one email names them): the partner's requests marked so, from the list's `workflow=not-started`
 * filter, at most {@link NOT_STARTED_NOTICE_CASES}. Requests marked later in the same hour are
 * only shown on the list, the dashboard and `GET /api/health`. A notice whose send failed is
 * recorded pending and sent again by a later pass while the partner's requests stay marked
 * ({@link resendNotStartedNotice}).
 * @param key - the notification key (default: this hour's).
 * @throws Error when the partner is unknown, or when storage or the email fails.
 */
async function notifyNotStarted(deps: WorkflowRecoveryDeps, partnerId: string, key = `${NOT_STARTED_NOTICE_KEY}${deps.clock.now().toISOString().slice(0, 13)}`): Promise<void> {
  const partner = await deps.partners.getPartner(partnerId);
  if (!partner) throw new Error(`Partner ${partnerId} not found`);
  await notifyPartnerWithoutCase(deps, partner, {
    scope: WORKFLOW_NOTICE_SCOPE,
    idPrefix: "workflows",
    key,
    subject: "Workflows not started: action needed",
    // The list is read only when this hour's notice was not sent yet.
    text: async () => {
      const page = await deps.cases.searchCases(partnerId, { workflow: "not-started" }, { limit: NOT_STARTED_NOTICE_CASES });
      return [
        `The workflows of these requests were created more than ${STUCK_PENDING_AFTER_IN_MS / 60_000} minutes ago and have not started: their customers have had no acknowledgement and their SLA clocks are not running.`,
        "",
        ...page.items.map((c) => `- ${c.caseId} (severity ${c.severity}, created ${c.createdAt}): ${c.workflow?.reason ?? "not started"}`),
        ...(page.continuationToken ? ["- … and more: the request list's filter workflow=not-started shows them all."] : []),
        "",
        "The requests and everything recorded so far are kept; actions taken on them meanwhile are delivered when they start, and they start by themselves once the Durable host processes its task hub's control queues.",
        "Check that the function app is running and that its Durable Functions task hub is healthy (instances stuck in Pending). A Pending instance cannot be restarted from this app: if one stays Pending, the operator of the function app clears it in the task hub.",
      ].join("\n");
    },
  });
}

/** The notification key of the notice that the sweeper gave up on a case's workflow (`since`: ISO 8601 UTC instant it gave up). */
function gaveUpNoticeKey(attempts: number, since: string): string {
  return `workflow-gave-up-${attempts}-${since.slice(0, 10)}`;
}

/**
 * Sends the gave-up notice of a case again when its delivery failed transiently (the notification
 * log holds it pending, with what to deliver) and its next attempt is due, as the workflow's outbox
 * would: attempt numbers go on, backoff and `Retry-After` as `EmailFailurePolicy`, the last attempt
 * marked final `giveUpAfterInMs` after the first failure (then recorded failed). Looked for only
 * within that period after giving up: one point read per pass.
 * @returns whether a delivery was attempted now.
 * @throws Error when storage fails.
 */
async function resendGaveUpNotice(deps: WorkflowRecoveryDeps, sr: SupportRequest, health: WorkflowHealth): Promise<boolean> {
  const now = deps.clock.now();
  if (now.getTime() - Date.parse(health.since) > EmailFailurePolicy.giveUpAfterInMs) return false;
  const notice = await deps.notifications.get(sr.partnerId, sr.caseId, `partner:${gaveUpNoticeKey(health.attempts ?? 0, health.since)}`);
  if (notice?.state !== "pending" || notice.delivery?.activity !== "NotifyPartner" || !isDue(notice, now)) return false;
  // The first delivery was attempt 1 (a claim left by a run that stopped before sending counts as it).
  const attempt = Math.max(2, (notice.attempts ?? 0) + 1);
  const final = isLastEmailAttempt(notice.fault, attempt, now.getTime() - Date.parse(notice.queuedAt ?? notice.sentAt));
  await createNotifyPartner(deps)({ ...(notice.delivery.input as NotifyPartnerInput), delivery: { attempt, ...(final ? { final } : {}) } });
  return true;
}

/** Marks the case `gave-up`, records it and emails the partner's support and escalation contacts. */
async function giveUp(deps: WorkflowRecoveryDeps, sr: SupportRequest, attempts: number, reason: string, nowIso: string): Promise<void> {
  const summary = `The workflow was restarted ${attempts} times and failed again: ${reason}. Automatic restarts stopped; restart it with POST …/workflow-restart once the cause is fixed.`;
  await recordWorkflowHealth(deps.cases, sr, { state: "gave-up", since: nowIso, reason, attempts }, { entryId: `workflow-gave-up-${nowIso}`, kind: "workflow", at: nowIso, summary });
  await createNotifyPartner(deps)({
    caseId: sr.caseId,
    partnerId: sr.partnerId,
    notificationKey: gaveUpNoticeKey(attempts, nowIso),
    subject: `Workflow stopped on case ${sr.caseId}: action needed`,
    text: [
      `The workflow of case ${sr.caseId} (${sr.title}) stopped and ${attempts} automatic restarts did not bring it back.`,
      `Last reason: ${reason}`,
      "The request and everything recorded so far are kept. Once the cause is fixed, a global admin or admin agent restarts it with POST /api/partners/{partnerId}/support-requests/{caseId}/workflow-restart, or from the dashboard.",
    ].join("\n"),
  });
}
