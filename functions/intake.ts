/**
 * Registers the intake webhook: `POST /api/partners/{partnerId}/support-requests`
 * (see functions/http/intakeHandlers.ts; route table: shared/openapi/paths.ts). Anonymous at the
 * Functions level: the Standard Webhooks signature authenticates the partner.
 */
import { createSubmitSupportRequestHandler } from "./http/intakeHandlers";
import { registerHttpRoutes } from "./http/routes";

registerHttpRoutes({ SubmitSupportRequest: createSubmitSupportRequestHandler });
