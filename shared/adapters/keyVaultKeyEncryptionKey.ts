/**
 * The key encryption key in Azure Key Vault (`@azure/keyvault-keys`, the app's managed identity
 * with the "Key Vault Crypto Service Encryption User" role: get, wrapKey, unwrapKey on keys).
 * Setting `SECRETS_KEY_VAULT_KEY_ID` is the key's versionless id
 * (`https://<vault>.vault.azure.net/keys/<name>`): wraps use the key's current version (RSA-OAEP-256,
 * https://learn.microsoft.com/azure/key-vault/keys/about-keys-details#wrapkeyunwrapkey-encryptdecrypt)
 * and record the versioned id; unwraps use the recorded version. Rotating the key (a new version,
 * by hand or by the vault's rotation policy) therefore needs no downtime: older versions keep
 * unwrapping until the stored secrets are rewrapped and the old version is disabled.
 */
import type { TokenCredential } from "@azure/identity";
import { CryptographyClient, KeyClient, type KeyWrapAlgorithm } from "@azure/keyvault-keys";
import type { KeyEncryptionKeys, WrappedKey } from "../ports";

/** Wrap algorithm for the vault's RSA key. */
export const KEY_VAULT_WRAP_ALGORITHM: KeyWrapAlgorithm = "RSA-OAEP-256";

/** What the adapter needs of the SDK (the real clients by default; tests pass stand-ins). */
export interface KeyVaultClients {
  /** A crypto client for a key id (versionless: current version; versioned: that version). */
  cryptography(keyId: string): Pick<CryptographyClient, "wrapKey" | "unwrapKey">;
  /** The key's current versioned id. */
  currentVersionId(): Promise<string>;
}

/**
 * Splits a Key Vault key id into vault URL and key name.
 * @throws RangeError when it is not `https://<vault>/keys/<name>[/<version>]`.
 */
export function parseKeyVaultKeyId(keyId: string): { vaultUrl: string; name: string; version?: string } {
  const m = /^(https:\/\/[^/]+)\/keys\/([A-Za-z0-9-]{1,127})(?:\/([A-Za-z0-9]{1,64}))?\/?$/.exec(keyId);
  if (!m) throw new RangeError(`Not a Key Vault key id: ${keyId}`);
  return { vaultUrl: m[1] as string, name: m[2] as string, ...(m[3] ? { version: m[3] } : {}) };
}

/** {@link KeyEncryptionKeys} over one Key Vault key. */
export class KeyVaultKeyEncryptionKey implements KeyEncryptionKeys {
  readonly #keyId: string;
  readonly #clients: KeyVaultClients;
  readonly #byVersion = new Map<string, Pick<CryptographyClient, "wrapKey" | "unwrapKey">>();

  /**
   * @param keyId - versionless key id (`SECRETS_KEY_VAULT_KEY_ID`).
   * @param credential - the app's managed identity (`DefaultAzureCredential`).
   * @param clients - SDK access (default: `CryptographyClient` and `KeyClient` over `credential`).
   * @throws RangeError for a malformed key id.
   */
  constructor(keyId: string, credential: TokenCredential, clients?: KeyVaultClients) {
    const { vaultUrl, name } = parseKeyVaultKeyId(keyId);
    this.#keyId = `${vaultUrl}/keys/${name}`;
    this.#clients = clients ?? {
      cryptography: (id) => new CryptographyClient(id, credential),
      currentVersionId: async () => {
        const key = await new KeyClient(vaultUrl, credential).getKey(name);
        if (!key.id) throw new Error(`Key Vault returned no id for ${this.#keyId}`);
        return key.id;
      },
    };
  }

  #client(id: string): Pick<CryptographyClient, "wrapKey" | "unwrapKey"> {
    let c = this.#byVersion.get(id);
    if (!c) this.#byVersion.set(id, (c = this.#clients.cryptography(id)));
    return c;
  }

  async wrapKey(dataKey: Uint8Array): Promise<WrappedKey> {
    const r = await this.#client(this.#keyId).wrapKey(KEY_VAULT_WRAP_ALGORITHM, dataKey);
    if (!r.keyID) throw new Error(`Key Vault did not say which version of ${this.#keyId} wrapped the key`);
    return { kekId: r.keyID, wrapped: r.result };
  }

  async unwrapKey(key: WrappedKey): Promise<Uint8Array> {
    if (!key.kekId.startsWith(`${this.#keyId}/`)) throw new Error(`Key encryption key ${key.kekId} is not a version of ${this.#keyId}`);
    return (await this.#client(key.kekId).unwrapKey(KEY_VAULT_WRAP_ALGORITHM, key.wrapped)).result;
  }

  currentKekId(): Promise<string> {
    return this.#clients.currentVersionId();
  }

  /** Whether `kekId` is a version of this key. */
  owns(kekId: string): boolean {
    return kekId.startsWith(`${this.#keyId}/`);
  }
}
