/**
 * Key encryption keys from settings, for local development and tests (Azure uses Key Vault:
 * keyVaultKeyEncryptionKey.ts). Setting `SECRETS_LOCAL_KEYS`: `<id>:<base64 of 32 bytes>`,
 * comma-separated, the first one current (wraps), all of them unwrap, so a new key is added in
 * front, stored secrets are rewrapped, then the old key is removed: a rotation without downtime.
 * Wrapping is AES-256 Key Wrap (RFC 3394, Node's `id-aes256-wrap` with its default IV).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { KeyEncryptionKeys, WrappedKey } from "../ports";

/** Prefix of the KEK ids of keys from settings. */
export const LOCAL_KEK_PREFIX = "local:";

const RFC3394_IV = Buffer.from("A6A6A6A6A6A6A6A6", "hex");

/**
 * Parses a list of keys from settings, `<id>:<base64 of 32 bytes>` comma-separated
 * (`SECRETS_LOCAL_KEYS`, `STATUS_LINK_KEYS`).
 * @param setting - the value.
 * @param name - the setting's name, used in errors (default `SECRETS_LOCAL_KEYS`).
 * @returns the keys in order (first = current).
 * @throws RangeError naming the entry that is not `<id>:<base64 of 32 bytes>` or repeats an id.
 */
export function parseLocalKeys(setting: string, name = "SECRETS_LOCAL_KEYS"): Array<{ id: string; key: Buffer }> {
  const out: Array<{ id: string; key: Buffer }> = [];
  for (const entry of setting.split(",").map((e) => e.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]{43}=)$/.exec(entry);
    const key = m ? Buffer.from(m[2] as string, "base64") : undefined;
    if (!m || key?.length !== 32) throw new RangeError(`${name}: "${entry.split(":")[0]}:…" is not <id>:<base64 of 32 random bytes>`);
    if (out.some((k) => k.id === m[1])) throw new RangeError(`${name}: key id "${m[1]}" appears twice`);
    out.push({ id: m[1] as string, key });
  }
  if (out.length === 0) throw new RangeError(`${name}: no key`);
  return out;
}

/** A new `SECRETS_LOCAL_KEYS` entry: `<id>:<base64 of 32 random bytes>`. */
export function generateLocalKeyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString("base64")}`;
}

/** {@link KeyEncryptionKeys} over keys from settings. */
export class LocalKeyEncryptionKeys implements KeyEncryptionKeys {
  readonly #keys: Array<{ id: string; key: Buffer }>;

  /** @param setting - `SECRETS_LOCAL_KEYS`. @throws RangeError when malformed. */
  constructor(setting: string) {
    this.#keys = parseLocalKeys(setting);
  }

  async wrapKey(dataKey: Uint8Array): Promise<WrappedKey> {
    const current = this.#keys[0] as { id: string; key: Buffer };
    const cipher = createCipheriv("id-aes256-wrap", current.key, RFC3394_IV);
    return { kekId: `${LOCAL_KEK_PREFIX}${current.id}`, wrapped: Buffer.concat([cipher.update(dataKey), cipher.final()]) };
  }

  async unwrapKey(key: WrappedKey): Promise<Uint8Array> {
    const kek = this.#keys.find((k) => `${LOCAL_KEK_PREFIX}${k.id}` === key.kekId);
    if (!kek) throw new Error(`Key encryption key ${key.kekId} is not in SECRETS_LOCAL_KEYS`);
    const decipher = createDecipheriv("id-aes256-wrap", kek.key, RFC3394_IV);
    return Buffer.concat([decipher.update(key.wrapped), decipher.final()]);
  }

  async currentKekId(): Promise<string> {
    return `${LOCAL_KEK_PREFIX}${(this.#keys[0] as { id: string }).id}`;
  }

  /** Whether `kekId` names one of these keys. */
  owns(kekId: string): boolean {
    return this.#keys.some((k) => `${LOCAL_KEK_PREFIX}${k.id}` === kekId);
  }
}
