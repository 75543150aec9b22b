/**
 * Durable function and event names. These are persisted in orchestration history and task hub
 * queues: never rename one once deployed (a running instance would fail to replay).
 */

/** Orchestrator function names. */
export const OrchestratorNames = {
  /** One instance per support request; instance id = case id. */
  supportRequest: "SupportRequestOrchestrator",
} as const;

/** Activity function names. */
export const ActivityNames = {
  getCaseContext: "GetCaseContext",
  recordTransition: "RecordCaseTransition",
  sendStatusEmail: "SendStatusEmail",
  notifyPartner: "NotifyPartner",
  /** Reads the case's action inbox after a cursor (see caseActions.ts). */
  takeCaseActions: "TakeCaseActions",
  /** Closes the case's action inbox before the workflow completes, or hands over the actions that came in after the cursor. */
  closeCaseInbox: "CloseCaseInbox",
  /** Appends SLA events to the case's append-only SLA event log. */
  recordSlaEvents: "RecordSlaEvents",
  /** Decrements a partner's product support incidents atomically (ETag); tells whether one was available. */
  consumeProductSupportIncident: "ConsumeProductSupportIncident",
  /** Files (or prepares, when the Partner Center integration is off) the Microsoft service request. */
  fileMicrosoftServiceRequest: "FileMicrosoftServiceRequest",
} as const;

/** External event names raised on a support-request orchestration. */
export const EventNames = {
  /**
   * New actions are in the case's inbox. Payload: the appended record (`actionSignalOf` in
   * caseActions.ts), or null; the orchestration reads the inbox whenever the payload is not the
   * next record after its cursor.
   */
  actionsAvailable: "CaseActionsAvailable",
} as const;

/**
 * Terminal Durable runtime statuses: the instance no longer runs; nothing it scheduled
 * will complete and no raised event will be read until it is started again. `Canceled` is listed by
 * the Durable Functions runtime-status enumeration (Microsoft Learn, "Instance management":
 * `OrchestrationRuntimeStatus`) though the JavaScript library's enum lacks it.
 */
export const TerminalRuntimeStatuses: ReadonlySet<string> = new Set(["Completed", "Failed", "Terminated", "Canceled"]);

/**
 * Whether an instance with this runtime status has reached a terminal state (see {@link TerminalRuntimeStatuses}).
 * @param runtimeStatus - the instance's `runtimeStatus` as the Durable client reports it.
 */
export function isTerminalRuntimeStatus(runtimeStatus: string): boolean {
  return TerminalRuntimeStatuses.has(runtimeStatus);
}
