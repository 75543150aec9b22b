/**
 * Registers the partner API (see functions/http/partnerApiHandlers.ts). Anonymous at the Functions
 * level: the partner's API key authenticates each request (the support terms are public).
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { getContainer } from "../shared/container";
import type { HttpHandlerDeps } from "./http/common";
import {
  createAddNoteHandler,
  createAssignCaseHandler,
  createCloseCaseHandler,
  createCreateApiKeyHandler,
  createExportCustomerDataHandler,
  createGetAuditLogHandler,
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

const deps: HttpHandlerDeps = { getContainer, getWorkflow: (context) => getContainer().createWorkflow(df.getClient(context)) };

app.http("ListSupportRequests", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/support-requests",
  handler: createListSupportRequestsHandler(deps),
});

app.http("GetSupportRequest", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/support-requests/{caseId}",
  extraInputs: [df.input.durableClient()],
  handler: createGetSupportRequestHandler(deps),
});

app.http("RecordDiagnosis", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/support-requests/{caseId}/diagnosis",
  extraInputs: [df.input.durableClient()],
  handler: createRecordDiagnosisHandler(deps),
});

app.http("RecordResolution", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/support-requests/{caseId}/resolution",
  extraInputs: [df.input.durableClient()],
  handler: createRecordResolutionHandler(deps),
});

app.http("RecordCaseUpdate", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/support-requests/{caseId}/updates",
  extraInputs: [df.input.durableClient()],
  handler: createRecordUpdateHandler(deps),
});

app.http("RequestEscalation", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/support-requests/{caseId}/escalation",
  extraInputs: [df.input.durableClient()],
  handler: createRequestEscalationHandler(deps),
});

app.http("GetSupportTerms", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/support-terms",
  handler: createGetSupportTermsHandler(deps),
});

// The new case actions (inbox actions and case updates), each permission-checked and idempotent.
const caseActions: Array<[name: string, segment: string, handler: ReturnType<typeof createAddNoteHandler>]> = [
  ["RequestInformation", "information-requests", createRequestInformationHandler(deps)],
  ["AddCaseNote", "notes", createAddNoteHandler(deps)],
  ["AssignCase", "assignment", createAssignCaseHandler(deps)],
  ["CloseCase", "closure", createCloseCaseHandler(deps)],
  ["ReopenCase", "reopening", createReopenCaseHandler(deps)],
  ["RestartWorkflow", "workflow-restart", createRestartWorkflowHandler(deps)],
];
for (const [name, segment, handler] of caseActions) {
  app.http(name, {
    methods: ["POST"],
    authLevel: "anonymous",
    route: `partners/{partnerId}/support-requests/{caseId}/${segment}`,
    extraInputs: [df.input.durableClient()],
    handler,
  });
}

// API keys (permission keys:manage).
app.http("ListApiKeys", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/api-keys",
  handler: createListApiKeysHandler(deps),
});

app.http("CreateApiKey", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/api-keys",
  handler: createCreateApiKeyHandler(deps),
});

app.http("RevokeApiKey", {
  methods: ["DELETE"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/api-keys/{keyId}",
  handler: createRevokeApiKeyHandler(deps),
});

// The audit log (permission audit:read, global admin).
app.http("GetAuditLog", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/audit",
  handler: createGetAuditLogHandler(deps),
});

// A customer's data export (permission customer-data:export, global admin; audited).
app.http("ExportCustomerData", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "partners/{partnerId}/customers/{customer}/export",
  handler: createExportCustomerDataHandler(deps),
});
