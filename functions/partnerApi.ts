/**
 * Registers the partner API (see functions/http/partnerApiHandlers.ts; routes, methods and
 * permissions in the route table, shared/openapi/paths.ts). Anonymous at the Functions level: the
 * partner's API key authenticates each request (the support terms are public).
 */
import { registerHttpRoutes } from "./http/routes";
import {
  createAddNoteHandler,
  createAssignCaseHandler,
  createCloseCaseHandler,
  createCreateApiKeyHandler,
  createExportCustomerDataHandler,
  createGetAuditLogHandler,
  createGetSlaReportHandler,
  createGetVolumeReportHandler,
  createListApiKeysHandler,
  createReopenCaseHandler,
  createRequestInformationHandler,
  createRestartWorkflowHandler,
  createRevokeApiKeyHandler,
  createGetSupportRequestHandler,
  createGetSupportTermsHandler,
  createListSupportRequestsHandler,
  createRecordDiagnosisHandler,
  createRecordResolutionHandler,
  createRecordUpdateHandler,
  createRequestEscalationHandler,
} from "./http/partnerApiHandlers";

registerHttpRoutes({
  ListSupportRequests: createListSupportRequestsHandler,
  GetSupportRequest: createGetSupportRequestHandler,
  RecordDiagnosis: createRecordDiagnosisHandler,
  RecordResolution: createRecordResolutionHandler,
  RecordCaseUpdate: createRecordUpdateHandler,
  RequestEscalation: createRequestEscalationHandler,
  GetSupportTerms: createGetSupportTermsHandler,
  // The case actions (inbox actions and case updates), each permission-checked and idempotent.
  RequestInformation: createRequestInformationHandler,
  AddCaseNote: createAddNoteHandler,
  AssignCase: createAssignCaseHandler,
  CloseCase: createCloseCaseHandler,
  ReopenCase: createReopenCaseHandler,
  RestartWorkflow: createRestartWorkflowHandler,
  // API keys (permission keys:manage).
  ListApiKeys: createListApiKeysHandler,
  CreateApiKey: createCreateApiKeyHandler,
  RevokeApiKey: createRevokeApiKeyHandler,
  // The audit log (permission audit:read, global admin).
  GetAuditLog: createGetAuditLogHandler,
  // A customer's data export (permission customer-data:export, global admin; audited).
  ExportCustomerData: createExportCustomerDataHandler,
  // The reports (permission requests:read), read from the reports' read model.
  GetSlaReport: createGetSlaReportHandler,
  GetVolumeReport: createGetVolumeReportHandler,
});
