/**
 * Property: a step the workflow needs that fails for good, at any point of a case's life, changes
 * nothing the customer and the partner end up with once the recovery sweeper has restarted the
 * workflow (every new execution's input is built by the service's own `restartWorkflow`,
 * shared/services/workflowRecovery.ts).
 *
 * A random life is run twice on the real durable-functions replay (caseSimulator.ts): partner
 * updates, information requests and diagnoses awaiting the customer, customer replies,
 * reclassifications (to a policy with other targets and back), escalations, resolutions and
 * reopenings within the auto-close period, then a resolution and the
 * auto-close; the first generation given the intake's facts or reading them; sometimes a
 * reopening after closure (a new execution, as the partner API starts it) and more steps to the
 * next closure. Once without faults, once with one to three calls of storage steps
 * (GetCaseContext, TakeCaseActions, RecordCaseTransition, RecordSlaEvents, CloseCaseInbox) refused
 * permanently — the orchestration fails at once — each time restarted over the case, SLA log and
 * inbox as stored (a restart may fail again, and is restarted again); and with up to two email
 * deliveries throttled (ACS 429 with Retry-After), which wait in the outbox and, across a restart,
 * in the notification log the restart takes them from.
 * Both must end closed and completed with:
 * - the same status changes recorded, each once (timeline entries are written once per entry id);
 * - the same customer and partner emails (sent once per notification key), none left pending;
 * - the same timeline entries under the same ids, plus only the failure's and the restart's own;
 * - the same SLA breaches (metric, instant, policy) and escalation decisions;
 * - the same SLA clocks (state and elapsed working time of every metric).
 * fast-check with a fixed seed: the same 60 lives and faults on every run (`PROP_RUNS=<n>` runs
 * n lives with a random seed, for exploring).
 *
 * Half of the lives may reach SLA targets: their reclassification selects a policy with a one-hour
 * first response and their steps are 45 minutes apart, so breaches, the escalation they trigger and
 * reclassifications meet in every order. A warning or breach is recorded only once it has been
 * acted on (workflow revision 7), so a restart derives it again and does what the stopped execution
 * had still to do for it; entries caused by the clocks have ids of their own (revision 8) and a
 * restart continues with the escalation in force at its checkpoint, so every entry keeps its id.
 * Some instances are also lost while they wait, or before the reopening after closure (purged, or
 * the task hub switched): `restartWorkflow` then rebuilds the restart point from the stores as the
 * run left them (timeline, SLA log, notification log, the partner's terms).
 * The tests after the property stop the execution at each storage step of a life in turn.
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
import type { CaseRepository, NotificationDelivery, NotificationLog, PartnerRepository, SentNotification, SlaEventLog, SupportRequestWorkflow, WorkflowStatus } from "../../../shared/ports";
import { supportRequestOrchestrator } from "../../../orchestrations/supportRequest";
import { standardCase, standardPolicy } from "./caseFixtures";
import { CaseSimulator, customerActor, partnerActor } from "./caseSimulator";

df.app.orchestration(OrchestratorNames.supportRequest, supportRequestOrchestrator);

/** The storage steps the workflow cannot go on without (`requireActivity`): a permanent fault fails it. */
const REQUIRED_STEPS: readonly string[] = [ActivityNames.getCaseContext, ActivityNames.takeCaseActions, ActivityNames.recordTransition, ActivityNames.recordSlaEvents, ActivityNames.closeCaseInbox];

const context = (): CaseContext => standardCase({ slaPolicy: standardPolicy({ targets: { firstResponse: "PT4H", nextUpdate: "PT8H", resolution: "PT16H" } }) });

type StepKind = "update" | "information-request" | "customer-reply" | "awaiting-customer" | "escalate" | "resolution" | "reopen" | "reclassify";

/**
 * The policy a severity-A request gets when the partner reclassifies it (the other way: back to
 * the standard one): other targets, not reached within the property's lives.
 */
const urgentPolicy = standardPolicy({ policyId: "urgent", name: "Urgent", targets: { firstResponse: "PT3H", nextUpdate: "PT6H", resolution: "PT12H" } });
/** An urgent policy whose first response (PT1H) is breached within a life of customer replies only. */
const breachingPolicy = standardPolicy({ policyId: "urgent", name: "Urgent", targets: { firstResponse: "PT1H", nextUpdate: "PT2H", resolution: "PT4H" } });

function actionOf(kind: Exclude<StepKind, "reclassify">, i: number): { action: CaseAction; actor: Actor } {
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
  /** Emails the notification log holds pending (throttled, or queued behind one), by key: what to deliver. */
  pending: Map<string, NotificationDelivery>;
  /** Calls of required steps so far (storage faults count them). */
  requiredCalls: number;
  /** Delivery attempts of emails so far (throttling counts them). */
  emailCalls: number;
}

/** A fresh world. */
const emptyWorld = (): World => ({ entries: new Map(), emails: new Set(), pending: new Map(), requiredCalls: 0, emailCalls: 0 });

/** What happens at a required step's call: refused permanently (the orchestration fails), or the execution is terminated before it runs. */
type Fault = "fail" | "terminate";
/** Faults by the call number of the required step they hit (1-based, over the whole life). */
type Faults = ReadonlyMap<number, Fault>;

/** An operator terminated the execution while the step was scheduled (thrown out of the simulation). */
class Terminated extends Error {}

/** ACS throttling, as the email activities answer it (the notification recorded pending). */
const THROTTLED: ActivityResult<unknown> = { ok: true, value: { outcome: "pending", messageId: "<throttled@sim.example>", fault: { class: "transient", code: "throttled", message: "429 from the test", retryAfterInMs: 60_000 } } };

/**
 * Answers that record what is stored, inject `faults` at their required steps, and throttle the
 * email delivery attempts whose numbers (1-based, over the whole life) are in `throttled`.
 */
function watch(sim: CaseSimulator, world: World, faults: Faults, throttled: ReadonlySet<number> = new Set()): void {
  const refused: ActivityResult<unknown> = { ok: false, fault: { class: "permanent", code: "bad-request", message: "refused by the test" } };
  for (const name of REQUIRED_STEPS) {
    sim.responders.set(name, (input) => {
      // A reclassification reads the case again mid-generation: a step the workflow goes on
      // without (the policy in force stays, with a note), so neither counted nor refused here.
      if (name === ActivityNames.getCaseContext && sim.d.activities().length > 1) return undefined;
      world.requiredCalls += 1;
      const fault = faults.get(world.requiredCalls);
      if (fault === "fail") return refused;
      if (fault === "terminate") throw new Terminated(`terminated at call ${world.requiredCalls}`);
      if (name === ActivityNames.recordTransition) {
        const t = input as RecordTransitionInput;
        if (!world.entries.has(t.entryId)) world.entries.set(t.entryId, t);
      }
      return undefined;
    });
  }
  for (const name of [ActivityNames.sendStatusEmail, ActivityNames.notifyPartner]) {
    sim.responders.set(name, (input) => {
      const { delivery, ...rest } = input as SendStatusEmailInput | NotifyPartnerInput;
      const key = name === ActivityNames.notifyPartner ? `partner:${rest.notificationKey}` : rest.notificationKey;
      if (world.emails.has(key)) return undefined;
      // Queued behind an earlier email that waits for its retry: recorded pending, not sent (the simulator answers queued).
      if (delivery?.queue) {
        world.pending.set(key, { activity: name as NotificationDelivery["activity"], input: rest });
        return undefined;
      }
      world.emailCalls += 1;
      if (throttled.has(world.emailCalls)) {
        world.pending.set(key, { activity: name as NotificationDelivery["activity"], input: rest });
        return THROTTLED;
      }
      world.emails.add(key);
      world.pending.delete(key);
      return undefined;
    });
  }
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
 * as stored (its escalation) and the emails the notification log holds pending.
 * `reported`: the custom status and output the Durable API reports (default: the last episode's).
 */
async function restartInput(
  stopped: CaseSimulator,
  world: World,
  runtimeStatus: "Failed" | "Terminated" | "Completed" | "NotFound",
  request: RestartRequest,
  reported: Pick<WorkflowStatus, "customStatus" | "output"> = { customStatus: stopped.d.last?.customStatus ?? null, output: stopped.d.last?.output ?? null },
): Promise<SupportRequestOrchestrationInput> {
  let started: SupportRequestOrchestrationInput | undefined;
  const escalation = storedEscalation(world);
  const pending: SentNotification[] = [...world.pending].map(([key, delivery]) => ({ caseId: stopped.context.caseId, notificationKey: key, messageId: "", providerMessageId: "", to: [], subject: "", sentAt: stopped.d.now, state: "pending", queuedAt: stopped.d.now, delivery }));
  const sent: SentNotification[] = [...world.emails].map((key) => ({ caseId: stopped.context.caseId, notificationKey: key, messageId: "", providerMessageId: "", to: [], subject: "", sentAt: stopped.d.now, state: "sent" }));
  const workflow: Pick<SupportRequestWorkflow, "getStatus" | "restart"> = {
    // NotFound: the instance's history is gone (purged, or the task hub switched): the restart point is rebuilt from the stores.
    getStatus: async () => (runtimeStatus === "NotFound" ? undefined : { runtimeStatus, ...reported, input: stopped.generationInputs.at(-1) }),
    restart: async (_caseId, input) => {
      started = input;
      return true;
    },
  };
  const sr = { caseId: stopped.context.caseId, partnerId: stopped.context.partnerId, status: storedStatus(world), ...(escalation ? { escalation } : {}) } as SupportRequest;
  // The app's own stores as the stopped execution left them: the timeline, the SLA log, the notification log, the partner's terms.
  const cases: Pick<CaseRepository, "listTimeline"> = {
    listTimeline: async () => [...world.entries.values()].map((e) => ({ entryId: e.entryId, kind: e.kind, at: e.at, summary: e.summary, ...(e.toStatus ? { toStatus: e.toStatus } : {}), ...(e.details ? { details: e.details } : {}) })),
  };
  const partner = stopped.context.partner;
  const stores = {
    cases: cases as CaseRepository,
    slaEvents: { list: async () => [...stopped.slaLog] } as unknown as SlaEventLog,
    partners: { getPartner: async () => ({ supportTerms: { autoCloseAfter: partner.autoCloseAfter }, ...(partner.escalationChain ? { escalationChain: partner.escalationChain } : {}) }) } as unknown as PartnerRepository,
  };
  const outcome = await restartWorkflow({ notifications: { listSent: async () => [...sent, ...pending] } as unknown as NotificationLog, workflow: workflow as SupportRequestWorkflow, clock: { now: () => new Date(stopped.d.now) }, ...stores }, sr, request);
  if (!outcome.restarted || !started) throw new Error(`not restarted: ${JSON.stringify(outcome)}`);
  // As the Durable adapter starts it: at the revision the restart asks for, else the current one.
  return { ...started, revision: started.revision ?? CURRENT_WORKFLOW_REVISION };
}

/** A new execution with `input` over the stored world: the case, its SLA log and inbox as the stopped one left them. */
function restarted(stopped: CaseSimulator, world: World, input: SupportRequestOrchestrationInput): CaseSimulator {
  // The case's facts as stored (a reclassification changed them), and its status.
  const next = new CaseSimulator({ ...stopped.context, status: storedStatus(world) }, stopped.d.now, input);
  next.slaLog.push(...stopped.slaLog);
  next.inbox.push(...stopped.inbox);
  next.inboxClosed = stopped.inboxClosed;
  return next;
}

/** The restarted execution, as the recovery sweeper starts it (`restartWorkflow`, recover, restart number `attempt`). */
async function recover(stopped: CaseSimulator, world: World, faults: Faults, throttled: ReadonlySet<number>, runtimeStatus: "Failed" | "Terminated" | "NotFound", attempt: number): Promise<CaseSimulator> {
  const input = await restartInput(stopped, world, runtimeStatus, { kind: "recover", reason: `the orchestration ended ${runtimeStatus}`, requestedAt: stopped.d.now, actor: { kind: "system" }, attempt });
  const next = restarted(stopped, world, input);
  watch(next, world, faults, throttled);
  return next;
}

/** Whether the latest episode completed the orchestration (not a continueAsNew). */
function completed(sim: CaseSimulator): boolean {
  return sim.d.last?.isDone === true && sim.d.failure === undefined && sim.continuedAs() === undefined;
}

/**
 * Orchestration instances lost while they waited (their history purged, or the task hub switched
 * to another one): after the step numbers in `afterSteps` (1-based, over the whole life), and the
 * completed instance before the reopening after closure with `beforeReopening`. The workflow then
 * continues from the point its stores give (`restartPointFromStores`).
 */
interface Purges {
  afterSteps: ReadonlySet<number>;
  beforeReopening?: boolean;
}

/** A case's life: its steps, whether the intake handed the new case's facts to the first generation, and a reopening after closure with more steps. */
interface Life {
  steps: StepKind[];
  intakeFacts: boolean;
  afterClosure?: StepKind[];
  /** A reclassification to severity A selects {@link breachingPolicy} instead of {@link urgentPolicy}. */
  breaching?: boolean;
  /** Minutes between two steps (default 10). */
  stepGapInMinutes?: number;
  /** The workflow revision the case's first execution runs (default the current one). */
  revision?: number;
}

/**
 * Runs a life: the steps 10 minutes apart (or `stepGapInMinutes`), then a resolution and the
 * auto-close; with `afterClosure`, the partner reopens the closed case (a new execution, as the
 * partner API starts it) and the steps go on to the next closure. Each failed or terminated
 * execution is restarted at once (a restart can stop again: it is restarted again); an instance
 * lost per `purges` is continued from the stores.
 */
async function live(life: Life, faults: Faults, throttled: ReadonlySet<number> = new Set(), purges: Purges = { afterSteps: new Set() }): Promise<{ sim: CaseSimulator; world: World; recoveries: number; purged: number }> {
  const world = emptyWorld();
  const first = context();
  let sim = new CaseSimulator(first, "2026-03-02T08:00:05.000Z", { caseId: first.caseId, partnerId: first.partnerId, revision: life.revision ?? CURRENT_WORKFLOW_REVISION, ...(life.intakeFacts ? { caseContext: context() } : {}) });
  watch(sim, world, faults, throttled);
  let recoveries = 0;
  /** Instances lost while they waited, each continued from the stores (restart numbers go on after the recoveries'). */
  let purged = 0;
  let terminated = false;
  /** Runs a step of the simulation; an execution terminated during it is left as it stands. */
  const run = async (op: () => Promise<unknown>): Promise<void> => {
    try {
      await op();
    } catch (e) {
      if (!(e instanceof Terminated)) throw e;
      terminated = true;
    }
  };
  const afterEach = async (): Promise<void> => {
    while (terminated || sim.d.failure !== undefined) {
      if (recoveries >= faults.size) throw new Error(`stopped more often than faults were injected: ${sim.d.failure ?? "terminated"}`);
      recoveries += 1;
      const runtimeStatus = terminated ? "Terminated" : "Failed";
      terminated = false;
      sim = await recover(sim, world, faults, throttled, runtimeStatus, recoveries + purged);
      await run(() => sim.start());
    }
  };
  let stepNo = 0;
  /** After a step, when `purges` says so and the execution waits: its instance is lost and it is continued from the stores. */
  const purgeIfDue = async (): Promise<void> => {
    stepNo += 1;
    if (!purges.afterSteps.has(stepNo) || completed(sim) || sim.d.failure !== undefined) return;
    purged += 1;
    sim = await recover(sim, world, faults, throttled, "NotFound", recoveries + purged);
    await run(() => sim.start());
    await afterEach();
  };
  let clock = Date.parse("2026-03-02T08:10:00.000Z");
  const next = (): string => new Date((clock += (life.stepGapInMinutes ?? 10) * 60_000)).toISOString();
  const toClosure = async (steps: readonly StepKind[]): Promise<void> => {
    for (const [i, kind] of [...steps, "resolution" as const].entries()) {
      if (kind === "reclassify") {
        // As PATCH …/support-requests/{caseId} does it: the facts stored first, then the action.
        const urgent = sim.context.severity !== "A";
        await run(() => sim.reclassify({ severity: urgent ? "A" : "B" }, urgent ? (life.breaching ? breachingPolicy : urgentPolicy) : context().slaPolicy, next()));
        await afterEach();
        await purgeIfDue();
        continue;
      }
      const { action, actor } = actionOf(kind, i);
      await run(() => sim.send(action, actor, next()));
      await afterEach();
      await purgeIfDue();
    }
    for (let guard = 0; guard < 20 && !completed(sim); guard++) {
      if (sim.timerAt === undefined) break;
      await run(() => sim.fire());
      await afterEach();
    }
  };
  await run(() => sim.start());
  await afterEach();
  await toClosure(life.steps);
  if (life.afterClosure && completed(sim)) {
    // The partner API reopens the closed case: the reopening opens the inbox, and the workflow
    // restarts from the completed execution's output checkpoint to apply it first.
    // An hour after the closure as recorded (a throttled closure email retried later moves no step).
    const closedAt = [...world.entries.values()].filter((e) => e.toStatus === "closed").at(-1)?.at ?? sim.d.now;
    clock = Math.max(clock, Date.parse(closedAt)) + 3_600_000;
    sim.d.advanceTo(new Date(clock).toISOString());
    const record = sim.append({ type: "reopen", reason: "broken again after closure" }, partnerActor, undefined, { reopen: true });
    // With `purges.beforeReopening` the completed instance's history is gone (purged, or the task hub switched): the point comes from the stores.
    const input = await restartInput(sim, world, purges.beforeReopening ? "NotFound" : "Completed", { kind: "reopen", reason: "broken again after closure", seq: record.seq, requestedAt: record.recordedAt, actor: partnerActor });
    sim = restarted(sim, world, input);
    watch(sim, world, faults, throttled);
    await run(() => sim.start());
    await afterEach();
    await toClosure(life.afterClosure);
  }
  return { sim, world, recoveries, purged };
}

/** The SLA clocks at the run's end, per metric: state and elapsed working time. */
function clocks(sim: CaseSimulator): Record<string, string> {
  const log = sim.slaLog.map(({ eventId: _id, ...e }) => e);
  const views = computeSlaClocks(log, sim.context.slaPolicy!, sim.d.now);
  return Object.fromEntries(Object.values(views).map((v) => [v.metric, `${v.state} ${v.elapsedInMs} ms`]));
}

const statusChanges = (world: World): string[] => [...world.entries.values()].flatMap((e) => (e.toStatus ? [`${e.entryId} → ${e.toStatus}`] : []));

/** Entry ids written, but the failures' and restarts' own and the re-targeting note at a restart's start (none of them in a run without faults). */
const entryIds = (world: World): string[] => [...world.entries.keys()].filter((id) => !/^(workflow-failed-|workflow-restart-|sla-policy-retargeted-)/.test(id));

/** An entry id (or a status change) with its ISO 8601 instants replaced by `<instant>`. */
const withoutInstants = (id: string): string => id.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, "<instant>");

/**
 * What the users see of a run: the statuses in order, the emails sent, the SLA breaches recorded
 * (metric, instant, the policy whose target was breached) and the escalation decisions (summaries).
 * A breach's summary names a policy no longer in force by its id (the SLA log keeps no names).
 */
const seen = (world: World) => ({
  statuses: statusChanges(world).map((c) => c.split(" → ")[1]),
  emails: [...world.emails].sort(),
  breachAndEscalation: [...world.entries.values()].flatMap((e) => (e.kind === "sla-breached" ? [`breach ${e.details?.metric} ${e.details?.breachedAt} ${e.details?.policyId}`] : e.kind === "escalation-decided" ? [e.summary] : [])),
});

/**
 * Lives that random runs (`PROP_RUNS`) once found failing, each fixed since; run first on every
 * run (fast-check `examples`), with the property's arguments: life, first fault, further faults,
 * throttled emails, instances lost after these steps, instance lost before the reopening.
 */
const FOUND_BY_EXPLORATION: Array<[Life, [number, Fault], Array<[number, Fault]>, number[], number[], boolean]> = [
  // A restart that found the escalation on the case, decided after its checkpoint, skipped its entry: later ids one lower.
  [{ steps: ["escalate", "reclassify", "update"], intakeFacts: false, breaching: true, stepGapInMinutes: 45 }, [458322230, "fail"], [[1632402202, "fail"]], [], [], false],
  // A breach acted on after a reclassification back named the policy in force, not the one breached.
  [{ steps: ["reclassify", "reclassify", "update"], intakeFacts: false, breaching: true, stepGapInMinutes: 45 }, [4, "fail"], [], [], [], false],
  // A breach recorded, then its escalation failed: the restart derived the breach before replaying the reclassification, under the reclassification's entry id.
  [{ steps: ["reopen", "reclassify", "update"], intakeFacts: false, breaching: true, stepGapInMinutes: 45 }, [1463621674, "fail"], [[0, "fail"]], [], [], false],
  // A restart's counters lagged behind next-update warnings stored after its checkpoint: the next cycle's warnings reused sent keys.
  [{ steps: ["update", "update", "reopen", "escalate", "reclassify", "update", "awaiting-customer"], intakeFacts: false, afterClosure: ["update", "update"], breaching: true, stepGapInMinutes: 45 }, [1010067158, "fail"], [], [], [], false],
  // An instance lost after an update: a start from scratch numbered the resolution one lower.
  [{ steps: ["update"], intakeFacts: false }, [0, "fail"], [], [], [0], false],
];

describe("storage steps failing for good at any points, each followed by the recovery sweeper's restart", () => {
  it("property: the case ends as it would have without the failures, throttled emails included (statuses, emails, timeline, SLA clocks)", async () => {
    const step = fc.constantFrom<StepKind>("update", "information-request", "customer-reply", "awaiting-customer", "escalate", "resolution", "reopen", "reclassify");
    const life: fc.Arbitrary<Life> = fc.record({ steps: fc.array(step, { minLength: 1, maxLength: 7 }), intakeFacts: fc.boolean(), afterClosure: fc.option(fc.array(step, { maxLength: 4 }), { nil: undefined }), breaching: fc.boolean() }, { requiredKeys: ["steps", "intakeFacts"] }).map((l) => (l.breaching ? { ...l, stepGapInMinutes: 45 } : l));
    let recoveries = 0;
    /** Lives whose reference run breached an SLA target (and escalated on it). */
    let breached = 0;
    /** Instances lost while waiting, over all lives. */
    let purged = 0;
    const fault = fc.constantFrom<Fault>("fail", "terminate");
    await fc.assert(
      fc.asyncProperty(life, fc.tuple(fc.nat(), fault), fc.array(fc.tuple(fc.nat(), fault), { maxLength: 2 }), fc.array(fc.nat(), { maxLength: 2 }), fc.array(fc.nat(), { maxLength: 2 }), fc.boolean(), async (steps, first, more, throttles, lost, lostBeforeReopening) => {
        const reference = await live(steps, new Map());
        if ([...reference.world.entries.values()].some((e) => e.kind === "sla-breached")) breached += 1;
        expect(completed(reference.sim)).toBe(true);
        expect((reference.sim.d.last?.output as SupportRequestOrchestrationOutput).finalStatus).toBe("closed");
        // The first fault falls within the reference's storage steps (so it happens); further ones
        // may fall in the steps a recovery adds, or after the life's end (then they never happen).
        const span = Math.ceil(reference.world.requiredCalls * 1.5);
        const faults = new Map<number, Fault>([...more.map(([n, f]) => [1 + (n % span), f] as const), [1 + (first[0] % reference.world.requiredCalls), first[1]]]);

        // Some email deliveries throttled (ACS 429, Retry-After 1 min): they wait in the outbox, and
        // a restart takes them over from the notification log.
        const throttled = new Set(throttles.map((n) => 1 + (n % reference.world.emailCalls)));

        // Some instances lost while they waited (purged, or the task hub switched): continued from the stores.
        const stepCount = steps.steps.length + 1 + (steps.afterClosure ? steps.afterClosure.length + 1 : 0);
        const purges: Purges = { afterSteps: new Set(lost.map((n) => 1 + (n % stepCount))), beforeReopening: lostBeforeReopening };

        const faulty = await live(steps, faults, throttled, purges);
        purged += faulty.purged;

        expect(faulty.recoveries).toBeGreaterThanOrEqual(1);
        expect(faulty.recoveries).toBeLessThanOrEqual(faults.size);
        recoveries += faulty.recoveries;
        expect(completed(faulty.sim)).toBe(true);
        expect((faulty.sim.d.last?.output as SupportRequestOrchestrationOutput).finalStatus).toBe("closed");
        expect(seen(faulty.world)).toEqual(seen(reference.world));
        expect([...faulty.world.pending.keys()]).toEqual([]);
        expect(clocks(faulty.sim)).toEqual(clocks(reference.sim));
        // Every entry keeps its id: the same ids, each once, beside the failures' and restarts' own
        // and the note of a restart that finds the case's policy changed and re-targets the clocks
        // at its start. (An id derived from an instant is compared without it: a throttled email's
        // retry delays the steps after it by a minute.)
        expect(statusChanges(faulty.world).map(withoutInstants)).toEqual(statusChanges(reference.world).map(withoutInstants));
        expect(entryIds(faulty.world).map(withoutInstants).sort()).toEqual(entryIds(reference.world).map(withoutInstants).sort());
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 60), ...(process.env.PROP_RUNS ? {} : { seed: 20261206 }), examples: FOUND_BY_EXPLORATION },
    );
    expect(recoveries).toBeGreaterThanOrEqual(Number(process.env.PROP_RUNS ?? 60));
    // Some lives breached a target and escalated on it, and some lost their instance (fixed numbers with the fixed seed).
    expect(breached).toBeGreaterThan(0);
    expect(purged).toBeGreaterThan(0);
  });
});

describe("a first generation terminated after it acknowledged the case, before its first wait (no custom status)", () => {
  it("is restarted from the case's starting state in a new generation: the acknowledgement recorded and sent once, no SLA event id reused", async () => {
    const world = emptyWorld();
    const first = new CaseSimulator(context(), "2026-03-02T08:00:05.000Z");
    watch(first, world, new Map());
    await first.start();
    expect(statusChanges(world)).toEqual(["t01-in-diagnosis → in-diagnosis"]);
    expect(first.slaLog.map((e) => e.eventId)).toEqual(["0000-0001", "0000-0002"]);
    // The partner's update arrives while the execution is gone (terminated before it published
    // anything: the Durable API reports no custom status).
    first.append({ type: "update", message: "Looking into it" }, partnerActor, "2026-03-02T08:30:00.000Z");
    const input = await restartInput(first, world, "Terminated", { kind: "recover", reason: "the orchestration ended Terminated", requestedAt: "2026-03-02T08:31:00.000Z", actor: { kind: "system" }, attempt: 1 }, { customStatus: null, output: null });
    expect(input.carry).toMatchObject({ generation: 1, status: "received", entryCount: 0 });

    const again = restarted(first, world, input);
    watch(again, world, new Map());
    await again.start();

    expect(statusChanges(world)).toEqual(["t01-in-diagnosis → in-diagnosis"]);
    expect(again.transitions().filter((t) => t.toStatus === "in-diagnosis").map((t) => t.entryId)).toEqual(["t01-in-diagnosis"]);
    expect([...world.emails].sort()).toEqual(["received", "update"]);
    // The update's first-response fulfilment is logged under the new generation's ids, beside the stored activations.
    expect(again.slaLog.filter((e) => e.metric === "first-response").map((e) => `${e.type} ${e.eventId}`)).toEqual(["activate 0000-0001", expect.stringMatching(/^fulfill 0001-\d{4}$/)]);
    expect(clocks(again)["first-response"]).toMatch(/^fulfilled /);
  });
});

describe("SLA breaches, with the execution stopped at any storage step of the life in turn", () => {
  /** What the users see, the status changes with their entry ids, and every entry id (but the failures' and the restarts' own). */
  const seenWithIds = (world: World) => ({ ...seen(world), statuses: statusChanges(world), entryIds: entryIds(world).sort() });
  /** Stops the execution at each storage step of `life` in turn (failed, then terminated): each run ends as `reference`. */
  async function atEveryStep(life: Life, reference: ReturnType<typeof seenWithIds>): Promise<void> {
    const steps = (await live(life, new Map())).world.requiredCalls;
    for (let k = 1; k <= steps; k++) {
      for (const fault of ["fail", "terminate"] as const) {
        const faulty = await live(life, new Map([[k, fault]]));
        expect({ k, fault, ...seenWithIds(faulty.world) }).toEqual({ k, fault, ...reference });
      }
    }
  }

  it("a first-response breach is acted on once whatever the step: the partner told, the customer's delay notice sent, the case escalated to Microsoft", async () => {
    // Reclassified to the urgent policy (first response PT1H) and only customer replies: the first response is breached at 09:00 UTC.
    const life: Life = { steps: ["reclassify", "customer-reply", "customer-reply", "customer-reply", "customer-reply"], intakeFacts: true, breaching: true };
    const reference = seenWithIds((await live(life, new Map())).world);
    expect(reference.statuses.map((c) => c.split(" → ")[1])).toEqual(["in-diagnosis", "escalated-to-microsoft", "resolved", "closed"]);
    expect(reference.emails).toEqual(expect.arrayContaining(["partner:sla-breach-first-response", "sla-delay-first-response", "partner:escalation-microsoft"]));
    expect(reference.breachAndEscalation).toHaveLength(2);
    await atEveryStep(life, reference);
  });

  it("in an execution of revision 7 (deployed before revision 8), restarted at revision 7: the breach and escalation keep the numbered ids it gave them", async () => {
    const life: Life = { steps: ["reclassify", "customer-reply", "customer-reply", "customer-reply", "customer-reply"], intakeFacts: true, breaching: true, revision: 7 };
    const reference = seenWithIds((await live(life, new Map())).world);
    expect(reference.entryIds).toEqual(expect.arrayContaining(["t06-sla-breached", "t07-escalated-to-microsoft", "t10-closed"]));
    await atEveryStep(life, reference);
  });

  it("breaches and warnings of several cycles after an escalation and a reclassification: every notice of every cycle goes out once", async () => {
    // Escalated by the partner, then reclassified to the urgent policy: the next update (PT2H) and
    // the resolution (PT4H) breach at once; a later update starts a next-update cycle whose
    // warnings are the second of their kind (keys `…-2`); a reopening after closure runs more cycles.
    const life: Life = { steps: ["update", "update", "reopen", "escalate", "reclassify", "update", "awaiting-customer"], intakeFacts: false, afterClosure: ["update", "update"], breaching: true, stepGapInMinutes: 45 };
    const reference = seenWithIds((await live(life, new Map())).world);
    expect(reference.emails).toEqual(expect.arrayContaining(["partner:sla-breach-next-update", "partner:sla-breach-resolution", "partner:sla-warn-next-update-50", "partner:sla-warn-next-update-50-2", "partner:sla-warn-next-update-75-2", "sla-delay-resolution"]));
    expect(reference.breachAndEscalation.filter((b) => b.startsWith("breach "))).toHaveLength(2);
    await atEveryStep(life, reference);
  });
});
