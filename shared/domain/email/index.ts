/**
 * Pure email rules for email intake: threading and quote stripping, loop detection
 * (auto-replies, bounces, our own notifications), keyword classification,
 * HTML to text. No I/O; MIME parsing lives in shared/services/inboundEmail/parseMessage.ts.
 * Import from here (shared/domain/index.ts does not re-export these).
 */
export * from "./types";
export * from "./messageIds";
export * from "./htmlToText";
export * from "./threading";
export * from "./loops";
export * from "./classify";
export * from "./headerText";
