/**
 * Email templates: customer emails (statuses and notices, five languages, English fallback),
 * service hours in words, and partner notifications (English).
 */
export * from "./statusEmail";
export { escapeHtmlAttribute, escapeHtmlText, safeHttpHref, safeMailtoHref, toSingleLine } from "./escape";
