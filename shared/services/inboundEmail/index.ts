/** Email intake services. */
export * from "./blobNames";
export * from "./customers";
export * from "./parseMessage";
export * from "./processInboundEmail";
export * from "./reclassify";
export * from "./signature";
export * from "./submitInboundEmail";
export * from "./poisonedEmail";
export * from "./unprocessedSweep";
