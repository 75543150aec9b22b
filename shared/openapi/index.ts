/** The OpenAPI 3.1 document of the API, generated from the zod schemas of shared/contracts. */
export * from "./document";
export { ProblemResponses, PROBLEM_MEDIA_TYPE, SecuritySchemeNames } from "./components";
export { ROUTE_PREFIX, Tags, type DocumentedRequestBody } from "./paths";
export type { OpenApiDocument } from "./types";
export { httpRoute, httpRoutes, permissionOf } from "./paths";
export type { HttpMethod, HttpOperation, HttpRoute, PartnerPermission } from "./routes";
