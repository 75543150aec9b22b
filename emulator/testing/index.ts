/**
 * Test harness of the local host: drive an orchestrator's replay without a host, storage or queues
 * ({@link OrchestrationDriver}).
 */
export * from "./orchestrationDriver";
