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
  recordEscalation: "RecordEscalation",
  notifyPartner: "NotifyPartner",
} as const;

/** External event names raised on a support-request orchestration. */
export const EventNames = {
  /** The partner recorded a diagnosis (payload: {@link DiagnosisEvent}). */
  diagnosis: "DiagnosisRecorded",
  /** The partner (or the escalation target through the partner) resolved the request (payload: {@link ResolutionEvent}). */
  resolution: "ResolutionRecorded",
} as const;
