/** Names of API values, from the server's model.json and i18n.json (the page keeps no copy). */
import type { CaseStatus, DashboardI18n, DashboardModel, SupportedLanguage } from "./types";

/** The name of `value` in `labels`, else the value itself (a value newer than the page's model). */
export function labelOf<K extends string>(labels: Readonly<Record<K, string>>, value: K): string {
  return labels[value] ?? value;
}

/** The partner-facing English name of a status. */
export function statusLabel(model: DashboardModel, status: CaseStatus): string {
  return labelOf(model.labels.statuses, status);
}

/** The status name the customer sees in `lang` (English when the language is unknown). */
export function customerStatusLabel(i18n: DashboardI18n, model: DashboardModel, status: CaseStatus, lang: SupportedLanguage): string {
  return (i18n.statusLabels[lang] ?? i18n.statusLabels.en)?.[status] ?? statusLabel(model, status);
}

/** The English name of a customer language. */
export function languageName(model: DashboardModel, lang: SupportedLanguage): string {
  return labelOf(model.labels.languages, lang);
}
