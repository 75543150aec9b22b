/** Email intake services (issue 4). */
export * from "./blobNames";
export * from "./customers";
export * from "./parseMessage";
export * from "./processInboundEmail";
export * from "./reclassify";
export * from "./signature";
export * from "./submitInboundEmail";
