/** The signed-in partner and API key, kept in this tab's sessionStorage only (gone when it closes). */
import type { Session } from "./types";

const SESSION_KEY = "csp-dashboard-session";

/** The session saved in this tab, or null. */
export function loadSession(): Session | null {
  try {
    const raw = window.sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const s: unknown = JSON.parse(raw);
    if (typeof s !== "object" || s === null) return null;
    const { partnerId, apiKey } = s as Record<string, unknown>;
    return typeof partnerId === "string" && typeof apiKey === "string" ? { partnerId, apiKey } : null;
  } catch {
    return null;
  }
}

/** Saves the partner id and key (never the role: it is learnt again), or forgets them (null). */
export function saveSession(s: Session | null): void {
  if (s) window.sessionStorage.setItem(SESSION_KEY, JSON.stringify({ partnerId: s.partnerId, apiKey: s.apiKey }));
  else window.sessionStorage.removeItem(SESSION_KEY);
}
