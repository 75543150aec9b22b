/**
 * Minimal managed-identity `TokenCredential` for App Service / Azure Functions (the
 * `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` protocol, api-version 2019-08-01,
 * https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference).
 * Used for ACS with `ACS_ENDPOINT`, so the app needs no `@azure/identity` dependency. Tokens are
 * cached until five minutes before expiry.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";

/** {@link TokenCredential} using the Functions host's managed identity endpoint. */
export class AppServiceManagedIdentityCredential implements TokenCredential {
  readonly #cache = new Map<string, AccessToken>();

  /**
   * @param clientId - client id of a user-assigned identity (default `AZURE_CLIENT_ID`; system-assigned when unset).
   * @param env - environment to read `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` from.
   */
  constructor(
    private readonly clientId: string | undefined = process.env.AZURE_CLIENT_ID,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /**
   * Gets a token for the scope (e.g. `https://communication.azure.com//.default`).
   * @throws Error when not running with a managed identity or the endpoint refuses.
   */
  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const scope = Array.isArray(scopes) ? (scopes[0] ?? "") : scopes;
    const cached = this.#cache.get(scope);
    if (cached && cached.expiresOnTimestamp - 5 * 60 * 1000 > Date.now()) return cached;
    const endpoint = this.env.IDENTITY_ENDPOINT;
    const header = this.env.IDENTITY_HEADER;
    if (!endpoint || !header) throw new Error("Managed identity is not available: IDENTITY_ENDPOINT/IDENTITY_HEADER are not set (use ACS_CONNECTION_STRING locally)");
    const url = new URL(endpoint);
    url.searchParams.set("resource", scope.replace(/\/\.default$/, ""));
    url.searchParams.set("api-version", "2019-08-01");
    if (this.clientId) url.searchParams.set("client_id", this.clientId);
    const res = await fetch(url, { headers: { "X-IDENTITY-HEADER": header } });
    if (!res.ok) throw new Error(`Managed identity token request failed: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { access_token: string; expires_on: string | number };
    const token: AccessToken = { token: body.access_token, expiresOnTimestamp: Number(body.expires_on) * 1000 };
    this.#cache.set(scope, token);
    return token;
  }
}
