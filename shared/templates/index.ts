/** Email templates: customer status emails (five languages) and partner notifications (English). */
export * from "./statusEmail";
export { escapeHtmlAttribute, escapeHtmlText, safeHttpHref, safeMailtoHref, toSingleLine } from "./escape";
