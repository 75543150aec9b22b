/**
 * Plays the world around the support-request orchestrator for history-driven unit tests: the
 * durable case-action inbox (TakeCaseActions), the SLA event log (RecordSlaEvents, returned again by
 * GetCaseContext), product support incidents and Partner Center filing, and continueAsNew (each
 * generation gets a fresh {@link OrchestrationDriver} with the carried input, as the extension does).
 */
import {
  ActivitiesByName,
  ActivityNames,
  CURRENT_WORKFLOW_REVISION,
  CaseInboxClosedError,
  type ActivityResult,
  type SendStatusEmailResult,
  EventNames,
  OrchestratorNames,
  actionSignalOf,
  formatActionSeq,
  type Actor,
  type CaseAction,
  type CaseActionRecord,
  type CaseContext,
  type ConsumeProductSupportIncidentInput,
  type ConsumeProductSupportIncidentResult,
  type FileMicrosoftServiceRequestResult,
  type NotifyPartnerInput,
  type RecordSlaEventsInput,
  type RecordTransitionInput,
  type SendStatusEmailInput,
  type SlaEvent,
  type SupportRequestCustomStatus,
  type SupportRequestOrchestrationInput,
  type TakeCaseActionsInput,
} from "../../../shared/contracts";
import { ActionType, OrchestrationDriver, type Scheduled } from "@csp-support/local-host/testing";

/** The partner actor of the default case. */
export const partnerActor: Actor = { kind: "partner", partnerId: "contoso" };
/** A customer actor. */
export const customerActor: Actor = { kind: "customer", email: "it@customer.example" };

/** A scheduled activity with the generation that scheduled it. */
export type Call = Scheduled & { generation: number };

/** Simulates one case end to end across generations. */
export class CaseSimulator {
  readonly generations: OrchestrationDriver[] = [];
  /** The input each generation started with. */
  readonly generationInputs: SupportRequestOrchestrationInput[] = [];
  readonly inbox: CaseActionRecord[] = [];
  /** Whether CloseCaseInbox closed the inbox (an append is then refused, as the Table inbox refuses it). */
  inboxClosed = false;
  readonly slaLog: Array<SlaEvent & { eventId: string }> = [];
  /** Product support incidents left per partner id. */
  readonly psiLeft = new Map<string, number>();
  /** What FileMicrosoftServiceRequest answers. */
  filing: FileMicrosoftServiceRequestResult = {
    outcome: "prepared",
    payload: { Title: "VM down", Description: "…", Severity: "moderate", SupportTopicId: "32444671", ProductName: "Microsoft Azure", PrimaryContact: { Email: "support@contoso.example" } },
  };
  private readonly psiResults = new Map<string, ConsumeProductSupportIncidentResult>();
  /**
   * Scripted answers per activity name, taken one per call before the normal answer: a fault
   * (`{ok: false, fault}` as the activity boundary returns it) or an email outcome.
   */
  readonly script = new Map<string, Array<ActivityResult<unknown>>>();

  constructor(
    readonly context: CaseContext,
    private readonly startIso: string,
    readonly input: SupportRequestOrchestrationInput = { caseId: context.caseId, partnerId: context.partnerId, revision: CURRENT_WORKFLOW_REVISION },
  ) {}

  /** The current generation's driver. */
  get d(): OrchestrationDriver {
    const d = this.generations.at(-1);
    if (!d) throw new Error("not started");
    return d;
  }

  /** Starts the orchestration and runs it to its first wait. */
  async start(): Promise<this> {
    this.begin();
    await this.settle();
    return this;
  }

  /** Creates the first generation's driver without running it. */
  begin(): OrchestrationDriver {
    this.generations.push(new OrchestrationDriver(OrchestratorNames.supportRequest, this.input, this.startIso, this.context.caseId));
    this.generationInputs.push(this.input);
    return this.d;
  }

  /**
   * How `append` signals: with the record, as the partner API does (`actionSignalOf`); with none,
   * as a sender older than workflow revision 4 does; or not at all (`lost`: the sender stopped
   * between the append and the signal, or the test raises the signal itself).
   */
  signalWith: "record" | "nothing" | "lost" = "record";

  /**
   * Appends an action (accepted at `atIso`, default now) and raises the signal, without running an
   * episode. A closed inbox refuses it (CaseInboxClosedError) unless `reopen` (the partner API's
   * reopening of a closed case, which opens it again).
   */
  append(action: CaseAction, actor: Actor = partnerActor, atIso?: string, options: { reopen?: boolean } = {}): CaseActionRecord {
    if (this.inboxClosed && !options.reopen) throw new CaseInboxClosedError(this.context.caseId);
    this.inboxClosed = false;
    if (atIso) this.d.advanceTo(atIso);
    const record: CaseActionRecord = { seq: formatActionSeq(this.inbox.length + 1), action, actor, recordedAt: this.d.now };
    this.inbox.push(record);
    if (this.signalWith !== "lost") this.d.raiseEvent(EventNames.actionsAvailable, this.signalWith === "record" ? actionSignalOf(record) : null);
    return record;
  }

  /** Appends an action, signals, and runs the orchestration until it waits again. */
  async send(action: CaseAction, actor: Actor = partnerActor, atIso?: string): Promise<void> {
    this.append(action, actor, atIso);
    await this.settle();
  }

  /**
   * The partner's reclassification as `PATCH …/support-requests/{caseId}` does it: the case's facts
   * (and so the policy GetCaseContext selects) change first, then the `reclassify` action is
   * appended and signalled, and the orchestration runs until it waits again.
   */
  async reclassify(change: Partial<Pick<CaseContext, "product" | "category" | "severity">>, slaPolicy: CaseContext["slaPolicy"], atIso?: string): Promise<void> {
    Object.assign(this.context, change, { slaPolicy });
    await this.send({ type: "reclassify", ...change }, partnerActor, atIso);
  }

  /** Fires the single open timer and runs until the orchestration waits again. @returns its fireAt. */
  async fire(): Promise<string> {
    const t = this.d.fireTimer();
    await this.settle();
    return t.fireAt ?? "";
  }

  /** The armed timer's fireAt, or undefined when none is open. */
  get timerAt(): string | undefined {
    return this.d.open.find((s) => s.kind === "timer")?.fireAt;
  }

  /** Answers computed from the call (consulted first; `undefined` falls through to the script and the fake). */
  readonly responders = new Map<string, (input: unknown) => ActivityResult<unknown> | undefined>();

  /** Queues answers for the next calls of an activity (taken before the normal answer). */
  answer(name: string, ...results: Array<ActivityResult<unknown>>): void {
    this.script.set(name, [...(this.script.get(name) ?? []), ...results]);
  }

  /** Completes one open activity with the answer the simulated world gives it (scripted, else the fake's). */
  complete(scheduled: Scheduled): void {
    this.d.completeActivity(scheduled.name ?? "", this.envelope(scheduled));
  }

  /**
   * The activity boundary's answer: a computed or scripted one, else the fake activity's value.
   * Both sides keep to the activity table: the orchestration's input must parse with the
   * activity's input schema, and a successful answer with its output schema.
   */
  private envelope(s: Scheduled): ActivityResult<unknown> {
    const definition = ActivitiesByName.get(s.name ?? "");
    if (!definition) throw new Error(`The orchestration called ${s.name}, which is not in the activity table`);
    const input = definition.input.safeParse(s.input);
    if (!input.success) throw new Error(`The orchestration called ${s.name} with an input outside its schema: ${input.error.message}`);
    const answer = this.responders.get(s.name ?? "")?.(s.input) ?? this.script.get(s.name ?? "")?.shift() ?? { ok: true, value: this.result(s) };
    if (answer.ok) {
      const output = definition.output.safeParse(answer.value);
      if (!output.success) throw new Error(`The simulated ${s.name} answered outside its output schema: ${output.error.message}`);
    }
    return answer;
  }

  /** The answer of a fake activity. */
  private result(s: Scheduled): unknown {
    switch (s.name) {
      case ActivityNames.sendStatusEmail:
      case ActivityNames.notifyPartner: {
        const input = s.input as SendStatusEmailInput;
        const result: SendStatusEmailResult = { outcome: input.delivery?.queue ? "queued" : "sent", messageId: `<${this.context.caseId}.${input.notificationKey}@sim.example>` };
        return result;
      }
      case ActivityNames.getCaseContext:
        return { ...this.context, slaLog: this.slaLog.map((e) => ({ ...e })) };
      case ActivityNames.takeCaseActions: {
        const { after, limit } = s.input as TakeCaseActionsInput;
        return this.inbox.filter((a) => after === undefined || a.seq > after).slice(0, limit ?? 50);
      }
      case ActivityNames.closeCaseInbox: {
        const { after, limit } = s.input as TakeCaseActionsInput;
        const actions = this.inbox.filter((a) => after === undefined || a.seq > after).slice(0, limit ?? 50);
        if (actions.length === 0) this.inboxClosed = true;
        return { closed: actions.length === 0, actions };
      }
      case ActivityNames.recordSlaEvents: {
        const fresh = (s.input as RecordSlaEventsInput).events.filter((e) => !this.slaLog.some((x) => x.eventId === e.eventId));
        this.slaLog.push(...fresh);
        return { appended: fresh.length };
      }
      case ActivityNames.recordTransition: {
        const t = s.input as RecordTransitionInput;
        this.slaLog.push(...(t.slaEvents ?? []).filter((e) => !this.slaLog.some((x) => x.eventId === e.eventId)));
        return { caseId: t.caseId, status: t.toStatus ?? this.context.status, updatedAt: t.at };
      }
      case ActivityNames.consumeProductSupportIncident: {
        const { partnerId, caseId } = s.input as ConsumeProductSupportIncidentInput;
        const key = `${partnerId}/${caseId}`;
        const earlier = this.psiResults.get(key);
        if (earlier) return earlier;
        const left = this.psiLeft.get(partnerId) ?? 0;
        const r = left > 0 ? { consumed: true, remainingIncidents: left - 1 } : { consumed: false, remainingIncidents: 0 };
        this.psiLeft.set(partnerId, r.remainingIncidents);
        this.psiResults.set(key, r);
        return r;
      }
      case ActivityNames.fileMicrosoftServiceRequest:
        return this.filing;
      default:
        return null;
    }
  }

  /** Replays queued events, completes every activity (one episode each), and follows continueAsNew. */
  async settle(): Promise<void> {
    await this.d.replay();
    for (let guard = 0; guard < 10_000; guard++) {
      const open = this.d.open.filter((s) => s.kind === "activity");
      if (open.length > 0) {
        for (const s of open) this.d.completeActivity(s.name ?? "", this.envelope(s));
        await this.d.replay();
        continue;
      }
      const next = this.continuedAs();
      if (next === undefined) return;
      this.generations.push(new OrchestrationDriver(OrchestratorNames.supportRequest, next, this.d.now, this.context.caseId, true));
      this.generationInputs.push(next);
      await this.d.replay();
    }
    throw new Error("the orchestration never settles");
  }

  /** The input of the next generation when the latest episode ended with continueAsNew. */
  continuedAs(): SupportRequestOrchestrationInput | undefined {
    if (!this.d.last?.isDone) return undefined;
    const action = (this.d.last.actions[0] ?? []).find((a) => a.actionType === 4);
    return action ? (action.input as SupportRequestOrchestrationInput) : undefined;
  }

  /** Every activity scheduled so far, over all generations, in order. */
  calls(name?: string): Call[] {
    return this.generations.flatMap((g, generation) => g.activities(name).map((s) => ({ ...s, generation })));
  }

  transitions(): RecordTransitionInput[] {
    return this.calls(ActivityNames.recordTransition).map((s) => s.input as RecordTransitionInput);
  }

  emails(): SendStatusEmailInput[] {
    return this.calls(ActivityNames.sendStatusEmail).map((s) => s.input as SendStatusEmailInput);
  }

  partnerNotices(): NotifyPartnerInput[] {
    return this.calls(ActivityNames.notifyPartner).map((s) => s.input as NotifyPartnerInput);
  }

  /** Statuses the case moved through, in order. */
  statusPath(): string[] {
    return this.transitions().flatMap((t) => (t.toStatus ? [t.toStatus] : []));
  }

  /** The SLA log as `metric type[percent]@at`. */
  slaSummary(): string[] {
    return this.slaLog.map((e) => `${e.metric} ${e.type}${e.percent ? ` ${e.percent}` : ""} @${e.at}`);
  }

  get customStatus(): SupportRequestCustomStatus {
    return this.d.last?.customStatus as SupportRequestCustomStatus;
  }

  /** Whether the latest episode yielded a wait for the signal (the orchestration listens). */
  get listens(): boolean {
    const walk = (a: { actionType: number; externalEventName?: string; compoundActions?: unknown[] }): boolean =>
      (a.actionType === ActionType.WaitForExternalEvent && a.externalEventName === EventNames.actionsAvailable) ||
      (a.compoundActions ?? []).some((c) => walk(c as typeof a));
    return (this.d.last?.actions[0] ?? []).some(walk);
  }
}
