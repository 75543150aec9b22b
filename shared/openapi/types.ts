/** OpenAPI 3.1 object types, derived from the generator's own declarations (openapi3-ts `oas31`). */
import type { OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";

/** An OpenAPI 3.1 document as generated. */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31["generateDocument"]>;
/** `components` of a document. */
export type ComponentsObject = NonNullable<OpenApiDocument["components"]>;
/** A header object (`components.headers`). */
export type HeaderObject = Exclude<NonNullable<ComponentsObject["headers"]>[string], { $ref: string }>;
/** A parameter object (`components.parameters`). */
export type ParameterObject = Exclude<NonNullable<ComponentsObject["parameters"]>[string], { $ref: string }>;
/** A security requirement (scheme name → scopes). */
export type SecurityRequirementObject = NonNullable<OpenApiDocument["security"]>[number];
