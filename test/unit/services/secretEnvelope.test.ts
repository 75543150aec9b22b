/**
 * Envelope encryption of secrets at rest: AES-256-GCM under per-value data keys, wrapped by a KEK
 * (local keys or Key Vault); the unwrapped data keys are cached for a bounded time and count.
 */
import { generateLocalKeyEntry, KeyVaultKeyEncryptionKey, LocalKeyEncryptionKeys, parseKeyVaultKeyId, type KeyVaultClients } from "../../../shared/adapters";
import type { KeyEncryptionKeys, WrappedKey } from "../../../shared/ports";
import { CompositeKeyEncryptionKeys, EnvelopeSecretSealer, isSealedSecret } from "../../../shared/services/secretEnvelope";

/** Counts unwraps of a real local KEK. */
class CountingKeks implements KeyEncryptionKeys {
  unwraps = 0;
  constructor(readonly inner: LocalKeyEncryptionKeys) {}
  wrapKey(k: Uint8Array): Promise<WrappedKey> {
    return this.inner.wrapKey(k);
  }
  unwrapKey(k: WrappedKey): Promise<Uint8Array> {
    this.unwraps++;
    return this.inner.unwrapKey(k);
  }
  currentKekId(): Promise<string> {
    return this.inner.currentKekId();
  }
}

describe("EnvelopeSecretSealer", () => {
  it("seals into an envelope without the plaintext and opens it only with the same context", async () => {
    const sealer = new EnvelopeSecretSealer(new LocalKeyEncryptionKeys(generateLocalKeyEntry("k1")));
    const secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAxMjM0NTY3";
    const sealed = await sealer.seal(JSON.stringify([secret]), "partner:a:webhook-secrets");
    expect(isSealedSecret(sealed)).toBe(true);
    expect(sealed).not.toContain(secret.slice(6));
    expect(JSON.parse(sealed)).toMatchObject({ v: 1, kek: "local:k1" });
    expect(await sealer.open(sealed, "partner:a:webhook-secrets")).toBe(JSON.stringify([secret]));
    await expect(sealer.open(sealed, "partner:b:webhook-secrets")).rejects.toThrow(/does not open/);
    const tampered = JSON.stringify({ ...JSON.parse(sealed), ct: Buffer.from("x").toString("base64url") });
    await expect(sealer.open(tampered, "partner:a:webhook-secrets")).rejects.toThrow(/does not open/);
    // Two seals of one value differ (fresh data key and IV each time).
    expect(await sealer.seal("same", "c")).not.toBe(await sealer.seal("same", "c"));
  });

  it("caches unwrapped data keys for the TTL only, and at most cacheMaxEntries of them", async () => {
    let now = 1_000_000;
    const writer = new EnvelopeSecretSealer(new LocalKeyEncryptionKeys("k1:" + Buffer.alloc(32, 7).toString("base64")), { cacheTtlInMs: 0 });
    const keks = new CountingKeks(new LocalKeyEncryptionKeys("k1:" + Buffer.alloc(32, 7).toString("base64")));
    const reader = new EnvelopeSecretSealer(keks, { cacheTtlInMs: 60_000, cacheMaxEntries: 2, now: () => now });
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((v) => writer.seal(v, "ctx")));
    expect(await reader.open(a as string, "ctx")).toBe("a");
    expect(await reader.open(a as string, "ctx")).toBe("a");
    expect(keks.unwraps).toBe(1);
    now += 60_001; // past the TTL: unwrapped again
    await reader.open(a as string, "ctx");
    expect(keks.unwraps).toBe(2);
    await reader.open(b as string, "ctx");
    await reader.open(c as string, "ctx"); // evicts a (oldest)
    expect(reader.cachedKeyCount).toBe(2);
    await reader.open(a as string, "ctx");
    expect(keks.unwraps).toBe(5);
  });

  it("rotates the local KEK without downtime: the new key wraps, the old one still unwraps until everything is resealed", async () => {
    const k1 = generateLocalKeyEntry("k1");
    const k2 = generateLocalKeyEntry("k2");
    const before = new EnvelopeSecretSealer(new LocalKeyEncryptionKeys(k1));
    const sealedBefore = await before.seal("s", "ctx");
    const during = new EnvelopeSecretSealer(new LocalKeyEncryptionKeys(`${k2},${k1}`));
    expect(await during.open(sealedBefore, "ctx")).toBe("s");
    expect(await during.needsRewrap(sealedBefore)).toBe(true);
    const resealed = await during.seal(await during.open(sealedBefore, "ctx"), "ctx");
    expect(await during.needsRewrap(resealed)).toBe(false);
    const after = new EnvelopeSecretSealer(new LocalKeyEncryptionKeys(k2));
    expect(await after.open(resealed, "ctx")).toBe("s");
    await expect(after.open(sealedBefore, "ctx")).rejects.toThrow(/local:k1 is not in SECRETS_LOCAL_KEYS/);
  });

  it("refuses malformed local keys, naming the entry", () => {
    expect(() => new LocalKeyEncryptionKeys("k1:short")).toThrow(/"k1:…" is not <id>:<base64 of 32 random bytes>/);
    const k = generateLocalKeyEntry("k1");
    expect(() => new LocalKeyEncryptionKeys(`${k},${k}`)).toThrow(/appears twice/);
  });
});

describe("KeyVaultKeyEncryptionKey", () => {
  const keyId = "https://kv-csp.vault.azure.net/keys/webhook-secrets-kek";

  /** Stands in for the vault: each version is a local AES key; records which key id each call used. */
  function vault(): KeyVaultClients & { calls: string[]; version: string } {
    const versions = new Map<string, LocalKeyEncryptionKeys>();
    const state = {
      calls: [] as string[],
      version: "v1",
      cryptography(id: string) {
        return {
          wrapKey: async (_alg: string, key: Uint8Array) => {
            state.calls.push(`wrap ${id}`);
            const v = `${keyId}/${state.version}`;
            if (!versions.has(v)) versions.set(v, new LocalKeyEncryptionKeys(generateLocalKeyEntry(state.version)));
            const w = await (versions.get(v) as LocalKeyEncryptionKeys).wrapKey(key);
            return { result: w.wrapped, keyID: v, algorithm: "RSA-OAEP-256" as const };
          },
          unwrapKey: async (_alg: string, wrapped: Uint8Array) => {
            state.calls.push(`unwrap ${id}`);
            const kv = versions.get(id) as LocalKeyEncryptionKeys;
            return { result: await kv.unwrapKey({ kekId: await kv.currentKekId(), wrapped }), algorithm: "RSA-OAEP-256" as const };
          },
        } as unknown as ReturnType<KeyVaultClients["cryptography"]>;
      },
      currentVersionId: async () => `${keyId}/${state.version}`,
    };
    return state;
  }

  it("wraps with the key's current version, records it, and unwraps with that version after a rotation", async () => {
    const v = vault();
    const kek = new KeyVaultKeyEncryptionKey(keyId, { getToken: async () => null }, v);
    const sealer = new EnvelopeSecretSealer(kek, { cacheTtlInMs: 0 });
    const sealedV1 = await sealer.seal("s1", "ctx");
    expect(JSON.parse(sealedV1).kek).toBe(`${keyId}/v1`);
    v.version = "v2"; // the vault rotated the key (new version)
    expect(await sealer.needsRewrap(sealedV1)).toBe(true);
    const sealedV2 = await sealer.seal("s2", "ctx");
    expect(JSON.parse(sealedV2).kek).toBe(`${keyId}/v2`);
    expect(await sealer.open(sealedV1, "ctx")).toBe("s1");
    expect(await sealer.open(sealedV2, "ctx")).toBe("s2");
    expect(v.calls).toEqual([`wrap ${keyId}`, `wrap ${keyId}`, `unwrap ${keyId}/v1`, `unwrap ${keyId}/v2`]);
  });

  it("takes the vault key for new wraps and keeps local keys for unwrapping what they sealed (moving to Key Vault)", async () => {
    const local = new LocalKeyEncryptionKeys(generateLocalKeyEntry("dev"));
    const sealedLocally = await new EnvelopeSecretSealer(local).seal("old", "ctx");
    const both = new EnvelopeSecretSealer(new CompositeKeyEncryptionKeys(new KeyVaultKeyEncryptionKey(keyId, { getToken: async () => null }, vault()), [local]));
    expect(await both.open(sealedLocally, "ctx")).toBe("old");
    expect(await both.needsRewrap(sealedLocally)).toBe(true);
    expect(JSON.parse(await both.seal("new", "ctx")).kek).toBe(`${keyId}/v1`);
  });

  it("parses key ids and refuses anything else", () => {
    expect(parseKeyVaultKeyId(`${keyId}/0123abcd`)).toEqual({ vaultUrl: "https://kv-csp.vault.azure.net", name: "webhook-secrets-kek", version: "0123abcd" });
    expect(() => parseKeyVaultKeyId("http://kv/keys/x")).toThrow(RangeError);
  });
});
