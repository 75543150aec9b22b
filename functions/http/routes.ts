/**
 * Registers HTTP functions from the route table (shared/openapi: `httpRoutes()`), the one place
 * that lists each function's name, route, methods, Functions auth level, Durable client input,
 * permission and OpenAPI description. The entry points of functions/*.ts name only the handler
 * factory of each of their functions.
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { getContainer } from "../../shared/container";
import { httpRoute } from "../../shared/openapi";
import type { HttpHandler, HttpHandlerDeps } from "./common";

/**
 * What the handler factories are given at registration: the composition root, resolved on each
 * request (built on the first one, not when the module loads), and the invocation's workflow over
 * the Durable client input (`df.getClient(context)`; only functions whose table entry says
 * `durableClient` have that input).
 */
export const registrationDeps: HttpHandlerDeps = { getContainer, getWorkflow: (context) => getContainer().createWorkflow(df.getClient(context)) };

/** Creates a function's handler from {@link registrationDeps} (it takes what it needs from them). */
export type HttpHandlerFactory = (deps: HttpHandlerDeps) => HttpHandler;

/**
 * Registers each named function with `app.http` as its route table entry describes it: methods
 * (upper case, in the table's order), route, auth level and, when the entry says so, the Durable
 * client input.
 * @param factories - the handler factory of each function, by the function's (deployed) name.
 * @throws Error for a name the route table does not list (a bug).
 */
export function registerHttpRoutes(factories: Readonly<Record<string, HttpHandlerFactory>>): void {
  for (const [name, factory] of Object.entries(factories)) {
    const route = httpRoute(name);
    app.http(name, {
      methods: route.operations.map((o) => o.method.toUpperCase() as Uppercase<typeof o.method>),
      authLevel: route.authLevel,
      route: route.route,
      ...(route.durableClient ? { extraInputs: [df.input.durableClient()] } : {}),
      handler: factory(registrationDeps),
    });
  }
}
