/**
 * Property: a step the workflow needs that fails for good, at any point of a case's life, changes
 * nothing the customer and the partner end up with once the recovery sweeper has restarted the
 * workflow (every new execution's input is built by the service's own `restartWorkflow`,
 * shared/services/workflowRecovery.ts).
 *
 * A random life is run twice on the real durable-functions replay (caseSimulator.ts): partner
 * updates, information requests and diagnoses awaiting the customer, customer replies,
 * escalations, resolutions and reopenings within the auto-close period, then a resolution and the
 * auto-close; the first generation given the intake's facts or reading them; sometimes a
 * reopening after closure (a new execution, as the partner API starts it) and more steps to the
 * next closure. Once without faults, once with the n-th call of a storage step (GetCaseContext,
 * TakeCaseActions, RecordCaseTransition, RecordSlaEvents, CloseCaseInbox) refused permanently —
 * the orchestration fails at once — and restarted over the case, SLA log and inbox as stored.
 * Both must end closed and completed with:
 * - the same status changes recorded, each once (timeline entries are written once per entry id);
 * - the same customer and partner emails (sent once per notification key);
 * - the same timeline entries, plus only the failure's and the restart's own;
 * - the same SLA clocks (state and elapsed working time of every metric).
 * fast-check with a fixed seed: the same 60 lives and faults on every run (`PROP_RUNS=<n>` runs
 * n lives with a random seed, for exploring).
 */
import * as df from "durable-functions";
import fc from "fast-check";
import {
  ActivityNames,
  CURRENT_WORKFLOW_REVISION,
  OrchestratorNames,
  type ActivityResult,
  type Actor,
  type CaseAction,
  type CaseContext,
  type NotifyPartnerInput,
  type RecordTransitionInput,
  type SendStatusEmailInput,
  type SupportRequest,
  type SupportRequestOrchestrationInput,
  type SupportRequestOrchestrationOutput,
} from "../../../shared/contracts";
import { computeSlaClocks } from "../../../shared/domain";
import { restartWorkflow, type RestartRequest } from "../../../shared/services/workflowRecovery";
import type { NotificationLog, SupportRequestWorkflow } from "../../../shared/ports";
import { supportRequestOrchestrator } from "../../../orchestrations/supportRequest";
import { standardCase, standardPolicy } from "./caseFixtures";
import { CaseSimulator, customerActor, partnerActor } from "./caseSimulator";

df.app.orchestration(OrchestratorNames.supportRequest, supportRequestOrchestrator);

/** The storage steps the workflow cannot go on without (`requireActivity`): a permanent fault fails it. */
const REQUIRED_STEPS: readonly string[] = [ActivityNames.getCaseContext, ActivityNames.takeCaseActions, ActivityNames.recordTransition, ActivityNames.recordSlaEvents, ActivityNames.closeCaseInbox];

const context = (): CaseContext => standardCase({ slaPolicy: standardPolicy({ targets: { firstResponse: "PT4H", nextUpdate: "PT8H", resolution: "PT16H" } }) });

type StepKind = "update" | "information-request" | "customer-reply" | "awaiting-customer" | "escalate" | "resolution" | "reopen";

function actionOf(kind: StepKind, i: number): { action: CaseAction; actor: Actor } {
  switch (kind) {
    case "update":
      return { action: { type: "update", message: `update ${i}` }, actor: partnerActor };
    case "information-request":
      return { action: { type: "information-request", message: `question ${i}` }, actor: partnerActor };
    case "customer-reply":
      return { action: { type: "customer-reply", excerpt: `reply ${i}` }, actor: customerActor };
    case "awaiting-customer":
      return { action: { type: "diagnosis", outcome: "awaiting-customer", notes: `which VM? ${i}` }, actor: partnerActor };
    case "escalate":
      return { action: { type: "escalate", reason: `platform issue ${i}` }, actor: partnerActor };
    case "resolution":
      return { action: { type: "resolution", summary: `fixed ${i}` }, actor: partnerActor };
    case "reopen":
      return { action: { type: "reopen", reason: `broken again ${i}` }, actor: partnerActor };
  }
}

/** What the stored world holds after a run: as the Table repositories and the email activities keep it. */
interface World {
  /** Timeline entries written, once per entry id, in write order. */
  entries: Map<string, RecordTransitionInput>;
  /** Notification keys sent (customer `key`, partner `partner:key`). */
  emails: Set<string>;
  /** Calls of required steps so far (the fault counts them). */
  requiredCalls: number;
}

/** Answers that record what is stored, and refuse the `failAt`-th required step (1-based) permanently. */
function watch(sim: CaseSimulator, world: World, failAt: number | undefined): void {
  const refused: ActivityResult<unknown> = { ok: false, fault: { class: "permanent", code: "bad-request", message: "refused by the test" } };
  for (const name of REQUIRED_STEPS) {
    sim.responders.set(name, (input) => {
      world.requiredCalls += 1;
      if (world.requiredCalls === failAt) return refused;
      if (name === ActivityNames.recordTransition) {
        const t = input as RecordTransitionInput;
        if (!world.entries.has(t.entryId)) world.entries.set(t.entryId, t);
      }
      return undefined;
    });
  }
  sim.responders.set(ActivityNames.sendStatusEmail, (input) => {
    world.emails.add((input as SendStatusEmailInput).notificationKey);
    return undefined;
  });
  sim.responders.set(ActivityNames.notifyPartner, (input) => {
    world.emails.add(`partner:${(input as NotifyPartnerInput).notificationKey}`);
    return undefined;
  });
}

/** The case status as stored: the last status change written. */
function storedStatus(world: World): CaseContext["status"] {
  const changes = [...world.entries.values()].filter((e) => e.toStatus !== undefined);
  return changes.at(-1)?.toStatus ?? "received";
}

/** The escalation the case holds: the last one a transition wrote. */
function storedEscalation(world: World): NonNullable<RecordTransitionInput["patch"]>["escalation"] {
  return [...world.entries.values()].filter((e) => e.patch?.escalation !== undefined).at(-1)?.patch?.escalation;
}

/**
 * The input the partner API or the recovery sweeper starts a new execution with: the service's own
 * `restartWorkflow`, over the stopped execution's status as the Durable API reports it, the case
 * as stored (its escalation) and no pending emails (every email of these lives goes out at once).
 */
async function restartInput(stopped: CaseSimulator, world: World, runtimeStatus: "Failed" | "Completed", request: RestartRequest): Promise<SupportRequestOrchestrationInput> {
  let started: SupportRequestOrchestrationInput | undefined;
  const escalation = storedEscalation(world);
  const workflow: Pick<SupportRequestWorkflow, "getStatus" | "restart"> = {
    getStatus: async () => ({ runtimeStatus, customStatus: stopped.d.last?.customStatus ?? null, output: stopped.d.last?.output ?? null, input: stopped.generationInputs.at(-1) }),
    restart: async (_caseId, input) => {
      started = input;
      return true;
    },
  };
  const sr = { caseId: stopped.context.caseId, partnerId: stopped.context.partnerId, status: storedStatus(world), ...(escalation ? { escalation } : {}) } as SupportRequest;
  const outcome = await restartWorkflow({ notifications: { listSent: async () => [] } as unknown as NotificationLog, workflow: workflow as SupportRequestWorkflow, clock: { now: () => new Date(stopped.d.now) } }, sr, request);
  if (!outcome.restarted || !started) throw new Error(`not restarted: ${JSON.stringify(outcome)}`);
  return { ...started, revision: CURRENT_WORKFLOW_REVISION };
}

/** A new execution with `input` over the stored world: the case, its SLA log and inbox as the stopped one left them. */
function restarted(stopped: CaseSimulator, world: World, input: SupportRequestOrchestrationInput): CaseSimulator {
  const next = new CaseSimulator({ ...context(), status: storedStatus(world) }, stopped.d.now, input);
  next.slaLog.push(...stopped.slaLog);
  next.inbox.push(...stopped.inbox);
  next.inboxClosed = stopped.inboxClosed;
  return next;
}

/** The restarted execution, as the recovery sweeper starts it (`restartWorkflow`, recover). */
async function recover(failed: CaseSimulator, world: World): Promise<CaseSimulator> {
  const input = await restartInput(failed, world, "Failed", { kind: "recover", reason: "the orchestration ended Failed", requestedAt: failed.d.now, actor: { kind: "system" }, attempt: 1 });
  const next = restarted(failed, world, input);
  watch(next, world, undefined);
  return next;
}

/** Whether the latest episode completed the orchestration (not a continueAsNew). */
function completed(sim: CaseSimulator): boolean {
  return sim.d.last?.isDone === true && sim.d.failure === undefined && sim.continuedAs() === undefined;
}

/** A case's life: its steps, whether the intake handed the new case's facts to the first generation, and a reopening after closure with more steps. */
interface Life {
  steps: StepKind[];
  intakeFacts: boolean;
  afterClosure?: StepKind[];
}

/**
 * Runs a life: the steps 10 minutes apart, then a resolution and the auto-close; with
 * `afterClosure`, the partner reopens the closed case (a new execution, as the partner API starts
 * it) and the steps go on to the next closure. A failure is recovered once.
 */
async function live(life: Life, failAt: number | undefined): Promise<{ sim: CaseSimulator; world: World; recovered: boolean }> {
  const world: World = { entries: new Map(), emails: new Set(), requiredCalls: 0 };
  const first = context();
  let sim = new CaseSimulator(first, "2026-03-02T08:00:05.000Z", { caseId: first.caseId, partnerId: first.partnerId, revision: CURRENT_WORKFLOW_REVISION, ...(life.intakeFacts ? { caseContext: first } : {}) });
  watch(sim, world, failAt);
  let recovered = false;
  const afterEach = async (): Promise<void> => {
    if (sim.d.failure === undefined) return;
    if (recovered) throw new Error(`failed again after the recovery: ${sim.d.failure}`);
    sim = await recover(sim, world);
    recovered = true;
    await sim.start();
  };
  let clock = Date.parse("2026-03-02T08:10:00.000Z");
  const next = (): string => new Date((clock += 600_000)).toISOString();
  const toClosure = async (steps: readonly StepKind[]): Promise<void> => {
    for (const [i, kind] of [...steps, "resolution" as const].entries()) {
      const { action, actor } = actionOf(kind, i);
      await sim.send(action, actor, next());
      await afterEach();
    }
    for (let guard = 0; guard < 20 && !completed(sim); guard++) {
      if (sim.timerAt === undefined) break;
      await sim.fire();
      await afterEach();
    }
  };
  await sim.start();
  await afterEach();
  await toClosure(life.steps);
  if (life.afterClosure && completed(sim)) {
    // The partner API reopens the closed case: the reopening opens the inbox, and the workflow
    // restarts from the completed execution's output checkpoint to apply it first.
    clock = Math.max(clock, Date.parse(sim.d.now)) + 3_600_000;
    sim.d.advanceTo(new Date(clock).toISOString());
    const record = sim.append({ type: "reopen", reason: "broken again after closure" }, partnerActor, undefined, { reopen: true });
    const input = await restartInput(sim, world, "Completed", { kind: "reopen", reason: "broken again after closure", seq: record.seq, requestedAt: record.recordedAt, actor: partnerActor });
    sim = restarted(sim, world, input);
    watch(sim, world, failAt);
    await sim.start();
    await afterEach();
    await toClosure(life.afterClosure);
  }
  return { sim, world, recovered };
}

/** The SLA clocks at the run's end, per metric: state and elapsed working time. */
function clocks(sim: CaseSimulator): Record<string, string> {
  const log = sim.slaLog.map(({ eventId: _id, ...e }) => e);
  const views = computeSlaClocks(log, context().slaPolicy!, sim.d.now);
  return Object.fromEntries(Object.values(views).map((v) => [v.metric, `${v.state} ${v.elapsedInMs} ms`]));
}

const statusChanges = (world: World): string[] => [...world.entries.values()].flatMap((e) => (e.toStatus ? [`${e.entryId} → ${e.toStatus}`] : []));

describe("a storage step failing for good at any point, then the recovery sweeper's restart", () => {
  it("property: the case ends as it would have without the failure (statuses, emails, timeline, SLA clocks)", async () => {
    const step = fc.constantFrom<StepKind>("update", "information-request", "customer-reply", "awaiting-customer", "escalate", "resolution", "reopen");
    const life: fc.Arbitrary<Life> = fc.record({ steps: fc.array(step, { minLength: 1, maxLength: 7 }), intakeFacts: fc.boolean(), afterClosure: fc.option(fc.array(step, { maxLength: 4 }), { nil: undefined }) }, { requiredKeys: ["steps", "intakeFacts"] });
    let recoveries = 0;
    await fc.assert(
      fc.asyncProperty(life, fc.nat(), async (steps, n) => {
        const reference = await live(steps, undefined);
        expect(completed(reference.sim)).toBe(true);
        expect((reference.sim.d.last?.output as SupportRequestOrchestrationOutput).finalStatus).toBe("closed");
        const failAt = 1 + (n % reference.world.requiredCalls);

        const faulty = await live(steps, failAt);

        expect(faulty.recovered).toBe(true);
        recoveries += 1;
        expect(completed(faulty.sim)).toBe(true);
        expect((faulty.sim.d.last?.output as SupportRequestOrchestrationOutput).finalStatus).toBe("closed");
        expect(statusChanges(faulty.world)).toEqual(statusChanges(reference.world));
        expect([...faulty.world.emails].sort()).toEqual([...reference.world.emails].sort());
        const extra = [...faulty.world.entries.keys()].filter((id) => !reference.world.entries.has(id));
        expect(extra.every((id) => id.startsWith("workflow-failed-") || id.startsWith("workflow-restart-"))).toBe(true);
        expect([...reference.world.entries.keys()].filter((id) => !faulty.world.entries.has(id))).toEqual([]);
        expect(clocks(faulty.sim)).toEqual(clocks(reference.sim));
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 60), ...(process.env.PROP_RUNS ? {} : { seed: 20261206 }) },
    );
    expect(recoveries).toBe(Number(process.env.PROP_RUNS ?? 60));
  });
});
