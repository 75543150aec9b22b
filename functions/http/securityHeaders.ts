/**
 * Response headers of every page the app serves to a browser (the partner dashboard, the customer
 * status page): the page's Content-Security-Policy plus no MIME sniffing, no referrer, no framing,
 * an isolated browsing context and no powerful features.
 */

/**
 * The security headers of a browser page.
 * @param csp - the page's Content-Security-Policy.
 */
export function pageSecurityHeaders(csp: string): Readonly<Record<string, string>> {
  return {
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
  };
}
