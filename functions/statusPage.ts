/**
 * Registers the customer's status page (see functions/http/statusPageHandlers.ts; route table:
 * shared/openapi/paths.ts). Anonymous at the Functions level and for the API: the signed status
 * link in the path is the capability.
 */
import { registerHttpRoutes } from "./http/routes";
import { createGetStatusPageHandler, createPostStatusPageActionHandler } from "./http/statusPageHandlers";

registerHttpRoutes({ GetStatusPage: createGetStatusPageHandler, PostStatusPageAction: createPostStatusPageActionHandler });
