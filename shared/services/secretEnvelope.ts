/**
 * Envelope encryption of secrets at rest (the pattern of Azure Storage's and Key Vault's own
 * client-side encryption: https://learn.microsoft.com/azure/storage/common/storage-client-side-encryption):
 * each sealed value gets a fresh 256-bit data key (DEK); the value is encrypted with AES-256-GCM
 * under the DEK, with the caller's context as associated data; the DEK is wrapped by a key
 * encryption key (KEK: Azure Key Vault in Azure, a key from settings locally) and stored wrapped
 * beside the ciphertext. Only the KEK can unwrap it, and the KEK never leaves Key Vault.
 *
 * Envelope (JSON, version 1): `{"v":1,"kek":<KEK id>,"wk":<wrapped DEK>,"iv":<12 bytes>,"ct":<ciphertext>,"tag":<16 bytes>}`,
 * binary fields base64url.
 *
 * Unwrapped DEKs are cached in memory for a bounded time and count (default 5 minutes, 1,000
 * entries), so a request does not cost a Key Vault call; a DEK never outlives its cache entry.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { KeyEncryptionKeys, SecretSealer, WrappedKey } from "../ports";

/** Options of {@link EnvelopeSecretSealer}. */
export interface EnvelopeSecretSealerOptions {
  /** How long an unwrapped data key stays cached, in ms; default 300 000 (5 minutes). 0 disables the cache. */
  cacheTtlInMs?: number;
  /** Most data keys cached; default 1000 (the oldest go first). */
  cacheMaxEntries?: number;
  /** Clock in epoch ms (default `Date.now`). */
  now?: () => number;
}

interface Envelope {
  v: 1;
  kek: string;
  wk: string;
  iv: string;
  ct: string;
  tag: string;
}

function parseEnvelope(envelope: string): Envelope {
  let e: unknown;
  try {
    e = JSON.parse(envelope);
  } catch {
    throw new Error("Not a sealed secret (not JSON)");
  }
  const x = e as Partial<Envelope>;
  if (x.v !== 1 || typeof x.kek !== "string" || typeof x.wk !== "string" || typeof x.iv !== "string" || typeof x.ct !== "string" || typeof x.tag !== "string") throw new Error("Not a sealed secret (version 1 envelope expected)");
  return x as Envelope;
}

/** Whether a stored value is an envelope of {@link EnvelopeSecretSealer} (not plain text). */
export function isSealedSecret(value: string): boolean {
  try {
    parseEnvelope(value);
    return true;
  } catch {
    return false;
  }
}

/** {@link SecretSealer} with AES-256-GCM data keys wrapped by {@link KeyEncryptionKeys}. */
export class EnvelopeSecretSealer implements SecretSealer {
  readonly #keks: KeyEncryptionKeys;
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;
  /** Unwrapped DEKs by SHA-256 of (KEK id, wrapped DEK); insertion order = age. */
  readonly #cache = new Map<string, { key: Buffer; expiresAt: number }>();

  /** @param keks - the KEKs (Key Vault or settings). @param options - cache bounds and clock. */
  constructor(keks: KeyEncryptionKeys, options: EnvelopeSecretSealerOptions = {}) {
    this.#keks = keks;
    this.#ttl = options.cacheTtlInMs ?? 300_000;
    this.#max = options.cacheMaxEntries ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Number of data keys cached now (expired ones not counted). */
  get cachedKeyCount(): number {
    const now = this.#now();
    return [...this.#cache.values()].filter((e) => e.expiresAt > now).length;
  }

  async seal(plaintext: string, context: string): Promise<string> {
    const dek = randomBytes(32);
    const wrapped = await this.#keks.wrapKey(dek);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", dek, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const envelope: Envelope = { v: 1, kek: wrapped.kekId, wk: Buffer.from(wrapped.wrapped).toString("base64url"), iv: iv.toString("base64url"), ct: ct.toString("base64url"), tag: cipher.getAuthTag().toString("base64url") };
    this.#remember(wrapped, dek);
    dek.fill(0);
    return JSON.stringify(envelope);
  }

  async open(envelope: string, context: string): Promise<string> {
    const e = parseEnvelope(envelope);
    const dek = await this.#dataKey({ kekId: e.kek, wrapped: Buffer.from(e.wk, "base64url") });
    const decipher = createDecipheriv("aes-256-gcm", dek, Buffer.from(e.iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(e.tag, "base64url"));
    try {
      return Buffer.concat([decipher.update(Buffer.from(e.ct, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new Error(`Sealed secret does not open for ${context} (tampered with, or sealed for something else)`);
    }
  }

  async needsRewrap(envelope: string): Promise<boolean> {
    return parseEnvelope(envelope).kek !== (await this.#keks.currentKekId());
  }

  #cacheKey(w: WrappedKey): string {
    return createHash("sha256").update(w.kekId).update("\n").update(w.wrapped).digest("base64url");
  }

  #remember(w: WrappedKey, dek: Buffer): void {
    if (this.#ttl <= 0 || this.#max <= 0) return;
    const id = this.#cacheKey(w);
    this.#cache.delete(id);
    this.#cache.set(id, { key: Buffer.from(dek), expiresAt: this.#now() + this.#ttl });
    while (this.#cache.size > this.#max) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cache.get(oldest)?.key.fill(0);
      this.#cache.delete(oldest);
    }
  }

  async #dataKey(w: WrappedKey): Promise<Buffer> {
    const id = this.#cacheKey(w);
    const hit = this.#cache.get(id);
    if (hit && hit.expiresAt > this.#now()) return hit.key;
    if (hit) {
      hit.key.fill(0);
      this.#cache.delete(id);
    }
    const dek = Buffer.from(await this.#keks.unwrapKey(w));
    this.#remember(w, dek);
    return dek;
  }
}

/**
 * KEKs from two places: `primary` wraps and unwraps its own ids; `others` only unwrap theirs (e.g.
 * keys from settings still named by secrets sealed before the move to Key Vault).
 */
export class CompositeKeyEncryptionKeys implements KeyEncryptionKeys {
  /** @param primary - wraps new keys. @param others - unwrap-only, tried by KEK id prefix. */
  constructor(
    private readonly primary: KeyEncryptionKeys & { owns(kekId: string): boolean },
    private readonly others: Array<KeyEncryptionKeys & { owns(kekId: string): boolean }>,
  ) {}

  wrapKey(dataKey: Uint8Array): Promise<WrappedKey> {
    return this.primary.wrapKey(dataKey);
  }

  unwrapKey(key: WrappedKey): Promise<Uint8Array> {
    const owner = [this.primary, ...this.others].find((k) => k.owns(key.kekId));
    if (!owner) return Promise.reject(new Error(`No key encryption key ${key.kekId} is configured`));
    return owner.unwrapKey(key);
  }

  currentKekId(): Promise<string> {
    return this.primary.currentKekId();
  }
}
